"""The coach's words: turning plans and figures into platform-neutral Replies, in the
language spoken (core/kernel/i18n.py)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, time

from core.kernel import i18n
from core.kernel.commands import Choose, Done, Replan, Settings, Start
from core.kernel.i18n import messages
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
from core.learning.plan import DayView, PlannedItem, WeekPlan
from core.learning.tracks import ChoiceBlock, Option, Track, Week, choice_blocks

_, n_ = messages("learning")

MAX_BUTTON_LABEL = 40
MAX_TODAY_BUTTONS = 8
MAX_RESOURCE_LINES = 15
MAX_TRACK_BUTTONS = 5  # Discord shows five rows of buttons


# -- numbers, days and lists as the language writes them ----------------------------------


def number(value: float) -> str:
    return i18n.number(value)


def tenths(value: float) -> str:
    """An average to one decimal, "3.0": a rate, not a count."""
    from babel.numbers import format_decimal  # loaded when first said, as i18n does

    spoken = i18n.language()
    return i18n.digits(format_decimal(value, format="0.0", locale=spoken), spoken)


def day_text(day: date) -> str:
    """A day as a chat line names it: "Fri 4 Dec"."""
    return i18n.day(day)


def dated(day: date) -> str:
    """A day with its year: "Fri 4 Dec 2026"."""
    return i18n.day(day, year=True)


def clock_text(at: time) -> str:
    return i18n.clock_time(at)


def listed(words: Iterable[str]) -> str:
    """ "a, b, c" with the language's comma."""
    return i18n.one_after_another(list(words))


def semicolon_listed(words: Iterable[str]) -> str:
    return _("; ").join(words)


def days_text(days: Iterable[int]) -> str:
    ordered = sorted(days)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{i18n.weekday(ordered[0])}–{i18n.weekday(ordered[-1])}"
    return listed(i18n.weekday(d) for d in ordered)


def plural_count(count: float) -> int:
    """The count a plural form is chosen by: a fraction takes the form of 2, as "1.5 days"
    and Russian's "1,5 дня" do."""
    return int(count) if count == int(count) else 2


_COUNTED: dict[str, Callable[[int], str]] = {
    "day": lambda n: n_("{count} day", "{count} days", n),
    "study day": lambda n: n_("{count} study day", "{count} study days", n),
    "week": lambda n: n_("{count} week", "{count} weeks", n),
    "item": lambda n: n_("{count} item", "{count} items", n),
    "note": lambda n: n_("{count} note", "{count} notes", n),
    "minute": lambda n: n_("{count} minute", "{count} minutes", n),
    "answer": lambda n: n_("{count} answer", "{count} answers", n),
    "review": lambda n: n_("{count} review", "{count} reviews", n),
    "done item": lambda n: n_("{count} done item", "{count} done items", n),
}


def plural(count: int | float, word: str) -> str:
    """ "3 days", in the language spoken for the words above; any other word stays English,
    its number written as the language writes it."""
    counted = _COUNTED.get(word)
    if counted is None:
        return f"{number(count)} {word}" if count == 1 else f"{number(count)} {word}s"
    return counted(plural_count(count)).format(count=number(count))


def numbered(planned: PlannedItem) -> str:
    """ "3. Write a REST endpoint": an item as `/done 3` names it."""
    return f"{number(planned.number)}. {planned.item.title}"


def check_item(planned: PlannedItem, *, show_due: bool = True) -> CheckItem:
    optional = planned.item.optional
    if planned.done_on is not None:
        detail = _("optional, done {day}") if optional else _("done {day}")
        detail = detail.format(day=day_text(planned.done_on))
    elif show_due:
        detail = _("optional, due {day}") if optional else _("due {day}")
        detail = detail.format(day=day_text(planned.due_on))
    else:
        detail = _("optional") if optional else ""
    return CheckItem(numbered(planned), planned.done, detail)


def done_buttons(items: Iterable[PlannedItem]) -> tuple[tuple[Button, ...], ...]:
    rows = []
    for planned in list(items)[:MAX_TODAY_BUTTONS]:
        label = shortened(f"✓ {numbered(planned)}", MAX_BUTTON_LABEL)
        rows.append((Button(label, Done(planned.item.id).as_action()),))
    return tuple(rows)


def show_today() -> Button:
    return Button(_("Show today"), "today")


def _week_heading(track: Track, plan: WeekPlan) -> str:
    return _("Week {number} of {weeks}: {title} ({done}/{total} done)").format(
        number=number(plan.week.number),
        weeks=number(len(track.weeks)),
        title=plan.week.title,
        done=number(plan.done_count),
        total=number(len(plan.items)),
    )


def streak_text(days: int) -> str:
    if not days:
        return _("Streak: starts with your next item.")
    return n_("Streak: {count} day.", "Streak: {count} days.", days).format(count=number(days))


def pace_text(pace: Pace) -> str:
    """ "standard (10–15 h/week)"."""
    return _("{pace} ({hours})").format(
        pace=pace.profile.label.lower(), hours=pace.profile.hours_text
    )


def goal(week: Week) -> Paragraph:
    return Paragraph(_("Goal: {goal}").format(goal=week.goal))


# -- onboarding ---------------------------------------------------------------


