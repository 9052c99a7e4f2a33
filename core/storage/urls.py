"""What a database URL must be, checked without loading the ORM or a driver, so reading
the settings stays cheap for a command that never opens the database.

URLs are read here as SQLAlchemy's `make_url` reads them, without importing SQLAlchemy
(about 0.12 s): its pattern, its unquoting and its query parsing, so a URL the settings
let through is one the engine takes, and a refused one is refused in the same words
(tests/unit/test_startup_urls.py holds the two readings side by side).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

if TYPE_CHECKING:
    from sqlalchemy.engine.url import URL

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
IN_MEMORY_REFUSED = (
    "SQLite without a file (an empty path, :memory: or mode=memory) keeps the database in "
    "memory, where it lasts one process and is not the one `coach migrate` prepares; "
    "name a file, like sqlite+aiosqlite:///coach.db"
)

# sqlalchemy.engine.url._parse_url's pattern, as it stands in SQLAlchemy 2.1.
_URL = re.compile(
    r"""
        (?P<name>[\w\+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/\?]+)\] |
                (?P<ipv4host>[^/:\?]+)
            )?
            (?::(?P<port>[^/\?]*))?
        )?
        (?:/(?P<database>[^\?]*))?
        (?:\?(?P<query>.*))?
    """,
    re.X,
)


class DatabaseUrl(NamedTuple):
    """The parts of a database URL the coach checks, as `make_url` gives them."""

    drivername: str
    database: str | None
    query: Mapping[str, str | tuple[str, ...]]


def parse_database_url(url: str) -> DatabaseUrl | None:
    """`url` read as `make_url` reads it; None where `make_url` finds no URL at all. A port
    that is not a number raises ValueError, as it does there."""
    match = _URL.match(url)
    if match is None:
        return None
    if match["port"] is not None:
        int(match["port"])  # an empty one too
    query: dict[str, str | tuple[str, ...]] = {}
    for key, value in parse_qsl(match["query"] or ""):
        earlier = query.get(key)
        if earlier is None:
            query[key] = value
        else:  # a repeated key keeps every value, in order
            query[key] = (*((earlier,) if isinstance(earlier, str) else earlier), value)
    database = unquote(match["database"]) if match["database"] is not None else None
    return DatabaseUrl(match["name"], database, query)


def check_database_url(url: str) -> str:
    """`url` when the coach can use it; otherwise ValueError saying what to give instead."""
    parsed = parse_database_url(url)
    if parsed is None:
        raise ValueError(f"not a database URL: {url!r}")
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise ValueError(
            f"unknown database driver {parsed.drivername!r}; use sqlite+aiosqlite:///coach.db "
            "or postgresql+asyncpg://user@host/db"
        )
    if parsed.drivername.startswith("sqlite") and sqlite_file(parsed) is None:
        raise ValueError(IN_MEMORY_REFUSED)
    return url


def sqlite_file(url: str | DatabaseUrl | URL) -> Path | None:
    """The file an SQLite URL names (URI filenames too), or None for an in-memory database:
    no file, `:memory:`, or `mode=memory`."""
    parsed = parse_database_url(url) if isinstance(url, str) else url
    if parsed is None:
        raise ValueError(f"not a database URL: {url!r}")
    database = parsed.database or ""
    if _asbool(parsed.query.get("uri", False)) and database.startswith("file:"):
        database = urlsplit(database).path
    if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
        return None
    return Path(database)


def _asbool(value: object) -> bool:
    """sqlalchemy.util.asbool: SQLite's `uri` flag, read as the engine reads it."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "yes", "on", "y", "t", "1"):
            return True
        if word in ("false", "no", "off", "n", "f", "0"):
            return False
        raise ValueError(f"String is not true/false: {word!r}")
    return bool(value)
