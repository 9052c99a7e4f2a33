"""Every row a learner has is in their export and goes when they are forgotten.

Which tables hold a learner's rows is read off the schema's foreign keys, so a table added
later is held to both the day it is declared: /forget walks the same keys, and the export
must give it a section (core/storage/accounts.py, docs/export.md).
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    false,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.dml import Delete
from sqlalchemy.sql.expression import ColumnElement

from core.accounts.model import EXPORT_SECTIONS
from core.app.ports import UnitOfWork
from core.groups.model import Membership, NewStudyGroup, Sharing
from core.kernel.refs import ChatRef, LearnerRef
from core.learning.ports import NewFocusSession
from core.learning.tracks import Track, parse_track
from core.outreach.model import Kind, NewOutboxItem, Recipient
from core.quizzes.review import Recall, review
from core.storage import models as m
from core.storage.accounts import SECTIONS
from core.storage.ownership import FORGET, NAMED_BY_IDENTITY
from tests.conftest import BACKENDS, MONDAY_MORNING
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from tests.integration.storage.conftest import Factory, new_enrollment

NOW = MONDAY_MORNING
MONDAY = date(2026, 11, 16)
ADA = LearnerRef("test", "ada", "Ada")
BOB = LearnerRef("test", "bob", "Bob")
CHAT = ChatRef("test", "-100", "Backend cohort")

CARD, CARD_DUE = review(None, Recall.GOOD, NOW)  # one card: each new one has its own id

# Tables whose rows belong to nobody in particular.
SHARED = {"processed_updates", "inbox", "study_groups", "group_quizzes"}
# The memory fake's table behind each section, and its shared tables.
MEMORY_TABLES = {
    "learner": "learners",
    "identities": "identities",
    "enrollments": "enrollments",
    "completions": "completions",
    "hours": "hours",
    "notes": "notes",
    "imported_tracks": "tracks",
    "quiz_deliveries": "quizzes",
    "review_cards": "cards",
    "messages": "outbox",
    "focus_sessions": "focus_sessions",
    "study_buddies": "buddies",
    "link_codes": "link_codes",
    "link_failures": "link_failures",
    "group_memberships": "members",
    "group_admins": "admins",
    "group_quiz_answers": "group_answers",
    "submissions": "submissions",
    "submission_reviews": "submission_reviews",
    "confirmations": "confirmations",
}
MEMORY_SHARED = {"updates", "groups", "group_quizzes"}


SQL_ONLY = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


# -- the schema ---------------------------------------------------------------------------


def reaching_a_learner(metadata: MetaData) -> set[str]:
    """Tables whose rows lead to a learner through foreign keys, at any depth."""
    found = {"learners"}
    while more := {
        t.name
        for t in metadata.sorted_tables
        if t.name not in found and any(k.column.table.name in found for k in t.foreign_keys)
    }:
        found |= more
    return found


def uncovered(metadata: MetaData, forgotten: set[str], exported: set[str]) -> dict[str, str]:
    """Tables holding a learner's rows that /forget or /export leaves out, and which."""
    held = reaching_a_learner(metadata) | NAMED_BY_IDENTITY
    problems = {}
    for table in metadata.sorted_tables:
        if table.name in held:
            missing = [
                what
                for what, covered in (("forget", forgotten), ("export", exported))
                if table.name not in covered
            ]
            if missing:
                problems[table.name] = "not in " + " nor ".join(missing)
        elif table.name not in SHARED:
            problems[table.name] = "no key leads to a learner: shared, or named by identity?"
    return problems


FORGOTTEN = {s.table.name for s in FORGET if isinstance(s, Delete)}  # type: ignore[attr-defined]


def test_every_table_holding_a_learners_rows_is_forgotten_and_exported() -> None:
    assert uncovered(m.Base.metadata, FORGOTTEN, set(SECTIONS)) == {}
    assert set(SECTIONS.values()) == set(EXPORT_SECTIONS)
    # Confirmations are learners' rows too: forgotten, and listed in the export.
    assert {"confirmations", "group_quiz_answers", "link_failures"} <= FORGOTTEN & set(SECTIONS)


def test_a_table_added_later_is_caught() -> None:
    metadata = MetaData()
    for table in m.Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    # A learner's row two keys away, through an enrollment.
    Table(
        "streak_freezes",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("enrollment_id", ForeignKey("enrollments.id")),
    )
    Table("badges", metadata, Column("external_id", Integer, primary_key=True))
    assert uncovered(metadata, FORGOTTEN, set(SECTIONS)) == {
        "streak_freezes": "not in forget nor export",
        "badges": "no key leads to a learner: shared, or named by identity?",
    }
    assert uncovered(metadata, FORGOTTEN | {"streak_freezes"}, set(SECTIONS)) == {
        "streak_freezes": "not in export",
        "badges": "no key leads to a learner: shared, or named by identity?",
    }


def test_the_memory_fake_has_a_table_for_every_section() -> None:
    assert set(MEMORY_TABLES) == set(EXPORT_SECTIONS)
    assert set(MemoryDatabase().tables) == set(MEMORY_TABLES.values()) | MEMORY_SHARED


