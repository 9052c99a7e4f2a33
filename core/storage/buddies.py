"""Study buddies: who waits for one, and who is paired with whom."""

from __future__ import annotations

from core.storage.session import SqlSession


class SqlBuddies:
    def __init__(self, db: SqlSession) -> None:
        self._db = db
