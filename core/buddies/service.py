"""`/buddy`: pairing up, seeing the buddy's day, leaving; and the line a buddy adds to the
evening reminder.

Opting in takes a seat in the pool; the next learner at about the same week and pace who
asks is paired with the longest waiting fit (`matching`), and a learner waiting is paired
when they ask again and someone fits. Leaving gives up the seat only: the buddy's still
names them, so the buddy hears of it the next time they look, and is back in the pool
from then. Two learners asking at the same moment may both wait; whichever asks next
finds the other.
"""

from __future__ import annotations

from dataclasses import replace

from core.buddies import views
from core.buddies.matching import Candidate, ranked
from core.buddies.model import BuddyDay, BuddySharing, Seat, Waiting
from core.buddies.ports import BuddyUnitOfWork
from core.buddies.streak import first_shared_day, shared_streak, study_days_of
from core.kernel.commands import Buddy
from core.kernel.refs import Identity, LearnerRef
from core.kernel.reply import Reply
from core.learning.context import Context, learner_context
from core.learning.library import TrackLibrary

_SWITCHES = {"on": True, "yes": True, "off": False, "no": False}
_SHOW: frozenset[tuple[str, ...]] = frozenset({(), ("show",)})
_LEAVE: frozenset[tuple[str, ...]] = frozenset({("leave",), ("stop",)})


async def buddy(ctx: Context[BuddyUnitOfWork], command: Buddy, library: TrackLibrary) -> Reply:
    """`/buddy` (or `show`), `/buddy leave`, `/buddy share [done|streak|all on|off]`.

    `library` loads the buddy's track: the coach's own, with its catalogue and cache."""
    pairing = _Pairing(ctx, library)
    words = tuple(command.text.lower().split())
    if words in _SHOW:
        return await pairing.show()
    if words in _LEAVE:
        return await pairing.leave()
    if words[:1] == ("share",):
        return await pairing.share(list(words[1:]))
    return views.usage()


async def buddy_evening_line(ctx: Context[BuddyUnitOfWork], library: TrackLibrary) -> str | None:
    """For the evening reminder of a learner who has not studied today: a word that their
    buddy has studied on this date, and what their shared streak needs. None without a
    buddy, or when the buddy has not studied on it either."""
    return await _Pairing(ctx, library).evening_line()


async def pairing_news(ctx: Context[BuddyUnitOfWork], library: TrackLibrary) -> Reply | None:
    """What a learner who waited hears once they are paired: their buddy's day, as `/buddy`
    shows it. None when the pairing is over by the time it goes."""
    return await _Pairing(ctx, library).news()


def switched(sharing: BuddySharing, words: list[str]) -> BuddySharing | None:
    """`sharing` after `done off`, `streak on`, `all off`; None for anything else."""
    if len(words) != 2 or words[1] not in _SWITCHES:
        return None
    what, on = words[0], _SWITCHES[words[1]]
    if what in {"done", "items"}:
        return replace(sharing, done=on)
    if what == "streak":
        return replace(sharing, streak=on)
    if what == "all":
        return BuddySharing(done=on, streak=on)
    return None


def buddy_day(ctx: Context[BuddyUnitOfWork], name: str, sharing: BuddySharing) -> BuddyDay:
    """The buddy's today: the items due today and any ticked today, and how many are done."""
    today = ctx.today
    items = [p for p in ctx.plan().items if today in (p.due_on, p.done_on)]
    return BuddyDay(
        name=name,
        studied=today in ctx.enrollment.active_days,
        done=sum(1 for p in items if p.done),
        planned=len(items),
        on_break=ctx.enrollment.paused_since is not None,
        streak=ctx.streak(),
        sharing=sharing,
    )


def _display_name(identities: list[Identity]) -> str | None:
    """A learner's name: their oldest account's that has one."""
    return next((i.who.display_name for i in identities if i.who.display_name), None)