# -- a learner with a row in every table ------------------------------------------------


def own_track(learner: str) -> Track:
    return parse_track(
        {
            "id": f"own-{learner}",
            "title": f"{learner}'s roadmap",
            "weeks": [
                {
                    "id": "w1",
                    "number": 1,
                    "title": "One",
                    "items": [{"id": "a", "kind": "learn", "title": "A"}],
                }
            ],
        }
    )


async def everything_of(work: UnitOfWork, who: LearnerRef, group_id: int, quiz_id: int) -> int:
    """A learner with a row in every table that holds a learner's; returns their id."""
    snapshot = await work.learners.create(who, new_enrollment(), at=NOW)
    learner_id = snapshot.learner_id
    assert snapshot.enrollment is not None
    enrollment_id = snapshot.enrollment.id
    e = snapshot.enrollment
    e.active_days = e.active_days.with_day(MONDAY)
    await work.enrollments.save(e)
    await work.learners.add_identity(
        learner_id, LearnerRef("discord", f"dc-{who.external_id}"), at=NOW
    )
    await work.ticks.add(
        enrollment_id,
        week_id="w01",
        item_id="w01-a",
        done_on=MONDAY,
        done_at=NOW,
        completes_week=False,
    )
    await work.journal.add_hours(learner_id, enrollment_id, on=MONDAY, hours=1.5, at=NOW)
    await work.journal.add_note(
        learner_id, enrollment_id, week_id="w01", on=MONDAY, text="n", at=NOW
    )
    await work.tracks.save(
        own_track(who.external_id), owner_learner_id=learner_id, source="r.md", at=NOW
    )
    quiz = await work.quizzes.add(
        learner_id, kind="quiz", question_id="q1", option_order="2,0,1", correct_option=1, at=NOW
    )
    await work.quizzes.set_ref(quiz, platform="test", poll_ref=f"poll-{who.external_id}")
    await work.quizzes.answer(quiz, chosen=1, correct=True, at=NOW)
    await work.reviews.save(learner_id, "q1", card=CARD, due=CARD_DUE, lapsed=False)
    await work.outbox.enqueue(
        [NewOutboxItem(Recipient.learner(learner_id), Kind.PLAN, MONDAY, NOW, NOW)]
    )
    await work.buddies.join(learner_id, at=NOW)
    await work.focus_sessions.start(
        NewFocusSession(
            learner_id, enrollment_id, "w01", "w01-a", NOW, NOW + timedelta(minutes=25), MONDAY
        )
    )
    await work.links.issue(
        who, code_hash=f"code-{who.external_id}", at=NOW, expires_at=NOW + timedelta(hours=1)
    )
    await work.links.add_failure(who, at=NOW, forget_before=NOW - timedelta(days=1))
    await work.groups.add_member(Membership(group_id, learner_id, who, NOW, Sharing()))
    await work.groups.set_admin(group_id, learner_id, NOW)
    await work.group_quizzes.answer(quiz_id, who, learner_id, chosen=0, correct=True, at=NOW)
    await work.projects.submit(group_id, learner_id, week_id="w01", text=who.external_id, at=NOW)
    await work.confirmations.issue(
        learner_id,
        action="forget",
        token_hash=f"token-{who.external_id}",
        at=NOW,
        expires_at=NOW + timedelta(minutes=10),
    )
    return learner_id


async def ada_and_bob(uow: Factory) -> tuple[int, int]:
    """Ada and Bob with everything, in one group, each reviewing the other's project; Ada
    also answered a group quiz before that identity was a learner's."""
    async with uow() as work:
        group = await work.groups.create(
            NewStudyGroup(
                chat=CHAT,
                track_id="python-backend",
                timezone="UTC",
                digest_time=time(9),
                report_time=time(18),
                study_days=frozenset(range(6)),
                quiz_days=frozenset({0, 2, 4}),
                started_on=MONDAY,
                next_digest_at=None,
                next_report_at=None,
            ),
            at=NOW,
        )
        quiz_ids = []
        for day in (MONDAY, MONDAY + timedelta(days=1)):
            quiz_id = await work.group_quizzes.add(
                group.id,
                question_id="q",
                option_order="0,1",
                correct_option=0,
                local_date=day,
                at=NOW,
            )
            assert quiz_id is not None
            quiz_ids.append(quiz_id)
        await work.group_quizzes.answer(
            quiz_ids[1], LearnerRef("discord", "dc-ada"), None, chosen=1, correct=False, at=NOW
        )
        ada_id = await everything_of(work, ADA, group.id, quiz_ids[0])
        bob_id = await everything_of(work, BOB, group.id, quiz_ids[0])
        for reviewer, number in ((ada_id, 2), (bob_id, 1)):
            submission = await work.projects.find(group.id, number)
            assert submission is not None
            await work.projects.review(submission.id, reviewer, comment=f"{reviewer}", at=NOW)
        await work.commit()
    return ada_id, bob_id


async def exported(uow: Factory, learner_id: int) -> dict[str, Any]:
    async with uow() as work:
        return await work.accounts.export(learner_id)