def welcome(track: Track, plan: WeekPlan, e: Enrollment, tracks: Sequence[TrackRef]) -> Reply:
    week = plan.week
    weeks = len(track.weeks)
    blocks: list[Block] = [
        Heading(_("Welcome to Roadmap Coach: {track}").format(track=track.title)),
        Paragraph(
            n_(
                "{count} week, one step a day. Pace: {pace}; study days {days}; "
                "daily nudge {time} {zone}.",
                "{count} weeks, one step a day. Pace: {pace}; study days {days}; "
                "daily nudge {time} {zone}.",
                weeks,
            ).format(
                count=number(weeks),
                pace=pace_text(e.pace),
                days=days_text(e.study_days),
                time=clock_text(e.nudge_time),
                zone=e.timezone,
            )
        ),
        Heading(_("Week {number}: {title}").format(number=number(1), title=week.title)),
    ]
    if week.goal:
        blocks.append(goal(week))
    blocks.append(Checklist(tuple(check_item(p) for p in plan.items)))
    blocks.append(
        Paragraph(
            _(
                "Send /today for today's plan and /done when you finish an item. "
                "Change anything with /settings (for your time zone: /settings tz Europe/Berlin)."
            )
        )
    )
    pace_row = tuple(
        Button(
            _("Pace: {pace}").format(pace=pace.profile.label.lower()),
            Settings("pace", pace.value).as_action(),
        )
        for pace in Pace
        if pace is not e.pace
    )
    buttons: list[tuple[Button, ...]] = [(show_today(),), pace_row]
    other_tracks = tuple(
        Button(t.title[:MAX_BUTTON_LABEL], Settings("track", t.id).as_action())
        for t in tracks
        if t.id != track.id
    )
    if other_tracks:
        buttons.append(other_tracks[:3])
    return Reply(blocks=tuple(blocks), buttons=tuple(buttons))


def welcome_back(week: Week | None) -> Reply:
    greeting = (
        _("Welcome back! You are on week {number}: {title}.").format(
            number=number(week.number), title=week.title
        )
        if week
        else _("Welcome back!")
    )
    return Reply.text(greeting, _("/today shows what is next."), buttons=((show_today(),),))


def already_on(track: Track, week: Week | None) -> Reply:
    said = (
        _("You are already on {track}. You are on week {number}: {title}.")
        if week
        else _("You are already on {track}.")
    )
    return Reply.text(
        said.format(
            track=track.title,
            number=number(week.number) if week else "",
            title=week.title if week else "",
        ),
        _("/today shows what is next."),
        buttons=((show_today(),),),
    )


def confirm_switch(
    current: TrackRef, target: Track, resume_at: Week | None, pace: Pace | None = None
) -> Reply:
    """/start with another track: switching is one button away, not a typo away."""
    where = (
        _(
            "On {target} you pick up at week {number}, {week}. Your progress on {current} "
            "is kept; you can switch back any time."
        )
        if resume_at
        else _(
            "On {target} you begin at week {number}, {week}. Your progress on {current} "
            "is kept; you can switch back any time."
        )
    )
    week = resume_at or target.first_week
    return Reply.text(
        _("You are on {current}. Switch to {target}?").format(
            current=current.title, target=target.title
        ),
        where.format(
            target=target.title,
            number=number(week.number),
            week=week.title,
            current=current.title,
        ),
        buttons=(
            (
                Button(
                    _("Switch to {track}").format(track=target.title)[:MAX_BUTTON_LABEL],
                    Settings("track", f"{target.id} {pace or ''}".strip()).as_action(),
                ),
            ),
            (
                Button(
                    _("Keep {track}").format(track=current.title)[:MAX_BUTTON_LABEL],
                    Start(current.id).as_action(),
                ),
            ),
        ),
    )


def unknown_pace(typed: str, *, started: bool) -> Reply:
    said = (
        _("There is no “{typed}” pace: choose {paces}. Nothing was switched.")
        if started
        else _("There is no “{typed}” pace: choose {paces}. Nothing was started.")
    )
    return Reply.text(said.format(typed=typed[:20], paces=listed(p.value for p in Pace)))


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
    return Reply.text(
        _("We have not started yet. Send /start to pick up the Python Backend track.")
    )


# -- the daily loop -----------------------------------------------------------


def _today_state(day_view: DayView, open_today: tuple[PlannedItem, ...]) -> str | None:
    if not day_view.is_study_day and not day_view.due_today:
        return _("Rest day. Enjoy it; your streak is safe.")
    if day_view.due_today and not open_today:
        return _("Everything for today is done. Well done!")
    if not day_view.due_today and not day_view.overdue:
        return _("Nothing is planned for today; a good day to get ahead or rest.")
    return None


def today(
    track: Track, plan: WeekPlan, on: date, study_days: frozenset[int], streak_days: int
) -> Reply:
    day = plan.day(on, study_days)
    blocks: list[Block] = [
        Heading(f"{day_text(on)} · {_week_heading(track, plan)}"),
    ]
    if day.overdue:
        blocks += [
            Paragraph(_("Catch up first:")),
            Checklist(tuple(check_item(p) for p in day.overdue)),
        ]
    if day.due_today:
        blocks += [
            Paragraph(_("Today:")),
            Checklist(tuple(check_item(p, show_due=False) for p in day.due_today)),
        ]
    open_today = tuple(p for p in day.due_today if not p.done)
    state = _today_state(day, open_today)
    if state is not None:
        blocks.append(Paragraph(state))
    if not open_today and not day.overdue and day.ahead:
        blocks.append(
            Paragraph(_("Next up: {item} (/done to tick it).").format(item=numbered(day.ahead[0])))
        )
    blocks.append(Paragraph(streak_text(streak_days)))
    return Reply(blocks=tuple(blocks), buttons=done_buttons(day.overdue + open_today))


