"""Imported tracks stored and loaded back, on SQLite and PostgreSQL: equal to what was
saved whatever form the row's JSON has, and held with their repeated values once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.importing.markdown import ImportedTrack, import_markdown
from core.kernel.clock import FrozenClock
from core.kernel.reply import Reply
from core.learning.library import parts_of
from core.learning.tracks import BuiltinCatalog, Track
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import MONDAY_MORNING, Learner

ROADMAP = b"""# Databases in three weeks

## Week 1: Basics
- SELECT and WHERE [manual](https://www.postgresql.org/docs/current/)
- ORDER BY and LIMIT [manual](https://www.postgresql.org/docs/current/)
- **Practice:** write ten queries

## Week 2: Joins
| Topic | What You'll Learn | Time |
|-------|-------------------|------|
| Inner joins | matching rows | 2 days |
| Outer joins | keeping unmatched rows | 3-4 days |

## Week 3: Design
- Normalisation [manual](https://www.postgresql.org/docs/current/)
- **Project:** model a library catalogue
"""


def imported() -> Track:
    result = import_markdown(ROADMAP, source="db.md")
    assert isinstance(result, ImportedTrack)
    return result.track


def manuals(track: Track) -> list[object]:
    return [r for w in track.weeks for i in w.items for r in i.resources if r.title == "manual"]


async def test_a_saved_track_loads_equal_with_its_repeated_values_once(engine: AsyncEngine) -> None:
    track = imported()
    uow = SqlUnitOfWorkFactory(make_sessions(engine))
    async with uow() as work:
        assert await work.tracks.save(
            track, owner_learner_id=None, source="db.md", at=MONDAY_MORNING
        )
        await work.commit()
    async with uow() as work:
        loaded = await work.tracks.load(track.id)
    assert loaded == track
    assert loaded is not track
    assert loaded.model_dump_json() == track.model_dump_json()
    assert [w.items[0].hours for w in loaded.weeks] == [w.items[0].hours for w in track.weeks]
    first, *others = manuals(loaded)
    assert len(others) == 2 and all(r is first for r in others)


@pytest.mark.parametrize(
    "dump",
    [
        pytest.param(lambda t: t.model_dump_json(), id="every-field"),  # as stored so far
        pytest.param(lambda t: t.model_dump_json(exclude_defaults=True), id="defaults-left-out"),
        pytest.param(lambda t: t.model_dump_json(indent=2), id="indented"),
    ],
)
async def test_a_row_in_any_json_form_of_the_track_loads_as_that_track(
    engine: AsyncEngine, dump: Callable[[Track], str]
) -> None:
    track = imported()
    async with engine.begin() as connection:
        await connection.execute(
            insert(m.StoredTrack).values(
                id=track.id,
                title=track.title,
                owner_learner_id=None,
                source_name="db.md",
                content=dump(track),
                created_at=MONDAY_MORNING,
            )
        )
    uow = SqlUnitOfWorkFactory(make_sessions(engine))
    async with uow() as work:
        loaded = await work.tracks.load(track.id)
    assert loaded == track
    assert loaded is not None and loaded.model_dump_json() == track.model_dump_json()


async def test_a_restarted_coach_caches_the_stored_track_by_its_parts(
    ada: Learner, engine: AsyncEngine, clock: FrozenClock
) -> None:
    reply = await ada.coach.import_roadmap(ada.ref, "db.md", ROADMAP)
    assert isinstance(reply, Reply)
    await ada.press(reply.all_buttons[0].action)
    restarted = Coach(SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog())
    learner = Learner(restarted)
    assert "SELECT and WHERE" in await learner.say("/today")
    [track_id] = restarted.library.cached()
    assert track_id == imported().id
    assert restarted.library.cached_parts == parts_of(imported())