class _Pairing:
    """One learner's `/buddy`, inside their command's unit of work."""

    def __init__(self, ctx: Context[BuddyUnitOfWork], library: TrackLibrary) -> None:
        self.ctx = ctx
        self.uow = ctx.uow
        self.library = library

    async def show(self) -> Reply:
        ctx, buddies = self.ctx, self.uow.buddies
        seat, new = await buddies.join(ctx.learner_id, at=ctx.now)
        before: list[str] = []
        if seat.buddy_id is not None:
            theirs = await buddies.find(seat.buddy_id)
            if theirs is not None and seat.pairs_with(theirs):
                return await self._pair(seat, theirs, new=False)
            if seat.buddy_id != ctx.learner_id:  # two accounts of one learner, since linked
                before.append(views.buddy_left(await self._name(seat.buddy_id)))
            await buddies.wait_again(ctx.learner_id, at=ctx.now)
            seat = replace(seat, buddy_id=None, since=ctx.now)
        on_break = ctx.enrollment.paused_since is not None
        partner = None if on_break else await self._match()
        if partner is None:
            since = seat.since.astimezone(ctx.enrollment.zone).date()
            return views.in_pool(since, new=new or bool(before), on_break=on_break, before=before)
        mine, theirs = await buddies.find(ctx.learner_id), await buddies.find(partner)
        assert mine is not None and theirs is not None  # both held since `join` and `claim`
        return await self._pair(mine, theirs, new=True, before=before, tell_them=True)

    async def leave(self) -> Reply:
        gone = await self.uow.buddies.leave(self.ctx.learner_id)
        if gone is None:
            return views.not_in_pool()
        if gone.buddy_id is None or not gone.pairs_with(await self.uow.buddies.find(gone.buddy_id)):
            return views.left(None)
        return views.left(await self._name(gone.buddy_id) or views.your_buddy(opening=False))

    async def share(self, words: list[str]) -> Reply:
        seat = await self.uow.buddies.find(self.ctx.learner_id)
        if seat is None:
            return views.share_first()
        if not words:
            return views.sharing(seat.sharing)
        changed = switched(seat.sharing, words)
        if changed is None:
            return views.usage()
        await self.uow.buddies.share(self.ctx.learner_id, changed)
        return views.sharing(changed)

    async def news(self) -> Reply | None:
        seat = await self.uow.buddies.find(self.ctx.learner_id)
        theirs = await self.uow.buddies.find(seat.buddy_id) if seat and seat.buddy_id else None
        if seat is None or theirs is None or not seat.pairs_with(theirs):
            return None
        return await self._pair(seat, theirs, new=True)

    async def evening_line(self) -> str | None:
        ctx = self.ctx
        if ctx.today in ctx.enrollment.active_days:
            return None
        seat = await self.uow.buddies.find(ctx.learner_id)
        if seat is None or seat.buddy_id is None:
            return None
        theirs = await self.uow.buddies.find(seat.buddy_id)
        if theirs is None or not seat.pairs_with(theirs):
            return None
        name, buddy = await self._buddy(theirs.learner_id)
        # The buddy's work on this learner's date, the one their shared streak counts.
        if buddy is None or ctx.today not in buddy.enrollment.active_days:
            return None
        return views.evening_line(name or views.your_buddy(), self._shared(seat, buddy))

    # -- pairing -------------------------------------------------------------------------

    async def _match(self) -> int | None:
        """Pairs the learner with the best fit in the pool that no one else holds now."""
        ctx, buddies = self.ctx, self.uow.buddies
        pool = [await self._candidate(w) for w in await buddies.waiting(besides=ctx.learner_id)]
        fits = ranked(ctx.plan().week.number, ctx.enrollment.pace, filter(None, pool))
        for fit in fits:
            if await buddies.claim(fit.learner_id):
                await buddies.pair(ctx.learner_id, fit.learner_id, at=ctx.now)
                return fit.learner_id
        return None

    async def _candidate(self, waiting: Waiting) -> Candidate | None:
        track = await self.library.load(self.uow.tracks, waiting.track_id)
        week = track.week(waiting.week_id) if track is not None else None
        if week is None:
            return None
        return Candidate(waiting.learner_id, waiting.since, week.number, waiting.pace)

    # -- the buddy's side ----------------------------------------------------------------

    async def _pair(
        self,
        seat: Seat,
        theirs: Seat,
        *,
        new: bool,
        before: list[str] | None = None,
        tell_them: bool = False,
    ) -> Reply:
        name, buddy = await self._buddy(theirs.learner_id)
        name = name or views.your_buddy()
        if buddy is None:
            return views.buddy_without_track(name)
        if tell_them:  # the one who waited hears of it, on their own day
            await self.uow.buddies.announce(theirs.learner_id, on=buddy.today, at=self.ctx.now)
        day = buddy_day(buddy, name, theirs.sharing)
        return views.paired(day, self._shared(seat, buddy), new=new, before=before or ())

    def _shared(self, seat: Seat, buddy: Context[BuddyUnitOfWork]) -> int:
        first = first_shared_day(seat.since, self.ctx, buddy)
        return shared_streak(study_days_of(self.ctx), study_days_of(buddy), first=first)

    async def _name(self, learner_id: int) -> str | None:
        return _display_name(await self.uow.learners.identities(learner_id))

    async def _buddy(self, learner_id: int) -> tuple[str | None, Context[BuddyUnitOfWork] | None]:
        """The buddy's name and their day's context."""
        identities = await self.uow.learners.identities(learner_id)
        name = _display_name(identities)
        snapshot = await self.uow.learners.load_by_id(learner_id)
        if snapshot is None or not identities:
            return name, None
        who: LearnerRef = identities[0].who
        return name, await learner_context(self.uow, self.library, who, snapshot, self.ctx.now)
