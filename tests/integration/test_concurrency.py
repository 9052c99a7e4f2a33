"""One learner's updates racing each other on PostgreSQL, from two workers at once.

Each worker has its own engine, so the commands run in separate transactions on separate
connections, as they do in two `coach run` processes behind one webhook. Every race runs
many times with a fresh learner; the final state must be the same as if the commands had
run one after the other.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.app.views import apology
from core.importing.markdown import ImportedTrack
from core.kernel.clock import FrozenClock
from core.kernel.refs import ChatContext, ChatRef, LearnerRef
from core.kernel.reply import Reply
from core.learning.model import Snapshot
from core.learning.tracks import BuiltinCatalog
from core.outreach.service import Outreach
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.choice_tracks import CHOICE_TRACK_ID, choice_track
from tests.conftest import MONDAY_MORNING

pytestmark = pytest.mark.postgres

TRIALS = 12
WEEK_ONE = BuiltinCatalog().get("python-backend")
assert WEEK_ONE is not None
ITEMS = len(WEEK_ONE.first_week.items)


@dataclass
class Workers:
    first: Coach
    second: Coach
    engine: AsyncEngine
    second_units: SqlUnitOfWorkFactory
    clock: FrozenClock

    async def race(self, who: LearnerRef, *texts: str) -> list[Reply]:
        """The texts sent at once, spread over the two workers."""
        coaches = [self.first, self.second]
        outcomes = await asyncio.gather(
            *(coaches[n % 2].handle(who, typed) for n, typed in enumerate(texts))
        )
        replies = [o for o in outcomes if isinstance(o, Reply)]
        assert len(replies) == len(texts)
        assert apology() not in replies, "a command was refused instead of carried out"
        return replies

    async def snapshot(self, who: LearnerRef) -> Snapshot:
        async with SqlUnitOfWorkFactory(make_sessions(self.engine))() as uow:
            snapshot = await uow.learners.load(who)
        assert snapshot is not None and snapshot.enrollment is not None
        return snapshot

    async def ticks(self, who: LearnerRef) -> int:
        snapshot = await self.snapshot(who)
        assert snapshot.enrollment is not None
        async with self.engine.connect() as connection:
            return int(
                await connection.scalar(
                    select(func.count())
                    .select_from(m.Completion)
                    .where(m.Completion.enrollment_id == snapshot.enrollment.id)
                )
                or 0
            )


@pytest.fixture
async def workers(two_engines: tuple[AsyncEngine, AsyncEngine]) -> Workers:
    first, second = two_engines
    clock = FrozenClock(MONDAY_MORNING)
    second_units = SqlUnitOfWorkFactory(make_sessions(second))
    return Workers(
        Coach(SqlUnitOfWorkFactory(make_sessions(first)), clock, BuiltinCatalog()),
        Coach(second_units, clock, BuiltinCatalog()),
        first,
        second_units,
        clock,
    )


async def started(workers: Workers, trial: int, *, ticked: int = 0) -> LearnerRef:
    who = LearnerRef("test", f"racer-{trial}", "Racer")
    assert isinstance(await workers.first.handle(who, "/start"), Reply)
    for number in range(1, ticked + 1):
        assert isinstance(await workers.first.handle(who, f"/done {number}"), Reply)
    return who


async def test_the_weeks_last_two_items_ticked_at_once_close_the_week(workers: Workers) -> None:
    for trial in range(TRIALS):
        who = await started(workers, trial, ticked=ITEMS - 2)
        await workers.race(who, f"/done {ITEMS - 1}", f"/done {ITEMS}")
        snapshot = await workers.snapshot(who)
        assert snapshot.enrollment is not None
        assert snapshot.enrollment.current_week_id != WEEK_ONE.first_week.id, f"trial {trial}"
        assert await workers.ticks(who) == ITEMS


async def test_a_tick_racing_a_settings_change_keeps_both(workers: Workers) -> None:
    for trial in range(TRIALS):
        who = await started(workers, trial)
        await workers.race(who, "/done 2", "/settings time 07:00")
        snapshot = await workers.snapshot(who)
        assert snapshot.enrollment is not None
        assert snapshot.enrollment.nudge_time == time(7, 0), f"trial {trial}"
        assert len(snapshot.week_done) == 1


async def test_two_settings_changes_at_once_both_stick(workers: Workers) -> None:
    for trial in range(TRIALS):
        who = await started(workers, trial)
        await workers.race(who, "/settings time 07:30", "/settings tz Asia/Tokyo")
        snapshot = await workers.snapshot(who)
        assert snapshot.enrollment is not None
        assert snapshot.enrollment.nudge_time == time(7, 30), f"trial {trial}"
        assert snapshot.enrollment.timezone == "Asia/Tokyo", f"trial {trial}"


async def test_a_burst_of_plain_ticks_ticks_as_many_distinct_items(workers: Workers) -> None:
    for trial in range(TRIALS // 2):
        who = await started(workers, trial)
        await workers.race(who, *["/done"] * 4)
        snapshot = await workers.snapshot(who)
        assert len(snapshot.week_done) == 4, f"trial {trial}"
        assert await workers.ticks(who) == 4


async def test_a_first_start_sent_twice_at_once_makes_one_learner(workers: Workers) -> None:
    for trial in range(TRIALS // 2):
        who = LearnerRef("test", f"newcomer-{trial}", "Newcomer")
        await workers.race(who, "/start", "/start")
        async with workers.engine.connect() as connection:
            identities = await connection.scalar(
                select(func.count())
                .select_from(m.Identity)
                .where(m.Identity.external_id == who.external_id)
            )
        assert identities == 1
        await workers.snapshot(who)


async def test_a_tick_racing_the_scheduler_keeps_the_moved_schedule(workers: Workers) -> None:
    """The scheduler either plans the learner's morning and moves their schedule on, or
    passes them over until its next tick: never the one without the other."""
    outreach = Outreach(workers.second, workers.second_units, workers.clock)
    for trial in range(TRIALS):
        workers.clock.set(MONDAY_MORNING)
        who = await started(workers, trial)
        workers.clock.set(MONDAY_MORNING + timedelta(hours=1, seconds=30))  # the plan is due
        done, _ = await asyncio.gather(workers.first.handle(who, "/done"), outreach.enqueue_due())
        assert isinstance(done, Reply) and done != apology()
        snapshot = await workers.snapshot(who)
        assert snapshot.enrollment is not None and len(snapshot.week_done) == 1
        next_plan = snapshot.enrollment.next_nudge_at
        moved_on = next_plan is not None and next_plan > workers.clock.now()
        async with workers.engine.connect() as connection:
            planned = await connection.scalar(
                select(func.count())
                .select_from(m.OutboxMessage)
                .where(
                    m.OutboxMessage.learner_id == snapshot.learner_id,
                    m.OutboxMessage.kind == "plan",
                )
            )
        assert moved_on == bool(planned), f"trial {trial}: planned {planned}, next {next_plan}"


async def test_two_admins_changing_a_group_at_once_both_stick(workers: Workers) -> None:
    for trial in range(TRIALS // 2):
        chat = ChatContext(ChatRef("test", f"group-{trial}", "Study"), _admin)
        admin = LearnerRef("test", f"admin-{trial}", "Admin")
        setup = await workers.first.handle(admin, "/group setup", chat=chat)
        assert isinstance(setup, Reply) and setup != apology()
        await asyncio.gather(
            workers.first.handle(admin, "/group time 07:15", chat=chat),
            workers.second.handle(admin, "/group tz Asia/Tokyo", chat=chat),
        )
        async with workers.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(m.StudyGroup.digest_time, m.StudyGroup.timezone).where(
                        m.StudyGroup.external_id == chat.chat.external_id
                    )
                )
            ).one()
        assert (row.digest_time, row.timezone) == (time(7, 15), "Asia/Tokyo"), f"trial {trial}"


async def _admin() -> bool:
    return True


async def test_a_connection_the_server_dropped_costs_the_update_nothing(
    two_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """No ping before each checkout: a pooled connection PostgreSQL has closed (a restart,
    a failover) fails its first statement, and the update runs again on a fresh one."""
    engine, admin = two_engines
    coach = Coach(SqlUnitOfWorkFactory(engine), FrozenClock(MONDAY_MORNING), BuiltinCatalog())
    ada = LearnerRef("telegram", "1", "Ada")
    assert isinstance(await coach.handle(ada, "/start"), Reply)
    async with engine.connect() as connection:
        pids = {await connection.scalar(text("SELECT pg_backend_pid()"))}
    async with admin.connect() as connection:
        for pid in pids:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    done = await coach.handle(ada, "/done")
    assert isinstance(done, Reply) and ": done." in done.plain_text()
    async with admin.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(m.Completion)) == 1


async def test_a_pick_racing_a_tick_and_a_settings_change_keeps_all_three(
    workers: Workers,
) -> None:
    await workers.first.share_track(ImportedTrack(choice_track(), "test", []), "web.md")
    for trial in range(TRIALS):
        who = LearnerRef("test", f"chooser-{trial}", "Chooser")
        assert isinstance(await workers.first.handle(who, f"/start {CHOICE_TRACK_ID}"), Reply)
        await workers.race(who, "/choose django", "/done 1", "/settings time 06:45")
        snapshot = await workers.snapshot(who)
        assert snapshot.enrollment is not None
        assert snapshot.enrollment.picks == {"c1": "b"}, f"trial {trial}"
        assert snapshot.enrollment.nudge_time == time(6, 45), f"trial {trial}"
        assert set(snapshot.week_done) == {"w01-01"}, f"trial {trial}"


async def test_a_catch_up_tapped_twice_and_a_tick_at_once_move_the_late_items_once(
    workers: Workers,
) -> None:
    for trial in range(TRIALS):
        workers.clock.set(MONDAY_MORNING)
        who = await started(workers, trial)
        workers.clock.set(MONDAY_MORNING + timedelta(days=4))  # items of Mon-Thu are late
        replies = await workers.race(who, "/replan catchup", "/replan catchup", "/done 7")
        snapshot = await workers.snapshot(who)
        e = snapshot.enrollment
        assert e is not None
        assert e.moved, f"trial {trial}"
        assert min(e.moved.values()) == workers.clock.now().date(), f"trial {trial}"
        assert set(snapshot.week_done) == {WEEK_ONE.first_week.items[6].id}, f"trial {trial}"
        caught_up = [r for r in replies if "catch-up plan" in r.plain_text()]
        # The late items move once; the tap that comes second is told nothing is late.
        assert len(caught_up) == 1, f"trial {trial}"


async def test_a_skip_tapped_twice_at_once_skips_each_optional_item_once(
    workers: Workers,
) -> None:
    for trial in range(TRIALS // 2):
        workers.clock.set(MONDAY_MORNING)
        who = await started(workers, trial, ticked=ITEMS)  # week 2, with an optional item
        workers.clock.set(MONDAY_MORNING + timedelta(days=7))
        replies = await workers.race(who, "/replan skip", "/replan skip", "/done")
        snapshot = await workers.snapshot(who)
        assert "w02-conflict" in snapshot.week_done, f"trial {trial}"
        assert len(snapshot.week_done) == 2, f"trial {trial}"
        assert sum("Skipped" in r.plain_text() for r in replies) == 1, f"trial {trial}"


async def test_a_language_and_a_time_changed_at_once_both_stick(workers: Workers) -> None:
    for trial in range(TRIALS // 2):
        chat = ChatContext(ChatRef("test", f"lang-{trial}", "Study"), _admin)
        admin = LearnerRef("test", f"admin-{trial}", "Admin")
        await workers.first.handle(admin, "/group setup", chat=chat)
        await asyncio.gather(
            workers.first.handle(admin, "/group language fa", chat=chat),
            workers.second.handle(admin, "/group time 07:15", chat=chat),
        )
        async with workers.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(m.StudyGroup.digest_time, m.StudyGroup.language).where(
                        m.StudyGroup.external_id == chat.chat.external_id
                    )
                )
            ).one()
        assert (row.digest_time, row.language) == (time(7, 15), "fa"), f"trial {trial}"


async def test_two_items_taken_back_at_once_are_both_taken_back(workers: Workers) -> None:
    for trial in range(TRIALS):
        who = await started(workers, trial, ticked=4)
        await workers.race(who, "/undo 1", "/undo 3")
        snapshot = await workers.snapshot(who)
        ticked = set(snapshot.week_done)
        first_week = WEEK_ONE.first_week.items
        assert ticked == {first_week[1].id, first_week[3].id}, f"trial {trial}"
        assert await workers.ticks(who) == 2


async def test_an_item_taken_back_while_the_last_closes_the_week_leaves_it_open(
    workers: Workers,
) -> None:
    """`/undo 1` means item 1 of the week current when it runs: either order is a state
    the two would leave one after the other, never a closed week with an item open."""
    for trial in range(TRIALS):
        who = await started(workers, trial, ticked=ITEMS - 1)
        await workers.race(who, "/undo 1", f"/done {ITEMS}")
        snapshot = await workers.snapshot(who)
        assert snapshot.enrollment is not None
        ticks = await workers.ticks(who)
        if snapshot.enrollment.current_week_id == WEEK_ONE.first_week.id:
            # The take-back ran first: the week is one short, the tick of item ITEMS stands.
            assert ticks == ITEMS - 1 and len(snapshot.week_done) == ITEMS - 1, f"trial {trial}"
            assert WEEK_ONE.first_week.items[0].id not in snapshot.week_done
        else:
            # The close ran first: week two's item 1 had no tick, so nothing was undone.
            assert ticks == ITEMS, f"trial {trial}"


async def test_a_mentors_first_two_admin_commands_at_once_make_one_learner(
    workers: Workers,
) -> None:
    """A mentor unknown to the coach sends two schedule changes at once: both apply, and
    they are known once, as one learner and one admin of the group."""
    for trial in range(TRIALS // 2):
        chat = ChatContext(ChatRef("test", f"mentored-{trial}", "Study"), _admin)
        founder = LearnerRef("test", f"founder-{trial}", "Founder")
        mentor = LearnerRef("test", f"mentor-{trial}", "Mentor")
        assert isinstance(await workers.first.handle(founder, "/group setup", chat=chat), Reply)
        outcomes = await asyncio.gather(
            workers.first.handle(mentor, "/group time 07:15", chat=chat),
            workers.second.handle(mentor, "/group report 20:00", chat=chat),
        )
        assert apology() not in outcomes, f"trial {trial}"
        async with workers.engine.connect() as connection:
            learners = await connection.scalar(
                select(func.count())
                .select_from(m.Identity)
                .where(m.Identity.external_id == mentor.external_id)
            )
            admins = await connection.scalar(
                select(func.count())
                .select_from(m.GroupAdmin)
                .join(m.Identity, m.Identity.learner_id == m.GroupAdmin.learner_id)
                .where(m.Identity.external_id == mentor.external_id)
            )
            row = (
                await connection.execute(
                    select(m.StudyGroup.digest_time, m.StudyGroup.report_time).where(
                        m.StudyGroup.external_id == chat.chat.external_id
                    )
                )
            ).one()
        assert (learners, admins) == (1, 1), f"trial {trial}"
        assert (row.digest_time, row.report_time) == (time(7, 15), time(20, 0))
