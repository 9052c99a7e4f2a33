"""Study buddies: pairing by week and pace, each seeing the other's day, the shared streak
and the evening word, on the memory storage with the clock set by hand."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from core.app.coach import Coach
from core.buddies.service import buddy_evening_line
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.learning.context import learner_context
from core.outreach.service import Outreach
from tests.conftest import MONDAY_MORNING, Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.outbox import Decisions
from tests.unit.rules.support import enrollment, snapshot


def learner(coach: Coach, name: str, platform: str = "telegram") -> Learner:
    return Learner(coach, name, platform=platform)


async def started(coach: Coach, name: str, platform: str = "telegram", *settings: str) -> Learner:
    someone = learner(coach, name, platform)
    await someone.say("/start")
    for setting in settings:
        await someone.say(f"/settings {setting}")
    return someone


async def on_week(uow: MemoryUnitOfWorkFactory, who: Learner, number: int) -> None:
    e = await enrollment(uow, who.ref)
    async with uow() as work:
        await work.enrollments.save(replace(e, current_week_id=f"w{number:02d}"))
        await work.commit()


async def learner_id(uow: MemoryUnitOfWorkFactory, who: Learner) -> int:
    found = await snapshot(uow, who.ref)
    assert found is not None
    return found.learner_id


async def buddy_of(uow: MemoryUnitOfWorkFactory, who: Learner) -> int | None:
    """The learner id of `who`'s buddy, when both seats name each other."""
    mine = await learner_id(uow, who)
    async with uow() as work:
        seat = await work.buddies.find(mine)
        if seat is None or seat.buddy_id is None:
            return None
        theirs = await work.buddies.find(seat.buddy_id)
    return seat.buddy_id if seat.pairs_with(theirs) else None


async def seated(uow: MemoryUnitOfWorkFactory, who: Learner, at: datetime) -> None:
    """In the pool from `at`, as if they had asked when no one fitted."""
    mine = await learner_id(uow, who)
    async with uow() as work:
        await work.buddies.join(mine, at=at)
        await work.commit()


async def waiting(uow: MemoryUnitOfWorkFactory, who: Learner) -> bool:
    mine = await learner_id(uow, who)
    async with uow() as work:
        seat = await work.buddies.find(mine)
    return seat is not None and seat.buddy_id is None


def shared(text: str) -> int:
    """The shared streak a reply states."""
    found = re.search(r"shared streak(?: of|:) (\d+) days?", text)
    if found:
        return int(found[1])
    assert "shared streak starts" in text or "shared streak begins" in text, text
    return 0


async def evening_line(coach: Coach, uow: MemoryUnitOfWorkFactory, who: Learner) -> str | None:
    async with uow() as work:
        found = await work.learners.load(who.ref)
        assert found is not None
        ctx = await learner_context(work, coach.library, who.ref, found, coach.clock.now())
        assert ctx is not None
        return await buddy_evening_line(ctx, coach.library)


# -- pairing ------------------------------------------------------------------------------


