"""Which rows are a learner's, read off the schema's foreign keys.

Forgetting a learner and merging one into another reach every table that points at a
learner, directly or through a row that does (an enrollment's completions, the reviews
of a submission), so a new table is covered the day it is declared. Only what cannot be
read off the keys is written down here: what is merged rather than moved, and the rows
that name a learner by platform identity instead of a key. The export reads the same
rows (`learner_rows`).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    Column,
    ForeignKey,
    Table,
    UniqueConstraint,
    bindparam,
    delete,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.sql.expression import BindParameter, ColumnElement, Executable

from core.outreach.model import Status
from core.storage import models as m
from core.storage.rows import ENROLLMENTS, GROUP_QUIZ_ANSWERS, IDENTITIES, OUTBOX

LEARNERS = cast(Table, m.Learner.__table__)
BUDDIES = cast(Table, m.Buddy.__table__)
# Keys that name another learner rather than an owner: a buddy's row is the buddy's, and
# the learner it names neither exports nor forgets it (ON DELETE SET NULL unpairs it).
NAMES_ANOTHER = frozenset({BUDDIES.c.buddy_id})
LINK_FAILURES = cast(Table, m.LinkFailure.__table__)
TABLES = m.Base.metadata.sorted_tables  # parents before their children

LEARNER_ID: BindParameter[int] = bindparam("learner_id")
SURVIVOR_ID: BindParameter[int] = bindparam("survivor_id")
ABSORBED_ID: BindParameter[int] = bindparam("absorbed_id")


def owned_by(
    table: Table, learner: ColumnElement[Any], seen: frozenset[str] = frozenset()
) -> ColumnElement[bool] | None:
    """Rows of `table` that are the learner's, or None if the table holds none.

    A row is theirs when one of its foreign keys points at them, or at a row that is.
    """
    if table is LEARNERS:
        return LEARNERS.c.id == learner
    clauses: list[ColumnElement[bool]] = []
    for key in _keys(table):
        target = key.column.table
        if target.name in seen or target is table or key.parent in NAMES_ANOTHER:
            continue
        if target is LEARNERS:
            clauses.append(key.parent == learner)
        elif (parents := owned_by(target, learner, seen | {table.name})) is not None:
            clauses.append(key.parent.in_(select(key.column).where(parents).scalar_subquery()))
    return or_(*clauses) if clauses else None


def learner_columns(table: Table) -> list[Column[Any]]:
    """The columns of `table` that hold a learner's id."""
    return [key.parent for key in _keys(table) if key.column.table is LEARNERS]


def _keys(table: Table) -> list[ForeignKey]:
    """The table's foreign keys in a stable order (a set has none): to learners first."""
    return sorted(table.foreign_keys, key=lambda k: (k.column.table is not LEARNERS, k.parent.name))


# Rows kept by platform and id rather than by a key: wrong link codes (whoever guesses may
# have no identity row), and group quiz answers given before the learner had one.
NAMED_BY_IDENTITY = frozenset({LINK_FAILURES.name, GROUP_QUIZ_ANSWERS.name})


def _named_by_identity(table: Table) -> ColumnElement[bool]:
    return tuple_(table.c.platform, table.c.external_id).in_(
        select(IDENTITIES.c.platform, IDENTITIES.c.external_id).where(
            IDENTITIES.c.learner_id == LEARNER_ID
        )
    )


def learner_rows(table: Table) -> ColumnElement[bool] | None:
    """Rows of `table` that are the learner's (bound as `learner_id`), by key or by
    identity; None if the table holds none."""
    clauses = [c for c in (owned_by(table, LEARNER_ID),) if c is not None]
    if table.name in NAMED_BY_IDENTITY:
        clauses.append(_named_by_identity(table))
    return or_(*clauses) if clauses else None


# -- forgetting -------------------------------------------------------------------------

