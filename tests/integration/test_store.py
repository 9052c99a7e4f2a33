"""Every repository against a real database, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Column, Table, event, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.accounts.model import MergedEnrollment
from core.groups.model import Membership, NewStudyGroup, Sharing
from core.kernel.errors import StorageError
from core.kernel.refs import ChatRef, LearnerRef
from core.learning.model import NewCompletion
from core.outreach.model import Kind, NewOutboxItem, Recipient
from core.quizzes.review import Recall, review
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.integration.storage.conftest import new_enrollment

NOW = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
MONDAY = date(2026, 11, 16)
TUESDAY = date(2026, 11, 17)
ADA = LearnerRef("test", "ada", "Ada")


@pytest.fixture
def uow(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(make_sessions(engine))


async def seeded(uow: SqlUnitOfWorkFactory, external_id: str = "ada") -> tuple[int, int]:
    async with uow() as work:
        snapshot = await work.learners.create(
            LearnerRef("test", external_id, external_id.title()), new_enrollment(), at=NOW
        )
        await work.commit()
    assert snapshot.enrollment is not None
    return snapshot.learner_id, snapshot.enrollment.id


async def tick(work: SqlUnitOfWork, enrollment_id: int, item_id: str, **changes: Any) -> None:
    values: dict[str, Any] = {
        "week_id": item_id.split("-")[0],
        "item_id": item_id,
        "done_on": MONDAY,
        "done_at": NOW,
        "completes_week": False,
    }
    await work.ticks.add(enrollment_id, **(values | changes))


# -- learners and enrollments ---------------------------------------------------------


async def test_learner_rows_are_dated_by_the_caller(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    learner_id, enrollment_id = await seeded(uow)
    async with engine.connect() as connection:
        for model, key in ((m.Learner, learner_id), (m.Enrollment, enrollment_id)):
            created = await connection.scalar(select(model.created_at).where(model.id == key))
            assert created == NOW
        identity = await connection.scalar(select(m.Identity.created_at))
        assert identity == NOW
    async with uow() as work:
        group_id = await group(work)
        await work.commit()
    async with engine.connect() as connection:
        created = await connection.scalar(
            select(m.StudyGroup.created_at).where(m.StudyGroup.id == group_id)
        )
        assert created == NOW


# -- update log and outbox ------------------------------------------------------------


async def group(work: SqlUnitOfWork, external_id: str = "chat-1") -> int:
    created = await work.groups.create(
        NewStudyGroup(
            chat=ChatRef("test", external_id, "Study club"),
            track_id="python-backend",
            timezone="Europe/Berlin",
            digest_time=time(8),
            report_time=time(18),
            study_days=frozenset({0, 1, 2, 3, 4}),
            quiz_days=frozenset({1, 3}),
            started_on=MONDAY,
            next_digest_at=NOW,
            next_report_at=None,
        ),
        at=NOW,
    )
    return created.id


def owed(recipient: Recipient, kind: Kind, day: date = MONDAY, **at: datetime) -> NewOutboxItem:
    return NewOutboxItem(recipient, kind, day, at.get("due_at", NOW), at.get("available_at", NOW))


# -- groups -----------------------------------------------------------------------------


# -- export, forget, absorb -------------------------------------------------------------


async def test_export_and_forget_touch_only_that_learner(uow: SqlUnitOfWorkFactory) -> None:
    ada_id, ada_enrollment = await seeded(uow, "ada")
    bob_id, _ = await seeded(uow, "bob")
    async with uow() as work:
        await work.journal.add_hours(ada_id, ada_enrollment, on=MONDAY, hours=1, at=NOW)
        await work.commit()
    async with uow() as work:
        exported = await work.accounts.export(ada_id)
    assert exported["learner"]["id"] == ada_id
    assert [i["external_id"] for i in exported["identities"]] == ["ada"]
    assert exported["enrollments"][0]["study_days"] == [0, 2, 4]
    assert exported["hours"][0]["hours"] == 1.0
    async with uow() as work:
        await work.accounts.forget(ada_id)
        await work.commit()
    async with uow() as work:
        assert await work.learners.load(ADA) is None
        assert await work.learners.load(LearnerRef("test", "bob")) is not None
        assert (await work.accounts.export(bob_id))["learner"]["id"] == bob_id


TABLES = m.Base.metadata.sorted_tables
LEARNERS = m.Base.metadata.tables["learners"]
# Tables whose rows belong to nobody in particular.
SHARED = {"processed_updates", "inbox", "study_groups", "group_quizzes"}
# Rows naming a learner by platform identity rather than by a key; forget and absorb
# have a rule of their own for each.
NAMED_BY_IDENTITY = {"link_failures"}


def learner_owned(table: Table) -> bool:
    if table is LEARNERS:
        return True
    return any(
        key.column.table is not table and learner_owned(key.column.table)
        for key in table.foreign_keys
    )


def learner_columns(table: Table) -> list[Column[Any]]:
    return [key.parent for key in table.foreign_keys if key.column.table is LEARNERS]


Owned = dict[str, dict[str, set[tuple[Any, ...]]]]  # owner -> table -> primary keys


def a_value(column: Column[Any], owner: str, serial: Iterator[int]) -> Any:
    """Something that fits the column, unique where it has to be."""
    kind = getattr(column.type, "impl_instance", column.type).python_type  # a TypeDecorator's
    n = next(serial)
    made: dict[type, Callable[[], Any]] = {
        str: lambda: f"{owner[:3]}{n}",
        int: lambda: n,
        bool: lambda: False,
        date: lambda: MONDAY,
        datetime: lambda: NOW,
        time: lambda: time(8),
        bytes: lambda: b"",
        Decimal: lambda: Decimal("1.5"),
    }
    return made[kind]()


async def fill_every_table(
    connection: AsyncConnection, owners: tuple[str, ...]
) -> tuple[Owned, dict[str, int]]:
    """One row per owner in each table that belongs to learners, one row in each other
    table; each owner's rows point at that owner's rows only. Returns the primary keys of
    each owner's rows, and each owner's learner id."""
    assert {t.name for t in TABLES if not learner_owned(t)} == SHARED | NAMED_BY_IDENTITY, (
        "a table holding rows of a learner with no foreign key leading to them needs a rule "
        "in core.storage.ownership, and a place here"
    )
    serial = itertools.count(1)
    rows: dict[str, dict[str | None, dict[str, Any]]] = {}
    owned: Owned = {owner: {} for owner in owners}
    # Rows named by identity come after the identities they name.
    for table in sorted(TABLES, key=lambda t: t.name in NAMED_BY_IDENTITY):
        mine = learner_owned(table) or table.name in NAMED_BY_IDENTITY
        for owner in owners if mine else (None,):
            values: dict[str, Any] = {}
            for column in table.columns:
                key = next(iter(column.foreign_keys), None)
                if key is not None:
                    parent = rows[key.column.table.name]
                    values[column.name] = parent.get(owner, parent.get(None, {}))[key.column.name]
                elif (
                    column.primary_key
                    and column.autoincrement is not False
                    and (column.type.python_type is int and len(table.primary_key.columns) == 1)
                ):
                    continue
                else:
                    values[column.name] = a_value(column, owner or "all", serial)
            if table.name == "link_failures":
                identity = rows["identities"][owner]
                values |= {k: identity[k] for k in ("platform", "external_id")}
            result = await connection.execute(insert(table).values(values).returning(*table.c))
            row = dict(result.mappings().one())
            rows.setdefault(table.name, {})[owner] = row
            if owner is not None:
                pk = tuple(row[c.name] for c in table.primary_key.columns)
                owned[owner].setdefault(table.name, set()).add(pk)
    return owned, {owner: rows["learners"][owner]["id"] for owner in owners}


async def primary_keys(connection: AsyncConnection) -> dict[str, set[tuple[Any, ...]]]:
    found = {}
    for table in TABLES:
        result = await connection.execute(select(*table.primary_key.columns))
        found[table.name] = {tuple(row) for row in result}
    return found


async def rows_pointing_at(connection: AsyncConnection, learner_id: int) -> dict[str, int]:
    found = {}
    for table in TABLES:
        for column in learner_columns(table) or ([table.c.id] if table is LEARNERS else []):
            count = await connection.scalar(select(func.count()).where(column == learner_id))
            if count:
                found[f"{table.name}.{column.name}"] = count
    return found


async def test_forget_leaves_nothing_of_the_learner_in_any_table(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    async with engine.begin() as connection:
        owned, ids = await fill_every_table(connection, ("ada", "bob"))
        before = await primary_keys(connection)
    assert set(owned["ada"]) | SHARED == {t.name for t in TABLES}
    async with uow() as work:
        await work.accounts.forget(ids["ada"])
        await work.commit()
    async with engine.connect() as connection:
        after = await primary_keys(connection)
        assert await rows_pointing_at(connection, ids["ada"]) == {}
    for table in TABLES:
        left = after[table.name]
        assert not left & owned["ada"].get(table.name, set()), table.name
        assert left == before[table.name] - owned["ada"].get(table.name, set()), table.name


async def test_absorb_leaves_the_absorbed_learner_nothing(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    async with engine.begin() as connection:
        _, ids = await fill_every_table(connection, ("ada", "bob"))
        before = {
            t.name: await connection.scalar(select(func.count()).select_from(t)) for t in TABLES
        }
    async with uow() as work:
        await work.accounts.absorb(ids["ada"], ids["bob"], [])
        await work.commit()
    async with engine.connect() as connection:
        assert await rows_pointing_at(connection, ids["bob"]) == {}
        after = {
            t.name: await connection.scalar(select(func.count()).select_from(t)) for t in TABLES
        }
    # Everything else moved over: Bob's learner row goes, his link code and pending
    # confirmation with it, and his membership of and admin record in the group both were
    # in and his place among study buddies give way to Ada's.
    gone = {
        "learners": 1,
        "link_codes": 1,
        "confirmations": 1,
        "group_members": 1,
        "group_admins": 1,
        "buddies": 1,
    }
    assert after == {name: count - gone.get(name, 0) for name, count in before.items()}


async def test_absorb_merges_what_both_have(uow: SqlUnitOfWorkFactory, engine: AsyncEngine) -> None:
    ada_id, ada_enrollment = await seeded(uow, "ada")
    bob_id, bob_enrollment = await seeded(uow, "bob")
    bob = LearnerRef("test", "bob", "Bob")
    old, _ = review(None, Recall.GOOD, NOW - timedelta(days=20))
    recent, recent_due = review(None, Recall.FORGOT, NOW - timedelta(days=1))
    async with uow() as work:
        await tick(work, ada_enrollment, "w01-a")
        await tick(work, bob_enrollment, "w01-b")
        await work.journal.add_hours(bob_id, bob_enrollment, on=MONDAY, hours=2, at=NOW)
        await work.journal.add_note(
            bob_id, bob_enrollment, week_id="w01", on=MONDAY, text="bob's", at=NOW
        )
        other = await work.enrollments.create(bob_id, new_enrollment("other-track"), at=NOW)
        await work.reviews.save(ada_id, "q1", card=old, due=NOW + timedelta(days=30), lapsed=False)
        await work.reviews.save(bob_id, "q1", card=recent, due=recent_due, lapsed=True)
        await work.reviews.save(bob_id, "q2", card=recent, due=recent_due, lapsed=True)
        group_id = await group(work)
        for learner_id, who in ((ada_id, ADA), (bob_id, bob)):
            await work.groups.add_member(Membership(group_id, learner_id, who, NOW, Sharing()))
        number = await work.projects.submit(group_id, ada_id, week_id="w01", text="x", at=NOW)
        submission = await work.projects.find(group_id, number)
        assert submission is not None
        await work.projects.review(submission.id, ada_id, comment="ada's", at=NOW)
        await work.projects.review(submission.id, bob_id, comment="bob's", at=NOW)
        await work.outbox.enqueue(
            [
                owed(Recipient.learner(bob_id), Kind.PLAN, TUESDAY),  # still owed: dropped
                owed(Recipient.learner(bob_id), Kind.PLAN),  # sent: moves over
                owed(Recipient.learner(bob_id), Kind.EVENING),  # sent, but Ada had hers
                owed(Recipient.learner(ada_id), Kind.EVENING),
            ]
        )
        lease = NOW + timedelta(minutes=1)
        for item in await work.outbox.claim(NOW, lease_until=lease, worker="w", limit=10):
            if item.local_date == MONDAY:
                await work.outbox.finish(item.id, status="sent", at=NOW, outcome="", to=None)
        kept = await work.enrollments.find(ada_id, "python-backend")
        assert kept is not None
        merged = MergedEnrollment(
            kept,
            bob_enrollment,
            tuple(
                NewCompletion("w01", item, MONDAY, NOW, completes_week=False)
                for item in ("w01-a", "w01-b")
            ),
            added=1,
        )
        await work.accounts.absorb(ada_id, bob_id, [merged])
        await work.commit()

    async with uow() as work:
        assert [e.id for e in await work.enrollments.of_learner(ada_id)] == [
            ada_enrollment,
            other.id,
        ]
        assert await work.ticks.week_done(ada_enrollment, "w01") == {
            "w01-a": MONDAY,
            "w01-b": MONDAY,
        }
        assert await work.journal.hours_on(ada_id, MONDAY) == 2
        assert await work.journal.week_notes(ada_enrollment, "w01") == ["bob's"]
        assert set(await work.reviews.due(ada_id)) == {"q1", "q2"}
        assert await work.reviews.card(ada_id, "q1") == recent  # reviewed last
        membership = await work.groups.membership(group_id, ada_id)
        assert membership is not None and membership.who == ADA
        assert [i.who.external_id for i in await work.learners.identities(ada_id)] == ["ada", "bob"]
    r, o, s = m.ReviewCard, m.OutboxMessage, m.SubmissionReview
    async with engine.connect() as connection:
        counts = (
            await connection.execute(select(r.reviews, r.lapses).where(r.subject == "q1"))
        ).one()
        assert tuple(counts) == (2, 1)
        outbox = (await connection.execute(select(o.learner_id, o.kind, o.local_date))).all()
        assert sorted((row.kind, row.local_date) for row in outbox) == [
            ("evening", MONDAY),
            ("plan", MONDAY),
        ]
        assert {row.learner_id for row in outbox} == {ada_id}
        comments = (await connection.execute(select(s.reviewer_id, s.comment))).all()
        assert [tuple(row) for row in comments] == [(ada_id, "ada's")]
        assert await rows_pointing_at(connection, bob_id) == {}


# -- how the unit of work behaves -------------------------------------------------------


async def test_sql_errors_become_storage_errors(engine: AsyncEngine) -> None:
    with pytest.raises(StorageError):
        async with SqlUnitOfWork(engine) as work:
            # No such enrollment: a foreign key violation.
            await tick(work, 999, "w01-a")
            await work.commit()


async def test_hot_paths_take_one_statement_each(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    learner_id, enrollment_id = await seeded(uow)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    async with uow() as work:
        await work.updates.claim("warm-up", at=NOW)  # the transaction has begun
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            calls = {
                "load": work.learners.load(ADA),
                "tick": tick(work, enrollment_id, "w01-a"),
                "claim update": work.updates.claim("tg:1", at=NOW),
                "claim outbox": work.outbox.claim(NOW, lease_until=NOW, worker="w", limit=5),
            }
            made = {}
            for name, call in calls.items():
                statements.clear()
                await call
                made[name] = len(statements)
            snapshot = await work.learners.load_by_id(learner_id)
            assert snapshot is not None and snapshot.enrollment is not None
            statements.clear()
            await work.enrollments.save(snapshot.enrollment)
            made["save"] = len(statements)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert made == {"load": 1, "tick": 1, "claim update": 1, "claim outbox": 1, "save": 1}


@pytest.mark.postgres
async def test_read_only_work_on_postgresql_needs_no_transaction(
    two_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """No BEGIN and no COMMIT around a read-only command: each statement is its own
    transaction (`now()` moves on between two); other work stays one transaction."""
    engine, _ = two_engines

    async def two_moments(work: SqlUnitOfWork) -> tuple[object, object]:
        first = await work._db.scalar(text("SELECT now()"))
        await work._db.execute(text("SELECT pg_sleep(0.01)"))
        return first, await work._db.scalar(text("SELECT now()"))

    async with SqlUnitOfWork(engine, read_only=True) as work:
        first, second = await two_moments(work)
        assert first != second
    async with SqlUnitOfWork(engine) as work:
        first, second = await two_moments(work)
        assert first == second
