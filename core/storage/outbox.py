"""The outbox of messages the coach owes, and the log of platform updates already handled."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.sql.expression import Executable

from core.kernel.refs import ChatRef, LearnerRef
from core.outreach.model import (
    Audience,
    Kind,
    NewOutboxItem,
    OutboxItem,
    RecentSend,
    Recipient,
    Status,
)
from core.storage.rows import OUTBOX, PROCESSED_UPDATES
from core.storage.session import Dialect, PerDialect, SqlSession

_O = OUTBOX.c
_P = PROCESSED_UPDATES.c
_RECIPIENT_COLUMNS = {
    Audience.LEARNER: _O.learner_id,
    Audience.GROUP: _O.group_id,
    Audience.FOCUS: _O.focus_session_id,
}
# A row owed twice (two ticks, two workers) is kept once, by the unique key of its audience:
# once per kind and local day for a learner or a group, once for a focus session.


def _enqueue(audience: Audience) -> PerDialect[Executable]:
    recipient = _RECIPIENT_COLUMNS[audience].name
    key = [recipient] if audience is Audience.FOCUS else [recipient, "kind", "local_date"]
    return PerDialect(
        lambda dialect: (
            dialect.insert(OUTBOX).on_conflict_do_nothing(index_elements=key).returning(_O.id)
        )
    )


_ENQUEUE = {audience: _enqueue(audience) for audience in _RECIPIENT_COLUMNS}
# No unique key: a chat may be owed any number of replies, even two alike.
_ENQUEUE_REPLY = insert(OUTBOX).returning(_O.id)


def _claim(dialect: Dialect) -> Executable:
    """Claims by pushing `available_at` one lease ahead: a worker that dies mid-send
    leaves its rows to come back on their own, with no sweeper."""
    ready = dialect.skip_locked(
        select(_O.id)
        .where(_O.status == Status.PENDING.value, _O.available_at <= bindparam("now"))
        .order_by(_O.available_at)
        .limit(bindparam("limit"))
    )
    return (
        update(OUTBOX)
        .where(_O.id.in_(ready.scalar_subquery()))
        .values(
            available_at=bindparam("lease_until", type_=_O.available_at.type),
            attempts=_O.attempts + 1,
            claimed_by=bindparam("worker"),
        )
        .returning(
            _O.id,
            _O.learner_id,
            _O.group_id,
            _O.focus_session_id,
            _O.chat_platform,
            _O.chat_id,
            _O.kind,
            _O.local_date,
            _O.due_at,
            _O.attempts,
            _O.payload,
        )
    )


_CLAIM = PerDialect(_claim)
_FINISH = (
    update(OUTBOX)
    .where(_O.id == bindparam("item_id"))
    .values(
        status=bindparam("status"),
        finished_at=bindparam("finished_at", type_=_O.finished_at.type),
        outcome=bindparam("outcome"),
        platform=bindparam("platform"),
        external_id=bindparam("external_id"),
        claimed_by=None,
        payload=None,  # a reply's text is not kept once it is done with
    )
)
_RETRY = (
    update(OUTBOX)
    .where(_O.id == bindparam("item_id"))
    .values(
        available_at=bindparam("available_at", type_=_O.available_at.type),
        outcome=bindparam("outcome"),
        attempts=_O.attempts - bindparam("uncounted"),
        claimed_by=None,
    )
)
_SENT_SINCE = (
    select(_O.platform, _O.external_id, func.max(_O.finished_at).label("at"))
    .where(
        _O.status == Status.SENT.value,
        _O.finished_at >= bindparam("since", type_=_O.finished_at.type),
        _O.platform.is_not(None),
        _O.external_id.is_not(None),
    )
    .group_by(_O.platform, _O.external_id)
)
_CLAIM_UPDATE = PerDialect(
    lambda dialect: dialect.insert(PROCESSED_UPDATES).on_conflict_do_nothing(index_elements=["key"])
)


def _recipient(row: Any) -> Recipient:
    if row.learner_id is not None:
        return Recipient.learner(row.learner_id)
    if row.group_id is not None:
        return Recipient.group(row.group_id)
    if row.focus_session_id is not None:
        return Recipient.focus(row.focus_session_id)
    return Recipient.in_chat(row.chat_platform, row.chat_id)


class SqlOutbox:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def enqueue(self, items: list[NewOutboxItem]) -> int:
        rows: dict[Audience, list[dict[str, Any]]] = {}
        for item in items:
            audience = item.recipient.audience
            if audience not in _RECIPIENT_COLUMNS:
                raise ValueError(f"{item.kind} is owed with enqueue_reply, not enqueue")
            rows.setdefault(audience, []).append(
                {
                    _RECIPIENT_COLUMNS[audience].name: item.recipient.id,
                    "kind": item.kind.value,
                    "local_date": item.local_date,
                    "due_at": item.due_at,
                    "available_at": item.available_at,
                    "status": Status.PENDING.value,
                    "attempts": 0,
                }
            )
        added = 0
        for audience, owed in rows.items():
            result = await self._db.execute_many(_ENQUEUE[audience], owed)
            added += len(result.all())
        return added

    async def enqueue_reply(self, chat: ChatRef, payload: str, *, at: datetime) -> int:
        result = await self._db.execute(
            _ENQUEUE_REPLY,
            {
                "chat_platform": chat.platform,
                "chat_id": chat.external_id,
                "payload": payload,
                "kind": Kind.REPLY.value,
                "local_date": at.astimezone(UTC).date(),
                "due_at": at,
                "available_at": at,
                "status": Status.PENDING.value,
                "attempts": 0,
            },
        )
        return int(result.scalar_one())

    async def claim(
        self, now: datetime, *, lease_until: datetime, worker: str, limit: int
    ) -> list[OutboxItem]:
        result = await self._db.execute(
            _CLAIM, {"now": now, "lease_until": lease_until, "worker": worker[:64], "limit": limit}
        )
        claimed = [
            OutboxItem(
                id=row.id,
                recipient=_recipient(row),
                kind=row.kind,
                local_date=row.local_date,
                due_at=row.due_at,
                attempts=row.attempts,
                payload=row.payload,
            )
            for row in result
        ]
        return sorted(claimed, key=lambda item: (item.due_at, item.id))

    async def finish(
        self,
        item_id: int,
        *,
        status: str,
        at: datetime,
        outcome: str,
        to: LearnerRef | ChatRef | None,
    ) -> None:
        await self._db.execute(
            _FINISH,
            {
                "item_id": item_id,
                "status": status,
                "finished_at": at,
                "outcome": outcome[:300],
                "platform": to.platform if to else None,
                "external_id": to.external_id if to else None,
            },
        )

    async def retry(self, item_id: int, *, at: datetime, outcome: str, count_attempt: bool) -> None:
        await self._db.execute(
            _RETRY,
            {
                "item_id": item_id,
                "available_at": at,
                "outcome": outcome[:300],
                "uncounted": 0 if count_attempt else 1,
            },
        )

    async def prune(self, *, before: datetime, limit: int) -> int:
        old = (
            select(_O.id)
            .where(_O.finished_at < before, _O.status != Status.PENDING.value)
            .limit(limit)
        )
        result = await self._db.execute(delete(OUTBOX).where(_O.id.in_(old.scalar_subquery())))
        return int(result.rowcount or 0)

    async def sent_since(self, since: datetime) -> list[RecentSend]:
        result = await self._db.execute(_SENT_SINCE, {"since": since})
        recent = [RecentSend(row.platform, row.external_id, row.at) for row in result]
        return sorted(recent, key=lambda sent: (sent.platform, sent.chat))


class SqlUpdateLog:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def claim(self, key: str, *, at: datetime) -> bool:
        result = await self._db.execute(_CLAIM_UPDATE, {"key": key[:80], "handled_at": at})
        return bool(result.rowcount)

    async def prune(self, *, before: datetime, limit: int) -> int:
        old = select(_P.key).where(_P.handled_at < before).limit(limit)
        result = await self._db.execute(
            delete(PROCESSED_UPDATES).where(_P.key.in_(old.scalar_subquery()))
        )
        return int(result.rowcount or 0)
