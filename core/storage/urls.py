"""What a database URL must be, checked without loading the ORM or a driver, so reading
the settings stays cheap for a command that never opens the database."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.util import asbool

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
IN_MEMORY_REFUSED = (
    "SQLite without a file (an empty path, :memory: or mode=memory) keeps the database in "
    "memory, where it lasts one process and is not the one `coach migrate` prepares; "
    "name a file, like sqlite+aiosqlite:///coach.db"
)


def sqlite_file(url: str | URL) -> Path | None:
    """The file an SQLite URL names (URI filenames too), or None for an in-memory database:
    no file, `:memory:`, or `mode=memory`."""
    parsed = make_url(url)
    database = parsed.database or ""
    if asbool(parsed.query.get("uri", False)) and database.startswith("file:"):
        database = urlsplit(database).path
    if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
        return None
    return Path(database)
