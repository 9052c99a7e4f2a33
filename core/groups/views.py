"""What the coach says in study groups: setup, membership, digests, standings, reports.

Every function speaks the language spoken when it is called: the caller chooses the
group's or the member's (see `StudyGroups.run`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from core.groups.model import GroupWeekFigures, QuizTally, Sharing, StudyGroup, SubmissionRecord
from core.groups.standings import MonthSummary, Standing, last_study_day
from core.kernel import i18n
from core.kernel.commands import Leaderboard
from core.kernel.i18n import messages
from core.kernel.reply import (
    Block,
    Button,
    Heading,
    Mention,
    Mentions,
    Paragraph,
    PollToClose,
    Reply,
    Visibility,
)
from core.learning.plan import WeekPlan
from core.learning.tracks import Track, Week
from core.learning.views import days_text

_, n_ = messages("groups")

MAX_STANDINGS_SHOWN = 20
MAX_DIGEST_NAMES = 15


def _public(*paragraphs: str, heading: str | None = None) -> Reply:
    blocks: list[Block] = [Heading(heading)] if heading else []
    blocks += [Paragraph(p) for p in paragraphs]
    return Reply(blocks=tuple(blocks), visibility=Visibility.CHAT)


def listed(items: Iterable[str]) -> str:
    """Items one after another, as the language separates them: "a, b, c"."""
    return i18n.one_after_another(list(items))


def more(count: int) -> str:
    return _("…and {count} more.").format(count=i18n.number(count))


def month_name(day: date, *, year: bool = False) -> str:
    """ "December", or "December 2026", as the language names a month standing alone."""
    from babel.dates import format_date

    spoken = i18n.language()
    shown = format_date(day, "LLLL y" if year else "LLLL", locale=spoken)
    return i18n.marked(i18n.digits(shown, spoken))


def use_in_group(name: str) -> Reply:
    return Reply.text(
        _("/{name} is for study groups, so it works in a group chat, not here.").format(name=name),
        _(
            "On Telegram, add me to a group and send it there; on Discord, use it in a server "
            "channel. An admin starts a group with /group setup."
        ),
    )


def not_a_group() -> Reply:
    return Reply.text(
        _("This chat is not a study group yet."),
        _("A group admin can start one with /group setup (or /group setup TRACK)."),
    )


def _admins_only_text(change: str) -> str:
    match change:
        case "setup":
            return _("Only the group's admins can set up a study group.")
        case "language":
            return _("Only the group's admins can change the group's language.")
    return _("Only the group's admins can change the group's schedule.")


def admins_only(change: str) -> Reply:
    """`change`: "setup", "language", or anything else for the schedule."""
    return Reply.text(
        _admins_only_text(change),
        _("Ask an admin; members can /join, /leave, /share, /submit and see the /leaderboard."),
    )


def language_name(code: str) -> str:
    """A language in its own words: "English", "فارسی", "Русский"."""
    return i18n.NAMES.get(code, code)


def schedule_lines(group: StudyGroup, track: Track) -> list[str]:
    digest_at, report_at = i18n.clock_time(group.digest_time), i18n.clock_time(group.report_time)
    quiz = (
        _("Group quiz: {days} with the digest.").format(days=days_text(group.quiz_days))
        if group.quiz_days
        else _("Group quiz: off.")
    )
    return [
        _("Track: {track}.").format(track=track.title),
        _("Daily digest: {time} ({zone}) on {days}.").format(
            time=digest_at, zone=group.timezone, days=days_text(group.study_days)
        ),
        quiz,
        _("Weekly report: {day} {time}; a monthly one on the month's last day.").format(
            day=i18n.weekday(last_study_day(group.study_days)), time=report_at
        ),
        _("Language: {language}.").format(language=language_name(group.language)),
    ]


def _group_opening(track: Track, week: Week, *, restarted: bool) -> str:
    values = {"track": track.title, "number": i18n.number(week.number), "title": week.title}
    if restarted:
        return _(
            "This group is active again. We follow {track}, starting with week {number}: {title}."
        ).format(**values)
    return _(
        "This chat is now a study group. We follow {track}, starting with week {number}: {title}."
    ).format(**values)


def group_set_up(group: StudyGroup, track: Track, week: Week, *, restarted: bool) -> Reply:
    return _public(
        _group_opening(track, week, restarted=restarted),
        "\n".join(schedule_lines(group, track)),
        _("Members: send /join to take part. What you share with the group is up to you (/share)."),
        _(
            "Admins can change the schedule: /group tz Europe/Berlin, /group time 08:00, "
            "/group report 18:00, /group days mon-fri, /group quiz tue,thu, /group track NAME, "
            "/group language fa, /group off."
        ),
        heading=_("Study group"),
    )


def already_set_up(track: Track) -> Reply:
    return Reply.text(
        _("This chat is already a study group on {track}.").format(track=track.title),
        _(
            "Send /group to see its schedule; admins change it with /group tz, /group time, "
            "/group days, /group quiz, /group report, /group track or /group language."
        ),
    )


def group_status(
    group: StudyGroup, track: Track, plan: WeekPlan, members: int, member: bool
) -> Reply:
    you = _("You are a member.") if member else _("You are not a member yet: /join.")
    about = n_("{title}. {count} member. {you}", "{title}. {count} members. {you}", members)
    return Reply(
        blocks=(
            Heading(
                _("Study group: week {number} of {total}").format(
                    number=i18n.number(plan.week.number), total=i18n.number(len(track.weeks))
                )
            ),
            Paragraph(about.format(title=plan.week.title, count=i18n.number(members), you=you)),
            Paragraph("\n".join(schedule_lines(group, track))),
        )
    )


def group_usage(word: str) -> Reply:
    return Reply.text(
        _("I do not know “/group {word}”.").format(word=word[:30]),
        _(
            "Try /group, /group setup [track], /group tz ZONE, /group time HH:MM, "
            "/group report HH:MM, /group days mon-fri, /group quiz mon,wed, /group track NAME, "
            "/group language en|fa|ru or /group off."
        ),
    )


def language_usage(typed: str) -> Reply:
    """`/group language` without a language the coach speaks."""
    choices = listed(f"{code} ({language_name(code)})" for code in i18n.LANGUAGES)
    lines = [_("The group's posts can be in: {choices}.").format(choices=choices)]
    if typed:
        lines.insert(0, _("I do not speak “{typed}”.").format(typed=typed[:30]))
    lines.append(_("An admin chooses with /group language fa, for example. Nothing was changed."))
    return Reply.text(*lines)


def language_changed(code: str) -> str:
    """Said in the group's new language."""
    return _(
        "The group's language is now {language}: digests, quizzes and reports come in it."
    ).format(language=language_name(code))


