"""The rate gate's promises, on the event loop's own clock: spacing, queues, holds."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from scheduler import limits
from scheduler.limits import JITTER_SLACK, RateGate, RateLimits

EPSILON = 0.002  # the loop's timer resolution


async def times_of(gate: RateGate, chats: list[str], *, group: bool = False) -> list[float]:
    loop = asyncio.get_running_loop()
    stamps: list[float] = [0.0] * len(chats)

    async def one(index: int, chat: str) -> None:
        await gate.wait(chat, group=group)
        stamps[index] = loop.time()

    await asyncio.gather(*(one(i, chat) for i, chat in enumerate(chats)))
    return stamps


def gaps(stamps: list[float]) -> list[float]:
    ordered = sorted(stamps)
    return [b - a for a, b in itertools.pairwise(ordered)]


async def test_requests_are_spread_evenly_within_the_overall_rate() -> None:
    gate = RateGate(RateLimits(overall_per_second=100, per_chat_per_second=None))
    stamps = await times_of(gate, [f"chat-{n}" for n in range(20)])
    assert min(gaps(stamps)) >= 1 / 100 - EPSILON


async def test_one_chat_gets_one_request_per_interval_counted_from_when_it_left() -> None:
    gate = RateGate(RateLimits(overall_per_second=1000, per_chat_per_second=20))
    stamps = await times_of(gate, ["ada"] * 5)
    assert min(gaps(stamps)) >= JITTER_SLACK / 20 - EPSILON


async def test_a_busy_chat_does_not_hold_up_the_others() -> None:
    gate = RateGate(RateLimits(overall_per_second=1000, per_chat_per_second=2))
    loop = asyncio.get_running_loop()
    began = loop.time()
    stamps = await times_of(gate, ["ada", "ada", "bob", "cy"])
    ada_second = max(stamps[:2])
    assert ada_second - began >= JITTER_SLACK / 2 - EPSILON
    assert max(stamps[2:]) < ada_second


async def test_groups_are_paced_per_minute() -> None:
    gate = RateGate(RateLimits(overall_per_second=1000, per_group_per_minute=600))
    stamps = await times_of(gate, ["-100"] * 3, group=True)
    assert min(gaps(stamps)) >= JITTER_SLACK * 60 / 600 - EPSILON


async def test_a_hold_for_one_chat_waits_only_that_chat() -> None:
    gate = RateGate(RateLimits(overall_per_second=None, per_chat_per_second=None))
    loop = asyncio.get_running_loop()
    gate.hold(0.15, "ada")
    began = loop.time()
    await gate.wait("bob")
    assert loop.time() - began < 0.1
    await gate.wait("ada")
    assert loop.time() - began >= 0.15 - EPSILON


async def test_a_hold_for_every_chat_waits_them_all() -> None:
    gate = RateGate(RateLimits(overall_per_second=None, per_chat_per_second=None))
    loop = asyncio.get_running_loop()
    gate.hold(0.1)
    began = loop.time()
    await gate.wait("bob")
    assert loop.time() - began >= 0.1 - EPSILON


async def test_idle_chats_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_IDLE_CHATS", 3)
    gate = RateGate(RateLimits(overall_per_second=None, per_chat_per_second=1000))
    for n in range(10):
        await gate.wait(f"chat-{n}")
        await asyncio.sleep(JITTER_SLACK / 1000 + EPSILON)
    assert len(gate._chats) <= 4


async def test_a_send_noted_from_before_a_restart_keeps_the_chats_interval() -> None:
    gate = RateGate(RateLimits(overall_per_second=None, per_chat_per_second=2))
    loop = asyncio.get_running_loop()
    began = loop.time()
    gate.note_sent("ada", 0.3)
    await gate.wait("bob")  # another chat does not wait
    assert loop.time() - began < 0.05
    await gate.wait("ada")
    waited = loop.time() - began
    assert JITTER_SLACK / 2 - 0.3 - EPSILON <= waited < JITTER_SLACK / 2


async def test_a_noted_send_paces_a_group_by_the_groups_interval() -> None:
    gate = RateGate(RateLimits(overall_per_second=None, per_group_per_minute=300))
    loop = asyncio.get_running_loop()
    began = loop.time()
    gate.note_sent("-100", 0.1)
    await gate.wait("-100", group=True)
    assert loop.time() - began >= JITTER_SLACK * 60 / 300 - 0.1 - EPSILON


async def test_a_noted_send_older_than_the_interval_or_than_the_last_changes_nothing() -> None:
    gate = RateGate(RateLimits(overall_per_second=None, per_chat_per_second=2))
    loop = asyncio.get_running_loop()
    gate.note_sent("ada", 5.0)
    began = loop.time()
    await gate.wait("ada")
    assert loop.time() - began < 0.05
    gate.note_sent("ada", 0.5)  # older than the request just made: its interval stands
    await gate.wait("ada")
    assert loop.time() - began >= JITTER_SLACK / 2 - EPSILON
