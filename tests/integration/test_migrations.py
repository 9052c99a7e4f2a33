"""The Alembic revisions and the models agree, and every revision goes up, down and up again."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Boolean, Date, DateTime, Time, bindparam, inspect, text
from sqlalchemy.engine import Connection

from core.storage.engine import make_engine
from core.storage.migrate import downgrade, pending_revisions, upgrade
from core.storage.models import Base
from tests.conftest import PostgresServer


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": False}
    )
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_models_and_migrations_agree(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    try:
        assert await pending_revisions(engine)
        await upgrade(engine)
        assert not await pending_revisions(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_stairway_up_down_up(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == set(Base.metadata.tables)
        await downgrade(engine, "base")
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == set()
        await upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_lookup_indexes_exist(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    try:
        await upgrade(engine)

        def indexes(connection: Connection) -> dict[str, list[list[str | None]]]:
            inspector = inspect(connection)
            found: dict[str, list[list[str | None]]] = {}
            for table in ("identities", "enrollments", "completions"):
                found[table] = [list(ix["column_names"]) for ix in inspector.get_indexes(table)]
                found[table] += [
                    list(uq["column_names"]) for uq in inspector.get_unique_constraints(table)
                ]
            return found

        async with engine.connect() as connection:
            found = await connection.run_sync(indexes)
        assert ["platform", "external_id"] in found["identities"]  # identity lookup
        assert ["next_nudge_at"] in found["enrollments"]  # due nudges
        assert ["enrollment_id", "item_id"] in found["completions"]  # one tick per item
    finally:
        await engine.dispose()


async def test_admins_recorded_on_memberships_move_to_their_own_table(fresh_url: str) -> None:
    """The platform's word kept on a membership before admins had a table of their own
    survives the move, and the way back."""
    engine = make_engine(fresh_url)
    typed = [
        bindparam("at", datetime(2026, 12, 1, 9, tzinfo=UTC), type_=DateTime(timezone=True)),
        bindparam("day", date(2026, 11, 30), type_=Date()),
        bindparam("nine", time(9), type_=Time()),
        bindparam("yes", True, type_=Boolean()),
    ]
    rows = [
        "INSERT INTO learners (id, created_at, language) VALUES (1, :at, 'en'), (2, :at, 'en')",
        "INSERT INTO study_groups (id, platform, external_id, parent, title, track_id, "
        "timezone, digest_time, report_time, study_days, quiz_days, started_on, active, "
        "created_at, language) VALUES (7, 'telegram', '-100', '', 'Cohort', 'python', 'UTC', "
        ":nine, :nine, 31, 4, :day, :yes, :at, 'en')",
        "INSERT INTO group_members (group_id, learner_id, external_id, display_name, "
        "joined_at, share_done, share_streak, share_quiz, mentions, admin_since) VALUES "
        "(7, 1, '1', 'Ada', :at, :yes, :yes, :yes, :yes, :at), "
        "(7, 2, '2', 'Bo', :at, :yes, :yes, :yes, :yes, NULL)",
    ]
    try:
        await upgrade(engine, "0016")
        async with engine.begin() as connection:
            for statement in rows:
                bound = [p for p in typed if f":{p.key}" in statement]
                await connection.execute(text(statement).bindparams(*bound))
        await upgrade(engine)
        async with engine.connect() as connection:
            moved = (await connection.execute(text("SELECT * FROM group_admins"))).mappings()
            assert [(r["group_id"], r["learner_id"]) for r in moved] == [(7, 1)]
        await downgrade(engine, "0016")
        async with engine.connect() as connection:
            back = await connection.execute(
                text("SELECT learner_id FROM group_members WHERE admin_since IS NOT NULL")
            )
            assert list(back.scalars()) == [1]
    finally:
        await engine.dispose()
