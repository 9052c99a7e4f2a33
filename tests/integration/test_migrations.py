"""The Alembic revisions and the models agree, and every revision goes up, down and up again."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
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
