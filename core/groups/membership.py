"""Joining and leaving a study group, and choosing what the group sees."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.groups import views
from core.groups.call import GroupCall
from core.groups.model import Membership, Sharing, StudyGroup
from core.groups.ports import GroupUnitOfWork
from core.groups.standings import GROUP_PACE, group_week
from core.kernel.commands import Join, Leave, Share
from core.kernel.i18n import messages
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.library import Defaults
from core.learning.model import NewEnrollment, Snapshot
from core.learning.onboarding import new_enrollment
from core.learning.tracks import Track

_, n_ = messages("groups")

_SWITCHES = {"on": True, "yes": True, "off": False, "no": False}


def _shared(share: Sharing, what: str, on: bool) -> Sharing | None:
    """`share` with one switch flipped; None for a word that names nothing shareable."""
    if what in {"done", "items"}:
        return replace(share, done=on)
    if what == "streak":
        return replace(share, streak=on)
    if what in {"quiz", "score"}:
        return replace(share, quiz=on)
    if what in {"mentions", "mention", "nudge"}:
        return replace(share, mentions=on)
    if what == "all":
        return Sharing(done=on, streak=on, quiz=on, mentions=share.mentions)
    return None


class Members:
    def __init__(self, defaults: Defaults) -> None:
        self._defaults = defaults

    def _enrollment(self, group: StudyGroup, track: Track, now: datetime) -> NewEnrollment:
        return new_enrollment(
            track,
            now,
            timezone=group.timezone,
            study_days=group.study_days,
            nudge_time=self._defaults.nudge_time,
            pace=GROUP_PACE,
        )

    async def add(
        self,
        uow: GroupUnitOfWork,
        who: LearnerRef,
        group: StudyGroup,
        track: Track,
        snapshot: Snapshot | None,
        now: datetime,
    ) -> tuple[bool, bool | None]:
        """Adds `who` to the group, starting them on its track if they have no track yet.
        Returns whether they were new and, when their own track is another one, whether
        they have progress kept on the group's (None when the group's track is theirs)."""
        if snapshot is None:
            snapshot = await uow.learners.create(who, self._enrollment(group, track, now), at=now)
        elif snapshot.enrollment is None:
            existing = await uow.enrollments.find(snapshot.learner_id, track.id)
            if existing is None:
                existing = await uow.enrollments.create(
                    snapshot.learner_id, self._enrollment(group, track, now), at=now
                )
            await uow.enrollments.activate(snapshot.learner_id, existing.id)
        membership = await uow.groups.membership(group.id, snapshot.learner_id)
        if membership is not None:
            if membership.who != who:  # a new display name, or the same learner linked
                await uow.groups.save_member(replace(membership, who=who))
            return False, None
        await uow.groups.add_member(
            Membership(group.id, snapshot.learner_id, who, joined_at=now, sharing=Sharing())
        )
        own = snapshot.enrollment
        if own is None or own.track_id == track.id:
            return True, None
        return True, await uow.enrollments.find(snapshot.learner_id, track.id) is not None

    async def join(self, call: GroupCall[Join]) -> Reply:
        uow, who, group, track, snapshot, _command, now = call
        new, kept = await self.add(uow, who, group, track, snapshot, now)
        if not new:
            return views.already_member()
        week = group_week(track, group.started_on, call.today)
        with call.to_the_group():
            note = "" if kept is None else views.other_track_note(track, kept=kept)
            return views.joined(who.display_name or _("new member"), track, week, note)


async def leave(call: GroupCall[Leave]) -> Reply:
    uow, who, group, _track, snapshot, _command, _now = call
    if snapshot is None or not await uow.groups.remove_member(group.id, snapshot.learner_id):
        return views.not_in_group()
    with call.to_the_group():
        return views.left(who.display_name or _("A member"))


async def share(call: GroupCall[Share]) -> Reply:
    """What the group sees of the member is theirs to know: answered in their language."""
    membership = await call.membership()
    if membership is None:
        return views.not_member("share")
    what, state = call.command.what.lower(), call.command.state.lower()
    if not what and not state:
        return views.sharing(membership.sharing)
    shared = _shared(membership.sharing, what, _SWITCHES[state]) if state in _SWITCHES else None
    if shared is None:
        return views.sharing_usage()
    await call.uow.groups.save_member(replace(membership, sharing=shared))
    return views.sharing(shared)