async def test_two_learners_on_two_platforms_pair_and_see_each_others_day(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    ada = await started(coach, "ada", "telegram")
    bob = await started(coach, "bob", "discord")
    assert "buddy pool" in await ada.say("/buddy")
    assert await waiting(uow, ada)

    paired = await bob.say("/buddy")
    assert "Your study buddy: Ada" in paired
    assert "Ada: done 0 of 2 today." in paired
    assert await buddy_of(uow, bob) == await learner_id(uow, ada)
    assert await buddy_of(uow, ada) == await learner_id(uow, bob)

    await ada.say("/done")
    seen = await bob.say("/buddy")
    assert "Ada: done 1 of 2 today." in seen and "Ada's streak: 1 day." in seen
    assert shared(seen) == 0
    await bob.say("/done")
    seen = await ada.say("/buddy")
    assert "Your study buddy: Bob" in seen and "Bob: done 1 of 2 today." in seen
    assert shared(seen) == 1 and shared(await bob.say("/buddy")) == 1


async def test_the_closest_week_at_the_same_pace_goes_first_then_the_nearest_pace(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    pool = {
        "fast5": (5, "accelerated"),
        "std7": (7, "standard"),
        "std8": (8, "standard"),  # three weeks from week 5: never
        "slow4": (4, "part-time"),
    }
    for name, (week, pace) in pool.items():
        clock.advance(timedelta(minutes=1))  # the order they asked in
        who = await started(coach, name, "discord", f"pace {pace}")
        await on_week(uow, who, week)
        await seated(uow, who, clock.now())
    askers = []
    for name in ("me", "you", "they", "them"):
        who = await started(coach, name, "telegram")
        await on_week(uow, who, 5)
        askers.append(who)

    # The same pace two weeks on beats another pace in the same week.
    assert "Your study buddy: Std7" in await askers[0].say("/buddy")
    # Both left are a pace away: the one in the same week first.
    assert "Your study buddy: Fast5" in await askers[1].say("/buddy")
    assert "Your study buddy: Slow4" in await askers[2].say("/buddy")
    assert "buddy pool" in await askers[3].say("/buddy")
    assert await waiting(uow, askers[3])
    assert await buddy_of(uow, learner(coach, "std8", "discord")) is None


async def test_among_equals_the_longest_waiting_goes_first(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    first = await started(coach, "first")
    second = await started(coach, "second")
    await seated(uow, second, clock.now())
    await seated(uow, first, clock.now() + timedelta(hours=1))
    third = await started(coach, "third")
    assert "Your study buddy: Second" in await third.say("/buddy")
    assert await waiting(uow, first)


async def test_nobody_is_paired_with_themselves_someone_without_a_track_or_on_a_break(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    ada = await started(coach, "ada")
    await ada.say("/buddy")
    assert "Still looking" in await ada.say("/buddy")
    async with uow() as work:  # a learner with no track, in the pool (left over from one)
        trackless = await work.learners.create(
            LearnerRef("test", "nemo", "Nemo"), None, at=clock.now()
        )
        await work.buddies.join(trackless.learner_id, at=clock.now())
        await work.commit()
    bob = await started(coach, "bob")
    await bob.say("/pause")
    assert "on a break" in await bob.say("/buddy")
    assert await waiting(uow, ada) and await waiting(uow, bob)
    # Back from the break, Bob asks again and finds Ada; Nemo stays in the pool.
    await bob.say("/resume")
    assert "Your study buddy: Ada" in await bob.say("/buddy")
    async with uow() as work:
        seat = await work.buddies.find(trackless.learner_id)
    assert seat is not None and seat.buddy_id is None


async def test_leaving_tells_the_buddy_next_time_and_puts_them_back_in_the_pool(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    ada = await started(coach, "ada", "telegram")
    bob = await started(coach, "bob", "discord")
    await ada.say("/buddy")
    await bob.say("/buddy")

    assert "You and Bob are no longer buddies" in await ada.say("/buddy leave")
    assert "not in the pool" in await ada.say("/buddy leave")
    assert await buddy_of(uow, bob) is None
    cy = await started(coach, "cy", "telegram")
    assert "buddy pool" in await cy.say("/buddy")  # Bob waits only once he knows

    answer = await bob.say("/buddy")
    assert "Ada left the pairing." in answer
    assert "Your study buddy: Cy" in answer  # back in the pool, and someone was waiting
    assert await buddy_of(uow, cy) == await learner_id(uow, bob)


async def test_leaving_the_pool_before_a_buddy_came(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    ada = await started(coach, "ada")
    await ada.say("/buddy")
    assert "You left the buddy pool" in await ada.say("/buddy leave")
    bob = await started(coach, "bob")
    assert "buddy pool" in await bob.say("/buddy")
    assert await buddy_of(uow, bob) is None


async def test_each_sees_of_the_other_only_what_they_share(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    ada = await started(coach, "ada")
    bob = await started(coach, "bob")
    assert "/buddy first" in await bob.say("/buddy share done off")
    await ada.say("/buddy")
    await bob.say("/buddy")

    shown = await bob.say("/buddy share done off")
    assert "Items done today: private" in shown and "Streak: shared" in shown
    assert bob.last is not None
    assert [b.action for b in bob.last.all_buttons] == [
        "buddy:share done on",
        "buddy:share streak off",
    ]
    seen = await ada.say("/buddy")
    assert "Bob" in seen and "Bob:" not in seen and "studied today" not in seen  # nothing yet
    await bob.say("/done")
    seen = await ada.say("/buddy")
    assert "Bob studied today." in seen and "done 1 of" not in seen
    assert "Bob's streak: 1 day." in seen

    await bob.say("/buddy share all off")
    seen = await ada.say("/buddy")
    assert "Bob studied today." in seen and "streak: 1" not in seen
    await bob.say("/buddy share all on")
    assert "Bob: done 1 of 2 today." in await ada.say("/buddy")

    assert "Streak: private" in await bob.press("buddy:share streak off")
    for junk in (
        "/buddy share quiz off",
        "/buddy share done maybe",
        "/buddy now",
        "/buddy leave now",
    ):
        assert "/buddy share done off" in await bob.say(junk), junk


async def test_a_buddy_on_a_break_is_shown_so(coach: Coach) -> None:
    ada = await started(coach, "ada")
    bob = await started(coach, "bob")
    await ada.say("/buddy")
    await bob.say("/buddy")
    await ada.say("/pause")
    assert "Ada is on a break." in await bob.say("/buddy")


# -- the shared streak and the evening word, across time zones ------------------------------


async def test_tokyo_and_new_york_share_a_streak_across_the_end_of_daylight_saving_time(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 10, 28, 12, 0, tzinfo=UTC))  # Tokyo 21:00, New York 08:00
    ada = await started(coach, "ada", "telegram", "tz Asia/Tokyo", "days daily")
    bob = await started(coach, "bob", "discord", "tz America/New_York", "days daily")
    await ada.say("/buddy")
    assert "Your study buddy: Ada" in await bob.say("/buddy")

    # Each ticks an item at 20:00 local: Ada from 29 October to 2 November, Bob to 1
    # November. New York leaves EDT (UTC-4) for EST (UTC-5) at 06:00 UTC on 1 November.
    ticks = [(datetime(2026, 10, d, 11, 0, tzinfo=UTC), ada) for d in (29, 30, 31)]
    ticks += [(datetime(2026, 11, d, 11, 0, tzinfo=UTC), ada) for d in (1, 2)]
    ticks += [(datetime(2026, 10, d, 0, 0, tzinfo=UTC), bob) for d in (30, 31)]
    ticks += [(datetime(2026, 11, 1, 0, 0, tzinfo=UTC), bob)]  # 20:00 EDT on 31 October
    ticks += [(datetime(2026, 11, 2, 1, 0, tzinfo=UTC), bob)]  # 20:00 EST on 1 November

    async def at(instant: datetime) -> int:
        for moment, who in sorted(ticks, key=lambda t: t[0]):
            if moment <= instant and moment > clock.now():
                clock.set(moment)
                assert "done" in (await who.say("/done")).lower()
        clock.set(instant)
        seen = shared(await ada.say("/buddy")), shared(await bob.say("/buddy"))
        assert seen[0] == seen[1], seen
        return seen[0]

    assert await at(datetime(2026, 11, 1, 5, 30, tzinfo=UTC)) == 3  # 01:30 EDT in New York
    assert await at(datetime(2026, 11, 1, 6, 30, tzinfo=UTC)) == 3  # 01:30 EST, again
    # 23:30 on Sunday 1 November in New York (EST), 13:30 on Monday in Tokyo.
    assert await at(datetime(2026, 11, 2, 4, 30, tzinfo=UTC)) == 4
    # Bob's evening on Monday 2 November: Ada studied on that date, he has not.
    assert await at(datetime(2026, 11, 3, 0, 30, tzinfo=UTC)) == 4
    line = await evening_line(coach, uow, bob)
    assert line is not None and line.startswith("Ada studied today") and shared(line) == 4
    assert await evening_line(coach, uow, ada) is None  # Tokyo's Tuesday: Bob has no Tuesday yet
    # Monday is over in New York too, and Bob missed it.
    assert await at(datetime(2026, 11, 3, 5, 0, tzinfo=UTC)) == 0


async def test_the_evening_word_comes_only_when_the_buddy_studied_and_you_did_not(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    ada = await started(coach, "ada")
    bob = await started(coach, "bob")
    assert await evening_line(coach, uow, ada) is None  # no buddy
    await ada.say("/buddy")
    await bob.say("/buddy")
    assert await evening_line(coach, uow, ada) is None  # Bob has not studied either
    await bob.say("/done")
    clock.set(MONDAY_MORNING.replace(hour=20))
    line = await evening_line(coach, uow, ada)
    assert line is not None and "Bob studied today" in line and shared(line) == 0
    assert await evening_line(coach, uow, bob) is None  # he studied
    await ada.say("/done")
    assert await evening_line(coach, uow, ada) is None
    # The next evening their shared streak is a day long and needs both again.
    clock.advance(timedelta(days=1))
    await bob.say("/done")
    line = await evening_line(coach, uow, ada)
    assert line is not None and shared(line) == 1
    await bob.say("/buddy leave")
    assert await evening_line(coach, uow, ada) is None


# -- many at once ---------------------------------------------------------------------------


async def test_learners_asking_at_once_are_paired_once_each(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    learners = [await started(coach, f"racer{n}") for n in range(9)]
    await learners[0].say("/buddy")

    async def pairs() -> dict[int, int]:
        ids = {await learner_id(uow, who): who for who in learners}
        buddies = {mine: await buddy_of(uow, who) for mine, who in ids.items()}
        paired = {mine: theirs for mine, theirs in buddies.items() if theirs is not None}
        assert all(paired[theirs] == mine for mine, theirs in paired.items())
        return paired

    for _ in range(3):
        await asyncio.gather(*(who.say("/buddy") for who in learners))
        await pairs()
    # Two who asked at the same moment may both have waited; asked again, they pair.
    for who in learners:
        await who.say("/buddy")
    assert len(await pairs()) == 8  # nine learners: four pairs and one waiting


async def test_the_one_who_waited_hears_of_the_pairing_even_on_a_rest_day(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 21, 8, tzinfo=UTC))  # a Saturday
    ada = await started(coach, "ada", "telegram", "days mon-fri")
    bob = await started(coach, "bob", "discord")
    await ada.say("/buddy")
    await bob.say("/buddy")
    decisions = Decisions(
        clock, Outreach(coach, uow, clock), platforms=frozenset({"telegram", "discord"})
    )
    await decisions.drain()
    [news] = decisions.of("buddy")
    assert news.to == ada.ref
    assert "Your study buddy: Bob" in news.text
    # Once a day at most, and not at all once the pairing is over.
    await bob.say("/buddy leave")
    await ada.say("/buddy")
    await bob.say("/buddy")
    clock.advance(timedelta(days=1))
    await decisions.drain()
    assert len(decisions.of("buddy")) == 1


async def test_news_of_a_pairing_over_before_it_went_is_not_sent(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    ada = await started(coach, "ada", "telegram")
    bob = await started(coach, "bob", "discord")
    await ada.say("/buddy")
    await bob.say("/buddy")
    await bob.say("/buddy leave")
    decisions = Decisions(
        clock, Outreach(coach, uow, clock), platforms=frozenset({"telegram", "discord"})
    )
    await decisions.drain()
    assert not decisions.of("buddy")
    assert [why for _, why in decisions.dropped] == ["no longer paired"]


async def test_what_a_buddy_sees_is_a_setting_too(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    ada = await started(coach, "ada", "telegram")
    assert "/settings buddy" in await ada.say("/settings")
    await ada.say("/buddy")
    assert "Items done today: private" in await ada.say("/settings buddy done off")
    async with uow() as work:
        seat = await work.buddies.find(await learner_id(uow, ada))
    assert seat is not None and not seat.sharing.done and seat.sharing.streak
