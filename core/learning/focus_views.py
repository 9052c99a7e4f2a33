"""What the coach says about focus sessions: started, running, stopped, and the check-in
when one's time is up."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.kernel.commands import Done, Focus
from core.kernel.reply import Button, Reply, shortened
from core.learning.plan import PlannedItem
from core.learning.views import MAX_BUTTON_LABEL

STOP = Button("Stop", Focus("stop").as_action())


def clock_text(at: datetime, zone: ZoneInfo) -> str:
    return f"{at.astimezone(zone):%H:%M}"


def minutes_text(span: timedelta) -> str:
    minutes = round(span.total_seconds() / 60)
    if minutes >= 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{minutes} min"


def _on(planned: PlannedItem | None) -> str:
    return f" on {planned.number}. {planned.item.title}" if planned else ""


def usage(least: int, most: int, default: int) -> Reply:
    return Reply.text(
        f"/focus starts a {default}-minute study session on today's item; /focus 50 asks for "
        f"50 minutes ({least} to {most}). /focus stop ends it early; its time is logged either way.",
        "Nothing was started.",
    )


def started(minutes: int, planned: PlannedItem | None, ends_at: datetime, zone: ZoneInfo) -> Reply:
    what = _on(planned) if planned else " (every item this week is done: a free session)"
    return Reply.text(
        f"Focus: {minutes} min{what}, until {clock_text(ends_at, zone)}.",
        "I will check in when the time is up, and the time goes into your study hours.",
        buttons=((STOP,),),
    )


def running(planned: PlannedItem | None, ends_at: datetime, now: datetime, zone: ZoneInfo) -> Reply:
    left = (
        minutes_text(ends_at - now) if ends_at - now >= timedelta(minutes=1) else "under a minute"
    )
    return Reply.text(
        f"You are focusing{_on(planned)}, until {clock_text(ends_at, zone)}: {left} left.",
        "Stop it first to start another.",
        buttons=((STOP,),),
    )


def paused_focus() -> Reply:
    return Reply.text(
        "You are on a break, so no session was started. Send /resume to pick up, then /focus.",
        buttons=((Button("Resume", "resume"),),),
    )


def stopped(
    studied: timedelta, planned: PlannedItem | None, hours_today: float, *, ended: bool
) -> Reply:
    if studied < timedelta(minutes=1):
        return Reply.text("Stopped after less than a minute, so nothing was logged.")
    how = "Your session had ended" if ended else "Stopped"
    return Reply.text(
        f"{how}: {minutes_text(studied)}{_on(planned)}, logged as study time "
        f"({hours_today:g} h today).",
        buttons=_tick(planned),
    )


def nothing_running(hours_today: float) -> Reply:
    said = (
        f"No session is running: enjoy the break. You logged {hours_today:g} h today."
        if hours_today
        else "No focus session is running."
    )
    return Reply.text(
        f"{said} /focus starts one on today's item.",
        buttons=((Button("Focus 25 min", Focus("").as_action()),),),
    )


def _tick(planned: PlannedItem | None) -> tuple[tuple[Button, ...], ...]:
    if planned is None or planned.done:
        return ()
    label = shortened(f"✓ {planned.number}. {planned.item.title}", MAX_BUTTON_LABEL)
    return ((Button(label, Done(planned.item.id).as_action()),),)


def check_in(
    studied: timedelta,
    planned: PlannedItem | None,
    hours_today: float | None,
    *,
    item_id: str | None,
    more: int,
) -> Reply:
    """Time's up: the time is logged; tick the item, take a few more minutes, or stop.

    `planned` is the session's item as this week has it (None when it is no longer there,
    or the track could not be read: the tick is then offered by the item's id alone)."""
    today = f" ({hours_today:g} h today)" if hours_today is not None else ""
    lines = [f"Time's up: {minutes_text(studied)}{_on(planned)}, logged as study time{today}."]
    tick = _tick(planned)
    if planned is None and item_id is not None:
        tick = ((Button("✓ Tick it off", Done(item_id).as_action()),),)
    if planned is not None and planned.done:
        lines.append("You ticked it off already. Well done! A few more minutes, or a break?")
    elif tick:
        lines.append(f"Done with it, or {more} more minutes?")
    else:
        lines.append(f"{more} more minutes, or a break?")
    more_row = (
        Button(f"{more} more", Focus(f"more {more}").as_action()),
        Button("Take a break", Focus("stop").as_action()),
    )
    return Reply.text(*lines, buttons=(*tick, more_row))
