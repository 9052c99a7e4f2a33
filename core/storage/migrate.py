"""Running Alembic from inside the coach, on the coach's own engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    await _run(engine, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    await _run(engine, command.downgrade, revision)


async def _run(
    engine: AsyncEngine, alembic_command: Callable[[Config, str], None], revision: str
) -> None:
    config = alembic_config()

    def run(connection: Connection) -> None:
        # migrations/env.py uses this connection instead of opening its own.
        config.attributes["connection"] = connection
        alembic_command(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def pending_revisions(engine: AsyncEngine) -> bool:
    """Whether the database lags behind the newest revision."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()

    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(current) != head
