"""Heavy work in one learner's update does not hold up everyone else's."""

from __future__ import annotations

import asyncio
import threading

import pytest

from core.app import coach as coach_module
from core.app.coach import Coach
from core.kernel.reply import Reply
from tests.conftest import Learner


def large_roadmap(weeks: int = 200, items: int = 25) -> bytes:
    lines = ["# A long roadmap", ""]
    for week in range(1, weeks + 1):
        lines += [f"## Week {week}: Topic {week}", ""]
        lines += [f"- Study part {item} of topic {week} with exercises" for item in range(items)]
        lines.append("")
    return "\n".join(lines).encode()


async def test_another_learner_is_answered_while_a_large_roadmap_is_read(
    coach: Coach, ada: Learner, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = threading.Event()  # set from wherever the reading runs
    reading = coach_module.parse_roadmap

    def observed(filename: str, data: bytes) -> object:
        try:
            return reading(filename, data)
        finally:
            parsed.set()

    monkeypatch.setattr(coach_module, "parse_roadmap", observed)
    bob = Learner(coach, "bob")
    await bob.say("/start")
    importing = asyncio.create_task(coach.import_roadmap(ada.ref, "long.md", large_roadmap()))
    await asyncio.sleep(0)  # the import has begun reading
    assert await bob.say("/today")
    assert not parsed.is_set(), "the other learner waited until the roadmap was read"
    assert isinstance(await importing, Reply)
    assert parsed.is_set()
