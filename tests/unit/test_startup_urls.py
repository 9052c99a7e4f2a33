"""core.storage.urls reads a database URL as SQLAlchemy's `make_url` does, without
importing SQLAlchemy: the settings check DATABASE_URL with it, so a command that opens no
database starts without the ORM. Here the two readings meet on the same strings, and the
check says what the check built on `make_url` said."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.storage.urls import (
    IN_MEMORY_REFUSED,
    SUPPORTED_DRIVERS,
    check_database_url,
    parse_database_url,
    sqlite_file,
)

URLS = [
    "sqlite+aiosqlite:///coach.db",
    "sqlite+aiosqlite:////var/lib/coach/coach.db",
    "sqlite+aiosqlite:///",
    "sqlite+aiosqlite://",
    "sqlite+aiosqlite:///:memory:",
    "sqlite+aiosqlite:///file:coach?mode=memory&cache=shared&uri=true",
    "sqlite+aiosqlite:///file::memory:?uri=true",
    "sqlite+aiosqlite:///file:/srv/coach.db?mode=ro&uri=true",
    "sqlite+aiosqlite:///file:coach.db?uri=maybe",
    "sqlite+aiosqlite:///coach.db?uri=true&uri=false",
    "sqlite+aiosqlite:///coach.db?mode=memory&mode=ro",
    "sqlite+aiosqlite:///my%20coach.db",
    "sqlite:///coach.db",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
    "postgresql+asyncpg://coach:p%40ss:word@db:5432/coach?ssl=require",
    "postgresql+asyncpg://coach@[::1]:5432/coach",
    "postgresql+asyncpg://coach@db:port/coach",
    "postgresql+asyncpg://coach@db:/coach",
    "postgresql+psycopg://coach@db/coach",
    "mysql://coach@db/coach",
    "Postgresql+asyncpg://coach@db/coach",
    "postgresql+asyncpg:/coach@db/coach",
    "not a url",
    "",
    " sqlite+aiosqlite:///coach.db",
    "sqlite+aiosqlite:///coach.db ",
]
# Pieces URLs are made of, valid and not, for strings make_url has to think about.
PIECES = [
    *SUPPORTED_DRIVERS,
    "mysql",
    "+",
    "://",
    "/",
    ":",
    "@",
    "?",
    "&",
    "=",
    "[",
    "]",
    "%20",
    "%",
    "file:",
    ":memory:",
    "mode",
    "memory",
    "uri",
    "true",
    "no",
    "maybe",
    "5432",
    "db",
    " ",
    "x.db",
    "::1",
]
url_like = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


def sqlalchemy_reading(url: str) -> tuple[str, str | None, dict[str, object]] | str | None:
    """make_url's parts, the message of a ValueError it raises, or None for no URL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    except ValueError as problem:
        return str(problem)
    return parsed.drivername, parsed.database, dict(parsed.query)


def our_reading(url: str) -> tuple[str, str | None, dict[str, object]] | str | None:
    try:
        parsed = parse_database_url(url)
    except ValueError as problem:
        return str(problem)
    return None if parsed is None else (parsed.drivername, parsed.database, dict(parsed.query))


def sqlalchemy_check(url: str) -> str:
    """What the settings said of DATABASE_URL when they checked it with make_url."""
    try:
        driver = make_url(url).drivername
    except ArgumentError:
        return f"not a database URL: {url!r}"
    except ValueError as problem:
        return str(problem)
    if driver not in SUPPORTED_DRIVERS:
        return (
            f"unknown database driver {driver!r}; use sqlite+aiosqlite:///coach.db "
            "or postgresql+asyncpg://user@host/db"
        )
    if not driver.startswith("sqlite"):
        return "ok"  # SQLite's own query words (uri, mode) mean nothing to another driver
    try:
        file = sqlalchemy_sqlite_file(url)
    except ValueError as problem:
        return str(problem)
    return IN_MEMORY_REFUSED if file is None else "ok"


def our_check(url: str) -> str:
    try:
        assert check_database_url(url) == url
    except ValueError as problem:
        return str(problem)
    return "ok"


def sqlalchemy_sqlite_file(url: str) -> Path | None:
    """sqlite_file on the URL as make_url reads it."""
    return sqlite_file(make_url(url))


@pytest.mark.parametrize("url", URLS)
def test_a_url_reads_as_make_url_reads_it(url: str) -> None:
    assert our_reading(url) == sqlalchemy_reading(url)


@pytest.mark.parametrize("url", URLS)
def test_a_url_is_refused_in_the_words_it_was(url: str) -> None:
    assert our_check(url) == sqlalchemy_check(url)


@given(url_like)
def test_any_url_like_text_reads_as_make_url_reads_it(url: str) -> None:
    assert our_reading(url) == sqlalchemy_reading(url)


@given(st.sampled_from(SUPPORTED_DRIVERS), url_like)
def test_any_url_of_a_supported_driver_is_checked_as_it_was(driver: str, rest: str) -> None:
    url = f"{driver}://{rest}"
    assert our_check(url) == sqlalchemy_check(url)


@pytest.mark.parametrize("url", [u for u in URLS if u.startswith("sqlite+aiosqlite://")])
def test_sqlite_file_reads_a_string_and_sqlalchemys_url_alike(url: str) -> None:
    try:
        expected: Path | str | None = sqlalchemy_sqlite_file(url)
    except ValueError as problem:
        expected = str(problem)
    for given_as in (url, make_url(url)):
        try:
            found: Path | str | None = sqlite_file(given_as)
        except ValueError as problem:
            found = str(problem)
        assert found == expected