def group_changed(summary: str) -> Reply:
    return _public(summary, _("Send /group to see the whole schedule."))


def not_changed(problem: str) -> Reply:
    return Reply.text(problem, _("Nothing was changed."))


def group_stopped() -> Reply:
    return _public(
        _("The study group is off: no more digests, quizzes or reports here."),
        _("Everyone's own progress is kept. An admin can start it again with /group setup."),
    )


def track_gone() -> Reply:
    return Reply.text(
        _("The track this group follows is no longer available."),
        _("An admin can pick another with /group track NAME."),
    )


# -- members ----------------------------------------------------------------------


def other_track_note(track: Track, *, kept: bool) -> str:
    """For a member whose own track is another one."""
    if kept:
        text = _(
            "Your own track is another one; your ticks on {title} count here. "
            "Switch any time with /settings track {track} (your progress there is kept)."
        )
    else:
        text = _(
            "Your own track is another one; your ticks on {title} count here. "
            "Switch any time with /settings track {track}."
        )
    return text.format(title=track.title, track=track.id)


def joined(name: str, track: Track, week: Week, note: str) -> Reply:
    lines = [
        _("Welcome, {name}! You are in the group: week {number} of {track}, {title}.").format(
            name=name, number=i18n.number(week.number), track=track.title, title=week.title
        )
    ]
    if note:
        lines.append(note)
    lines.append(
        _(
            "The group sees your items done, streak and quiz score; /share changes that. "
            "/leaderboard shows the week's standings."
        )
    )
    return _public(*lines)


def already_member() -> Reply:
    return Reply.text(_("You are already in this group. /leaderboard shows how the week goes."))


def left(name: str) -> Reply:
    return _public(_("{name} left the group. Their own progress stays theirs.").format(name=name))


def not_in_group() -> Reply:
    return Reply.text(_("You are not in this group. /join takes you in."))


