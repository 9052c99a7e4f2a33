"""A focus session's check-in when its time is up, composed as it goes.

The session is ended here when its time is up (its minutes logged), whether or not the
check-in can then be sent: a learner on a break, out of reach or in quiet hours still gets
the hours. A session stopped before, by `/focus stop` or by another `/focus`, needs no
check-in. One that the check-in itself ended (stopped at its end exactly) is a retry of
a message that did not get through, and goes again unless another session began since.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.kernel.i18n import ENGLISH, speaking
from core.kernel.refs import LearnerRef
from core.learning.context import learner_context
from core.learning.focus import MORE_MINUTES, settle
from core.learning.focus_views import check_in
from core.learning.library import TrackLibrary
from core.learning.model import Enrollment, Snapshot
from core.learning.plan import PlannedItem
from core.learning.ports import FocusSession
from core.outreach.model import Decision, Drop, Hold, OutboxItem, Send
from core.outreach.ports import OutreachUnitOfWork

UTC_ZONE = ZoneInfo("UTC")


async def focus_check_in(
    uow: OutreachUnitOfWork,
    item: OutboxItem,
    platforms: Collection[str],
    now: datetime,
    library: TrackLibrary | None = None,
) -> Decision:
    """`library` reads the session's track, to name its item; without it the check-in
    offers the tick by the item's id alone."""
    session = await uow.focus_sessions.get(item.recipient.id)
    if session is None:
        return Drop("session gone")
    snapshot = await uow.learners.load_by_id(session.learner_id)
    if snapshot is None:
        return Drop("no longer a learner")
    zone = snapshot.enrollment.zone if snapshot.enrollment else UTC_ZONE
    studied = await _ended(uow, session, now, zone)
    if isinstance(studied, Hold | Drop):
        return studied
    return await _compose(uow, session, snapshot, studied, platforms, now, library)


async def _ended(
    uow: OutreachUnitOfWork, session: FocusSession, now: datetime, zone: ZoneInfo
) -> timedelta | Hold | Drop:
    """The time studied in a session that ran its whole time; or why there is no check-in."""
    stopped = session.stopped_at
    if stopped is None:
        if now < session.ends_at:
            return Hold(session.ends_at, "still running")
        studied = await settle(uow, session, at=session.ends_at, zone=zone)
        return Drop("stopped meanwhile") if studied is None else studied
    if stopped < session.ends_at:
        return Drop("stopped early")
    if stopped > session.ends_at:
        return Drop("stopped after its time was up")
    latest = await uow.focus_sessions.latest(session.learner_id)
    if latest is not None and latest.id != session.id:
        return Drop("another session began")
    return session.ends_at - session.started_at


async def _compose(
    uow: OutreachUnitOfWork,
    session: FocusSession,
    snapshot: Snapshot,
    studied: timedelta,
    platforms: Collection[str],
    now: datetime,
    library: TrackLibrary | None,
) -> Decision:
    e = snapshot.enrollment
    if e is None:
        return Drop("no longer enrolled")
    if e.paused_since is not None:
        return Drop("paused")
    to = await _reachable(uow, session.learner_id, platforms)
    if to is None:
        return Drop("no reachable chat")
    if _quiet_since_it_began(e, session, now):
        return Drop("quiet hours began during the session")
    planned: PlannedItem | None = None
    read = False
    if library is not None:
        ctx = await learner_context(uow, library, to, snapshot, now)
        if ctx is not None:
            read = True
            planned = ctx.plan().by_item_id(session.item_id) if session.item_id else None
    hours_today = await uow.journal.hours_on(session.learner_id, now.astimezone(e.zone).date())
    with speaking(snapshot.language or ENGLISH):
        reply = check_in(
            studied,
            planned,
            hours_today,
            item_id=None if read else session.item_id,
            more=MORE_MINUTES,
        )
    return Send(to, reply, "focus")


def _quiet_since_it_began(e: Enrollment, session: FocusSession, now: datetime) -> bool:
    """Quiet hours hold back what the coach starts; a timer the learner set inside them is
    theirs, and rings. One set before they began ends in silence (its time still counts)."""
    quiet = e.quiet_hours
    if quiet is None or quiet.ends_after(now, e.zone) is None:
        return False
    return quiet.ends_after(session.started_at, e.zone) is None


async def _reachable(
    uow: OutreachUnitOfWork, learner_id: int, platforms: Collection[str]
) -> LearnerRef | None:
    """The learner's oldest account the sender can reach, as for every post of theirs."""
    for identity in await uow.learners.identities(learner_id):
        if identity.reachable and identity.who.platform in platforms:
            return identity.who
    return None