def rows_of(export: dict[str, Any], section: str) -> list[dict[str, Any]]:
    found = export[section]
    return [found] if section == "learner" else list(found)


# -- what the database holds of a learner, read independently of the storage's own walk --


def owned(table: Table, learner_id: int, identities: list[tuple[str, str]]) -> ColumnElement[bool]:
    """Rows of `table` a foreign key chain leads from to the learner, or that name one of
    their identities."""
    if table.name == "learners":
        return table.c.id == learner_id
    clauses = []
    for key in table.foreign_keys:
        parent = key.column.table
        if parent is not table:
            clauses.append(
                key.parent.in_(select(key.column).where(owned(parent, learner_id, identities)))
            )
    if table.name in NAMED_BY_IDENTITY:
        clauses.append(tuple_(table.c.platform, table.c.external_id).in_(identities))
    return or_(false(), *clauses)


async def identities_of(engine: AsyncEngine, learner_id: int) -> list[tuple[str, str]]:
    ids = m.Base.metadata.tables["identities"].c
    async with engine.connect() as connection:
        result = await connection.execute(
            select(ids.platform, ids.external_id).where(ids.learner_id == learner_id)
        )
        return [(row.platform, row.external_id) for row in result]


async def rows_in_database(
    engine: AsyncEngine, learner_id: int, identities: list[tuple[str, str]]
) -> dict[str, set[tuple[Any, ...]]]:
    """Each exported table's primary keys of the learner's rows."""
    found = {}
    async with engine.connect() as connection:
        for name in SECTIONS:
            table = m.Base.metadata.tables[name]
            result = await connection.execute(
                select(*table.primary_key.columns).where(owned(table, learner_id, identities))
            )
            found[name] = {tuple(row) for row in result}
    return found


async def counts(uow: Factory, engine: AsyncEngine | None) -> dict[str, int]:
    """Rows in each section's table, by section."""
    if isinstance(uow, MemoryUnitOfWorkFactory):
        db = uow.database
        return {s: db.count(db.tables[name]) for s, name in MEMORY_TABLES.items()}
    assert engine is not None
    by_table = {}
    async with engine.connect() as connection:
        for name in SECTIONS:
            by_table[name] = await connection.scalar(
                select(func.count()).select_from(m.Base.metadata.tables[name])
            )
    return {section: by_table[name] for name, section in SECTIONS.items()}


# -- the tests ---------------------------------------------------------------------------


@SQL_ONLY
async def test_the_export_has_every_row_of_the_learner_in_every_table(
    uow: Factory, engine: AsyncEngine
) -> None:
    ada_id, _ = await ada_and_bob(uow)
    export = await exported(uow, ada_id)
    assert list(export) == list(EXPORT_SECTIONS)
    in_database = await rows_in_database(engine, ada_id, await identities_of(engine, ada_id))
    for name, section in SECTIONS.items():
        rows = rows_of(export, section)
        assert rows, f"{section}: the learner has a row in {name}, so it should not be empty"
        key = [c.name for c in m.Base.metadata.tables[name].primary_key.columns]
        if all(k in rows[0] for k in key):
            assert {tuple(r[k] for k in key) for r in rows} == in_database[name], section
        else:  # a secret key left out: the rows are counted
            assert len(rows) == len(in_database[name]), section
    # The identity that answered before it was Ada's brings that answer along.
    assert [a["learner_id"] for a in export["group_quiz_answers"]] == [ada_id, None]
    # Reviews she wrote and reviews of her project.
    assert len(export["submission_reviews"]) == 2


@SQL_ONLY
async def test_the_memory_fake_exports_what_sql_exports(uow: Factory) -> None:
    memory = MemoryUnitOfWorkFactory()
    ids = await ada_and_bob(uow)
    assert await ada_and_bob(memory) == ids
    for learner_id in ids:
        assert await exported(memory, learner_id) == await exported(uow, learner_id)


async def test_forget_removes_every_row_the_export_lists(
    uow: Factory, request: pytest.FixtureRequest, database_url: str
) -> None:
    engine = None if database_url == "memory" else request.getfixturevalue("engine")
    ada_id, bob_id = await ada_and_bob(uow)
    ada, bob = await exported(uow, ada_id), await exported(uow, bob_id)
    before = await counts(uow, engine)
    identities = [(i["platform"], i["external_id"]) for i in ada["identities"]]
    async with uow() as work:
        await work.accounts.forget(ada_id)
        await work.commit()
    after = await counts(uow, engine)
    assert {s: before[s] - after[s] for s in EXPORT_SECTIONS} == {
        s: len(rows_of(ada, s)) for s in EXPORT_SECTIONS
    }
    # Bob keeps all of his, but for the reviews on and of Ada's project.
    bob_after = await exported(uow, bob_id)
    bob["submission_reviews"] = [
        r for r in bob["submission_reviews"] if r not in ada["submission_reviews"]
    ]
    assert bob_after == bob
    if engine is not None:
        left = await rows_in_database(engine, ada_id, identities)
        assert {name: keys for name, keys in left.items() if keys} == {}