def undo_button() -> Button:
    return Button(_("Undo"), "undo")


def ticked(
    target: PlannedItem, plan: WeekPlan, on: date, streak_days: int, *, credited_yesterday: bool
) -> Reply:
    said = _("✓ {item}: done for yesterday.") if credited_yesterday else _("✓ {item}: done.")
    left = len(plan.open_items())
    week_state = _("Week {number}: {done}/{total} done, {left} to go.").format(
        number=number(plan.week.number),
        done=number(plan.done_count),
        total=number(len(plan.items)),
        left=number(left),
    )
    blocks: list[Block] = [
        Paragraph(said.format(item=numbered(target))),
        Paragraph(f"{week_state} {streak_text(streak_days)}"),
    ]
    following = plan.next_open()
    buttons: tuple[tuple[Button, ...], ...] = ()
    if following is not None:
        next_up = (
            _("Next: {item} (due today).")
            if following.due_on <= on
            else _("Next: {item} (due {day}).")
        )
        blocks.append(
            Paragraph(next_up.format(item=numbered(following), day=day_text(following.due_on)))
        )
        buttons = (*done_buttons([following]), (undo_button(),))
    return Reply(blocks=tuple(blocks), buttons=buttons)


def week_completed(
    track: Track, week: Week, done_on: date, new_plan: WeekPlan | None, streak_days: int
) -> Reply:
    completed = _("{title}: completed on {day}.").format(
        title=week.title, day=i18n.digits(done_on.isoformat())
    )
    blocks: list[Block] = [
        Heading(_("Week {number} complete!").format(number=number(week.number))),
        Paragraph(f"{completed} {streak_text(streak_days)}"),
    ]
    if new_plan is None:
        return Reply(blocks=(*blocks, *finished_blocks(track)))
    blocks.append(
        Paragraph(
            _("Week {number} opens: {title}.").format(
                number=number(new_plan.week.number), title=new_plan.week.title
            )
        )
    )
    if new_plan.week.goal:
        blocks.append(goal(new_plan.week))
    first = new_plan.next_open()
    if first is not None:
        blocks.append(Paragraph(_("First up: {item}.").format(item=numbered(first))))
    return Reply(
        blocks=tuple(blocks),
        buttons=((Button(_("Show the new week"), "week"),), (undo_button(),)),
    )


def finished_blocks(track: Track) -> tuple[Block, ...]:
    return (
        Heading(_("You finished {track}!").format(track=track.title)),
        Paragraph(
            _("Every week is done. /progress shows the whole journey; /export keeps a copy.")
        ),
    )


def track_finished(track: Track) -> Reply:
    return Reply(blocks=finished_blocks(track))


def already_done(planned: PlannedItem) -> Reply:
    said = (
        _("{item} is already done ({day}). /today shows what is open.")
        if planned.done_on
        else _("{item} is already done (earlier). /today shows what is open.")
    )
    day = day_text(planned.done_on) if planned.done_on else ""
    return Reply.text(said.format(item=numbered(planned), day=day))


def stale_button() -> Reply:
    return Reply.text(
        _("That item is not in your current week any more. /today shows what is open now.")
    )


def no_such_item(word: str, plan: WeekPlan) -> Reply:
    return Reply.text(
        _("There is no item {typed} this week: week {number} has items {first}–{last}.").format(
            typed=word[:10],
            number=number(plan.week.number),
            first=number(1),
            last=number(len(plan.items)),
        ),
        _("/week lists them with their numbers."),
    )


def done_usage(plan: WeekPlan) -> Reply:
    return Reply.text(
        _(
            "Use /done for the next item, /done 1–{last} for a numbered one, "
            "or /done yesterday to credit yesterday's work."
        ).format(last=len(plan.items))
    )


def undone(title: str, *, reopened: bool) -> Reply:
    said = _("Undone: {title}. The week is open again.") if reopened else _("Undone: {title}.")
    return Reply.text(said.format(title=title), buttons=((show_today(),),))


def not_ticked(planned: PlannedItem) -> Reply:
    return Reply.text(
        _("{item} is not ticked off, so nothing was undone. /week shows what is done.").format(
            item=numbered(planned)
        )
    )


def _undo_last_button(last_title: str) -> Button:
    return Button(shortened(_("Undo {title}").format(title=last_title), MAX_BUTTON_LABEL), "undo")


def undo_usage(typed: str, last_title: str) -> Reply:
    """`/undo` with words rather than an item's number."""
    return Reply.text(
        _(
            "/undo takes back your last tick, “{last}”, or an item of this week by its "
            "number (/undo 3); “{typed}” is neither, so nothing was undone."
        ).format(last=last_title, typed=typed[:20]),
        buttons=((_undo_last_button(last_title),),),
    )


def finish_undone_first(last_title: str) -> Reply:
    """`/undo N` in a finished track's last week, whose closing tick still stands."""
    return Reply.text(
        _(
            "Your track is finished, and its last tick, “{last}”, closed it: take that one "
            "back first, then any other. Nothing was undone."
        ).format(last=last_title),
        buttons=((_undo_last_button(last_title),),),
    )


