"""Alembic environment: async engines, or a connection handed over by the coach."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from sqlalchemy.engine import Connection

from core.storage.engine import make_engine
from core.storage.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def render_item(kind: str, item: Any, autogen_context: Any) -> str | Literal[False]:
    # Revisions name the column type the database sees, not the Python-side decorator.
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    # Used by the plain `alembic` command line; `coach migrate` passes its own connection.
    from bot.config import load_settings

    engine = make_engine(load_settings().database_url)
    async with engine.connect() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()


connection = config.attributes.get("connection")
if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run `coach migrate`")
elif connection is not None:
    run_migrations(connection)
else:
    asyncio.run(run_async_migrations())
