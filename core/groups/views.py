"""What the coach says in study groups: setup, membership, digests, standings, reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from core.groups.model import GroupWeekFigures, QuizTally, Sharing, StudyGroup, SubmissionRecord
from core.groups.standings import MonthSummary, Standing, last_study_day
from core.kernel.commands import Leaderboard
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
from core.learning.plan import WEEKDAY_NAMES, WeekPlan
from core.learning.tracks import Track, Week
from core.learning.views import day_text, days_text

MAX_STANDINGS_SHOWN = 20
MAX_DIGEST_NAMES = 15
SHARING_WORDS = {"done": "items done", "streak": "streak", "quiz": "quiz score"}


def _public(*paragraphs: str, heading: str | None = None) -> Reply:
    blocks: list[Block] = [Heading(heading)] if heading else []
    blocks += [Paragraph(p) for p in paragraphs]
    return Reply(blocks=tuple(blocks), visibility=Visibility.CHAT)


def use_in_group(name: str) -> Reply:
    return Reply.text(
        f"/{name} is for study groups, so it works in a group chat, not here.",
        "On Telegram, add me to a group and send it there; on Discord, use it in a server "
        "channel. An admin starts a group with /group setup.",
    )


def not_a_group() -> Reply:
    return Reply.text(
        "This chat is not a study group yet.",
        "A group admin can start one with /group setup (or /group setup TRACK).",
    )


def admins_only(action: str) -> Reply:
    return Reply.text(
        f"Only the group's admins can {action}.",
        "Ask an admin; members can /join, /leave, /share, /submit and see the /leaderboard.",
    )


def schedule_lines(group: StudyGroup, track: Track) -> list[str]:
    report_day = WEEKDAY_NAMES[last_study_day(group.study_days)]
    quiz = (
        f"Group quiz: {days_text(group.quiz_days)} with the digest."
        if group.quiz_days
        else "Group quiz: off."
    )
    return [
        f"Track: {track.title}.",
        f"Daily digest: {group.digest_time:%H:%M} ({group.timezone}) on "
        f"{days_text(group.study_days)}.",
        quiz,
        f"Weekly report: {report_day} {group.report_time:%H:%M}; "
        "a monthly one on the month's last day.",
    ]


def group_set_up(group: StudyGroup, track: Track, week: Week, *, restarted: bool) -> Reply:
    opening = "This group is active again." if restarted else "This chat is now a study group."
    return _public(
        f"{opening} We follow {track.title}, starting with week {week.number}: {week.title}.",
        "\n".join(schedule_lines(group, track)),
        "Members: send /join to take part. What you share with the group is up to you (/share).",
        "Admins can change the schedule: /group tz Europe/Berlin, /group time 08:00, "
        "/group report 18:00, /group days mon-fri, /group quiz tue,thu, /group track NAME, "
        "/group off.",
        heading="Study group",
    )


def already_set_up(track: Track) -> Reply:
    return Reply.text(
        f"This chat is already a study group on {track.title}.",
        "Send /group to see its schedule; admins change it with /group tz, /group time, "
        "/group days, /group quiz, /group report or /group track.",
    )


def group_status(
    group: StudyGroup, track: Track, plan: WeekPlan, members: int, member: bool
) -> Reply:
    you = "You are a member." if member else "You are not a member yet: /join."
    return Reply(
        blocks=(
            Heading(f"Study group: week {plan.week.number} of {len(track.weeks)}"),
            Paragraph(f"{plan.week.title}. {members} member{'s' if members != 1 else ''}. {you}"),
            Paragraph("\n".join(schedule_lines(group, track))),
        )
    )


def group_usage(word: str) -> Reply:
    return Reply.text(
        f"I do not know “/group {word[:30]}”.",
        "Try /group, /group setup [track], /group tz ZONE, /group time HH:MM, "
        "/group report HH:MM, /group days mon-fri, /group quiz mon,wed, /group track NAME "
        "or /group off.",
    )


def group_changed(summary: str) -> Reply:
    return _public(summary, "Send /group to see the whole schedule.")


def group_stopped() -> Reply:
    return _public(
        "The study group is off: no more digests, quizzes or reports here.",
        "Everyone's own progress is kept. An admin can start it again with /group setup.",
    )


def joined(name: str, track: Track, week: Week, note: str) -> Reply:
    lines = [
        f"Welcome, {name}! You are in the group: week {week.number} of {track.title}, {week.title}."
    ]
    if note:
        lines.append(note)
    lines.append(
        "The group sees your items done, streak and quiz score; /share changes that. "
        "/leaderboard shows the week's standings."
    )
    return _public(*lines)


def already_member() -> Reply:
    return Reply.text("You are already in this group. /leaderboard shows how the week goes.")


def left(name: str) -> Reply:
    return _public(f"{name} left the group. Their own progress stays theirs.")


def not_member(action: str) -> Reply:
    return Reply.text(f"Join the group first to {action}: send /join.")


def sharing(share: Sharing) -> Reply:
    def state(on: bool) -> str:
        return "shared" if on else "private"

    lines = [
        f"Items done: {state(share.done)}",
        f"Streak: {state(share.streak)}",
        f"Quiz score: {state(share.quiz)}",
        "Named in the digest when you fall behind: " + ("yes" if share.mentions else "no"),
    ]
    return Reply(
        blocks=(
            Heading("What the group sees of you"),
            Paragraph("\n".join(lines)),
            Paragraph(
                "Change it with /share done off, /share streak on, /share quiz off, "
                "/share mentions on, or /share all off."
            ),
        ),
        buttons=(
            tuple(
                Button(
                    f"{'Hide' if getattr(share, key) else 'Share'} {word}",
                    f"share:{key} {'off' if getattr(share, key) else 'on'}",
                )
                for key, word in SHARING_WORDS.items()
            ),
            (
                Button(
                    "Stop naming me" if share.mentions else "Name me if I fall behind",
                    f"share:mentions {'off' if share.mentions else 'on'}",
                ),
            ),
        ),
    )


def sharing_usage() -> Reply:
    return Reply.text(
        "Say what to share and on or off: /share done off, /share streak on, "
        "/share quiz off, /share mentions on, /share all on."
    )


def sharing_changed(summary: str) -> Reply:
    return Reply.text(summary, "/share shows everything the group sees of you.")


# -- standings -----------------------------------------------------------------


def _figure(value: int | None, word: str) -> str:
    return f"{value} {word}" if value is not None else "–"


def leaderboard_usage(typed: str) -> Reply:
    return _public(
        f"There is no “{typed[:20]}” leaderboard: /leaderboard shows this week, "
        "/leaderboard month this month and /leaderboard all everything so far."
    )


_PERIOD_WORDS = {"week": "this week", "month": "this month", "all": "so far"}


def leaderboard(
    plan: WeekPlan, track: Track, rows: Sequence[Standing], since: date, period: str = "week"
) -> Reply:
    others = tuple(
        Button(label, Leaderboard(name).as_action())
        for name, label in (("week", "This week"), ("month", "This month"), ("all", "All time"))
        if name != period
    )
    if not rows:
        empty = _public(
            "Nobody has joined yet. Send /join to be the first.", heading="The standings"
        )
        return replace(empty, buttons=(others,))
    lines = []
    for row in rows[:MAX_STANDINGS_SHOWN]:
        figures = ", ".join(
            (
                _figure(row.done, "done"),
                _figure(row.quiz, "right"),
                _figure(row.streak, "day streak"),
            )
        )
        lines.append(f"{row.position}. {row.name}: {figures}")
    if len(rows) > MAX_STANDINGS_SHOWN:
        lines.append(f"…and {len(rows) - MAX_STANDINGS_SHOWN} more.")
    if period == "week":
        heading = f"Standings since {day_text(since)}: week {plan.week.number}, {plan.week.title}"
    elif period == "month":
        heading = f"This month's standings, since {day_text(since)}"
    else:
        heading = "All-time standings"
    board = _public(
        "\n".join(lines),
        f"Ranked by items done {_PERIOD_WORDS.get(period, 'this week')}, then right quiz answers, "
        "then streak; “–” is kept private.",
        heading=heading,
    )
    return replace(board, buttons=(others,))


# -- the digest, quizzes, reports -------------------------------------------------


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
    blocks: list[Block] = [
        Heading(f"Group digest, {day_text(today)}: week {plan.week.number} of {len(track.weeks)}")
    ]
    if finished:
        lines = [f"{name}: {', '.join(items)}" for name, items in finished[:MAX_DIGEST_NAMES]]
        if len(finished) > MAX_DIGEST_NAMES:
            lines.append(f"…and {len(finished) - MAX_DIGEST_NAMES} more.")
        blocks += [Paragraph("Finished yesterday:"), Paragraph("\n".join(lines))]
    else:
        blocks.append(Paragraph("Nobody ticked anything off yesterday. Today is a fresh start."))
    if frozen:
        names = ", ".join(frozen[:MAX_DIGEST_NAMES])
        more = (
            f" and {len(frozen) - MAX_DIGEST_NAMES} more" if len(frozen) > MAX_DIGEST_NAMES else ""
        )
        blocks.append(Paragraph(f"Streaks kept by a freeze yesterday: {names}{more}."))
    focus = plan.day(today, study_days).due_today
    if focus:
        blocks.append(
            Paragraph(
                "Today's focus for the group:\n"
                + "\n".join(f"{p.number}. {p.item.title}" for p in focus)
            )
        )
    else:
        blocks.append(Paragraph(f"This week: {plan.week.title}. Catch up on anything open."))
    if catching_up:
        named = tuple(catching_up[:MAX_DIGEST_NAMES])
        blocks.append(Mentions("Catching up with the group's week, you can do it:", named))
        if len(catching_up) > MAX_DIGEST_NAMES:
            blocks.append(Paragraph(f"…and {len(catching_up) - MAX_DIGEST_NAMES} more."))
    blocks.append(Paragraph("Tick items off with /done; /leaderboard shows the standings."))
    return Reply(blocks=tuple(blocks), visibility=Visibility.CHAT)


def group_quiz_intro(week: Week) -> Paragraph:
    return Paragraph(f"Group quiz on week {week.number}, {week.title}: everyone can answer!")


def group_quiz_summary(
    question: str, right_option: str, explanation: str, tally: QuizTally, message_ref: str
) -> Reply:
    if tally.answered == 0:
        result = "Nobody answered this time."
    else:
        result = f"{tally.answered} answered, {tally.right} got it right."
    lines = [f"“{question}”", result, f"The answer: {right_option}."]
    if explanation:
        lines.append(explanation)
    return Reply(
        blocks=(Heading("The group quiz is closed"), Paragraph("\n".join(lines))),
        visibility=Visibility.CHAT,
        closes=PollToClose(message_ref),
    )


def group_quiz_closed() -> Reply:
    return Reply(
        blocks=(Paragraph("This quiz has closed; the next one comes soon."),),
        visibility=Visibility.PASSING,
    )


def group_quiz_answered_already() -> Reply:
    return Reply(
        blocks=(Paragraph("You answered this one already."),), visibility=Visibility.PASSING
    )


def group_quiz_result(correct: bool, right_option: str) -> Reply:
    text = "Right!" if correct else f"Not quite: the answer is {right_option}."
    return Reply(
        blocks=(Paragraph(text + " The group sees the tally when the quiz closes."),),
        visibility=Visibility.PASSING,
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
        f"{active} of {members} members ticked something off; "
        f"{done_total} item{'' if done_total == 1 else 's'} done in all.",
        f"Practice projects shared: {figures.submissions}; reviews given: {figures.reviews}.",
    ]
    if figures.quizzes:
        lines.append(
            f"Group quizzes: {figures.quizzes}, {figures.quiz_answers} answers, "
            f"{figures.quiz_right} right."
        )
    top = [row for row in rows if row.done][:3]
    if top:
        lines.append(
            "Furthest this week: " + ", ".join(f"{row.name} ({row.done})" for row in top) + "."
        )
    following = track.week_after(plan.week.id)
    if following is not None:
        lines.append(f"Next week: week {following.number}, {following.title}.")
    return Reply(
        blocks=(
            Heading(f"Week {plan.week.number} in review: {plan.week.title}"),
            Paragraph("\n".join(lines)),
        ),
        visibility=Visibility.CHAT,
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _names(names: Sequence[str]) -> str:
    shown = list(names[:MAX_DIGEST_NAMES])
    if len(names) > MAX_DIGEST_NAMES:
        shown.append(f"{len(names) - MAX_DIGEST_NAMES} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _month_people(month: MonthSummary) -> str:
    members = _plural(month.members, "member")
    if month.first_month:
        return f"The group's first month: {members}. Welcome, everyone!"
    if month.new_members:
        return f"{members}; new this month: {_names(month.new_members)}. Welcome!"
    return f"{members}."


def _month_work(month: MonthSummary) -> list[str]:
    if month.quiet:
        return [
            "No items ticked off or hours logged this month. That is fine: "
            "a new month is a fresh start."
        ]
    together = [_plural(month.done, "item") + " done"]
    if month.hours:
        together.append(f"{month.hours:g} hour{'' if month.hours == 1 else 's'} logged")
    if month.weeks_completed:
        together.append(_plural(month.weeks_completed, "track week") + " completed")
    lines = [f"Together: {', '.join(together)}."]
    if month.active:
        lines.append(f"{_plural(month.active, 'member')} ticked something off.")
    if month.top:
        lines.append(
            "Top of the month: "
            + ", ".join(f"{row.position}. {row.name} ({row.done})" for row in month.top)
            + "."
        )
    if month.best_streak:
        lines.append(
            f"Longest streak: {_names(month.best_streak_names)}, "
            f"{_plural(month.best_streak, 'day')}."
        )
    return lines


def _month_ahead(weeks: Sequence[Week], month: str) -> str:
    if not weeks:
        return f"The track is through: {month} is for review and practice projects."
    first, last = weeks[0], weeks[-1]
    if first == last:
        return f"In {month} the group opens week {first.number}: {first.title}."
    return (
        f"In {month} the group opens weeks {first.number}–{last.number}, "
        f"starting with {first.title}."
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
        lines.append(
            f"Practice projects shared: {figures.submissions}; reviews given: {figures.reviews}."
        )
    if figures.quizzes:
        lines.append(
            f"Group quizzes: {figures.quizzes}, {_plural(figures.quiz_answers, 'answer')}, "
            f"{figures.quiz_right} right."
        )
    lines.append(_month_ahead(opening, f"{next_month:%B}"))
    return Reply(
        blocks=(
            Heading(f"{month.first_day:%B %Y} in review: {track.title}"),
            Paragraph("\n".join(lines)),
            Paragraph("/leaderboard month shows the month's full standings."),
        ),
        visibility=Visibility.CHAT,
    )


# -- practice projects --------------------------------------------------------------


def submit_usage(limit: int) -> Reply:
    return Reply.text(
        "Share your practice project with the group: /submit followed by a link or a short "
        f"description (up to {limit:,} characters)."
    )


def submitted(record: SubmissionRecord, week: Week) -> Reply:
    return _public(
        f"#{record.number}: {record.author} shared a practice project for week {week.number} "
        f"({week.title}):",
        record.text,
        f"Review it with /review {record.number} followed by a short comment.",
    )


def review_usage(limit: int) -> Reply:
    return Reply.text(
        f"Review a project with /review NUMBER COMMENT, e.g. /review 3 Clear README! "
        f"Comments are up to {limit} characters."
    )


def no_such_submission(number: int) -> Reply:
    return Reply.text(f"There is no project #{number} in this group. Check the number.")


def own_submission() -> Reply:
    return Reply.text("That one is yours: ask another member to review it.")


def reviewed(record: SubmissionRecord, reviewer: str, comment: str, *, first: bool) -> Reply:
    verb = "reviewed" if first else "updated their review of"
    return _public(f"{reviewer} {verb} #{record.number} by {record.author}:", comment)
