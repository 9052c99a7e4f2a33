"""Study hours and reflection notes."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from core.kernel.commands import Log, Note
from core.kernel.i18n import messages
from core.kernel.reply import Reply
from core.learning import views
from core.learning.context import Context
from core.learning.plan import PlannedItem
from core.learning.ports import LearningUnitOfWork

_, n_ = messages("learning")

# Hours are stored to the hundredth (36 seconds), so that is the least one entry can log.
MIN_HOURS_PER_ENTRY = 0.01
MAX_HOURS_PER_ENTRY = 12.0
MAX_NOTE_CHARS = 1000

# Any number of digits: an amount too large is answered by the range check, like any other.
_HOURS_ONLY = re.compile(r"(\d+(?:[.,]\d+)?)(?:h|hr|hrs|hours?)?")
_MINUTES_ONLY = re.compile(r"(\d+)(?:m|min|mins|minutes?)")
_HOURS_AND_MINUTES = re.compile(r"(\d+)h([0-5]?\d)(?:m|min|mins)?")


def _as_stored(hours: Decimal) -> float:
    """Hours to the hundredth, halves up, as the journal keeps them."""
    # Rounding through an integer has no precision limit, unlike quantize on huge amounts.
    return float((hours * 100).to_integral_value(ROUND_HALF_UP) / 100)


def parse_hours(text: str) -> float | None:
    """'1.5', '1,5', '1h', '90m', '1h30m' -> hours, to the hundredth; anything else -> None."""
    value = text.strip().lower().replace(" ", "")
    if match := _HOURS_ONLY.fullmatch(value):
        return _as_stored(Decimal(match[1].replace(",", ".")))
    if match := _MINUTES_ONLY.fullmatch(value):
        return _as_stored(Decimal(match[1]) / 60)
    if match := _HOURS_AND_MINUTES.fullmatch(value):
        return _as_stored(Decimal(match[1]) + Decimal(match[2]) / 60)
    return None


async def log_hours(ctx: Context[LearningUnitOfWork], command: Log) -> Reply:
    hours = parse_hours(command.text)
    if hours is None:
        return views.log_usage()
    if not MIN_HOURS_PER_ENTRY <= hours <= MAX_HOURS_PER_ENTRY:
        return views.log_out_of_range(MIN_HOURS_PER_ENTRY, MAX_HOURS_PER_ENTRY)
    journal = ctx.uow.journal
    logged_today = await journal.hours_on(ctx.learner_id, ctx.today)
    if logged_today + hours > 24:
        return views.log_day_full(logged_today)
    await journal.add_hours(
        ctx.learner_id, ctx.enrollment.id, on=ctx.today, hours=hours, at=ctx.now
    )
    return views.logged(hours, round(logged_today + hours, 2), ctx.enrollment.pace)


async def note(ctx: Context[LearningUnitOfWork], command: Note) -> Reply:
    week_id = ctx.enrollment.current_week_id
    journal = ctx.uow.journal
    if not command.text:
        return views.notes(await journal.week_notes(ctx.enrollment.id, week_id))
    if len(command.text) > MAX_NOTE_CHARS:
        return Reply.text(
            _("That note is {count} characters; keep a note under {most}.").format(
                count=views.number(len(command.text)), most=views.number(MAX_NOTE_CHARS)
            ),
            _("Split a long reflection into several /note messages."),
        )
    on_item = _on_item(ctx, command.text)
    if on_item is not None:
        planned, text = on_item
        await journal.add_note(
            ctx.learner_id,
            ctx.enrollment.id,
            week_id=week_id,
            on=ctx.today,
            text=text,
            at=ctx.now,
            item_id=planned.item.id,
        )
        return views.noted_on_item(planned)
    await journal.add_note(
        ctx.learner_id,
        ctx.enrollment.id,
        week_id=week_id,
        on=ctx.today,
        text=command.text,
        at=ctx.now,
    )
    count = len(await journal.week_notes(ctx.enrollment.id, week_id))
    return views.noted(count)


def _on_item(ctx: Context[LearningUnitOfWork], text: str) -> tuple[PlannedItem, str] | None:
    """ "3 where I left off": a note on item 3 of this week, if the week has an item 3;
    "10 things I learned" in a week of seven items is a reflection like any other."""
    number, rest = text.partition(" ")[::2]
    if not number.isdecimal() or not rest.strip():
        return None
    planned = ctx.plan().by_number(int(number))
    return (planned, rest.strip()) if planned is not None else None
