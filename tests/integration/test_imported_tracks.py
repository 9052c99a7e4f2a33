"""Imported roadmaps as learners meet them, stored in the database on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.importing.markdown import ImportedTrack, import_markdown
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import Learner

ROADMAP = b"""# SQL in three weeks

## Week 1: Basics
- [ ] SELECT and WHERE
- [ ] ORDER BY and LIMIT
- **Practice:** write ten queries on a sample database

## Week 2: Joins
| Topic | What You'll Learn | Time |
|-------|-------------------|------|
| Inner joins | matching rows | 2 days |
| Outer joins | keeping unmatched rows | 2 days |

## Week 3: Design
- Normalisation [guide](https://www.postgresql.org/docs/current/ddl.html)
- **Project:** model a library catalogue
"""


async def stored_tracks(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(m.StoredTrack)) or 0)


async def test_a_sent_roadmap_is_previewed_kept_and_started_on_confirmation(
    ada: Learner, engine: AsyncEngine
) -> None:
    reply = await ada.coach.import_roadmap(ada.ref, "sql.md", ROADMAP)
    text = reply.plain_text()
    assert "SQL in three weeks: 3 weeks, 7 items" in text
    assert "Week 2: Joins (2 items)" in text
    button, *_ = reply.all_buttons  # a start button per pace, then week 1 to look at
    assert button.action.startswith("start:sql-in-three-")
    assert await stored_tracks(engine) == 1
    # Not theirs until they confirm.
    assert "/start" in await ada.say("/today")
    welcome = await ada.press(button.action)
    assert "Welcome to Roadmap Coach: SQL in three weeks" in welcome
    assert "[ ] 1. SELECT and WHERE" in welcome
    assert "1. SELECT and WHERE: done." in await ada.say("/done")
    week = await ada.say("/week")
    assert "(1/3 done)" in week
    assert "Practice: " not in week  # the label is read, not copied into the title


async def test_an_enrolled_learner_switches_and_keeps_the_old_progress(ada: Learner) -> None:
    await ada.say("/start")
    await ada.say("/done")
    reply = await ada.coach.import_roadmap(ada.ref, "sql.md", ROADMAP)
    button, *_ = reply.all_buttons
    assert button.action.startswith("settings:track sql-in-three-")
    assert "Switched to SQL in three weeks" in await ada.press(button.action)
    assert "Pace: part-time" in await ada.say("/settings")  # the first pace offered
    assert "SELECT and WHERE" in await ada.say("/today")
    assert "Switched to Python Backend Developer: week 1" in await ada.say(
        "/settings track python-backend"
    )
    assert "(1/7 done)" in await ada.say("/week")


async def test_imported_tracks_survive_a_restart(
    ada: Learner, engine: AsyncEngine, clock: FrozenClock
) -> None:
    reply = await ada.coach.import_roadmap(ada.ref, "sql.md", ROADMAP)
    await ada.press(reply.all_buttons[0].action)
    # A new process: a new coach with an empty cache, on the same database.
    restarted = Learner(Coach(SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog()))
    assert "SELECT and WHERE" in await restarted.say("/today")
    assert "Week 1 of 3: Basics" in await restarted.say("/week")


async def test_bad_files_are_refused_and_nothing_is_saved(
    ada: Learner, engine: AsyncEngine
) -> None:
    for data, expected in (
        (b"", "empty"),
        (b"%PDF-1.7\x00\x01\x02binary", "binary file"),
        (b"<!DOCTYPE html><html><body><h1>Roadmap</h1></body></html>", "HTML"),
        (b"just a sentence", "no headings"),
        (b"# x\n" + b"a" * 1_000_001, "1 MB"),
        ("\n".join(f"## Week {n}: Topic {n}\n- item" for n in range(1, 10_001)).encode(), "156"),
    ):
        reply = (await ada.coach.import_roadmap(ada.ref, "bad.md", data)).plain_text()
        assert expected in reply
        assert "Nothing was saved." in reply
    assert await stored_tracks(engine) == 0


async def test_the_same_file_twice_is_one_track(ada: Learner, engine: AsyncEngine) -> None:
    await ada.coach.import_roadmap(ada.ref, "sql.md", ROADMAP)
    await ada.coach.import_roadmap(ada.ref, "sql-again.md", ROADMAP)
    assert await stored_tracks(engine) == 1


async def test_a_private_import_is_not_offered_to_others(ada: Learner, coach: Coach) -> None:
    reply = await ada.coach.import_roadmap(ada.ref, "sql.md", ROADMAP)
    track_id = reply.all_buttons[0].action.removeprefix("start:").split()[0]
    bob = Learner(coach, "bob")
    assert "There is no track" in await bob.say(f"/start {track_id}")
    await bob.say("/start")
    assert track_id not in await bob.say("/settings")
    assert "There is no track" in await bob.say(f"/settings track {track_id}")


async def test_a_shared_import_is_offered_to_everyone(ada: Learner, coach: Coach) -> None:
    imported = import_markdown(ROADMAP, source="sql.md")
    assert isinstance(imported, ImportedTrack)
    assert await coach.share_track(imported, "sql.md")
    assert not await coach.share_track(imported, "sql.md")
    assert imported.track.id in await ada.say("/start nope")  # the refusal lists the choices
    assert "Welcome to Roadmap Coach: SQL in three weeks" in await ada.say(
        f"/start {imported.track.id}"
    )


async def test_export_and_forget_cover_imported_tracks(ada: Learner, engine: AsyncEngine) -> None:
    reply = await ada.coach.import_roadmap(ada.ref, "sql.md", ROADMAP)
    await ada.press(reply.all_buttons[0].action)
    await ada.say("/export")
    assert ada.last is not None
    assert ada.last.attachment is not None
    exported = json.loads(ada.last.attachment.content)
    assert [t["title"] for t in exported["imported_tracks"]] == ["SQL in three weeks"]
    await ada.say("/forget")
    await ada.press(ada.last.all_buttons[0].action)
    assert await stored_tracks(engine) == 0


async def test_import_without_a_file_explains_how(ada: Learner) -> None:
    assert "Markdown file" in await ada.say("/import")


async def test_the_track_cache_is_bounded(coach: Coach, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.learning.library.IMPORTED_TRACKS_CACHED", 2)
    ids = []
    for n in range(3):
        imported = import_markdown(ROADMAP.replace(b"SQL in three weeks", f"SQL take {n}".encode()))
        assert isinstance(imported, ImportedTrack)
        await coach.share_track(imported, "sql.md")
        ids.append(imported.track.id)
    for n, track_id in enumerate(ids):
        learner = Learner(coach, f"learner{n}")
        assert f"Welcome to Roadmap Coach: SQL take {n}" in await learner.say(f"/start {track_id}")
    assert coach.library.cached() == ids[1:]  # the oldest was let go
