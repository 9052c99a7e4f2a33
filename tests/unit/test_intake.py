"""The intake's own rules, on the in-memory inbox: chats side by side, each in its order,
a bound on how many at once, leftovers taken, and nothing tried forever."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from core.intake.memory import MemoryInbox
from core.intake.model import NewUpdate, RecordedUpdate
from core.intake.service import Intake, IntakeClosed, IntakeSettings

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


class Handling:
    """A handler that records what it handled and can hold a lane until told."""

    def __init__(self) -> None:
        self.handled: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.gates: dict[str, asyncio.Event] = {}
        self.started: dict[str, asyncio.Event] = {}
        self.finished: dict[str, asyncio.Event] = {}

    def hold(self, key: str) -> asyncio.Event:
        self.started[key] = asyncio.Event()
        return self.gates.setdefault(key, asyncio.Event())

    async def __call__(self, update: RecordedUpdate) -> None:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            if update.key in self.started:
                self.started[update.key].set()
            if update.key in self.gates:
                await self.gates[update.key].wait()
            if update.payload == "boom":
                raise RuntimeError("a bug in the adapter")
            self.handled.append(update.key)
            self.finished.setdefault(update.key, asyncio.Event()).set()
        finally:
            self.running -= 1


def new(key: str, lane: str, payload: str = "{}") -> NewUpdate:
    return NewUpdate("telegram", key, lane, payload)


def intake(handling: Handling, inbox: MemoryInbox | None = None, **settings: object) -> Intake:
    return Intake(
        inbox or MemoryInbox(),
        "telegram",
        handling,
        worker="w1",
        settings=IntakeSettings(**settings),  # type: ignore[arg-type]
        now=lambda: NOW,
    )


async def test_a_held_chat_holds_up_no_other_and_keeps_its_own_order() -> None:
    handling = Handling()
    taking = intake(handling)
    held = handling.hold("a1")
    await taking.accept([new("a1", "ada"), new("a2", "ada"), new("b1", "bob"), new("b2", "bob")])
    await asyncio.wait_for(handling.started["a1"].wait(), 1)
    await asyncio.wait_for(handling.finished.setdefault("b2", asyncio.Event()).wait(), 1)
    assert handling.handled == ["b1", "b2"]  # Bob's chat went on while Ada's was held
    held.set()
    await taking.drained()
    assert handling.handled == ["b1", "b2", "a1", "a2"]
    assert await taking._inbox.backlog("telegram") == (0, None)


async def test_no_more_than_the_bound_run_at_once() -> None:
    handling = Handling()
    taking = intake(handling, max_in_flight=2)
    gates = [handling.hold(f"u{n}") for n in range(5)]
    await taking.accept([new(f"u{n}", f"chat{n}") for n in range(5)])
    await asyncio.wait_for(handling.started["u1"].wait(), 1)
    for gate in gates:
        await asyncio.sleep(0)
        gate.set()
    await taking.drained()
    assert handling.most_at_once == 2
    assert sorted(handling.handled) == [f"u{n}" for n in range(5)]


async def test_a_failing_update_is_logged_and_not_tried_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handling = Handling()
    taking = intake(handling)
    with caplog.at_level(logging.ERROR):
        await taking.accept([new("bad", "ada", "boom"), new("good", "ada")])
        await taking.drained()
    assert handling.handled == ["good"]
    assert "bad" in caplog.text
    assert await taking._inbox.backlog("telegram") == (0, None)


async def test_leftovers_are_taken_and_a_spent_update_is_set_aside(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox = MemoryInbox()
    lease_over = NOW - timedelta(seconds=1)
    await inbox.record([new("spent", "bob")], worker="dead", now=lease_over, lease_until=lease_over)
    for _ in range(3):  # it ended three workers already
        await inbox.claim("telegram", worker="x", now=NOW, lease_until=lease_over, limit=1)
    await inbox.record([new("left", "ada")], worker="dead", now=lease_over, lease_until=lease_over)
    handling = Handling()
    taking = intake(handling, inbox, most_attempts=3)
    with caplog.at_level(logging.ERROR):
        assert await taking.recover() == 2
        await taking.drained()
    assert handling.handled == ["left"]
    assert "spent" in caplog.text
    assert await inbox.backlog("telegram") == (0, None)


async def test_stopping_finishes_what_is_in_hand_and_hands_back_the_rest() -> None:
    handling = Handling()
    inbox = MemoryInbox()
    taking = intake(handling, inbox)
    held = handling.hold("a1")
    await taking.accept([new("a1", "ada"), new("a2", "ada"), new("a3", "ada")])
    await asyncio.wait_for(handling.started["a1"].wait(), 1)
    stopping = asyncio.create_task(taking.stop(grace=5))
    await asyncio.sleep(0)
    with pytest.raises(IntakeClosed):
        await taking.accept([new("b1", "bob")])
    held.set()
    await stopping
    assert handling.handled == ["a1"]
    back = await inbox.claim("telegram", worker="next", now=NOW, lease_until=NOW, limit=9)
    assert [(u.key, u.attempts) for u in back] == [("a2", 1), ("a3", 1)]


async def test_what_outlasts_the_grace_is_cut_short_and_handed_back() -> None:
    handling = Handling()
    inbox = MemoryInbox()
    taking = intake(handling, inbox)
    handling.hold("stuck")
    await taking.accept([new("stuck", "ada")])
    await asyncio.wait_for(handling.started["stuck"].wait(), 1)
    await taking.stop(grace=0.01)
    back = await inbox.claim("telegram", worker="next", now=NOW, lease_until=NOW, limit=9)
    assert [u.key for u in back] == ["stuck"]