def not_member(doing: str) -> Reply:
    """`doing`: "share", "submit" or "review"."""
    match doing:
        case "submit":
            text = _("Join the group first to share a project: send /join.")
        case "review":
            text = _("Join the group first to review projects: send /join.")
        case _:
            text = _("Join the group first to choose what it sees: send /join.")
    return Reply.text(text)


def _shown(on: bool) -> str:
    return _("shared") if on else _("private")


def _sharing_button(key: str, on: bool) -> Button:
    """The button that flips one switch of /share."""
    match key, on:
        case "done", True:
            label = _("Hide items done")
        case "done", False:
            label = _("Share items done")
        case "streak", True:
            label = _("Hide streak")
        case "streak", False:
            label = _("Share streak")
        case "quiz", True:
            label = _("Hide quiz score")
        case "quiz", False:
            label = _("Share quiz score")
        case "mentions", True:
            label = _("Stop naming me")
        case _:
            label = _("Name me if I fall behind")
    return Button(label, f"share:{key} {'off' if on else 'on'}")


def sharing(share: Sharing) -> Reply:
    lines = [
        _("Items done: {state}").format(state=_shown(share.done)),
        _("Streak: {state}").format(state=_shown(share.streak)),
        _("Quiz score: {state}").format(state=_shown(share.quiz)),
        _("Named in the digest when you fall behind: {answer}").format(
            answer=_("yes") if share.mentions else _("no")
        ),
    ]
    return Reply(
        blocks=(
            Heading(_("What the group sees of you")),
            Paragraph("\n".join(lines)),
            Paragraph(
                _(
                    "Change it with /share done off, /share streak on, /share quiz off, "
                    "/share mentions on, or /share all off."
                )
            ),
        ),
        buttons=(
            tuple(_sharing_button(key, getattr(share, key)) for key in ("done", "streak", "quiz")),
            (_sharing_button("mentions", share.mentions),),
        ),
    )


def sharing_usage() -> Reply:
    return Reply.text(
        _(
            "Say what to share and on or off: /share done off, /share streak on, "
            "/share quiz off, /share mentions on, /share all on."
        )
    )


# -- standings -----------------------------------------------------------------


def _figures(row: Standing) -> str:
    """ "2 done, 1 right, 3 day streak"; "–" for what the member keeps private."""
    shown = (
        None if row.done is None else _("{count} done").format(count=i18n.number(row.done)),
        None if row.quiz is None else _("{count} right").format(count=i18n.number(row.quiz)),
        None
        if row.streak is None
        else n_("{count} day streak", "{count} day streak", row.streak).format(
            count=i18n.number(row.streak)
        ),
    )
    return listed(figure if figure is not None else "–" for figure in shown)


def leaderboard_usage(typed: str) -> Reply:
    return _public(
        _(
            "There is no “{typed}” leaderboard: /leaderboard shows this week, "
            "/leaderboard month this month and /leaderboard all everything so far."
        ).format(typed=typed[:20])
    )


def _period_button(period: str) -> Button:
    match period:
        case "month":
            label = _("This month")
        case "all":
            label = _("All time")
        case _:
            label = _("This week")
    return Button(label, Leaderboard(period).as_action())


def _ranked_by(period: str) -> str:
    match period:
        case "month":
            return _(
                "Ranked by items done this month, then right quiz answers, then streak; "
                "“–” is kept private."
            )
        case "all":
            return _(
                "Ranked by items done so far, then right quiz answers, then streak; "
                "“–” is kept private."
            )
    return _(
        "Ranked by items done this week, then right quiz answers, then streak; “–” is kept private."
    )


def _standings_heading(plan: WeekPlan, since: date, period: str) -> str:
    if period == "week":
        return _("Standings since {day}: week {number}, {title}").format(
            day=i18n.day(since), number=i18n.number(plan.week.number), title=plan.week.title
        )
    if period == "month":
        return _("This month's standings, since {day}").format(day=i18n.day(since))
    return _("All-time standings")