# Children first, so forgetting does not depend on the backend enforcing ON DELETE; rows
# named by identity before the identities go.
_FORGET_ORDER = [
    *(t for t in TABLES if t.name in NAMED_BY_IDENTITY),
    *(t for t in reversed(TABLES) if t.name not in NAMED_BY_IDENTITY),
]
FORGET: tuple[Executable, ...] = tuple(
    delete(table).where(owned)
    for table in _FORGET_ORDER
    if (owned := learner_rows(table)) is not None
)

# -- absorbing ----------------------------------------------------------------------------

# A code joins others to the learner who asked for it; the absorbed learner's is void. A
# confirmation was asked for the absorbed learner alone: pressed later, it must not
# delete the survivor.
_DROPPED = {m.LinkCode.__tablename__, m.Confirmation.__tablename__}
# Merged before the rows move: enrollments on a track both were on (the caller says how;
# one it left out fails on the unique key rather than vanish), and review cards of a
# subject both reviewed.
_MERGED_FIRST = {m.Enrollment.__tablename__, m.ReviewCard.__tablename__}
# Also dropped rather than moved: messages still owed to the absorbed learner, since the
# survivor is owed its own and nobody should be nudged twice.
_ALSO_DROPPED: dict[str, ColumnElement[bool]] = {
    m.OutboxMessage.__tablename__: OUTBOX.c.status == Status.PENDING.value,
}
# The survivor's active enrollment stays the one; a moved one writes no nudges until picked.
_MOVED_WITH: dict[str, dict[str, Any]] = {
    m.Enrollment.__tablename__: {"active": False, "next_nudge_at": None, "next_evening_at": None},
}


def _survivor_has_one(table: Table, column: Column[Any]) -> ColumnElement[bool] | None:
    """Where a unique key holds the learner, whether the survivor has a row under the same
    key as this one (one group membership, one review of a submission, one message a day)."""
    theirs = table.alias()
    clashes = []
    unique = (c for c in table.constraints if isinstance(c, UniqueConstraint))
    for key in (table.primary_key, *unique):
        names = [c.name for c in key.columns]
        if column.name not in names:
            continue
        same = [theirs.c[name] == table.c[name] for name in names if name != column.name]
        found = select(theirs.c[column.name]).where(theirs.c[column.name] == SURVIVOR_ID, *same)
        clashes.append(found.exists())
    return or_(*clashes) if clashes else None


def _absorb(table: Table, column: Column[Any]) -> list[Executable]:
    mine = column == ABSORBED_ID
    if table.name in _DROPPED:
        return [delete(table).where(mine)]
    gives_way: list[ColumnElement[bool]] = []
    if table.name not in _MERGED_FIRST and (clash := _survivor_has_one(table, column)) is not None:
        gives_way.append(clash)
    if table.name in _ALSO_DROPPED:
        gives_way.append(_ALSO_DROPPED[table.name])
    statements: list[Executable] = [delete(table).where(mine, or_(*gives_way))] if gives_way else []
    moved = {column.name: SURVIVOR_ID, **_MOVED_WITH.get(table.name, {})}
    statements.append(update(table).where(mine).values(moved))
    return statements


# The survivor's rows where both have one, the absorbed learner's moved over otherwise;
# the learner row itself goes last.
ABSORB: tuple[Executable, ...] = (
    *(
        statement
        for table in TABLES
        if table is not LEARNERS
        for column in learner_columns(table)
        for statement in _absorb(table, column)
    ),
    delete(LEARNERS).where(LEARNERS.c.id == ABSORBED_ID),
)

# Two enrollments made one: completions are replaced by the merged ones (the caller's
# `MergedEnrollment`), everything else pointing at the one that goes follows the one
# that stays.
FOLLOW_KEPT_ENROLLMENT: tuple[Executable, ...] = tuple(
    update(table)
    .where(key.parent == bindparam("gone"))
    .values({key.parent.name: bindparam("kept")})
    for table in TABLES
    if table.name != m.Completion.__tablename__
    for key in _keys(table)
    if key.column is ENROLLMENTS.c.id
)
