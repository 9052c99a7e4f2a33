"""/link: one learner across platforms. A code issued on one, typed on another, folds the
typing learner into the one who asked for it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.accounts import linking, views
from core.accounts.model import MergedEnrollment
from core.accounts.ports import AccountUnitOfWork
from core.kernel.commands import Link
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.context import reschedule
from core.learning.focus import settle
from core.learning.library import TrackLibrary
from core.learning.model import Snapshot


class Linking:
    def __init__(self, library: TrackLibrary) -> None:
        self._library = library

    async def link(
        self,
        uow: AccountUnitOfWork,
        who: LearnerRef,
        snapshot: Snapshot | None,
        command: Link,
        now: datetime,
    ) -> Reply:
        if not command.code:
            return await self._issue(uow, who, snapshot, now)
        code = linking.normalise_code(command.code)
        if code is None:
            return views.link_code_malformed()
        return await self._redeem(uow, who, snapshot, code, now)

    async def _issue(
        self, uow: AccountUnitOfWork, who: LearnerRef, snapshot: Snapshot | None, now: datetime
    ) -> Reply:
        if snapshot is None:
            await uow.learners.create(who, None, at=now)
        code = linking.new_code()
        await uow.links.issue(
            who, code_hash=linking.code_hash(code), at=now, expires_at=now + linking.CODE_TTL
        )
        return views.link_code(code, who.platform, linking.CODE_TTL)

    async def _redeem(
        self,
        uow: AccountUnitOfWork,
        who: LearnerRef,
        snapshot: Snapshot | None,
        code: str,
        now: datetime,
    ) -> Reply:
        """Only a code that matches nothing counts against the guess limit; the other
        refusals (own code, already linked, same platform twice) change nothing at all."""
        links = uow.links
        failures = await links.failures(who, since=now - linking.WRONG_CODE_WINDOW)
        if len(failures) >= linking.MAX_WRONG_CODES:
            retry_at = failures[-linking.MAX_WRONG_CODES] + linking.WRONG_CODE_WINDOW
            return views.link_locked(retry_at - now)
        hashed = linking.code_hash(code)
        found = await links.find(hashed, now=now)
        if found is None:
            await links.add_failure(who, at=now, forget_before=now - linking.WRONG_CODE_WINDOW)
            return views.link_code_unknown(linking.MAX_WRONG_CODES - len(failures) - 1)
        issuer = found.issued_by
        if snapshot is not None and snapshot.learner_id == found.learner_id:
            same = (issuer.platform, issuer.external_id) == (who.platform, who.external_id)
            return views.link_own_code() if same else views.already_linked()
        theirs = [i.who for i in await uow.learners.identities(found.learner_id)]
        mine = (
            [i.who for i in await uow.learners.identities(snapshot.learner_id)]
            if snapshot
            else [who]
        )
        clash = {i.platform for i in theirs} & {i.platform for i in mine}
        if clash:
            return views.link_same_platform(linking.platform_name(min(clash)))
        if not await links.use(hashed, now=now):
            return views.link_code_unknown(None)  # redeemed by someone else a moment ago
        if snapshot is None:
            await uow.learners.add_identity(found.learner_id, who, at=now)
            merged_items, kept_settings = 0, True
        else:
            merged_items, kept_settings = await self._absorb(uow, found.learner_id, snapshot, now)
        return views.linked(
            [issuer.platform, *(i.platform for i in theirs + mine)],
            issuer.platform,
            merged_items=merged_items,
            kept_settings=kept_settings,
        )

    async def _merge(
        self, uow: AccountUnitOfWork, survivor_id: int, absorbed_id: int
    ) -> tuple[list[MergedEnrollment], int]:
        """The enrollments both have on one track, merged; and how many done items came
        over in all."""
        own = {e.track_id: e for e in await uow.enrollments.of_learner(survivor_id)}
        merged: list[MergedEnrollment] = []
        came_over = 0
        for theirs in await uow.enrollments.of_learner(absorbed_id):
            done = await uow.ticks.of_enrollment(theirs.id)
            keep = own.get(theirs.track_id)
            if keep is None:
                came_over += len(done)
                continue
            track = await self._library.load(uow.tracks, theirs.track_id)
            kept_done = await uow.ticks.of_enrollment(keep.id)
            pair = linking.merge_enrollments(keep, theirs, kept_done, done, track)
            came_over += pair.added
            merged.append(pair)
        return merged, came_over

    async def _absorb(
        self, uow: AccountUnitOfWork, survivor_id: int, absorbed: Snapshot, now: datetime
    ) -> tuple[int, bool]:
        """Folds the absorbed learner into the survivor. Returns how many done items came
        over, and whether the survivor's settings are the ones in force."""
        survivor = await uow.learners.load_by_id(survivor_id, lock=True)
        survivor_active = survivor.enrollment if survivor else None
        await _one_focus_session(uow, survivor_id, absorbed, now)
        merged, came_over = await self._merge(uow, survivor_id, absorbed.learner_id)
        await uow.accounts.absorb(survivor_id, absorbed.learner_id, merged)
        # The survivor's active track stays active; a survivor without one takes the other's.
        leading = survivor_active or absorbed.enrollment
        if leading is not None:
            active = await uow.enrollments.find(survivor_id, leading.track_id)
            if active is not None:
                if survivor_active is None:
                    await uow.enrollments.activate(survivor_id, active.id)
                if active.next_nudge_at is None:  # moved over or reactivated: not scheduled
                    reschedule(active, now)
                    await uow.enrollments.save(active)
        return came_over, survivor_active is not None or absorbed.enrollment is None


async def _one_focus_session(
    uow: AccountUnitOfWork, survivor_id: int, absorbed: Snapshot, now: datetime
) -> None:
    """A learner runs one focus session at a time: where both run one, the absorbed
    learner's ends now, its minutes logged."""
    theirs = await uow.focus_sessions.running(absorbed.learner_id)
    if theirs is None or await uow.focus_sessions.running(survivor_id) is None:
        return
    zone = absorbed.enrollment.zone if absorbed.enrollment else ZoneInfo("UTC")
    await settle(uow, theirs, at=now, zone=zone)