def _projects_and_resources(w: Week) -> list[Block]:
    blocks: list[Block] = []
    if w.projects:
        blocks.append(
            Paragraph(
                _("Practice project: {projects}").format(projects=semicolon_listed(w.projects))
            )
        )
    links = [f"• {r.title}: {r.url}" for r in w.resources] + [
        f"• {number(n)}. {r.title}: {r.url}"
        for n, item in enumerate(w.items, start=1)
        for r in item.resources
    ]
    if links:
        shown = links[:MAX_RESOURCE_LINES]
        lines = [_("Resources:"), *shown]
        if len(links) > len(shown):
            lines.append(_("… and {count} more").format(count=number(len(links) - len(shown))))
        blocks.append(Paragraph("\n".join(lines)))
    return blocks


def other_week(track: Track, w: Week, done_on: dict[str, date], current: int) -> Reply:
    """A week before or after the current one: what it holds, and what was done in it."""
    done = sum(1 for item in w.items if item.id in done_on)
    heading = (
        _("Week {number} of {weeks}: {title} ({done}/{total} done)")
        if w.number < current
        else _("Week {number} of {weeks}: {title} (coming up)")
    )
    blocks: list[Block] = [
        Heading(
            heading.format(
                number=number(w.number),
                weeks=number(len(track.weeks)),
                title=w.title,
                done=number(done),
                total=number(len(w.items)),
            )
        )
    ]
    if w.goal:
        blocks.append(goal(w))
    items = tuple(
        CheckItem(
            f"{number(n)}. {item.title}",
            item.id in done_on,
            _("done {day}").format(day=day_text(done_on[item.id])) if item.id in done_on else "",
        )
        for n, item in enumerate(w.items, start=1)
    )
    blocks.append(Checklist(items))
    choice = _choice_of(track, w)
    if choice is not None:
        blocks.append(choice_note(choice))
    blocks += _projects_and_resources(w)
    blocks.append(
        Paragraph(_("You are on week {number}; /week shows it.").format(number=number(current)))
    )
    return Reply(blocks=tuple(blocks), buttons=_follow_buttons([choice] if choice else []))


def week_usage(typed: str, current: int, weeks: int) -> Reply:
    example = current + 1 if current < weeks else max(current - 1, 1)
    return Reply.text(
        _("There is no week “{typed}”: this track has weeks {first}–{last}.").format(
            typed=typed[:20], first=number(1), last=number(weeks)
        ),
        _("/week shows your current week ({current}); /week {typed} shows week {example}.").format(
            current=number(current), typed=example, example=number(example)
        ),
    )


MAX_ITEM_NOTE_SHOWN = 120


def week(
    track: Track, plan: WeekPlan, note_count: int, item_notes: Mapping[str, str] | None = None
) -> Reply:
    w = plan.week
    blocks: list[Block] = [Heading(_week_heading(track, plan))]
    if w.goal:
        blocks.append(goal(w))
    blocks.append(Checklist(tuple(_noted(check_item(p), item_notes, p) for p in plan.items)))
    choice = _choice_of(track, w)
    if choice is not None:
        blocks.append(choice_note(choice))
    blocks += _projects_and_resources(w)
    blocks.append(
        Paragraph(
            _(
                "Planned {first} – {last}. Reflection notes this week: {count} "
                "(aim for 3–5; add one with /note)."
            ).format(
                first=day_text(plan.study_dates[0]),
                last=day_text(plan.ends_on),
                count=number(note_count),
            )
        )
    )
    return Reply(blocks=tuple(blocks), buttons=_follow_buttons([choice] if choice else []))


def _noted(
    checked: CheckItem, item_notes: Mapping[str, str] | None, planned: PlannedItem
) -> CheckItem:
    note = (item_notes or {}).get(planned.item.id)
    if note is None:
        return checked
    shown = shortened(note, MAX_ITEM_NOTE_SHOWN)
    detail = (
        _("{detail}; note: {note}").format(detail=checked.detail, note=shown)
        if checked.detail
        else _("note: {note}").format(note=shown)
    )
    return dataclasses.replace(checked, detail=detail)


def _choice_of(track: Track, w: Week) -> ChoiceBlock | None:
    if not w.choice:
        return None
    return next((b for b in choice_blocks(track) if b.id == w.choice), None)


def resume_button() -> Button:
    return Button(_("Resume"), "resume")


def paused(since: date) -> Reply:
    return Reply.text(
        _("You are on a break since {day}. Your streak is safe.").format(day=day_text(since)),
        _("Send /resume when you are ready."),
        buttons=((resume_button(),),),
    )


def pause_has_no_length(typed: str) -> Reply:
    return Reply.text(
        _(
            "I cannot pause for “{typed}”: a break lasts until you send /resume, "
            "so I did not pause."
        ).format(typed=typed[:30]),
        _("Send /pause alone to start one."),
        buttons=((Button(_("Pause until I resume"), "pause"),),),
    )


def resumed(away_days: int) -> Reply:
    greeting = (
        n_(
            "Welcome back! Your plan moved {count} day later to match.",
            "Welcome back! Your plan moved {count} days later to match.",
            away_days,
        ).format(count=number(away_days))
        if away_days
        else _("Welcome back!")
    )
    return Reply.text(greeting, _("/today shows what is next."), buttons=((show_today(),),))


