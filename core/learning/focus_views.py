"""What the coach says about focus sessions: started, running, stopped, and the check-in
when one's time is up."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.kernel import i18n
from core.kernel.commands import Done, Focus
from core.kernel.i18n import messages
from core.kernel.reply import Button, Reply, shortened
from core.learning.plan import PlannedItem
from core.learning.views import MAX_BUTTON_LABEL, number, numbered

_, n_ = messages("learning")


def stop_button() -> Button:
    return Button(_("Stop"), Focus("stop").as_action())


def clock_text(at: datetime, zone: ZoneInfo) -> str:
    return i18n.clock_time(at.astimezone(zone).time())


def minutes_text(span: timedelta) -> str:
    minutes = round(span.total_seconds() / 60)
    if minutes >= 60:
        hours, rest = divmod(minutes, 60)
        if rest:
            return _("{hours} h {minutes} min").format(hours=number(hours), minutes=number(rest))
        return _("{hours} h").format(hours=number(hours))
    return _("{minutes} min").format(minutes=number(minutes))


def usage(least: int, most: int, default: int) -> Reply:
    return Reply.text(
        _(
            "/focus starts a {default}-minute study session on today's item; /focus 50 asks "
            "for 50 minutes ({least} to {most}). /focus stop ends it early; its time is logged "
            "either way."
        ).format(default=number(default), least=number(least), most=number(most)),
        _("Nothing was started."),
    )


def started(minutes: int, planned: PlannedItem | None, ends_at: datetime, zone: ZoneInfo) -> Reply:
    said = (
        _("Focus: {minutes} min on {item}, until {time}.")
        if planned
        else _("Focus: {minutes} min (every item this week is done: a free session), until {time}.")
    )
    return Reply.text(
        said.format(
            minutes=number(minutes),
            item=numbered(planned) if planned else "",
            time=clock_text(ends_at, zone),
        ),
        _("I will check in when the time is up, and the time goes into your study hours."),
        buttons=((stop_button(),),),
    )


def running(planned: PlannedItem | None, ends_at: datetime, now: datetime, zone: ZoneInfo) -> Reply:
    left = (
        minutes_text(ends_at - now)
        if ends_at - now >= timedelta(minutes=1)
        else _("under a minute")
    )
    said = (
        _("You are focusing on {item}, until {time}: {left} left.")
        if planned
        else _("You are focusing, until {time}: {left} left.")
    )
    return Reply.text(
        said.format(
            item=numbered(planned) if planned else "",
            time=clock_text(ends_at, zone),
            left=left,
        ),
        _("Stop it first to start another."),
        buttons=((stop_button(),),),
    )


def paused_focus() -> Reply:
    return Reply.text(
        _("You are on a break, so no session was started. Send /resume to pick up, then /focus."),
        buttons=((Button(_("Resume"), "resume"),),),
    )


def stopped(
    studied: timedelta, planned: PlannedItem | None, hours_today: float, *, ended: bool
) -> Reply:
    if studied < timedelta(minutes=1):
        return Reply.text(_("Stopped after less than a minute, so nothing was logged."))
    if ended:
        said = (
            _(
                "Your session had ended: {studied} on {item}, logged as study time ({hours} h today)."
            )
            if planned
            else _("Your session had ended: {studied}, logged as study time ({hours} h today).")
        )
    else:
        said = (
            _("Stopped: {studied} on {item}, logged as study time ({hours} h today).")
            if planned
            else _("Stopped: {studied}, logged as study time ({hours} h today).")
        )
    return Reply.text(
        said.format(
            studied=minutes_text(studied),
            item=numbered(planned) if planned else "",
            hours=number(hours_today),
        ),
        buttons=_tick(planned),
    )


def nothing_running(hours_today: float) -> Reply:
    said = (
        _(
            "No session is running: enjoy the break. You logged {hours} h today. "
            "/focus starts one on today's item."
        )
        if hours_today
        else _("No focus session is running. /focus starts one on today's item.")
    )
    return Reply.text(
        said.format(hours=number(hours_today)),
        buttons=((Button(_("Focus 25 min"), Focus("").as_action()),),),
    )


def _tick(planned: PlannedItem | None) -> tuple[tuple[Button, ...], ...]:
    if planned is None or planned.done:
        return ()
    label = shortened(f"✓ {numbered(planned)}", MAX_BUTTON_LABEL)
    return ((Button(label, Done(planned.item.id).as_action()),),)


def _times_up(studied: timedelta, planned: PlannedItem | None, hours_today: float | None) -> str:
    if hours_today is None:
        said = (
            _("Time's up: {studied} on {item}, logged as study time.")
            if planned
            else _("Time's up: {studied}, logged as study time.")
        )
    else:
        said = (
            _("Time's up: {studied} on {item}, logged as study time ({hours} h today).")
            if planned
            else _("Time's up: {studied}, logged as study time ({hours} h today).")
        )
    return said.format(
        studied=minutes_text(studied),
        item=numbered(planned) if planned else "",
        hours=number(hours_today or 0),
    )


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
    lines = [_times_up(studied, planned, hours_today)]
    tick = _tick(planned)
    if planned is None and item_id is not None:
        tick = ((Button(_("✓ Tick it off"), Done(item_id).as_action()),),)
    if planned is not None and planned.done:
        lines.append(_("You ticked it off already. Well done! A few more minutes, or a break?"))
    elif tick:
        lines.append(
            n_(
                "Done with it, or {count} more minute?",
                "Done with it, or {count} more minutes?",
                more,
            ).format(count=number(more))
        )
    else:
        lines.append(
            n_(
                "{count} more minute, or a break?", "{count} more minutes, or a break?", more
            ).format(count=number(more))
        )
    more_row = (
        Button(_("{count} more").format(count=number(more)), Focus(f"more {more}").as_action()),
        Button(_("Take a break"), Focus("stop").as_action()),
    )
    return Reply.text(*lines, buttons=(*tick, more_row))