def leaderboard(
    plan: WeekPlan, track: Track, rows: Sequence[Standing], since: date, period: str = "week"
) -> Reply:
    others = tuple(_period_button(name) for name in ("week", "month", "all") if name != period)
    if not rows:
        empty = _public(
            _("Nobody has joined yet. Send /join to be the first."), heading=_("The standings")
        )
        return replace(empty, buttons=(others,))
    lines = [
        f"{i18n.number(row.position)}. {row.name}: {_figures(row)}"
        for row in rows[:MAX_STANDINGS_SHOWN]
    ]
    if len(rows) > MAX_STANDINGS_SHOWN:
        lines.append(more(len(rows) - MAX_STANDINGS_SHOWN))
    board = _public(
        "\n".join(lines),
        _ranked_by(period),
        heading=_standings_heading(plan, since, period),
    )
    return replace(board, buttons=(others,))


# -- the digest, quizzes, reports -------------------------------------------------


def _frozen_line(frozen: Sequence[str]) -> str:
    names = listed(frozen[:MAX_DIGEST_NAMES])
    if len(frozen) > MAX_DIGEST_NAMES:
        return _("Streaks kept by a freeze yesterday: {names} and {count} more.").format(
            names=names, count=i18n.number(len(frozen) - MAX_DIGEST_NAMES)
        )
    return _("Streaks kept by a freeze yesterday: {names}.").format(names=names)


def _finished_blocks(finished: Sequence[tuple[str, list[str]]]) -> list[Block]:
    if not finished:
        return [Paragraph(_("Nobody ticked anything off yesterday. Today is a fresh start."))]
    lines = [f"{name}: {listed(items)}" for name, items in finished[:MAX_DIGEST_NAMES]]
    if len(finished) > MAX_DIGEST_NAMES:
        lines.append(more(len(finished) - MAX_DIGEST_NAMES))
    return [Paragraph(_("Finished yesterday:")), Paragraph("\n".join(lines))]


def digest(
    plan: WeekPlan,
    track: Track,
    today: date,
    study_days: frozenset[int],
    finished: Sequence[tuple[str, list[str]]],
    catching_up: Sequence[Mention],
    *,
    frozen: Sequence[str] = (),
) -> Reply:
    heading = _("Group digest, {day}: week {number} of {total}").format(
        day=i18n.day(today),
        number=i18n.number(plan.week.number),
        total=i18n.number(len(track.weeks)),
    )
    blocks: list[Block] = [Heading(heading), *_finished_blocks(finished)]
    if frozen:
        blocks.append(Paragraph(_frozen_line(frozen)))
    focus = plan.day(today, study_days).due_today
    if focus:
        lines = [_("Today's focus for the group:")]
        lines += [f"{i18n.number(p.number)}. {p.item.title}" for p in focus]
        blocks.append(Paragraph("\n".join(lines)))
    else:
        blocks.append(
            Paragraph(
                _("This week: {title}. Catch up on anything open.").format(title=plan.week.title)
            )
        )
    if catching_up:
        named = tuple(catching_up[:MAX_DIGEST_NAMES])
        blocks.append(Mentions(_("Catching up with the group's week, you can do it:"), named))
        if len(catching_up) > MAX_DIGEST_NAMES:
            blocks.append(Paragraph(more(len(catching_up) - MAX_DIGEST_NAMES)))
    blocks.append(Paragraph(_("Tick items off with /done; /leaderboard shows the standings.")))
    return Reply(blocks=tuple(blocks), visibility=Visibility.CHAT)


def group_quiz_title() -> str:
    return _("Group quiz")


def group_quiz_intro(week: Week) -> Paragraph:
    return Paragraph(
        _("Group quiz on week {number}, {title}: everyone can answer!").format(
            number=i18n.number(week.number), title=week.title
        )
    )


def group_quiz_summary(
    question: str, right_option: str, explanation: str, tally: QuizTally, message_ref: str
) -> Reply:
    if tally.answered == 0:
        result = _("Nobody answered this time.")
    else:
        result = _("{answered} answered, {right} got it right.").format(
            answered=i18n.number(tally.answered), right=i18n.number(tally.right)
        )
    lines = [
        _("“{question}”").format(question=question),
        result,
        _("The answer: {option}.").format(option=right_option),
    ]
    if explanation:
        lines.append(explanation)
    return Reply(
        blocks=(Heading(_("The group quiz is closed")), Paragraph("\n".join(lines))),
        visibility=Visibility.CHAT,
        closes=PollToClose(message_ref),
    )


def group_quiz_closed() -> Reply:
    return Reply(
        blocks=(Paragraph(_("This quiz has closed; the next one comes soon.")),),
        visibility=Visibility.PASSING,
    )