# -- logging ------------------------------------------------------------------


def log_usage() -> Reply:
    return Reply.text(_("Tell me the hours you studied, like /log 1.5, /log 45m or /log 1h30m."))


def log_out_of_range(least: float, most: float) -> Reply:
    return Reply.text(
        _(
            "One /log takes from {least} h to {most} h, like /log 1.5 or /log 45m. "
            "Nothing was logged."
        ).format(least=number(least), most=number(most))
    )


def log_day_full(logged_today: float) -> Reply:
    return Reply.text(
        _("You already logged {hours} h today, and a day has 24. Nothing was logged.").format(
            hours=number(logged_today)
        )
    )


def logged(hours: float, today_total: float, pace: Pace) -> Reply:
    return Reply.text(
        _(
            "Logged {hours} h ({total} h today). Your pace aims for {aim}; "
            "/progress shows this week's total."
        ).format(hours=number(hours), total=number(today_total), aim=pace.profile.hours_text)
    )


def notes(texts: list[str]) -> Reply:
    if not texts:
        return Reply.text(
            _("No notes this week yet. Write one with /note followed by what you learned.")
        )
    return Reply(
        blocks=(
            Heading(_("Your notes this week ({count})").format(count=number(len(texts)))),
            Paragraph("\n".join(f"• {t}" for t in texts)),
        )
    )


def noted_on_item(planned: PlannedItem) -> Reply:
    return Reply.text(
        _(
            "Noted beside {item}; /week shows it there. A newer note on the item takes its place."
        ).format(item=numbered(planned))
    )


def noted(count: int) -> Reply:
    said = n_("Noted ({count} note this week).", "Noted ({count} notes this week).", count)
    aim = (
        _("That is the 3–5 the roadmaps ask for.") if 3 <= count <= 5 else _("Aim for 3–5 a week.")
    )
    return Reply.text(f"{said.format(count=number(count))} {aim}")


# -- settings -----------------------------------------------------------------


def language_name(code: str) -> str:
    """A language as it calls itself: "English", "فارسی", "Русский"."""
    return i18n.NAMES.get(code, code)


def _settings_lines(e: Enrollment, track: Track, speaks: str) -> list[str]:
    quiz_days = days_text(e.quiz_days) if e.quiz_days else _("off")
    quiet = i18n.digits(str(e.quiet_hours)) if e.quiet_hours else _("off")
    return [
        _("Track: {title} ({id})").format(title=track.title, id=track.id),
        _("Pace: {pace}").format(pace=pace_text(e.pace)),
        _("Time zone: {zone}").format(zone=e.timezone),
        _("Daily plan at: {time}").format(time=clock_text(e.nudge_time)),
        _("Evening check-in at: {time}").format(time=clock_text(e.evening_time)),
        _("Study days: {days}").format(days=days_text(e.study_days)),
        _("Quiz days: {days}").format(days=quiz_days),
        _("Quiet hours: {hours}").format(hours=quiet),
        _("Language: {language}").format(language=language_name(speaks)),
        _("Status: paused") if e.paused_since else _("Status: active"),
    ]


