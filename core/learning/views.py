"""The coach's words: turning plans and figures into platform-neutral Replies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from core.accounts.linking import platform_name, platforms_text
from core.kernel.commands import Command
from core.kernel.reply import (
    Block,
    Button,
    CheckItem,
    Checklist,
    Heading,
    Paragraph,
    Preformatted,
    Reply,
)
from core.learning.pace import Pace
from core.learning.plan import WEEKDAY_NAMES, PlannedItem, WeekPlan
from core.learning.tracks import Track, Week
from core.ports import Enrollment, LearnerRef, ProgressFigures, QuizFigures, TrackRef

MAX_BUTTON_LABEL = 40
MAX_TODAY_BUTTONS = 8
MAX_RESOURCE_LINES = 15


def day_text(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {day:%b}"


def days_text(days: Iterable[int]) -> str:
    ordered = sorted(days)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{WEEKDAY_NAMES[ordered[0]]}–{WEEKDAY_NAMES[ordered[-1]]}"
    return ", ".join(WEEKDAY_NAMES[d] for d in ordered)


def _plural(count: int | float, word: str) -> str:
    return f"{count:g} {word}" if count == 1 else f"{count:g} {word}s"


def _check(planned: PlannedItem, *, show_due: bool = True) -> CheckItem:
    if planned.done_on is not None:
        detail = f"done {day_text(planned.done_on)}"
    else:
        detail = f"due {day_text(planned.due_on)}" if show_due else ""
    return CheckItem(f"{planned.number}. {planned.item.title}", planned.done, detail)


def _done_buttons(items: Iterable[PlannedItem]) -> tuple[tuple[Button, ...], ...]:
    rows = []
    for planned in list(items)[:MAX_TODAY_BUTTONS]:
        label = f"✓ {planned.number}. {planned.item.title}"
        if len(label) > MAX_BUTTON_LABEL:
            label = label[: MAX_BUTTON_LABEL - 1].rstrip() + "…"
        rows.append((Button(label, Command("done", planned.item.id).as_action()),))
    return tuple(rows)


def _week_heading(track: Track, plan: WeekPlan) -> str:
    return (
        f"Week {plan.week.number} of {len(track.weeks)}: {plan.week.title} "
        f"({plan.done_count}/{len(plan.items)} done)"
    )


def _streak_text(days: int) -> str:
    return f"Streak: {_plural(days, 'day')}." if days else "Streak: starts with your next item."


# -- onboarding ---------------------------------------------------------------


def welcome(track: Track, plan: WeekPlan, e: Enrollment, tracks: Sequence[TrackRef]) -> Reply:
    week = plan.week
    blocks: list[Block] = [
        Heading(f"Welcome to Roadmap Coach: {track.title}"),
        Paragraph(
            f"{len(track.weeks)} weeks, one step a day. Pace: {e.pace.profile.label.lower()} "
            f"({e.pace.profile.hours_text}); study days {days_text(e.study_days)}; "
            f"daily nudge {e.nudge_time:%H:%M} {e.timezone}."
        ),
        Heading(f"Week 1: {week.title}"),
    ]
    if week.goal:
        blocks.append(Paragraph(f"Goal: {week.goal}"))
    blocks.append(Checklist(tuple(_check(p) for p in plan.items)))
    blocks.append(
        Paragraph(
            "Send /today for today's plan and /done when you finish an item. "
            "Change anything with /settings (for your time zone: /settings tz Europe/Berlin)."
        )
    )
    pace_row = tuple(
        Button(
            f"Pace: {pace.profile.label.lower()}",
            Command("settings", f"pace {pace.value}").as_action(),
        )
        for pace in Pace
        if pace is not e.pace
    )
    buttons: list[tuple[Button, ...]] = [(Button("Show today", "today"),), pace_row]
    other_tracks = tuple(
        Button(t.title[:MAX_BUTTON_LABEL], Command("settings", f"track {t.id}").as_action())
        for t in tracks
        if t.id != track.id
    )
    if other_tracks:
        buttons.append(other_tracks[:3])
    return Reply(blocks=tuple(blocks), buttons=tuple(buttons))


def welcome_back(week: Week | None) -> Reply:
    where = f" You are on week {week.number}: {week.title}." if week else ""
    return Reply.text(
        f"Welcome back!{where}",
        "/today shows what is next.",
        buttons=((Button("Show today", "today"),),),
    )


def not_started() -> Reply:
    return Reply.text("We have not started yet. Send /start to pick up the Python Backend track.")


def help_text() -> Reply:
    return Reply(
        blocks=(
            Heading("What I understand"),
            Paragraph(
                "/start – begin (or see where you are)\n"
                "/today – today's items, anything overdue, or a rest day\n"
                "/done – tick the next item; /done 3 ticks item 3; /done yesterday credits yesterday\n"
                "/undo – take back the last tick\n"
                "/week – the whole week with goal and project\n"
                "/progress – streak, weeks done, hours against your pace\n"
                "/log 1.5 – log study hours (also 45m, 1h30m)\n"
                "/note text – a reflection note for this week\n"
                "/settings – time zone, nudge time, study days, pace, track\n"
                "/pause, /resume – take a break without losing your streak\n"
                "/quiz – a question on this week and the ones before\n"
                "/import – follow your own Markdown roadmap (send the .md file)\n"
                "/link – one progress on Telegram, Discord and the console\n"
                "/join, /leaderboard, /submit, /review, /share – in a study group's chat; "
                "an admin starts one there with /group setup\n"
                "/export – all your data as JSON; /forget – delete it all"
            ),
        )
    )


def hint() -> Reply:
    return Reply.text("I answer to commands: try /today, /done or /help.")


def unknown_command(word: str) -> Reply:
    return Reply.text(f"I do not know /{word[:40]}. Send /help to see what I can do.")


def apology() -> Reply:
    return Reply.text(
        "Sorry, something went wrong on my side and nothing was changed.",
        "Please try again in a moment.",
    )


# -- the daily loop -----------------------------------------------------------


def today(
    track: Track, plan: WeekPlan, on: date, study_days: frozenset[int], streak_days: int
) -> Reply:
    day = plan.day(on, study_days)
    blocks: list[Block] = [
        Heading(f"{day_text(on)} · {_week_heading(track, plan)}"),
    ]
    if day.overdue:
        blocks += [Paragraph("Catch up first:"), Checklist(tuple(_check(p) for p in day.overdue))]
    if day.due_today:
        blocks += [
            Paragraph("Today:"),
            Checklist(tuple(_check(p, show_due=False) for p in day.due_today)),
        ]
    open_today = tuple(p for p in day.due_today if not p.done)
    if not day.is_study_day and not day.due_today:
        blocks.append(Paragraph("Rest day. Enjoy it; your streak is safe."))
    elif day.due_today and not open_today:
        blocks.append(Paragraph("Everything for today is done. Well done!"))
    elif not day.due_today and not day.overdue:
        blocks.append(Paragraph("Nothing is planned for today; a good day to get ahead or rest."))
    if not open_today and not day.overdue and day.ahead:
        blocks.append(
            Paragraph(
                f"Next up: {day.ahead[0].number}. {day.ahead[0].item.title} (/done to tick it)."
            )
        )
    blocks.append(Paragraph(_streak_text(streak_days)))
    return Reply(blocks=tuple(blocks), buttons=_done_buttons(day.overdue + open_today))


def ticked(
    target: PlannedItem, plan: WeekPlan, on: date, streak_days: int, *, credited_yesterday: bool
) -> Reply:
    when = " for yesterday" if credited_yesterday else ""
    left = len(plan.open_items())
    blocks: list[Block] = [
        Paragraph(f"✓ {target.number}. {target.item.title}: done{when}."),
        Paragraph(
            f"Week {plan.week.number}: {plan.done_count}/{len(plan.items)} done, {left} to go. "
            + _streak_text(streak_days)
        ),
    ]
    following = plan.next_open()
    buttons: tuple[tuple[Button, ...], ...] = ()
    if following is not None:
        due = "today" if following.due_on <= on else day_text(following.due_on)
        blocks.append(Paragraph(f"Next: {following.number}. {following.item.title} (due {due})."))
        buttons = (*_done_buttons([following]), (Button("Undo", "undo"),))
    return Reply(blocks=tuple(blocks), buttons=buttons)


def week_completed(
    track: Track, week: Week, done_on: date, new_plan: WeekPlan | None, streak_days: int
) -> Reply:
    blocks: list[Block] = [
        Heading(f"Week {week.number} complete!"),
        Paragraph(f"{week.title}: completed on {done_on.isoformat()}. {_streak_text(streak_days)}"),
    ]
    if new_plan is None:
        return Reply(blocks=(*blocks, *finished_blocks(track)))
    blocks.append(Paragraph(f"Week {new_plan.week.number} opens: {new_plan.week.title}."))
    if new_plan.week.goal:
        blocks.append(Paragraph(f"Goal: {new_plan.week.goal}"))
    first = new_plan.next_open()
    if first is not None:
        blocks.append(Paragraph(f"First up: {first.number}. {first.item.title}."))
    return Reply(
        blocks=tuple(blocks),
        buttons=((Button("Show the new week", "week"),), (Button("Undo", "undo"),)),
    )


def finished_blocks(track: Track) -> tuple[Block, ...]:
    return (
        Heading(f"You finished {track.title}!"),
        Paragraph("Every week is done. /progress shows the whole journey; /export keeps a copy."),
    )


def track_finished(track: Track) -> Reply:
    return Reply(blocks=finished_blocks(track))


def already_done(planned: PlannedItem) -> Reply:
    when = day_text(planned.done_on) if planned.done_on else "earlier"
    return Reply.text(
        f"{planned.number}. {planned.item.title} is already done ({when}). /today shows what is open."
    )


def stale_button() -> Reply:
    return Reply.text(
        "That item is not in your current week any more. /today shows what is open now."
    )


def no_such_item(word: str, plan: WeekPlan) -> Reply:
    return Reply.text(
        f"There is no item {word[:10]} this week: week {plan.week.number} has items 1–{len(plan.items)}.",
        "/week lists them with their numbers.",
    )


def done_usage(plan: WeekPlan) -> Reply:
    return Reply.text(
        f"Use /done for the next item, /done 1–{len(plan.items)} for a numbered one, "
        "or /done yesterday to credit yesterday's work."
    )


def undone(title: str, *, reopened: bool) -> Reply:
    extra = " The week is open again." if reopened else ""
    return Reply.text(f"Undone: {title}.{extra}", buttons=((Button("Show today", "today"),),))


def week(track: Track, plan: WeekPlan, note_count: int) -> Reply:
    w = plan.week
    blocks: list[Block] = [Heading(_week_heading(track, plan))]
    if w.goal:
        blocks.append(Paragraph(f"Goal: {w.goal}"))
    blocks.append(Checklist(tuple(_check(p) for p in plan.items)))
    if w.projects:
        blocks.append(Paragraph("Practice project: " + "; ".join(w.projects)))
    links = [f"• {r.title}: {r.url}" for r in w.resources] + [
        f"• {p.number}. {r.title}: {r.url}" for p in plan.items for r in p.item.resources
    ]
    if links:
        shown = links[:MAX_RESOURCE_LINES]
        more = f"\n… and {len(links) - len(shown)} more" if len(links) > len(shown) else ""
        blocks.append(Paragraph("Resources:\n" + "\n".join(shown) + more))
    blocks.append(
        Paragraph(
            f"Planned {day_text(plan.study_dates[0])} – {day_text(plan.ends_on)}. "
            f"Reflection notes this week: {note_count} (aim for 3–5; add one with /note)."
        )
    )
    return Reply(blocks=tuple(blocks))


PROGRESS_CHART_CAPTION = "Items done against the plan, week by week, and your study days."


def progress(
    track: Track,
    plan: WeekPlan,
    e: Enrollment,
    figures: ProgressFigures,
    streak_days: int,
    quiz: QuizFigures,
    weakest: list[str],
) -> Reply:
    total_items = sum(len(w.items) for w in track.weeks)
    profile = e.pace.profile
    lines = [
        _streak_text(streak_days),
        f"Weeks completed: {len(figures.weeks_completed)} of {len(track.weeks)}.",
        f"Items done: {figures.items_done} of {total_items}.",
        f"This week ({plan.week.number}): {plan.done_count}/{len(plan.items)} items.",
        f"Hours this calendar week: {figures.hours_in_range:g} of {profile.hours_text} "
        f"({profile.label.lower()} pace).",
        f"Hours logged in total: {figures.hours_total:g}.",
    ]
    if quiz.answered:
        share = round(100 * quiz.correct / quiz.answered)
        lines.append(
            f"Quiz: {_plural(quiz.answered, 'answer')}, {quiz.correct} right ({share}%); "
            f"{_plural(quiz.due, 'review')} due."
        )
        if weakest:
            lines.append("Weakest topics: " + ", ".join(weakest) + ".")
    else:
        lines.append("Quiz: none answered yet; /quiz asks one.")
    if figures.hours_in_range < profile.min_hours:
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


def paused(since: date) -> Reply:
    return Reply.text(
        f"You are on a break since {day_text(since)}. Your streak is safe.",
        "Send /resume when you are ready.",
        buttons=((Button("Resume", "resume"),),),
    )


def resumed(away_days: int) -> Reply:
    shifted = f" Your plan moved {_plural(away_days, 'day')} later to match." if away_days else ""
    return Reply.text(
        f"Welcome back!{shifted}",
        "/today shows what is next.",
        buttons=((Button("Show today", "today"),),),
    )


# -- logging ------------------------------------------------------------------


def log_usage() -> Reply:
    return Reply.text("Tell me the hours you studied, like /log 1.5, /log 45m or /log 1h30m.")


def log_out_of_range(limit: float) -> Reply:
    return Reply.text(
        f"Log between a few minutes and {limit:g} hours at a time, like /log 1.5. Nothing was logged."
    )


def log_day_full(logged_today: float) -> Reply:
    return Reply.text(
        f"You already logged {logged_today:g} h today, and a day has 24. Nothing was logged."
    )


def logged(hours: float, today_total: float, pace: Pace) -> Reply:
    return Reply.text(
        f"Logged {hours:g} h ({today_total:g} h today). Your pace aims for {pace.profile.hours_text}; "
        "/progress shows this week's total."
    )


def notes(texts: list[str]) -> Reply:
    if not texts:
        return Reply.text(
            "No notes this week yet. Write one with /note followed by what you learned."
        )
    return Reply(
        blocks=(
            Heading(f"Your notes this week ({len(texts)})"),
            Paragraph("\n".join(f"• {t}" for t in texts)),
        )
    )


def noted(count: int) -> Reply:
    aim = "That is the 3–5 the roadmaps ask for." if 3 <= count <= 5 else "Aim for 3–5 a week."
    return Reply.text(f"Noted ({_plural(count, 'note')} this week). {aim}")


# -- settings -----------------------------------------------------------------


def settings(e: Enrollment, track: Track, tracks: Sequence[TrackRef]) -> Reply:
    state = "paused" if e.paused_since else "active"
    return Reply(
        blocks=(
            Heading("Your settings"),
            Paragraph(
                f"Track: {track.title} ({track.id})\n"
                f"Pace: {e.pace.profile.label.lower()} ({e.pace.profile.hours_text})\n"
                f"Time zone: {e.timezone}\n"
                f"Daily plan at: {e.nudge_time:%H:%M}\n"
                f"Evening check-in at: {e.evening_time:%H:%M}\n"
                f"Study days: {days_text(e.study_days)}\n"
                f"Quiz days: {days_text(e.quiz_days) if e.quiz_days else 'off'}\n"
                f"Quiet hours: {e.quiet_hours or 'off'}\n"
                f"Status: {state}"
            ),
            Paragraph(
                "Change with:\n"
                "/settings tz Europe/Berlin\n"
                "/settings time 07:30\n"
                "/settings days mon-fri\n"
                "/settings evening 20:30\n"
                "/settings quiz mon,wed,fri | off\n"
                "/settings quiet 22:00-07:00 | off\n"
                "/settings pace part-time | standard | accelerated\n"
                "/settings track " + " | ".join(t.id for t in tracks)
            ),
        ),
        buttons=(
            tuple(
                Button(p.profile.label, Command("settings", f"pace {p.value}").as_action())
                for p in Pace
                if p is not e.pace
            ),
        ),
    )


def settings_usage(key: str) -> Reply:
    return Reply.text(
        f"I cannot change “{key[:30]}”. I can change tz, time, days, evening, quiz, quiet, "
        "pace and track, "
        "for example /settings time 07:30. Nothing was changed."
    )


def unknown_track(name: str, tracks: Sequence[TrackRef]) -> Reply:
    return Reply.text(
        f"There is no track “{name[:40]}”. Available: "
        + ", ".join(f"{t.id} ({t.title})" for t in tracks)
        + "."
    )


def export_blocks(accounts: Sequence[LearnerRef] = ()) -> tuple[Block, ...]:
    blocks: list[Block] = [Paragraph("Here is everything I keep about you, as JSON.")]
    if len(accounts) > 1:
        blocks.append(
            Paragraph(
                "Linked accounts: "
                + ", ".join(
                    f"{platform_name(a.platform)} ({a.display_name or a.external_id})"
                    for a in accounts
                )
                + "."
            )
        )
    return tuple(blocks)


# -- linking accounts ---------------------------------------------------------


def link_code(code: str, platform: str, valid_for: timedelta) -> Reply:
    minutes = int(valid_for.total_seconds() // 60)
    return Reply.text(
        f"Your link code: {code}",
        f"On the other app, send /link {code} within {minutes} minutes. "
        f"The code works once; your settings from {platform_name(platform)} are the ones kept, "
        "and progress from both sides is combined.",
    )


def link_code_malformed() -> Reply:
    return Reply.text(
        "That does not look like a link code: codes have 6 letters and digits, like ABC234.",
        "Send /link on the app you already use to get one.",
    )


def link_code_unknown(tries_left: int | None) -> Reply:
    """`tries_left`: how many more wrong codes this account may send before a wait."""
    left = {None: "", 0: " (and that was the last try for now)", 1: " (1 more try)"}.get(
        tries_left, f" ({tries_left} more tries)"
    )
    return Reply.text(
        f"That code does not work{left}: codes work once, for 10 minutes.",
        "Check it, or send /link on the other app for a fresh one. Nothing was changed.",
    )


def link_locked(wait: timedelta) -> Reply:
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return Reply.text(
        "Too many codes that did not work.",
        f"Try again in {_plural(minutes, 'minute')}. Nothing was changed.",
    )


def link_own_code() -> Reply:
    return Reply.text(
        "That is the code for this account.",
        "Send it from the other app you want to link, not from here.",
    )


def already_linked() -> Reply:
    return Reply.text("These accounts are already linked: they share one progress.")


def link_same_platform(platform: str) -> Reply:
    return Reply.text(
        f"Both accounts have a {platform} side, and one learner can have only one {platform} account.",
        "This is probably the wrong account. Nothing was changed.",
    )


def linked(
    platforms: Sequence[str], issued_on: str, *, merged_items: int, kept_settings: bool
) -> Reply:
    together = platforms_text(platforms)
    lines = [f"Linked: {together[0].upper()}{together[1:]} now share one progress."]
    issuer = platform_name(issued_on)
    if kept_settings:
        lines.append(f"Kept: your settings from {issuer}.")
    else:
        lines.append(f"Kept: your settings from here, as {issuer} had not started a track.")
    if merged_items:
        lines.append(f"Merged {_plural(merged_items, 'done item')} from here.")
    lines.append("/today shows the same plan wherever you ask.")
    return Reply.text(*lines)


# -- imported roadmaps --------------------------------------------------------


def import_usage() -> Reply:
    return Reply.text(
        "Send your roadmap as a Markdown file (.md) and I will turn it into a track you can follow.",
        "In the terminal: /import path/to/roadmap.md",
    )


def import_preview(preview_text: str, track: Track, start_action: str) -> Reply:
    return Reply(
        blocks=(
            Heading("Your roadmap, read as a track"),
            Preformatted(preview_text),
            Paragraph(
                "Follow it from week 1? Your current progress is kept and you can switch back."
            ),
        ),
        buttons=((Button(f"Start {track.title}"[:MAX_BUTTON_LABEL], start_action),),),
    )


# -- quizzes ------------------------------------------------------------------


def no_questions(track: Track) -> Reply:
    return Reply.text(f"I have no quiz questions for {track.title} yet. /week shows what to study.")


def quiz_result(correct: bool, right_option: str, explanation: str, again_on: date) -> Reply:
    verdict = "Correct!" if correct else f"Not quite: the answer is “{right_option}”."
    return Reply.text(
        verdict,
        explanation,
        f"I will ask it again on {day_text(again_on)}.",
        buttons=((Button("Another question", "quiz"),),),
    )


def self_check_noted(again_on: date) -> Reply:
    return Reply.text(
        f"Noted. I will check on it again on {day_text(again_on)}.",
        buttons=((Button("Another one", "quiz"),),),
    )


def quiz_caught_up(next_on: date | None) -> Reply:
    when = f" The next review is on {day_text(next_on)}." if next_on else ""
    return Reply.text(f"You are all caught up: nothing to review right now.{when}")


# -- what the coach writes first ---------------------------------------------------


def morning_plan(
    track: Track, plan: WeekPlan, on: date, study_days: frozenset[int], streak_days: int
) -> Reply:
    """The daily plan: what /today says, opened with a greeting so it reads as a nudge."""
    body = today(track, plan, on, study_days, streak_days)
    return Reply(
        blocks=(Paragraph("Good morning! Here is your plan."), *body.blocks), buttons=body.buttons
    )


def streak_at_risk(plan: WeekPlan, on: date, streak_days: int) -> Reply:
    following = plan.next_open()
    opening = (
        f"Your {streak_days}-day streak ends tonight unless you tick something off."
        if streak_days
        else "Nothing ticked off today yet. One small item starts a streak."
    )
    blocks: list[Block] = [Paragraph(opening)]
    if following is not None:
        blocks.append(Paragraph(f"Smallest next step: {following.number}. {following.item.title}."))
    return Reply(
        blocks=tuple(blocks),
        buttons=_done_buttons([following]) if following is not None else (),
    )


def weekly_digest(
    track: Track,
    plan: WeekPlan,
    on: date,
    pace: Pace,
    hours: float,
    streak_days: int,
    *,
    worked_today: bool,
) -> Reply:
    """The week in review on its last study day: done, missed, hours, what comes next."""
    done = [p for p in plan.items if p.done]
    missed = [p for p in plan.items if not p.done and p.due_on <= on]
    profile = pace.profile
    lines = [
        f"Done: {len(done)} of {len(plan.items)} items.",
        f"Hours logged: {hours:g} of {profile.hours_text} ({profile.label.lower()} pace).",
        _streak_text(streak_days),
    ]
    if hours < profile.min_hours:
        lines.append("Log study time with /log 1.5 so the hours count.")
    blocks: list[Block] = [
        Heading(f"Week {plan.week.number} in review: {plan.week.title}"),
        Paragraph("\n".join(lines)),
    ]
    if missed:
        blocks += [
            Paragraph("Still open:"),
            Checklist(tuple(_check(p) for p in missed[:MAX_TODAY_BUTTONS])),
        ]
    following = track.week_after(plan.week.id)
    if following is not None:
        preview = f"Next: week {following.number}, {following.title}."
        if following.goal:
            preview += f" Goal: {following.goal}"
        blocks.append(Paragraph(preview))
    if not worked_today:
        blocks.append(Paragraph("Nothing ticked off today yet; one item keeps your streak going."))
    return Reply(blocks=tuple(blocks), buttons=_done_buttons(missed[:3]))
