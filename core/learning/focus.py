"""`/focus`: a timed study session on today's item.

A session runs until it is stopped: by `/focus stop`, by the next `/focus` once its time
is up, or by its check-in (core/outreach/focus.py), which the start owes for its end.
Whichever stops it logs the time studied as hours, once, cut at the learner's local
midnights so each day gets its own share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from core.kernel.commands import Focus
from core.kernel.errors import ConflictError
from core.kernel.reply import Reply
from core.kernel.schedule import local_instant
from core.learning import focus_views as views
from core.learning.context import Context
from core.learning.plan import PlannedItem
from core.learning.ports import FocusSession, LearningUnitOfWork, NewFocusSession

DEFAULT_MINUTES = 25
MIN_MINUTES = 5
MAX_MINUTES = 180
MORE_MINUTES = 5  # the check-in's offer
LEAST_LOGGED = timedelta(minutes=1)

_MINUTES = re.compile(r"(\d{1,6})\s*(?:m|min|mins|minutes?)?")
_STOP = frozenset({"stop", "end", "cancel"})


@dataclass(frozen=True)
class StartSession:
    minutes: int
    more: bool = False  # continuing the last session's item


@dataclass(frozen=True)
class StopSession:
    pass


def parse_focus(text: str) -> StartSession | StopSession | None:
    """'' (25 minutes), '50', '50m', 'stop', 'more', 'more 10'; None for anything else,
    or a length out of range."""
    words = text.strip().lower()
    if words in _STOP:
        return StopSession()
    more = words.startswith("more")
    if more:
        words = words.removeprefix("more").strip()
        if not words:
            return StartSession(MORE_MINUTES, more=True)
    if not words:
        return StartSession(DEFAULT_MINUTES)
    match = _MINUTES.fullmatch(words)
    if match is None or not MIN_MINUTES <= int(match[1]) <= MAX_MINUTES:
        return None
    return StartSession(int(match[1]), more=more)


def split_by_day(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[date, timedelta]]:
    """The time from `start` to `end`, cut at local midnights in `zone`: each local day
    with its share (a day of a DST change is 23 or 25 hours long, and counted as it is)."""
    parts: list[tuple[date, timedelta]] = []
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    while start < end:
        day = start.astimezone(zone).date()
        next_midnight = local_instant(day + timedelta(days=1), time(0), zone)
        cut = min(end, next_midnight) if next_midnight > start else end
        parts.append((day, cut - start))
        start = cut
    return parts


def as_hours(span: timedelta) -> float:
    """Hours to the hundredth, halves up, as the journal keeps them."""
    hours = Decimal(span.total_seconds()) / 3600
    return float(hours.quantize(Decimal("0.01"), ROUND_HALF_UP))


async def settle(
    uow: LearningUnitOfWork, session: FocusSession, *, at: datetime, zone: ZoneInfo
) -> timedelta | None:
    """Stops the session at `at` and logs the time studied (up to its end) as hours on
    each local day it covered. None if another unit of work had stopped it: that one
    logged its time."""
    if not await uow.focus_sessions.stop(session.id, at=at):
        return None
    until = max(min(at, session.ends_at), session.started_at)
    if until - session.started_at < LEAST_LOGGED:
        return until - session.started_at  # a session stopped as it began: nothing studied
    for day, span in split_by_day(session.started_at, until, zone):
        hours = as_hours(span)
        if hours > 0:
            await uow.journal.add_hours(
                session.learner_id, session.enrollment_id, on=day, hours=hours, at=at
            )
    return until - session.started_at


async def focus(ctx: Context[LearningUnitOfWork], command: Focus) -> Reply:
    asked = parse_focus(command.text)
    if asked is None:
        return views.usage(MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES)
    if isinstance(asked, StopSession):
        return await stop(ctx)
    if ctx.enrollment.paused_since is not None:
        return views.paused_focus()
    zone = ctx.enrollment.zone
    current = await ctx.uow.focus_sessions.running(ctx.learner_id)
    if current is not None:
        if current.running_at(ctx.now):
            return views.running(_planned(ctx, current), current.ends_at, ctx.now, zone)
        await settle(ctx.uow, current, at=ctx.now, zone=zone)  # its time was up: it ends now
    planned = await _item_for(ctx, asked)
    return await _start(ctx, asked.minutes, planned)


async def _item_for(ctx: Context[LearningUnitOfWork], asked: StartSession) -> PlannedItem | None:
    """Today's item: the next open one; "more" stays with the last session's if it is
    still open this week."""
    plan = ctx.plan()
    if asked.more:
        last = await ctx.uow.focus_sessions.latest(ctx.learner_id)
        same = plan.by_item_id(last.item_id) if last and last.item_id else None
        if same is not None and not same.done:
            return same
    return plan.next_open()


async def _start(
    ctx: Context[LearningUnitOfWork], minutes: int, planned: PlannedItem | None
) -> Reply:
    ends_at = ctx.now + timedelta(minutes=minutes)
    zone = ctx.enrollment.zone
    session = await ctx.uow.focus_sessions.start(
        NewFocusSession(
            learner_id=ctx.learner_id,
            enrollment_id=ctx.enrollment.id,
            week_id=ctx.plan().week.id,
            item_id=planned.item.id if planned else None,
            started_at=ctx.now,
            ends_at=ends_at,
            ends_on=ends_at.astimezone(zone).date(),
        )
    )
    if session is None:
        # Another worker's start won (the learner's lock makes this all but impossible):
        # run again, and the command finds that session running.
        raise ConflictError("a focus session began meanwhile")
    return views.started(minutes, planned, ends_at, zone)


async def stop(ctx: Context[LearningUnitOfWork]) -> Reply:
    current = await ctx.uow.focus_sessions.running(ctx.learner_id)
    studied = None
    if current is not None:
        studied = await settle(ctx.uow, current, at=ctx.now, zone=ctx.enrollment.zone)
    if current is None or studied is None:
        return views.nothing_running(await ctx.uow.journal.hours_on(ctx.learner_id, ctx.today))
    hours_today = await ctx.uow.journal.hours_on(ctx.learner_id, ctx.today)
    ended = not current.running_at(ctx.now)
    return views.stopped(studied, _planned(ctx, current), hours_today, ended=ended)


def _planned(ctx: Context[LearningUnitOfWork], session: FocusSession) -> PlannedItem | None:
    """The session's item as this week has it (None once the week has moved on)."""
    return ctx.plan().by_item_id(session.item_id) if session.item_id else None