def settings(
    e: Enrollment, track: Track, tracks: Sequence[TrackRef], speaks: str | None = None
) -> Reply:
    """The learner's settings; `speaks` is the language they chose (the one spoken when
    they have chosen none)."""
    typed = [
        "/settings tz Europe/Berlin",
        "/settings time 07:30",
        "/settings days mon-fri",
        "/settings evening 20:30",
        "/settings quiz mon,wed,fri | off",
        "/settings quiet 22:00-07:00 | off",
        "/settings pace part-time | standard | accelerated",
        "/settings track " + " | ".join(t.id for t in tracks),
    ]
    change = [
        _("Change with:"),
        *map(i18n.as_typed, typed),
        _("/settings buddy done off | streak on | all off (what a study buddy sees)"),
        i18n.as_typed("/settings language " + " | ".join(i18n.LANGUAGES)),
    ]
    return Reply(
        blocks=(
            Heading(_("Your settings")),
            Paragraph("\n".join(_settings_lines(e, track, speaks or i18n.language()))),
            Paragraph("\n".join(change)),
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
        _(
            "I cannot change “{key}”. I can change tz, time, days, evening, quiz, quiet, "
            "pace, track and language, for example /settings time 07:30. Nothing was changed."
        ).format(key=key[:30])
    )


def now_speaking(code: str) -> Reply:
    """The language changed, said in the language chosen: call it while speaking it."""
    said = {
        "en": _("Done: I'll speak English from now on."),
        "fa": _("Done: I'll speak Persian from now on."),
        "ru": _("Done: I'll speak Russian from now on."),
    }
    return Reply.text(said[code], _("See all settings with /settings."))


def language_choices(typed: str) -> Reply:
    """The languages there are, a button for each; nothing changes until one is pressed."""
    names = listed(f"{language_name(code)} ({code})" for code in i18n.LANGUAGES)
    asked = (
        _("I don't speak “{typed}” yet. I can speak {languages}.")
        if typed
        else _("Which language should I speak? I can speak {languages}.")
    )
    return Reply.text(
        asked.format(typed=typed[:30], languages=names),
        _("Send /settings language {codes}, or press one. Nothing was changed.").format(
            codes=" | ".join(i18n.LANGUAGES)
        ),
        buttons=(
            tuple(
                Button(language_name(code), Settings("language", code).as_action())
                for code in i18n.LANGUAGES
            ),
        ),
    )


def track_choices(current: Track, tracks: Sequence[TrackRef]) -> Reply:
    lines = [
        _("/settings track {id} – {title} (you are on it)").format(id=t.id, title=t.title)
        if t.id == current.id
        else f"/settings track {t.id} – {t.title}"
        for t in tracks
    ]
    switch = tuple(
        (Button(t.title[:MAX_BUTTON_LABEL], Settings("track", t.id).as_action()),)
        for t in tracks
        if t.id != current.id
    )
    return Reply.text(
        _("Name the track to follow:"),
        "\n".join(lines),
        _("Nothing was changed.")
        if switch
        else _("Nothing was changed. /import adds your own roadmap as another track."),
        buttons=switch[:MAX_TRACK_BUTTONS],
    )


def unknown_track(name: str, tracks: Sequence[TrackRef]) -> Reply:
    return Reply.text(
        _("There is no track “{name}”. Available: {tracks}.").format(
            name=name[:40], tracks=listed(f"{t.id} ({t.title})" for t in tracks)
        )
    )


# -- "choose one" blocks ------------------------------------------------------


def _weeks_text(block: ChoiceBlock) -> str:
    if block.first_week == block.last_week:
        return _("week {number}").format(number=number(block.first_week))
    return _("weeks {first}–{last}").format(
        first=number(block.first_week), last=number(block.last_week)
    )


def _weeks_title(block: ChoiceBlock) -> str:
    if block.first_week == block.last_week:
        return _("Week {number}").format(number=number(block.first_week))
    return _("Weeks {first}–{last}").format(
        first=number(block.first_week), last=number(block.last_week)
    )


def _follow_button(block: ChoiceBlock, option: Option) -> Button:
    return Button(
        shortened(_("Follow {option}").format(option=option.label), MAX_BUTTON_LABEL),
        Choose(f"{block.id}={option.id}").as_action(),
    )


def _follow_buttons(blocks: Iterable[ChoiceBlock]) -> tuple[tuple[Button, ...], ...]:
    rows = [
        tuple(_follow_button(block, o) for o in block.options if o.id != block.followed.id)
        for block in blocks
    ]
    return tuple(rows[:MAX_TRACK_BUTTONS])


def _options_text(block: ChoiceBlock) -> str:
    """ "FastAPI (you follow this) or Django"."""
    named = [
        _("{option} (you follow this)").format(option=o.label)
        if o.id == block.followed.id
        else o.label
        for o in block.options
    ]
    said = named[0]
    for following in named[1:]:
        said = _("{first} or {second}").format(first=said, second=following)
    return said


def choice_note(block: ChoiceBlock) -> Paragraph:
    """What a week in a "choose one" block says about it."""
    other = next(o for o in block.options if o.id != block.followed.id)
    return Paragraph(
        _(
            "Pick one of: {options}, for {weeks}. /choose {other} switches; "
            "ticks you made stay with their option."
        ).format(options=_options_text(block), weeks=_weeks_text(block), other=other.label)
    )


def choices(blocks: Sequence[ChoiceBlock], current: int) -> Reply:
    lines = [
        "• "
        + (
            _("{weeks}: {options} (behind you)")
            if b.last_week < current
            else _("{weeks}: {options}")
        ).format(weeks=_weeks_title(b), options=_options_text(b))
        for b in blocks
    ]
    return Reply(
        blocks=(
            Heading(_("Where your track says choose one")),
            Paragraph("\n".join(lines)),
            Paragraph(_("Pick another with its button, or /choose and its name.")),
        ),
        buttons=_follow_buttons(b for b in blocks if b.last_week >= current),
    )


def no_choices(track: Track) -> Reply:
    return Reply.text(
        _("{track} has no “choose one” parts: every week has one list to follow.").format(
            track=track.title
        )
    )


def already_following(block: ChoiceBlock, option: Option) -> Reply:
    return Reply.text(
        _("You already follow {option} for {weeks}.").format(
            option=option.label, weeks=_weeks_text(block)
        )
    )


def now_following(block: ChoiceBlock, option: Option, current: int) -> Reply:
    now = block.first_week <= current <= block.last_week
    if now:
        then = _("This week's list changed: /week shows it.")
    elif block.first_week > current:
        then = _("You will meet it in week {number}; /week {typed} shows it now.").format(
            number=number(block.first_week), typed=block.first_week
        )
    else:
        then = _("Those weeks are behind you; what you ticked there is kept.")
    return Reply.text(
        _("You now follow {option} for {weeks}.").format(
            option=option.label, weeks=_weeks_text(block)
        ),
        then,
        buttons=((Button(_("Show week"), "week"),),) if now else (),
    )


def choice_gone() -> Reply:
    return Reply.text(
        _(
            "That choice is not on your track any more, so nothing changed. "
            "/choose shows the ones there are."
        )
    )


def choice_ambiguous(typed: str, block: ChoiceBlock, found: Sequence[Option]) -> Reply:
    return Reply.text(
        _("“{typed}” could be {names}. Nothing changed; pick one:").format(
            typed=typed[:40], names=listed(o.label for o in found)
        ),
        buttons=tuple((_follow_button(block, o),) for o in found[:MAX_TRACK_BUTTONS]),
    )


def no_such_option(typed: str, blocks: Sequence[ChoiceBlock], current: int) -> Reply:
    shown = choices(blocks, current)
    return Reply(
        blocks=(
            Paragraph(
                _("No option is called “{typed}”, so nothing changed.").format(typed=typed[:40])
            ),
            *shown.blocks[1:],
        ),
        buttons=shown.buttons,
    )


def calendar_sent(days: int, first: date, last: date, e: Enrollment) -> Reply:
    return Reply.text(
        n_(
            "Your next {count} study day, {first} to {last}, each at {time} {zone}. Open the "
            "file to add them to your calendar; a newer one updates the days already there.",
            "Your next {count} study days, {first} to {last}, each at {time} {zone}. Open the "
            "file to add them to your calendar; a newer one updates the days already there.",
            days,
        ).format(
            count=number(days),
            first=day_text(first),
            last=day_text(last),
            time=clock_text(e.nudge_time),
            zone=e.timezone,
        )
    )


# -- the forecast -------------------------------------------------------------


def _projected(f: Forecast, per_week: float) -> str:
    assert f.projected_finish is not None
    behind = f.days_behind
    if behind > 0:
        said = n_(
            "At your pace of the last {days} ({rate} items a week), you finish on {finish}: "
            "{count} day after the plan.",
            "At your pace of the last {days} ({rate} items a week), you finish on {finish}: "
            "{count} days after the plan.",
            behind,
        )
    elif behind < 0:
        said = n_(
            "At your pace of the last {days} ({rate} items a week), you finish on {finish}: "
            "{count} day before the plan.",
            "At your pace of the last {days} ({rate} items a week), you finish on {finish}: "
            "{count} days before the plan.",
            -behind,
        )
    else:
        said = _(
            "At your pace of the last {days} ({rate} items a week), you finish on {finish}, "
            "as planned."
        )
    return said.format(
        days=plural(f.recent_days, "day"),
        rate=tenths(per_week),
        finish=dated(f.projected_finish),
        count=number(abs(behind)),
    )


def _hours_against_pace(f: Forecast, weeks: float, pace: Pace) -> str:
    hours_per_week = f.recent_hours / weeks if weeks else 0
    if not hours_per_week:
        return _("No hours logged lately; /log them to see when the hours left are done.")
    at_that = math.ceil(f.hours_left / hours_per_week)
    return n_(
        "You logged {hours} h a week lately; the hours left take {count} week at that rate "
        "(your pace aims for {aim}).",
        "You logged {hours} h a week lately; the hours left take {count} weeks at that rate "
        "(your pace aims for {aim}).",
        at_that,
    ).format(hours=tenths(hours_per_week), count=number(at_that), aim=pace.profile.hours_text)


def plan_forecast(f: Forecast, pace: Pace) -> Reply:
    if f.items_left == 0:
        return Reply.text(_("Every item of your track is done: there is nothing left to plan."))
    lines = [
        n_(
            "Left: {count} item, about {hours} h of study.",
            "Left: {count} items, about {hours} h of study.",
            f.items_left,
        ).format(count=number(f.items_left), hours=number(f.hours_left)),
        _("As planned at your {pace} pace, you finish on {finish}.").format(
            pace=pace.profile.label.lower(), finish=dated(f.planned_finish)
        ),
    ]
    weeks = f.recent_days / 7
    per_week = f.recent_items / weeks if weeks else 0
    if f.projected_finish is None:
        lines.append(
            n_(
                "Nothing ticked in the last {count} day, so there is no pace to project from yet.",
                "Nothing ticked in the last {count} days, so there is no pace to project from yet.",
                f.recent_days,
            ).format(count=number(f.recent_days))
        )
    else:
        lines.append(_projected(f, per_week))
    lines.append(_hours_against_pace(f, weeks, pace))
    return Reply(blocks=(Heading(_("Your plan and your pace")), Paragraph("\n".join(lines))))


# -- re-planning -----------------------------------------------------------------------


def _numbers(items: Iterable[PlannedItem]) -> str:
    return listed(number(p.number) for p in items)


def replan_buttons(r: Replanning) -> tuple[Button, ...]:
    buttons = [
        Button(
            _("Stretch to {day}").format(day=day_text(r.stretched_finish)),
            Replan("stretch").as_action(),
        ),
        Button(_("Catch up"), Replan("catchup").as_action()),
    ]
    if r.optional:
        buttons.append(
            Button(
                _("Skip {count} optional").format(count=number(len(r.optional))),
                Replan("skip").as_action(),
            )
        )
    return tuple(buttons)


def _stretch_way(r: Replanning) -> str:
    if r.stretched_finish == r.planned_finish:
        said = n_(
            "• Stretch: every item moves {count} day later; you still finish on {finish}.",
            "• Stretch: every item moves {count} days later; you still finish on {finish}.",
            r.stretched_by,
        )
    else:
        said = n_(
            "• Stretch: every item moves {count} day later; you finish on {finish} "
            "(planned: {planned}).",
            "• Stretch: every item moves {count} days later; you finish on {finish} "
            "(planned: {planned}).",
            r.stretched_by,
        )
    return said.format(
        count=number(r.stretched_by),
        finish=dated(r.stretched_finish),
        planned=day_text(r.planned_finish),
    )


def _catch_up_extra(r: Replanning) -> str:
    return semicolon_listed(
        f"{day_text(day)} +{number(len(items))} ({_numbers(items)})" for day, items in r.catch_up
    )


def _catch_up_way(r: Replanning) -> str:
    said = (
        _("• Catch up, items on top of each day's plan: {extra}; you still finish on {finish}.")
        if r.catch_up_finish == r.planned_finish
        else _(
            "• Catch up, items on top of each day's plan: {extra}; you finish on {finish} "
            "(planned: {planned})."
        )
    )
    return said.format(
        extra=_catch_up_extra(r),
        finish=dated(r.catch_up_finish),
        planned=day_text(r.planned_finish),
    )


def _skip_way(r: Replanning) -> str:
    named = semicolon_listed(numbered(p) for p in r.optional)
    count = len(r.optional)
    return n_(
        "• Skip {count} optional item ({hours} h): {named}.",
        "• Skip {count} optional items ({hours} h): {named}.",
        count,
    ).format(count=number(count), hours=number(sum(p.item.hours for p in r.optional)), named=named)


def replan_blocks(r: Replanning) -> tuple[Block, ...]:
    """The offer: how far behind, and the three ways on with the dates each gives."""
    ways = [_stretch_way(r), _catch_up_way(r)]
    if r.optional:
        ways.append(_skip_way(r))
    late, more = r.overdue[0], len(r.overdue) - 1
    was_due = (
        n_(
            "Item {number} was due {day}, and {count} more item since. "
            "Life happens; choose how your plan meets you:",
            "Item {number} was due {day}, and {count} more items since. "
            "Life happens; choose how your plan meets you:",
            more,
        )
        if more
        else _("Item {number} was due {day}. Life happens; choose how your plan meets you:")
    )
    behind = r.study_days_behind
    return (
        Heading(
            n_("{count} study day behind", "{count} study days behind", behind).format(
                count=number(behind)
            )
        ),
        Paragraph(
            was_due.format(
                number=number(late.number), day=day_text(late.due_on), count=number(more)
            )
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
        n_(
            "You are {count} study day behind: /replan shows three ways on, "
            "with the dates each gives.",
            "You are {count} study days behind: /replan shows three ways on, "
            "with the dates each gives.",
            r.study_days_behind,
        ).format(count=number(r.study_days_behind))
    )
    return dataclasses.replace(reply, blocks=(*reply.blocks, pointer))


def on_plan(plan: WeekPlan, today: date, study_days: frozenset[int], finish: date) -> Reply:
    late = plan.day(today, study_days).overdue
    said = (
        _(
            "Item {number} is a little late, not enough to change the plan for. "
            "You finish on {finish}. /today shows what is next."
        )
        if late
        else _(
            "You are on plan: nothing is late. You finish on {finish}. /today shows what is next."
        )
    )
    return Reply.text(
        said.format(number=number(late[0].number) if late else "", finish=dated(finish))
    )


def replan_usage(typed: str) -> Reply:
    return Reply.text(
        _(
            "I can't re-plan “{typed}”. Try /replan to see your choices, "
            "or /replan stretch, /replan catchup or /replan skip."
        ).format(typed=shortened(typed, 40))
    )


def stretched(r: Replanning, plan: WeekPlan) -> Reply:
    said = [
        n_(
            "Plan stretched by {count} day: you finish on {finish}.",
            "Plan stretched by {count} days: you finish on {finish}.",
            r.stretched_by,
        ).format(count=number(r.stretched_by), finish=dated(r.stretched_finish))
    ]
    following = plan.next_open()
    if following:
        said.append(
            _("Next: {item}, due {day}.").format(
                item=numbered(following), day=day_text(following.due_on)
            )
        )
    return Reply.text(" ".join(said))


def caught_up(r: Replanning) -> Reply:
    lines = [
        f"{day_text(day)}: +{number(len(items))}: " + semicolon_listed(numbered(p) for p in items)
        for day, items in r.catch_up
    ]
    finish = (
        _("On top of each day's plan; you still finish on {finish}.")
        if r.catch_up_finish == r.planned_finish
        else _("On top of each day's plan; you finish on {finish} (planned: {planned}).")
    )
    return Reply(
        blocks=(
            Heading(_("Your catch-up plan")),
            Paragraph("\n".join(lines)),
            Paragraph(
                finish.format(finish=dated(r.catch_up_finish), planned=day_text(r.planned_finish))
            ),
        )
    )


def nothing_optional(plan: WeekPlan) -> Reply:
    return Reply.text(
        _(
            "Week {number} has no optional items left to skip. /replan shows the other ways on."
        ).format(number=number(plan.week.number))
    )


def skipped(
    items: Sequence[PlannedItem], plan: WeekPlan, finish: date, *, week_closed: bool
) -> Reply:
    said = [
        n_(
            "Skipped {count} optional item: {named}.",
            "Skipped {count} optional items: {named}.",
            len(items),
        ).format(count=number(len(items)), named=semicolon_listed(numbered(p) for p in items)),
        (
            _("That settles the week: week {number} is open now.")
            if week_closed
            else _("Week {number}: {done}/{total} settled.")
        ).format(
            number=number(plan.week.number),
            done=number(plan.done_count),
            total=number(len(plan.items)),
        ),
        _("You finish on {finish}.").format(finish=dated(finish)),
    ]
    return Reply.text(" ".join(said))