def group_quiz_answered_already() -> Reply:
    return Reply(
        blocks=(Paragraph(_("You answered this one already.")),), visibility=Visibility.PASSING
    )


def group_quiz_result(correct: bool, right_option: str) -> Reply:
    if correct:
        text = _("Right! The group sees the tally when the quiz closes.")
    else:
        text = _(
            "Not quite: the answer is {option}. The group sees the tally when the quiz closes."
        ).format(option=right_option)
    return Reply(blocks=(Paragraph(text),), visibility=Visibility.PASSING)


def _quizzes_line(figures: GroupWeekFigures) -> str:
    return n_(
        "Group quizzes: {quizzes}, {count} answer, {right} right.",
        "Group quizzes: {quizzes}, {count} answers, {right} right.",
        figures.quiz_answers,
    ).format(
        quizzes=i18n.number(figures.quizzes),
        count=i18n.number(figures.quiz_answers),
        right=i18n.number(figures.quiz_right),
    )


def _projects_line(figures: GroupWeekFigures) -> str:
    return _("Practice projects shared: {submissions}; reviews given: {reviews}.").format(
        submissions=i18n.number(figures.submissions), reviews=i18n.number(figures.reviews)
    )


def weekly_report(
    plan: WeekPlan,
    track: Track,
    rows: Sequence[Standing],
    members: int,
    active: int,
    done_total: int,
    figures: GroupWeekFigures,
) -> Reply:
    lines = [
        n_(
            "{active} of {members} members ticked something off; {count} item done in all.",
            "{active} of {members} members ticked something off; {count} items done in all.",
            done_total,
        ).format(
            active=i18n.number(active), members=i18n.number(members), count=i18n.number(done_total)
        ),
        _projects_line(figures),
    ]
    if figures.quizzes:
        lines.append(_quizzes_line(figures))
    top = [row for row in rows if row.done][:3]
    if top:
        furthest = listed(f"{row.name} ({i18n.number(row.done or 0)})" for row in top)
        lines.append(_("Furthest this week: {names}.").format(names=furthest))
    following = track.week_after(plan.week.id)
    if following is not None:
        lines.append(
            _("Next week: week {number}, {title}.").format(
                number=i18n.number(following.number), title=following.title
            )
        )
    heading = _("Week {number} in review: {title}").format(
        number=i18n.number(plan.week.number), title=plan.week.title
    )
    return Reply(blocks=(Heading(heading), Paragraph("\n".join(lines))), visibility=Visibility.CHAT)


def _names(names: Sequence[str]) -> str:
    """ "Ada", "Ada and Bob", "Ada, Bob and 3 more"."""
    shown = list(names[:MAX_DIGEST_NAMES])
    if len(names) > MAX_DIGEST_NAMES:
        rest = len(names) - MAX_DIGEST_NAMES
        shown.append(n_("{count} more", "{count} more", rest).format(count=i18n.number(rest)))
    if len(shown) == 1:
        return shown[0]
    return _("{names} and {last}").format(names=listed(shown[:-1]), last=shown[-1])


def _month_people(month: MonthSummary) -> str:
    count = i18n.number(month.members)
    if month.first_month:
        return n_(
            "The group's first month: {count} member. Welcome, everyone!",
            "The group's first month: {count} members. Welcome, everyone!",
            month.members,
        ).format(count=count)
    if month.new_members:
        return n_(
            "{count} member; new this month: {names}. Welcome!",
            "{count} members; new this month: {names}. Welcome!",
            month.members,
        ).format(count=count, names=_names(month.new_members))
    return n_("{count} member.", "{count} members.", month.members).format(count=count)


def plural_count(value: float) -> int:
    """The count that picks a plural form for `value`: a fraction takes the form of 2
    ("1.5 hours", "1,5 часа")."""
    return int(value) if value == int(value) else 2


def _together(month: MonthSummary) -> str:
    parts = [
        n_("{count} item done", "{count} items done", month.done).format(
            count=i18n.number(month.done)
        )
    ]
    if month.hours:
        parts.append(
            n_("{count} hour logged", "{count} hours logged", plural_count(month.hours)).format(
                count=i18n.number(month.hours)
            )
        )
    if month.weeks_completed:
        parts.append(
            n_(
                "{count} track week completed",
                "{count} track weeks completed",
                month.weeks_completed,
            ).format(count=i18n.number(month.weeks_completed))
        )
    return _("Together: {parts}.").format(parts=listed(parts))


