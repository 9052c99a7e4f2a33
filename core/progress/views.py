"""What /progress says."""

from __future__ import annotations

from collections.abc import Mapping

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
from core.learning.views import plural, streak_text
from core.quizzes.model import QuizFigures

PROGRESS_CHART_CAPTION = "Items done against the plan, week by week, and your study days."


MAX_WEEKS_REMEMBERED = 6  # the latest finished weeks named
FADING = 0.7  # below this recall, a week is named as fading


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
    # A finished track has no week in progress, so no week's items or hours to aim for.
    finished = plan.is_complete and track.week_after(plan.week.id) is None
    lines = [
        streak_text(streak_days),
        f"Streak freezes held: {freezes} of {FREEZES_HELD_AT_MOST}. A week of steady study earns "
        "one; a missed study day spends one and the streak goes on.",
        *(["Track finished: every week is done."] if finished else []),
        f"Weeks completed: {len(figures.weeks_completed)} of {len(track.weeks)}.",
        f"Items done: {figures.items_done} of {total_items}.",
        *([] if finished else _this_week(plan, e, figures)),
        f"Hours logged in total: {figures.hours_total:g}.",
    ]
    lines += _what_stuck(quiz, weakest, remembered)
    if not finished and figures.hours_in_range < profile.min_hours:
        lines.append(
            f"{profile.min_hours - figures.hours_in_range:g} h more reaches this week's target. Log with /log."
        )
    recent = sorted(figures.weeks_completed.items(), key=lambda kv: kv[1])[-3:]
    blocks: list[Block] = [Heading(f"Progress on {track.title}"), Paragraph("\n".join(lines))]
    if recent:
        titles = {w.id: w for w in track.weeks}
        blocks.append(
            Checklist(
                tuple(
                    CheckItem(
                        f"Week {titles[wid].number}: {titles[wid].title}" if wid in titles else wid,
                        True,
                        f"completed on {day.isoformat()}",
                    )
                    for wid, day in recent
                )
            )
        )
    return Reply(blocks=tuple(blocks))


def _this_week(plan: WeekPlan, e: Enrollment, figures: ProgressFigures) -> list[str]:
    profile = e.pace.profile
    return [
        f"This week ({plan.week.number}): {plan.done_count}/{len(plan.items)} items.",
        f"Hours this calendar week: {figures.hours_in_range:g} of {profile.hours_text} "
        f"({profile.label.lower()} pace).",
    ]


def _what_stuck(
    quiz: QuizFigures, weakest: list[str], remembered: Mapping[int, float] | None
) -> list[str]:
    """The quiz's figures, the weakest topics, and how much of each finished week the
    review cards say is still remembered."""
    lines: list[str] = []
    if quiz.answered:
        share = round(100 * quiz.correct / quiz.answered)
        lines.append(
            f"Quiz: {plural(quiz.answered, 'answer')}, {quiz.correct} right ({share}%); "
            f"{plural(quiz.due, 'review')} due."
        )
        if weakest:
            lines.append("Weakest topics: " + ", ".join(weakest) + ".")
    else:
        lines.append("Quiz: none answered yet; /quiz asks one.")
    if remembered:
        shown = list(remembered.items())[-MAX_WEEKS_REMEMBERED:]
        lines.append(
            "Still remembered of finished weeks: "
            + ", ".join(f"week {n} {round(100 * share)}%" for n, share in shown)
            + "."
        )
        fading = [n for n, share in remembered.items() if share < FADING]
        if fading:
            named = ", ".join(f"week {n}" for n in fading[:3])
            lines.append(f"Fading: {named}; /quiz brings them back.")
    return lines
