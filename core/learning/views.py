"""The coach's words: turning plans and figures into platform-neutral Replies."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from core.kernel.commands import Choose, Done, Replan, Settings, Start
from core.kernel.reply import (
    Block,
    Button,
    CheckItem,
    Checklist,
    Heading,
    Paragraph,
    Reply,
    shortened,
)
from core.learning.model import Enrollment, Forecast, Replanning, TrackRef
from core.learning.pace import Pace
from core.learning.plan import WEEKDAY_NAMES, PlannedItem, WeekPlan
from core.learning.tracks import ChoiceBlock, Option, Track, Week, choice_blocks

MAX_BUTTON_LABEL = 40
MAX_TODAY_BUTTONS = 8
MAX_RESOURCE_LINES = 15
MAX_TRACK_BUTTONS = 5  # Discord shows five rows of buttons


def day_text(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {day:%b}"


def days_text(days: Iterable[int]) -> str:
    ordered = sorted(days)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{WEEKDAY_NAMES[ordered[0]]}–{WEEKDAY_NAMES[ordered[-1]]}"
    return ", ".join(WEEKDAY_NAMES[d] for d in ordered)


def plural(count: int | float, word: str) -> str:
    return f"{count:g} {word}" if count == 1 else f"{count:g} {word}s"


def check_item(planned: PlannedItem, *, show_due: bool = True) -> CheckItem:
    if planned.done_on is not None:
        detail = f"done {day_text(planned.done_on)}"
    else:
        detail = f"due {day_text(planned.due_on)}" if show_due else ""
    if planned.item.optional:
        detail = f"optional, {detail}" if detail else "optional"
    return CheckItem(f"{planned.number}. {planned.item.title}", planned.done, detail)


def done_buttons(items: Iterable[PlannedItem]) -> tuple[tuple[Button, ...], ...]:
    rows = []
    for planned in list(items)[:MAX_TODAY_BUTTONS]:
        label = f"✓ {planned.number}. {planned.item.title}"
        label = shortened(label, MAX_BUTTON_LABEL)
        rows.append((Button(label, Done(planned.item.id).as_action()),))
    return tuple(rows)


def _week_heading(track: Track, plan: WeekPlan) -> str:
    return (
        f"Week {plan.week.number} of {len(track.weeks)}: {plan.week.title} "
        f"({plan.done_count}/{len(plan.items)} done)"
    )


def streak_text(days: int) -> str:
    return f"Streak: {plural(days, 'day')}." if days else "Streak: starts with your next item."


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
    blocks.append(Checklist(tuple(check_item(p) for p in plan.items)))
    blocks.append(
        Paragraph(
            "Send /today for today's plan and /done when you finish an item. "
            "Change anything with /settings (for your time zone: /settings tz Europe/Berlin)."
        )
    )
    pace_row = tuple(
        Button(
            f"Pace: {pace.profile.label.lower()}",
            Settings("pace", pace.value).as_action(),
        )
        for pace in Pace
        if pace is not e.pace
    )
    buttons: list[tuple[Button, ...]] = [(Button("Show today", "today"),), pace_row]
    other_tracks = tuple(
        Button(t.title[:MAX_BUTTON_LABEL], Settings("track", t.id).as_action())
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


def already_on(track: Track, week: Week | None) -> Reply:
    where = f" You are on week {week.number}: {week.title}." if week else ""
    return Reply.text(
        f"You are already on {track.title}.{where}",
        "/today shows what is next.",
        buttons=((Button("Show today", "today"),),),
    )


def confirm_switch(
    current: TrackRef, target: Track, resume_at: Week | None, pace: Pace | None = None
) -> Reply:
    """/start with another track: switching is one button away, not a typo away."""
    where = (
        f"you pick up at week {resume_at.number}, {resume_at.title}"
        if resume_at
        else f"you begin at week 1, {target.first_week.title}"
    )
    return Reply.text(
        f"You are on {current.title}. Switch to {target.title}?",
        f"On {target.title} {where}. Your progress on {current.title} is kept; "
        "you can switch back any time.",
        buttons=(
            (
                Button(
                    f"Switch to {target.title}"[:MAX_BUTTON_LABEL],
                    Settings("track", f"{target.id} {pace or ''}".strip()).as_action(),
                ),
            ),
            (Button(f"Keep {current.title}"[:MAX_BUTTON_LABEL], Start(current.id).as_action()),),
        ),
    )


def unknown_pace(typed: str, *, started: bool) -> Reply:
    paces = ", ".join(p.value for p in Pace)
    what = "switched" if started else "started"
    return Reply.text(f"There is no “{typed[:20]}” pace: choose {paces}. Nothing was {what}.")


def unknown_start_track(name: str, tracks: Sequence[TrackRef], *, on: str | None) -> Reply:
    """The tracks there are, a button for each; a learner already `on` a track switches
    with it as /settings track does, the choice being made by pressing it."""
    rows = tuple(
        (
            Button(
                t.title[:MAX_BUTTON_LABEL],
                (Start(t.id) if on is None else Settings("track", t.id)).as_action(),
            ),
        )
        for t in tracks
        if t.id != on
    )
    return Reply(blocks=unknown_track(name, tracks).blocks, buttons=rows[:MAX_TRACK_BUTTONS])


def not_started() -> Reply:
    return Reply.text("We have not started yet. Send /start to pick up the Python Backend track.")


# -- the daily loop -----------------------------------------------------------


def today(
    track: Track, plan: WeekPlan, on: date, study_days: frozenset[int], streak_days: int
) -> Reply:
    day = plan.day(on, study_days)
    blocks: list[Block] = [
        Heading(f"{day_text(on)} · {_week_heading(track, plan)}"),
    ]
    if day.overdue:
        blocks += [
            Paragraph("Catch up first:"),
            Checklist(tuple(check_item(p) for p in day.overdue)),
        ]
    if day.due_today:
        blocks += [
            Paragraph("Today:"),
            Checklist(tuple(check_item(p, show_due=False) for p in day.due_today)),
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
    blocks.append(Paragraph(streak_text(streak_days)))
    return Reply(blocks=tuple(blocks), buttons=done_buttons(day.overdue + open_today))


def ticked(
    target: PlannedItem, plan: WeekPlan, on: date, streak_days: int, *, credited_yesterday: bool
) -> Reply:
    when = " for yesterday" if credited_yesterday else ""
    left = len(plan.open_items())
    blocks: list[Block] = [
        Paragraph(f"✓ {target.number}. {target.item.title}: done{when}."),
        Paragraph(
            f"Week {plan.week.number}: {plan.done_count}/{len(plan.items)} done, {left} to go. "
            + streak_text(streak_days)
        ),
    ]
    following = plan.next_open()
    buttons: tuple[tuple[Button, ...], ...] = ()
    if following is not None:
        due = "today" if following.due_on <= on else day_text(following.due_on)
        blocks.append(Paragraph(f"Next: {following.number}. {following.item.title} (due {due})."))
        buttons = (*done_buttons([following]), (Button("Undo", "undo"),))
    return Reply(blocks=tuple(blocks), buttons=buttons)


def week_completed(
    track: Track, week: Week, done_on: date, new_plan: WeekPlan | None, streak_days: int
) -> Reply:
    blocks: list[Block] = [
        Heading(f"Week {week.number} complete!"),
        Paragraph(f"{week.title}: completed on {done_on.isoformat()}. {streak_text(streak_days)}"),
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


def undo_takes_the_last(typed: str, last_title: str) -> Reply:
    label = f"Undo {last_title}"
    label = shortened(label, MAX_BUTTON_LABEL)
    return Reply.text(
        f"/undo takes back only your last tick, “{last_title}”, not “{typed[:20]}”, "
        "so nothing was undone.",
        buttons=((Button(label, "undo"),),),
    )


def _projects_and_resources(w: Week) -> list[Block]:
    blocks: list[Block] = []
    if w.projects:
        blocks.append(Paragraph("Practice project: " + "; ".join(w.projects)))
    links = [f"• {r.title}: {r.url}" for r in w.resources] + [
        f"• {number}. {r.title}: {r.url}"
        for number, item in enumerate(w.items, start=1)
        for r in item.resources
    ]
    if links:
        shown = links[:MAX_RESOURCE_LINES]
        more = f"\n… and {len(links) - len(shown)} more" if len(links) > len(shown) else ""
        blocks.append(Paragraph("Resources:\n" + "\n".join(shown) + more))
    return blocks


def other_week(track: Track, w: Week, done_on: dict[str, date], current: int) -> Reply:
    """A week before or after the current one: what it holds, and what was done in it."""
    done = sum(1 for item in w.items if item.id in done_on)
    state = f"{done}/{len(w.items)} done" if w.number < current else "coming up"
    blocks: list[Block] = [Heading(f"Week {w.number} of {len(track.weeks)}: {w.title} ({state})")]
    if w.goal:
        blocks.append(Paragraph(f"Goal: {w.goal}"))
    items = tuple(
        CheckItem(
            f"{number}. {item.title}",
            item.id in done_on,
            f"done {day_text(done_on[item.id])}" if item.id in done_on else "",
        )
        for number, item in enumerate(w.items, start=1)
    )
    blocks.append(Checklist(items))
    choice = _choice_of(track, w)
    if choice is not None:
        blocks.append(choice_note(choice))
    blocks += _projects_and_resources(w)
    blocks.append(Paragraph(f"You are on week {current}; /week shows it."))
    return Reply(blocks=tuple(blocks), buttons=_follow_buttons([choice] if choice else []))


def week_usage(typed: str, current: int, weeks: int) -> Reply:
    example = current + 1 if current < weeks else max(current - 1, 1)
    return Reply.text(
        f"There is no week “{typed[:20]}”: this track has weeks 1–{weeks}.",
        f"/week shows your current week ({current}); /week {example} shows week {example}.",
    )


MAX_ITEM_NOTE_SHOWN = 120


def week(
    track: Track, plan: WeekPlan, note_count: int, item_notes: Mapping[str, str] | None = None
) -> Reply:
    w = plan.week
    blocks: list[Block] = [Heading(_week_heading(track, plan))]
    if w.goal:
        blocks.append(Paragraph(f"Goal: {w.goal}"))
    blocks.append(Checklist(tuple(_noted(check_item(p), item_notes, p) for p in plan.items)))
    choice = _choice_of(track, w)
    if choice is not None:
        blocks.append(choice_note(choice))
    blocks += _projects_and_resources(w)
    blocks.append(
        Paragraph(
            f"Planned {day_text(plan.study_dates[0])} – {day_text(plan.ends_on)}. "
            f"Reflection notes this week: {note_count} (aim for 3–5; add one with /note)."
        )
    )
    return Reply(blocks=tuple(blocks), buttons=_follow_buttons([choice] if choice else []))


def _noted(
    checked: CheckItem, item_notes: Mapping[str, str] | None, planned: PlannedItem
) -> CheckItem:
    note = (item_notes or {}).get(planned.item.id)
    if note is None:
        return checked
    shown = f"note: {shortened(note, MAX_ITEM_NOTE_SHOWN)}"
    return dataclasses.replace(
        checked, detail=f"{checked.detail}; {shown}" if checked.detail else shown
    )


def _choice_of(track: Track, w: Week) -> ChoiceBlock | None:
    if not w.choice:
        return None
    return next((b for b in choice_blocks(track) if b.id == w.choice), None)


def paused(since: date) -> Reply:
    return Reply.text(
        f"You are on a break since {day_text(since)}. Your streak is safe.",
        "Send /resume when you are ready.",
        buttons=((Button("Resume", "resume"),),),
    )


def pause_has_no_length(typed: str) -> Reply:
    return Reply.text(
        f"I cannot pause for “{typed[:30]}”: a break lasts until you send /resume, "
        "so I did not pause.",
        "Send /pause alone to start one.",
        buttons=((Button("Pause until I resume", "pause"),),),
    )


def resumed(away_days: int) -> Reply:
    shifted = f" Your plan moved {plural(away_days, 'day')} later to match." if away_days else ""
    return Reply.text(
        f"Welcome back!{shifted}",
        "/today shows what is next.",
        buttons=((Button("Show today", "today"),),),
    )


# -- logging ------------------------------------------------------------------


def log_usage() -> Reply:
    return Reply.text("Tell me the hours you studied, like /log 1.5, /log 45m or /log 1h30m.")


def log_out_of_range(least: float, most: float) -> Reply:
    return Reply.text(
        f"One /log takes from {least:g} h to {most:g} h, like /log 1.5 or /log 45m. "
        "Nothing was logged."
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


def noted_on_item(planned: PlannedItem) -> Reply:
    return Reply.text(
        f"Noted beside {planned.number}. {planned.item.title}; /week shows it there. "
        "A newer note on the item takes its place."
    )


def noted(count: int) -> Reply:
    aim = "That is the 3–5 the roadmaps ask for." if 3 <= count <= 5 else "Aim for 3–5 a week."
    return Reply.text(f"Noted ({plural(count, 'note')} this week). {aim}")


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
                "/settings track " + " | ".join(t.id for t in tracks) + "\n"
                "/settings buddy done off | streak on | all off (what a study buddy sees)"
            ),
        ),
        buttons=(
            tuple(
                Button(p.profile.label, Settings("pace", p.value).as_action())
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


def track_choices(current: Track, tracks: Sequence[TrackRef]) -> Reply:
    lines = [
        f"/settings track {t.id} – {t.title}" + (" (you are on it)" if t.id == current.id else "")
        for t in tracks
    ]
    switch = tuple(
        (Button(t.title[:MAX_BUTTON_LABEL], Settings("track", t.id).as_action()),)
        for t in tracks
        if t.id != current.id
    )
    more = "" if switch else " /import adds your own roadmap as another track."
    return Reply.text(
        "Name the track to follow:",
        "\n".join(lines),
        "Nothing was changed." + more,
        buttons=switch[:MAX_TRACK_BUTTONS],
    )


def unknown_track(name: str, tracks: Sequence[TrackRef]) -> Reply:
    return Reply.text(
        f"There is no track “{name[:40]}”. Available: "
        + ", ".join(f"{t.id} ({t.title})" for t in tracks)
        + "."
    )


# -- linking accounts ---------------------------------------------------------


# -- imported roadmaps --------------------------------------------------------


# -- quizzes ------------------------------------------------------------------


# -- what the coach writes first ---------------------------------------------------


# -- "choose one" blocks ------------------------------------------------------


def _weeks_text(block: ChoiceBlock) -> str:
    if block.first_week == block.last_week:
        return f"week {block.first_week}"
    return f"weeks {block.first_week}–{block.last_week}"


def _follow_buttons(blocks: Iterable[ChoiceBlock]) -> tuple[tuple[Button, ...], ...]:
    rows = []
    for block in blocks:
        others = [o for o in block.options if o.id != block.followed.id]
        rows.append(
            tuple(
                Button(
                    shortened(f"Follow {o.label}", MAX_BUTTON_LABEL),
                    Choose(f"{block.id}={o.id}").as_action(),
                )
                for o in others
            )
        )
    return tuple(rows[:MAX_TRACK_BUTTONS])


def _options_text(block: ChoiceBlock) -> str:
    return " or ".join(
        f"{o.label} (you follow this)" if o.id == block.followed.id else o.label
        for o in block.options
    )


def choice_note(block: ChoiceBlock) -> Paragraph:
    """What a week in a "choose one" block says about it."""
    other = next(o for o in block.options if o.id != block.followed.id)
    return Paragraph(
        f"Pick one of: {_options_text(block)}, for {_weeks_text(block)}. "
        f"/choose {other.label} switches; ticks you made stay with their option."
    )


def choices(blocks: Sequence[ChoiceBlock], current: int) -> Reply:
    lines = [
        f"• {_weeks_text(b).capitalize()}: {_options_text(b)}"
        + (" (behind you)" if b.last_week < current else "")
        for b in blocks
    ]
    return Reply(
        blocks=(
            Heading("Where your track says choose one"),
            Paragraph("\n".join(lines)),
            Paragraph("Pick another with its button, or /choose and its name."),
        ),
        buttons=_follow_buttons(b for b in blocks if b.last_week >= current),
    )


def no_choices(track: Track) -> Reply:
    return Reply.text(
        f"{track.title} has no “choose one” parts: every week has one list to follow."
    )


def already_following(block: ChoiceBlock, option: Option) -> Reply:
    return Reply.text(f"You already follow {option.label} for {_weeks_text(block)}.")


def now_following(block: ChoiceBlock, option: Option, current: int) -> Reply:
    now = block.first_week <= current <= block.last_week
    if now:
        then = "This week's list changed: /week shows it."
    elif block.first_week > current:
        then = (
            f"You will meet it in week {block.first_week}; /week {block.first_week} shows it now."
        )
    else:
        then = "Those weeks are behind you; what you ticked there is kept."
    return Reply.text(
        f"You now follow {option.label} for {_weeks_text(block)}.",
        then,
        buttons=((Button("Show week", "week"),),) if now else (),
    )


def choice_gone() -> Reply:
    return Reply.text(
        "That choice is not on your track any more, so nothing changed. /choose shows the ones there are."
    )


def choice_ambiguous(typed: str, block: ChoiceBlock, found: Sequence[Option]) -> Reply:
    names = ", ".join(o.label for o in found)
    return Reply.text(
        f"“{typed[:40]}” could be {names}. Nothing changed; pick one:",
        buttons=tuple(
            (
                Button(
                    shortened(f"Follow {o.label}", MAX_BUTTON_LABEL),
                    Choose(f"{block.id}={o.id}").as_action(),
                ),
            )
            for o in found[:MAX_TRACK_BUTTONS]
        ),
    )


def no_such_option(typed: str, blocks: Sequence[ChoiceBlock], current: int) -> Reply:
    shown = choices(blocks, current)
    return Reply(
        blocks=(
            Paragraph(f"No option is called “{typed[:40]}”, so nothing changed."),
            *shown.blocks[1:],
        ),
        buttons=shown.buttons,
    )


def calendar_sent(days: int, first: date, last: date, e: Enrollment) -> Reply:
    return Reply.text(
        f"Your next {plural(days, 'study day')}, {day_text(first)} to {day_text(last)}, "
        f"each at {e.nudge_time:%H:%M} {e.timezone}. Open the file to add them to your "
        "calendar; a newer one updates the days already there.",
    )


# -- the forecast -------------------------------------------------------------


def _against_plan(days_behind: int) -> str:
    if days_behind > 0:
        return f": {plural(days_behind, 'day')} after the plan."
    if days_behind < 0:
        return f": {plural(-days_behind, 'day')} before the plan."
    return ", as planned."


def plan_forecast(f: Forecast, pace: Pace) -> Reply:
    if f.items_left == 0:
        return Reply.text("Every item of your track is done: there is nothing left to plan.")
    lines = [
        f"Left: {plural(f.items_left, 'item')}, about {f.hours_left:g} h of study.",
        f"As planned at your {pace.profile.label.lower()} pace, you finish on "
        f"{day_text(f.planned_finish)} {f.planned_finish.year}.",
    ]
    weeks = f.recent_days / 7
    per_week = f.recent_items / weeks if weeks else 0
    if f.projected_finish is None:
        lines.append(
            f"Nothing ticked in the last {plural(f.recent_days, 'day')}, so there is no pace "
            "to project from yet."
        )
    else:
        lines.append(
            f"At your pace of the last {plural(f.recent_days, 'day')} "
            f"({per_week:.1f} items a week), you finish on "
            f"{day_text(f.projected_finish)} {f.projected_finish.year}{_against_plan(f.days_behind)}"
        )
    hours_per_week = f.recent_hours / weeks if weeks else 0
    if hours_per_week:
        at_that = math.ceil(f.hours_left / hours_per_week)
        lines.append(
            f"You logged {hours_per_week:.1f} h a week lately; the hours left take "
            f"{plural(at_that, 'week')} at that rate (your pace aims for {pace.profile.hours_text})."
        )
    else:
        lines.append("No hours logged lately; /log them to see when the hours left are done.")
    return Reply(blocks=(Heading("Your plan and your pace"), Paragraph("\n".join(lines))))


# -- re-planning -----------------------------------------------------------------------


def _dated(day: date) -> str:
    return f"{day_text(day)} {day.year}"


def _numbers(items: Iterable[PlannedItem]) -> str:
    return ", ".join(str(p.number) for p in items)


def _finish_change(finish: date, planned: date) -> str:
    if finish == planned:
        return f"you still finish on {_dated(finish)}"
    return f"you finish on {_dated(finish)} (planned: {day_text(planned)})"


def replan_buttons(r: Replanning) -> tuple[Button, ...]:
    buttons = [
        Button(f"Stretch to {day_text(r.stretched_finish)}", Replan("stretch").as_action()),
        Button("Catch up", Replan("catchup").as_action()),
    ]
    if r.optional:
        buttons.append(Button(f"Skip {len(r.optional)} optional", Replan("skip").as_action()))
    return tuple(buttons)


def replan_blocks(r: Replanning) -> tuple[Block, ...]:
    """The offer: how far behind, and the three ways on with the dates each gives."""
    extra = "; ".join(
        f"{day_text(day)} +{len(items)} ({_numbers(items)})" for day, items in r.catch_up
    )
    ways = [
        f"• Stretch: every item moves {plural(r.stretched_by, 'day')} later; "
        f"{_finish_change(r.stretched_finish, r.planned_finish)}.",
        f"• Catch up, items on top of each day's plan: {extra}; "
        f"{_finish_change(r.catch_up_finish, r.planned_finish)}.",
    ]
    if r.optional:
        named = "; ".join(f"{p.number}. {p.item.title}" for p in r.optional)
        hours = sum(p.item.hours for p in r.optional)
        ways.append(f"• Skip {plural(len(r.optional), 'optional item')} ({hours:g} h): {named}.")
    late = r.overdue[0]
    return (
        Heading(f"{plural(r.study_days_behind, 'study day')} behind"),
        Paragraph(
            f"Item {late.number} was due {day_text(late.due_on)}"
            + (
                f", and {plural(len(r.overdue) - 1, 'more item')} since"
                if len(r.overdue) > 1
                else ""
            )
            + ". Life happens; choose how your plan meets you:"
        ),
        Paragraph("\n".join(ways)),
    )


def replan_offer(r: Replanning) -> Reply:
    return Reply(blocks=replan_blocks(r), buttons=(replan_buttons(r),))


def with_replan_offer(reply: Reply, r: Replanning | None) -> Reply:
    """A reply with the offer after it, when there is one."""
    if r is None:
        return reply
    return dataclasses.replace(
        reply,
        blocks=(*reply.blocks, *replan_blocks(r)),
        buttons=(*reply.buttons, replan_buttons(r)),
    )


def with_replan_pointer(reply: Reply, r: Replanning) -> Reply:
    pointer = Paragraph(
        f"You are {plural(r.study_days_behind, 'study day')} behind: /replan shows three ways "
        "on, with the dates each gives."
    )
    return dataclasses.replace(reply, blocks=(*reply.blocks, pointer))


def on_plan(plan: WeekPlan, today: date, study_days: frozenset[int], finish: date) -> Reply:
    late = plan.day(today, study_days).overdue
    state = (
        f"Item {late[0].number} is a little late, not enough to change the plan for."
        if late
        else "You are on plan: nothing is late."
    )
    return Reply.text(f"{state} You finish on {_dated(finish)}. /today shows what is next.")


def replan_usage(typed: str) -> Reply:
    return Reply.text(
        f"I can't re-plan “{shortened(typed, 40)}”. Try /replan to see your choices, "
        "or /replan stretch, /replan catchup or /replan skip."
    )


def stretched(r: Replanning, plan: WeekPlan) -> Reply:
    following = plan.next_open()
    due = (
        f" Next: {following.number}. {following.item.title}, due {day_text(following.due_on)}."
        if following
        else ""
    )
    return Reply.text(
        f"Plan stretched by {plural(r.stretched_by, 'day')}: you finish on "
        f"{_dated(r.stretched_finish)}.{due}"
    )


def caught_up(r: Replanning) -> Reply:
    lines = [
        f"{day_text(day)}: +{len(items)}: "
        + "; ".join(f"{p.number}. {p.item.title}" for p in items)
        for day, items in r.catch_up
    ]
    return Reply(
        blocks=(
            Heading("Your catch-up plan"),
            Paragraph("\n".join(lines)),
            Paragraph(
                f"On top of each day's plan; {_finish_change(r.catch_up_finish, r.planned_finish)}."
            ),
        )
    )


def nothing_optional(plan: WeekPlan) -> Reply:
    return Reply.text(
        f"Week {plan.week.number} has no optional items left to skip. "
        "/replan shows the other ways on."
    )


def skipped(
    items: Sequence[PlannedItem], plan: WeekPlan, finish: date, *, week_closed: bool
) -> Reply:
    named = "; ".join(f"{p.number}. {p.item.title}" for p in items)
    after = (
        f" That settles the week: week {plan.week.number} is open now."
        if week_closed
        else f" Week {plan.week.number}: {plan.done_count}/{len(plan.items)} settled."
    )
    return Reply.text(
        f"Skipped {plural(len(items), 'optional item')}: {named}.{after} "
        f"You finish on {_dated(finish)}."
    )