def _month_work(month: MonthSummary) -> list[str]:
    if month.quiet:
        return [
            _(
                "No items ticked off or hours logged this month. That is fine: "
                "a new month is a fresh start."
            )
        ]
    lines = [_together(month)]
    if month.active:
        lines.append(
            n_(
                "{count} member ticked something off.",
                "{count} members ticked something off.",
                month.active,
            ).format(count=i18n.number(month.active))
        )
    if month.top:
        leaders = listed(
            f"{i18n.number(row.position)}. {row.name} ({i18n.number(row.done or 0)})"
            for row in month.top
        )
        lines.append(_("Top of the month: {names}.").format(names=leaders))
    if month.best_streak:
        lines.append(
            n_(
                "Longest streak: {names}, {count} day.",
                "Longest streak: {names}, {count} days.",
                month.best_streak,
            ).format(names=_names(month.best_streak_names), count=i18n.number(month.best_streak))
        )
    return lines


def _month_ahead(weeks: Sequence[Week], month: str) -> str:
    if not weeks:
        return _("The track is through: {month} is for review and practice projects.").format(
            month=month
        )
    first, last = weeks[0], weeks[-1]
    if first == last:
        return _("In {month} the group opens week {number}: {title}.").format(
            month=month, number=i18n.number(first.number), title=first.title
        )
    return _("In {month} the group opens weeks {first}–{last}, starting with {title}.").format(
        month=month,
        first=i18n.number(first.number),
        last=i18n.number(last.number),
        title=first.title,
    )


def monthly_report(
    month: MonthSummary,
    figures: GroupWeekFigures,
    track: Track,
    opening: Sequence[Week],
    next_month: date,
) -> Reply:
    """The month in numbers: who joined, what was done, the leaders, and the track weeks
    the group opens next month."""
    lines = [_month_people(month), *_month_work(month)]
    if figures.submissions or figures.reviews:
        lines.append(_projects_line(figures))
    if figures.quizzes:
        lines.append(_quizzes_line(figures))
    lines.append(_month_ahead(opening, month_name(next_month)))
    heading = _("{month} in review: {track}").format(
        month=month_name(month.first_day, year=True), track=track.title
    )
    return Reply(
        blocks=(
            Heading(heading),
            Paragraph("\n".join(lines)),
            Paragraph(_("/leaderboard month shows the month's full standings.")),
        ),
        visibility=Visibility.CHAT,
    )


# -- practice projects --------------------------------------------------------------
# A project's number stays in plain digits: it is what a member types after /review.


def submit_usage(limit: int) -> Reply:
    return Reply.text(
        _(
            "Share your practice project with the group: /submit followed by a link or a short "
            "description (up to {limit} characters)."
        ).format(limit=i18n.number(limit))
    )


def author_of(record: SubmissionRecord) -> str:
    """The submission's author as the group knows them; one who left is named as such."""
    return record.author or _("a former member")


def submitted(record: SubmissionRecord, week: Week) -> Reply:
    return _public(
        _("#{number}: {author} shared a practice project for week {week} ({title}):").format(
            number=record.number,
            author=author_of(record),
            week=i18n.number(week.number),
            title=week.title,
        ),
        record.text,
        _("Review it with /review {number} followed by a short comment.").format(
            number=record.number
        ),
    )


def review_usage(limit: int) -> Reply:
    return Reply.text(
        _(
            "Review a project with /review NUMBER COMMENT, e.g. /review 3 Clear README! "
            "Comments are up to {limit} characters."
        ).format(limit=i18n.number(limit))
    )


def no_such_submission(number: int) -> Reply:
    return Reply.text(
        _("There is no project #{number} in this group. Check the number.").format(number=number)
    )


def own_submission() -> Reply:
    return Reply.text(_("That one is yours: ask another member to review it."))


def reviewed(record: SubmissionRecord, reviewer: str, comment: str, *, first: bool) -> Reply:
    if first:
        text = _("{reviewer} reviewed #{number} by {author}:")
    else:
        text = _("{reviewer} updated their review of #{number} by {author}:")
    said = text.format(reviewer=reviewer, number=record.number, author=author_of(record))
    return _public(said, comment)
