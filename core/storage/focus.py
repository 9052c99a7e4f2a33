"""Focus sessions: who is studying now, until when, on what."""

from __future__ import annotations

from core.storage.session import SqlSession


class SqlFocusSessions:
    def __init__(self, db: SqlSession) -> None:
        self._db = db
