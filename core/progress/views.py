"""What /progress says."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from core.kernel import i18n
from core.kernel.i18n import messages
from core.kernel.reply import (
    Block,
    CheckItem,
    Checklist,
    Heading,
    Paragraph,
    Reply,
)
from core.learning.activity import FREEZES_HELD_AT_MOST
from core.learning.model import Enrollment, ProgressFigures
from core.learning.plan import WeekPlan
from core.learning.tracks import Track
from core.learning.views import streak_text
from core.quizzes.model import QuizFigures

_, n_ = messages("progress")

MAX_WEEKS_REMEMBERED = 6  # the latest finished weeks named
FADING = 0.7  # below this recall, a week is named as fading


def progress_chart_caption() -> str:
    return _("Items done against the plan, week by week, and your study days.")


def progress(
    track: Track,
    plan: WeekPlan,
    e: Enrollment,
    figures: ProgressFigures,
    streak_days: int,
    quiz: QuizFigures,
    weakest: list[str],
    freezes: int = 0,
    remembered: Mapping[int, float] | None = None,
) -> Reply:
    total_items = sum(len(w.items) for w in track.weeks)
    profile = e.pace.profile
    number = i18n.number
    # A finished track has no week in progress, so no week's items or hours to aim for.
    finished = plan.is_complete and track.week_after(plan.week.id) is None
    lines = [
        streak_text(streak_days),
        _(
            "Streak freezes held: {held} of {most}. A week of steady study earns one; "
            "a missed study day spends one and the streak goes on."
        ).format(held=number(freezes), most=number(FREEZES_HELD_AT_MOST)),
        *([_("Track finished: every week is done.")] if finished else []),
        _("Weeks completed: {done} of {total}.").format(
            done=number(len(figures.weeks_completed)), total=number(len(track.weeks))
        ),
        _("Items done: {done} of {total}.").format(
            done=number(figures.items_done), total=number(total_items)
        ),
        *([] if finished else _this_week(plan, e, figures)),
        _("Hours logged in total: {hours}.").format(hours=number(figures.hours_total)),
    ]
    lines += _what_stuck(quiz, weakest, remembered)
    if not finished and figures.hours_in_range < profile.min_hours:
        lines.append(
            _("{hours} h more reaches this week's target. Log with /log.").format(
                hours=number(profile.min_hours - figures.hours_in_range)
            )
        )
    heading = _("Progress on {track}").format(track=track.title)
    blocks: list[Block] = [Heading(heading), Paragraph("\n".join(lines))]
    recent = sorted(figures.weeks_completed.items(), key=lambda kv: kv[1])[-3:]
    if recent:
        blocks.append(_weeks_completed(track, recent))
    return Reply(blocks=tuple(blocks))


def _weeks_completed(track: Track, recent: list[tuple[str, date]]) -> Checklist:
    titles = {w.id: w for w in track.weeks}
    return Checklist(
        tuple(
            CheckItem(
                _("Week {number}: {title}").format(
                    number=i18n.number(titles[wid].number), title=titles[wid].title
                )
                if wid in titles
                else wid,
                True,
                _("completed on {day}").format(day=i18n.day(day)),
            )
            for wid, day in recent
        )
    )


def _this_week(plan: WeekPlan, e: Enrollment, figures: ProgressFigures) -> list[str]:
    profile = e.pace.profile
    number = i18n.number
    return [
        _("This week ({number}): {done}/{total} items.").format(
            number=number(plan.week.number),
            done=number(plan.done_count),
            total=number(len(plan.items)),
        ),
        _("Hours this calendar week: {hours} of {target} ({pace} pace).").format(
            hours=number(figures.hours_in_range),
            target=profile.hours_text,
            pace=profile.label.lower(),
        ),
    ]


def _listed(items: Iterable[str]) -> str:
    """The items as "a, b, c", with the comma of the language spoken."""
    return i18n.one_after_another(list(items))


def _what_stuck(
    quiz: QuizFigures, weakest: list[str], remembered: Mapping[int, float] | None
) -> list[str]:
    """The quiz's figures, the weakest topics, and how much of each finished week the
    review cards say is still remembered."""
    number = i18n.number
    lines: list[str] = []
    if quiz.answered:
        answers = n_("{count} answer", "{count} answers", quiz.answered)
        reviews = n_("{count} review", "{count} reviews", quiz.due)
        lines.append(
            _("Quiz: {answers}, {right} right ({share}%); {reviews} due.").format(
                answers=answers.format(count=number(quiz.answered)),
                right=number(quiz.correct),
                share=number(round(100 * quiz.correct / quiz.answered)),
                reviews=reviews.format(count=number(quiz.due)),
            )
        )
        if weakest:
            lines.append(_("Weakest topics: {topics}.").format(topics=_listed(weakest)))
    else:
        lines.append(_("Quiz: none answered yet; /quiz asks one."))
    if remembered:
        shown = list(remembered.items())[-MAX_WEEKS_REMEMBERED:]
        weeks = (
            _("week {number} {share}%").format(number=number(n), share=number(round(100 * share)))
            for n, share in shown
        )
        lines.append(_("Still remembered of finished weeks: {weeks}.").format(weeks=_listed(weeks)))
        fading = [n for n, share in remembered.items() if share < FADING]
        if fading:
            named = _listed(_("week {number}").format(number=number(n)) for n in fading[:3])
            lines.append(_("Fading: {weeks}; /quiz brings them back.").format(weeks=named))
    return lines
