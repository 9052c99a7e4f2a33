"""The storage in memory: every repository the core asks for, on plain dicts, so the rules
can be tested in milliseconds. tests/integration/storage/test_repositories.py holds it to
what the SQL storage does.

Isolation follows PostgreSQL's READ COMMITTED: a unit of work reads what others committed
plus its own changes, which nobody sees before it commits. Writes lock their rows and
unique keys until the unit ends, so a second writer waits for the first and then finds its
row (an update key claimed twice answers False the second time), and the outreach's
claims skip rows another unit holds, as SKIP LOCKED does. Every repository call yields to
the event loop once, so units running side by side interleave as they would on a server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from core.accounts.model import LinkCode, MergedEnrollment
from core.groups.model import (
    GroupQuizRecord,
    GroupWeekFigures,
    MemberActivity,
    Membership,
    NewStudyGroup,
    QuizResult,
    QuizTally,
    ReviewedSubmission,
    ReviewRecord,
    Sharing,
    StudyGroup,
    SubmissionRecord,
    Tick,
)
from core.kernel.errors import AlreadyDone, ConflictError, StorageError
from core.kernel.i18n import supported
from core.kernel.refs import ChatRef, Identity, LearnerRef
from core.kernel.schedule import Slot
from core.learning.activity import DayBitmap
from core.learning.model import (
    CompletionRecord,
    Enrollment,
    NewEnrollment,
    OwnTrack,
    ProgressFigures,
    Snapshot,
    TrackRef,
)
from core.learning.ports import FocusSession, NewFocusSession
from core.learning.tracks import Track
from core.outreach.model import (
    Audience,
    DueGroup,
    DueSlot,
    Kind,
    NewOutboxItem,
    OutboxItem,
    RecentSend,
    Recipient,
    Status,
)
from core.quizzes.model import QuizFigures, QuizRecord
from core.quizzes.review import last_reviewed
from tests.fakes.memory_buddies import (
    absorb_seats,
    buddy_tables,
    exported_seats,
    forget_seats,
    memory_buddies,
)

if TYPE_CHECKING:
    from core.app.ports import UnitOfWork
    from core.kernel.ports import UnitOfWorkFactory

R = TypeVar("R")
Key = Callable[[R], Hashable | None]

# -- rows -------------------------------------------------------------------------------
# Frozen, so a row handed around can never change the stored one; the mutable domain
# objects inside (Enrollment, StudyGroup) are copied on the way in and out.


@dataclass(frozen=True)
class LearnerRow:
    id: int
    created_at: datetime
    language: str | None = None


@dataclass(frozen=True)
class IdentityRow:
    id: int
    learner_id: int
    platform: str
    external_id: str
    display_name: str
    reachable: bool
    created_at: datetime

    @property
    def ref(self) -> LearnerRef:
        return LearnerRef(self.platform, self.external_id, self.display_name)


@dataclass(frozen=True)
class EnrollmentRow:
    enrollment: Enrollment
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class CompletionRow:
    id: int
    enrollment_id: int
    week_id: str
    item_id: str
    done_on: date
    done_at: datetime
    completes_week: bool
    skipped: bool = False

    @property
    def record(self) -> CompletionRecord:
        return CompletionRecord(
            self.id,
            self.week_id,
            self.item_id,
            self.done_on,
            self.completes_week,
            self.done_at,
            self.skipped,
        )


@dataclass(frozen=True)
class HourRow:
    id: int
    learner_id: int
    enrollment_id: int
    logged_on: date
    hours: Decimal  # two decimals, as the SQL column keeps them
    logged_at: datetime


@dataclass(frozen=True)
class NoteRow:
    id: int
    learner_id: int
    enrollment_id: int
    week_id: str
    written_on: date
    text: str
    written_at: datetime
    item_id: str | None = None


@dataclass(frozen=True)
class TrackRow:
    id: str
    title: str
    owner_learner_id: int | None
    source_name: str
    track: Track
    created_at: datetime


@dataclass(frozen=True)
class UpdateRow:
    key: str
    handled_at: datetime


@dataclass(frozen=True)
class QuizRow:
    id: int
    learner_id: int
    kind: str
    question_id: str
    option_order: str
    correct_option: int
    sent_at: datetime
    platform: str | None = None
    poll_ref: str | None = None
    answered_at: datetime | None = None
    chosen: int | None = None
    correct: bool | None = None


@dataclass(frozen=True)
class CardRow:
    learner_id: int
    subject: str
    card: str
    due: datetime
    reviews: int
    lapses: int


@dataclass(frozen=True)
class OutboxRow:
    id: int
    recipient: Recipient
    kind: str
    local_date: date
    due_at: datetime
    available_at: datetime
    status: str = Status.PENDING.value
    attempts: int = 0
    claimed_by: str | None = None
    platform: str | None = None
    external_id: str | None = None
    finished_at: datetime | None = None
    outcome: str | None = None
    payload: str | None = None  # an owed reply's text, until the row is finished


@dataclass(frozen=True)
class LinkCodeRow:
    code_hash: str
    learner_id: int
    identity_id: int
    expires_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class LinkFailureRow:
    id: int
    platform: str
    external_id: str
    failed_at: datetime


@dataclass(frozen=True)
class GroupRow:
    group: StudyGroup
    created_at: datetime


@dataclass(frozen=True)
class MemberRow:
    group_id: int
    learner_id: int
    external_id: str
    display_name: str
    joined_at: datetime
    sharing: Sharing


@dataclass(frozen=True)
class AdminRow:
    group_id: int
    learner_id: int
    since: datetime


@dataclass(frozen=True)
class GroupQuizRow:
    id: int
    group_id: int
    question_id: str
    option_order: str
    correct_option: int
    local_date: date
    created_at: datetime
    platform: str | None = None
    poll_ref: str | None = None
    message_ref: str | None = None
    closed_at: datetime | None = None

    @property
    def record(self) -> GroupQuizRecord:
        return GroupQuizRecord(
            id=self.id,
            group_id=self.group_id,
            question_id=self.question_id,
            option_order=self.option_order,
            correct_option=self.correct_option,
            local_date=self.local_date,
            message_ref=self.message_ref,
            closed=self.closed_at is not None,
        )


@dataclass(frozen=True)
class GroupAnswerRow:
    quiz_id: int
    platform: str
    external_id: str
    learner_id: int | None
    chosen: int
    correct: bool
    answered_at: datetime


@dataclass(frozen=True)
class SubmissionRow:
    id: int
    group_id: int
    number: int
    learner_id: int
    week_id: str
    text: str
    submitted_at: datetime


@dataclass(frozen=True)
class SubmissionReviewRow:
    submission_id: int
    reviewer_id: int
    comment: str
    reviewed_at: datetime


@dataclass(frozen=True)
class ConfirmationRow:
    token_hash: str
    learner_id: int
    action: str
    expires_at: datetime
    created_at: datetime


# -- tables, transactions and locks ---------------------------------------------------


class Table(Generic[R]):
    """The committed rows of one table, by primary key, with an index per unique key."""

    def __init__(
        self,
        name: str,
        pk: Callable[[R], Hashable],
        uniques: dict[str, Key[R]] | None = None,
        parents: Iterable[tuple[Key[R], str]] = (),
    ) -> None:
        self.name = name
        self.pk = pk
        self.uniques: dict[str, Key[R]] = uniques or {}
        self.parents = tuple(parents)  # (the referring value, the table it refers to)
        self.rows: dict[Hashable, R] = {}
        self.index: dict[str, dict[Hashable, Hashable]] = {name: {} for name in self.uniques}

    def check(self, writes: dict[Hashable, R], deleted: set[Hashable]) -> None:
        """Refuses a commit whose rows clash on a unique key with what is committed now."""
        touched = writes.keys() | deleted
        seen: dict[tuple[str, Hashable], Hashable] = {}
        for pk, row in writes.items():
            for unique, key_of in self.uniques.items():
                value = key_of(row)
                if value is None:
                    continue
                other = self.index[unique].get(value)
                if (other is not None and other not in touched) or (unique, value) in seen:
                    raise StorageError(f"duplicate key {value!r} in {self.name}.{unique}")
                seen[unique, value] = pk

    def apply(self, writes: dict[Hashable, R], deleted: set[Hashable]) -> None:
        for pk in writes.keys() | deleted:
            old = self.rows.pop(pk, None)
            if old is None:
                continue
            for unique, key_of in self.uniques.items():
                value = key_of(old)
                if value is not None and self.index[unique].get(value) == pk:
                    del self.index[unique][value]
        for pk, row in writes.items():
            self.rows[pk] = row
            for unique, key_of in self.uniques.items():
                value = key_of(row)
                if value is not None:
                    self.index[unique][value] = pk


class DatabaseError(Exception):
    """A statement the database refused. Like SQLAlchemy's errors it is not the core's:
    leaving the unit of work turns it into a StorageError."""


class ConflictingWrite(DatabaseError):
    """A key another transaction took, or a deadlock: a ConflictError once it leaves."""


LockKey = tuple[str, str, Hashable]  # table, "" for the primary key or a unique key's name, value


class Transaction:
    """One unit of work's changes, and the locks it holds until it ends."""

    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database
        self.views: dict[str, View[Any]] = {}
        self.held: list[LockKey] = []
        self.waiting_for: Transaction | None = None
        self.ended = asyncio.Event()

    def __getitem__(self, table: Table[R]) -> View[R]:
        view = self.views.get(table.name)
        if view is None:
            view = self.views[table.name] = View(self, table)
        return view

    async def lock(self, key: LockKey) -> None:
        """Waits until no other open unit holds `key`, then holds it."""
        locks = self.database.locks
        while (holder := locks.get(key)) is not None and holder is not self:
            waiter: Transaction | None = holder
            while waiter is not None:  # a cycle would wait for ever: refuse it, as servers do
                if waiter is self:
                    raise ConflictingWrite(f"deadlock detected on {key!r}")
                waiter = waiter.waiting_for
            self.waiting_for = holder
            try:
                await holder.ended.wait()
            finally:
                self.waiting_for = None
        if key not in locks:
            locks[key] = self
            self.held.append(key)

    def try_lock(self, key: LockKey) -> bool:
        holder = self.database.locks.setdefault(key, self)
        if holder is self and key not in self.held:
            self.held.append(key)
        return holder is self

    def exists(self, table_name: str, pk: Hashable) -> bool:
        return self[self.database.tables[table_name]].get(pk) is not None

    def publish(self) -> None:
        changed = [v for v in self.views.values() if v.writes or v.deleted]
        for view in changed:
            view.table.check(view.writes, view.deleted)
        for view in changed:
            view.table.apply(view.writes, view.deleted)

    def end(self) -> None:
        locks = self.database.locks
        for key in self.held:
            if locks.get(key) is self:
                del locks[key]
        self.held.clear()
        self.ended.set()


class View(Generic[R]):
    """A table as one unit of work sees it: the committed rows under its own changes."""

    def __init__(self, transaction: Transaction, table: Table[R]) -> None:
        self.transaction = transaction
        self.table = table
        self.writes: dict[Hashable, R] = {}
        self.deleted: set[Hashable] = set()

    def get(self, pk: Hashable) -> R | None:
        if pk in self.writes:
            return self.writes[pk]
        if pk in self.deleted:
            return None
        return self.table.rows.get(pk)

    def rows(self) -> list[R]:
        merged = {pk: r for pk, r in self.table.rows.items() if pk not in self.deleted}
        merged.update(self.writes)
        return list(merged.values())

    def where(self, test: Callable[[R], bool]) -> list[R]:
        return [row for row in self.rows() if test(row)]

    def find(self, unique: str, value: Hashable) -> R | None:
        key_of = self.table.uniques[unique]
        for row in self.writes.values():
            if key_of(row) == value:
                return row
        pk = self.table.index[unique].get(value)
        if pk is None or pk in self.writes or pk in self.deleted:
            return None
        return self.table.rows[pk]

    async def insert(self, row: R) -> None:
        if not await self.insert_new(row):
            raise ConflictingWrite(f"duplicate key in {self.table.name}: {row!r}")

    async def insert_new(self, row: R) -> bool:
        """Adds a row unless its primary or a unique key is taken (ON CONFLICT DO NOTHING)."""
        name, pk = self.table.name, self.table.pk(row)
        await self.transaction.lock((name, "", pk))
        if self.get(pk) is not None:
            return False
        for unique, key_of in self.table.uniques.items():
            value = key_of(row)
            if value is None:
                continue
            await self.transaction.lock((name, unique, value))
            if self.find(unique, value) is not None:
                return False
        self._check_parents(row)
        self.writes[pk] = row
        return True

    async def locked(self, pk: Hashable) -> R | None:
        """The row, read after taking its lock, as UPDATE reads it."""
        await self.transaction.lock((self.table.name, "", pk))
        return self.get(pk)

    async def update(self, pk: Hashable, change: Callable[[R], R]) -> R | None:
        old = await self.locked(pk)
        if old is None:
            return None
        new = change(old)
        await self._rekey_uniques(pk, old, new)
        self._check_parents(new)
        self.writes[pk] = new
        return new

    async def put(self, row: R) -> None:
        """Writes a row whole: an update if its key is there, else an insert."""
        pk = self.table.pk(row)
        if await self.locked(pk) is None:
            await self.insert(row)
        else:
            await self.update(pk, lambda _: row)

    async def delete(self, pk: Hashable) -> bool:
        old = await self.locked(pk)
        if old is None:
            return False
        for unique, key_of in self.table.uniques.items():
            value = key_of(old)
            if value is not None:
                await self.transaction.lock((self.table.name, unique, value))
        self.writes.pop(pk, None)
        if pk in self.table.rows:
            self.deleted.add(pk)
        return True

    async def delete_where(self, test: Callable[[R], bool]) -> int:
        gone = 0
        for row in self.where(test):
            gone += await self.delete(self.table.pk(row))
        return gone

    async def _rekey_uniques(self, pk: Hashable, old: R, new: R) -> None:
        for unique, key_of in self.table.uniques.items():
            before, after = key_of(old), key_of(new)
            if before == after:
                continue
            if before is not None:
                await self.transaction.lock((self.table.name, unique, before))
            if after is not None:
                await self.transaction.lock((self.table.name, unique, after))
                clash = self.find(unique, after)
                if clash is not None and self.table.pk(clash) != pk:
                    raise ConflictingWrite(f"duplicate key {after!r} in {self.table.name}.{unique}")

    def _check_parents(self, row: R) -> None:
        for key_of, parent in self.table.parents:
            value = key_of(row)
            if value is not None and not self.transaction.exists(parent, value):
                raise DatabaseError(f"{self.table.name} refers to a missing {parent} row {value!r}")


def _poll_key(platform: str | None, poll_ref: str | None) -> Hashable | None:
    return (platform, poll_ref) if platform is not None and poll_ref is not None else None


def _learner(row: Any) -> Any:
    return row.learner_id


def _enrollment(row: Any) -> Any:
    return row.enrollment_id


def _group(row: Any) -> Any:
    return row.group_id


def _owed_to(audience: Audience) -> Key[OutboxRow]:
    return lambda r: r.recipient.id if r.recipient.audience is audience else None


def _owed_once(row: OutboxRow) -> Hashable | None:
    """The unique key of a learner's or group's row; a chat may be owed any number of
    replies (their NULL learner and group ids never clash in SQL), a focus session one
    check-in."""
    if row.recipient.audience is Audience.CHAT:
        return None
    if row.recipient.audience is Audience.FOCUS:
        return row.recipient
    return (row.recipient, row.kind, row.local_date)


class MemoryDatabase:
    """What every unit of work shares: the committed tables, id sequences and locks.

    The tables and their keys are those of the SQL schema (core/storage/models.py).
    """

    def __init__(self, *, interleave: bool = True) -> None:
        self.interleave = interleave
        self.locks: dict[LockKey, Transaction] = {}
        self._sequences: dict[str, int] = {}
        self._learning_tables()
        self._quiz_and_account_tables()
        self._group_tables()
        self._buddy_tables()
        self._focus_tables()
        self.outbox = Table[OutboxRow](
            "outbox",
            lambda r: r.id,
            {"owed": _owed_once},
            [
                (_owed_to(Audience.LEARNER), "learners"),
                (_owed_to(Audience.GROUP), "groups"),
                (_owed_to(Audience.FOCUS), "focus_sessions"),
            ],
        )
        self.updates = Table[UpdateRow]("updates", lambda r: r.key)
        self.tables: dict[str, Table[Any]] = {
            t.name: t for t in vars(self).values() if isinstance(t, Table)
        }

    def _learning_tables(self) -> None:
        self.learners = Table[LearnerRow]("learners", lambda r: r.id)
        self.identities = Table[IdentityRow](
            "identities",
            lambda r: r.id,
            {"who": lambda r: (r.platform, r.external_id)},
            [(_learner, "learners")],
        )
        self.enrollments = Table[EnrollmentRow](
            "enrollments",
            lambda r: r.enrollment.id,
            {
                "track": lambda r: (r.enrollment.learner_id, r.enrollment.track_id),
                "active": lambda r: r.enrollment.learner_id if r.active else None,
            },
            [(lambda r: r.enrollment.learner_id, "learners")],
        )
        self.completions = Table[CompletionRow](
            "completions",
            lambda r: r.id,
            {"item": lambda r: (r.enrollment_id, r.item_id)},
            [(_enrollment, "enrollments")],
        )
        journal = [(_learner, "learners"), (_enrollment, "enrollments")]
        self.hours = Table[HourRow]("hours", lambda r: r.id, parents=journal)
        self.notes = Table[NoteRow]("notes", lambda r: r.id, parents=journal)
        self.tracks = Table[TrackRow](
            "tracks", lambda r: r.id, parents=[(lambda r: r.owner_learner_id, "learners")]
        )

    def _focus_tables(self) -> None:
        self.focus_sessions = Table[FocusSession](
            "focus_sessions",
            lambda r: r.id,
            # At most one session per learner is not stopped (a partial unique index in SQL).
            {"running": lambda r: r.learner_id if r.stopped_at is None else None},
            [(_learner, "learners"), (_enrollment, "enrollments")],
        )

    def _buddy_tables(self) -> None:
        for name, table in buddy_tables().items():
            setattr(self, name, table)

    def _quiz_and_account_tables(self) -> None:
        self.quizzes = Table[QuizRow](
            "quizzes",
            lambda r: r.id,
            {"poll": lambda r: _poll_key(r.platform, r.poll_ref)},
            [(_learner, "learners")],
        )
        self.cards = Table[CardRow](
            "cards", lambda r: (r.learner_id, r.subject), parents=[(_learner, "learners")]
        )
        self.link_codes = Table[LinkCodeRow](
            "link_codes",
            lambda r: r.code_hash,
            {"learner": _learner},
            [(_learner, "learners"), (lambda r: r.identity_id, "identities")],
        )
        self.link_failures = Table[LinkFailureRow]("link_failures", lambda r: r.id)
        self.confirmations = Table[ConfirmationRow](
            "confirmations", lambda r: r.token_hash, parents=[(_learner, "learners")]
        )

    def _group_tables(self) -> None:
        self.groups = Table[GroupRow](
            "groups",
            lambda r: r.group.id,
            {"chat": lambda r: (r.group.chat.platform, r.group.chat.external_id)},
        )
        self.members = Table[MemberRow](
            "members",
            lambda r: (r.group_id, r.learner_id),
            parents=[(_group, "groups"), (_learner, "learners")],
        )
        self.admins = Table[AdminRow](
            "admins",
            lambda r: (r.group_id, r.learner_id),
            parents=[(_group, "groups"), (_learner, "learners")],
        )
        self.group_quizzes = Table[GroupQuizRow](
            "group_quizzes",
            lambda r: r.id,
            {
                "day": lambda r: (r.group_id, r.local_date),
                "poll": lambda r: _poll_key(r.platform, r.poll_ref),
            },
            [(_group, "groups")],
        )
        self.group_answers = Table[GroupAnswerRow](
            "group_answers",
            lambda r: (r.quiz_id, r.platform, r.external_id),
            parents=[(lambda r: r.quiz_id, "group_quizzes"), (_learner, "learners")],
        )
        self.submissions = Table[SubmissionRow](
            "submissions",
            lambda r: r.id,
            {"number": lambda r: (r.group_id, r.number)},
            [(_group, "groups"), (_learner, "learners")],
        )
        self.submission_reviews = Table[SubmissionReviewRow](
            "submission_reviews",
            lambda r: (r.submission_id, r.reviewer_id),
            parents=[
                (lambda r: r.submission_id, "submissions"),
                (lambda r: r.reviewer_id, "learners"),
            ],
        )

    def next_id(self, table: Table[Any]) -> int:
        """Like a sequence, an id once handed out is not given again, even on rollback."""
        self._sequences[table.name] = self._sequences.get(table.name, 0) + 1
        return self._sequences[table.name]

    def count(self, table: Table[Any]) -> int:
        return len(table.rows)


# -- repositories ---------------------------------------------------------------------


class _Repository:
    def __init__(self, unit: MemoryUnitOfWork) -> None:
        self._unit = unit
        self._db = unit.database

    async def _tx(self) -> Transaction:
        return await self._unit.transaction()


def _copy(enrollment: Enrollment) -> Enrollment:
    return replace(enrollment, picks=dict(enrollment.picks), moved=dict(enrollment.moved))


def _enrollment_of(row: EnrollmentRow) -> Enrollment:
    return _copy(row.enrollment)


class MemoryUpdateLog(_Repository):
    async def claim(self, key: str, *, at: datetime) -> bool:
        tx = await self._tx()
        return await tx[self._db.updates].insert_new(UpdateRow(key[:80], at))

    async def prune(self, *, before: datetime, limit: int) -> int:
        updates = (await self._tx())[self._db.updates]
        old = sorted(updates.where(lambda r: r.handled_at < before), key=lambda r: r.handled_at)
        for row in old[:limit]:
            await updates.delete(row.key)
        return len(old[:limit])


class MemoryLearners(_Repository):
    async def load(self, who: LearnerRef, *, lock: bool = False) -> Snapshot | None:
        tx = await self._tx()
        identity = tx[self._db.identities].find("who", (who.platform, who.external_id))
        if identity is None:
            return None
        if lock:
            await tx[self._db.learners].locked(identity.learner_id)
        return self._snapshot(tx, identity.learner_id, reachable=identity.reachable)

    async def load_by_id(self, learner_id: int, *, lock: bool = False) -> Snapshot | None:
        tx = await self._tx()
        learners = tx[self._db.learners]
        if (await learners.locked(learner_id) if lock else learners.get(learner_id)) is None:
            return None
        reachable = any(
            i.reachable for i in tx[self._db.identities].rows() if i.learner_id == learner_id
        )
        return self._snapshot(tx, learner_id, reachable=reachable)

    def _snapshot(self, tx: Transaction, learner_id: int, *, reachable: bool) -> Snapshot:
        learner = tx[self._db.learners].get(learner_id)
        language = learner.language if learner else None
        row = tx[self._db.enrollments].find("active", learner_id)
        if row is None:
            return Snapshot(learner_id, None, {}, reachable, language)
        e = row.enrollment
        done = {
            c.item_id: c.done_on
            for c in tx[self._db.completions].rows()
            if c.enrollment_id == e.id and c.week_id == e.current_week_id
        }
        return Snapshot(learner_id, _copy(e), done, reachable, language)

    async def create(
        self, who: LearnerRef, enrollment: NewEnrollment | None, *, at: datetime
    ) -> Snapshot:
        tx = await self._tx()
        learner_id = self._db.next_id(self._db.learners)
        language = supported(who.language)
        await tx[self._db.learners].insert(LearnerRow(learner_id, at, language))
        await self.add_identity(learner_id, who, at=at)
        created = (
            await self._unit.enrollments.create(learner_id, enrollment, at=at)
            if enrollment
            else None
        )
        return Snapshot(learner_id, created, {}, language=language)

    async def set_language(self, learner_id: int, language: str) -> None:
        learners = (await self._tx())[self._db.learners]
        await learners.update(learner_id, lambda r: replace(r, language=language))

    async def set_reachable(self, who: LearnerRef, *, reachable: bool) -> None:
        identities = (await self._tx())[self._db.identities]
        row = identities.find("who", (who.platform, who.external_id))
        if row is not None:
            await identities.update(row.id, lambda r: replace(r, reachable=reachable))

    async def identities(self, learner_id: int) -> list[Identity]:
        rows = (await self._tx())[self._db.identities].where(lambda r: r.learner_id == learner_id)
        return [Identity(r.ref, r.reachable) for r in sorted(rows, key=lambda r: r.id)]

    async def add_identity(self, learner_id: int, who: LearnerRef, *, at: datetime) -> None:
        tx = await self._tx()
        row = IdentityRow(
            self._db.next_id(self._db.identities),
            learner_id,
            who.platform,
            who.external_id,
            who.display_name[:100],
            True,
            at,
        )
        await tx[self._db.identities].insert(row)


class MemoryEnrollments(_Repository):
    async def create(
        self, learner_id: int, enrollment: NewEnrollment, *, at: datetime
    ) -> Enrollment:
        tx = await self._tx()
        n = enrollment
        created = Enrollment(
            id=self._db.next_id(self._db.enrollments),
            learner_id=learner_id,
            track_id=n.track_id,
            started_on=n.started_on,
            pace=n.pace,
            timezone=n.timezone,
            study_days=n.study_days,
            nudge_time=n.nudge_time,
            paused_since=None,
            current_week_id=n.current_week_id,
            week_opened_on=n.started_on,
            active_days=DayBitmap(n.started_on),
            paused_days=DayBitmap(n.started_on),
            next_nudge_at=n.next_nudge_at,
            evening_time=n.evening_time,
            next_evening_at=n.next_evening_at,
            quiz_days=n.quiz_days,
            quiet_hours=n.quiet_hours,
        )
        row = EnrollmentRow(created, active=False, created_at=at)
        await tx[self._db.enrollments].insert(row)
        await self.activate(learner_id, created.id)
        return _copy(created)

    async def find(self, learner_id: int, track_id: str) -> Enrollment | None:
        row = (await self._tx())[self._db.enrollments].find("track", (learner_id, track_id))
        return _enrollment_of(row) if row else None

    async def of_learner(self, learner_id: int) -> list[Enrollment]:
        rows = (await self._tx())[self._db.enrollments].where(
            lambda r: r.enrollment.learner_id == learner_id
        )
        return [_enrollment_of(r) for r in sorted(rows, key=lambda r: r.enrollment.id)]

    async def activate(self, learner_id: int, enrollment_id: int) -> None:
        enrollments = (await self._tx())[self._db.enrollments]
        for row in enrollments.where(lambda r: r.enrollment.learner_id == learner_id and r.active):
            # A track left behind writes no more nudges until it is picked again.
            await enrollments.update(
                row.enrollment.id,
                lambda r: replace(
                    r,
                    active=False,
                    enrollment=replace(r.enrollment, next_nudge_at=None, next_evening_at=None),
                ),
            )
        await enrollments.update(enrollment_id, lambda r: replace(r, active=True))

    async def save(self, enrollment: Enrollment) -> None:
        e = enrollment

        def saved(row: EnrollmentRow) -> EnrollmentRow:
            old = row.enrollment
            # The day bitmaps are kept as bits counted from started_on, as the SQL column is.
            return replace(
                row,
                enrollment=replace(
                    e,
                    id=old.id,
                    learner_id=old.learner_id,
                    track_id=old.track_id,
                    active_days=DayBitmap(e.started_on, e.active_days.bits),
                    paused_days=DayBitmap(e.started_on, e.paused_days.bits),
                    picks=dict(e.picks),
                    moved=dict(e.moved),
                ),
            )

        await (await self._tx())[self._db.enrollments].update(e.id, saved)


class MemoryTicks(_Repository):
    async def add(
        self,
        enrollment_id: int,
        *,
        week_id: str,
        item_id: str,
        done_on: date,
        done_at: datetime,
        completes_week: bool,
        skipped: bool = False,
    ) -> None:
        tx = await self._tx()
        row = CompletionRow(
            self._db.next_id(self._db.completions),
            enrollment_id,
            week_id,
            item_id,
            done_on,
            done_at,
            completes_week,
            skipped,
        )
        if not await tx[self._db.completions].insert_new(row):
            raise AlreadyDone(item_id)

    async def _of(self, enrollment_id: int) -> list[CompletionRow]:
        rows = (await self._tx())[self._db.completions].where(
            lambda r: r.enrollment_id == enrollment_id
        )
        return sorted(rows, key=lambda r: r.id)

    async def last(self, enrollment_id: int) -> CompletionRecord | None:
        rows = await self._of(enrollment_id)
        return max(rows, key=lambda r: (r.done_at, r.id)).record if rows else None

    async def of_item(self, enrollment_id: int, item_id: str) -> CompletionRecord | None:
        rows = await self._of(enrollment_id)
        return next((r.record for r in rows if r.item_id == item_id), None)

    async def delete(self, completion_id: int) -> None:
        await (await self._tx())[self._db.completions].delete(completion_id)

    async def any_on(self, enrollment_id: int, day: date) -> bool:
        return any(r.done_on == day and not r.skipped for r in await self._of(enrollment_id))

    async def week_completed_on(self, enrollment_id: int, week_id: str) -> date | None:
        rows = await self._of(enrollment_id)
        return next((r.done_on for r in rows if r.week_id == week_id and r.completes_week), None)

    async def week_done(self, enrollment_id: int, week_id: str) -> dict[str, date]:
        return {r.item_id: r.done_on for r in await self._of(enrollment_id) if r.week_id == week_id}

    async def of_enrollment(self, enrollment_id: int) -> list[CompletionRecord]:
        return [r.record for r in await self._of(enrollment_id)]

    async def progress(
        self, enrollment_id: int, *, hours_from: date, hours_to: date
    ) -> ProgressFigures:
        ticks = await self._of(enrollment_id)
        hours = (await self._tx())[self._db.hours].where(lambda r: r.enrollment_id == enrollment_id)
        return ProgressFigures(
            items_done=sum(1 for r in ticks if not r.skipped),
            weeks_completed={r.week_id: r.done_on for r in ticks if r.completes_week},
            hours_total=float(sum((h.hours for h in hours), Decimal(0))),
            hours_in_range=float(
                sum((h.hours for h in hours if hours_from <= h.logged_on <= hours_to), Decimal(0))
            ),
        )


class MemoryJournal(_Repository):
    async def add_hours(
        self, learner_id: int, enrollment_id: int, *, on: date, hours: float, at: datetime
    ) -> None:
        tx = await self._tx()
        amount = Decimal(str(hours)).quantize(Decimal("0.01"))
        row = HourRow(self._db.next_id(self._db.hours), learner_id, enrollment_id, on, amount, at)
        await tx[self._db.hours].insert(row)

    async def hours_on(self, learner_id: int, day: date) -> float:
        rows = (await self._tx())[self._db.hours].where(
            lambda r: r.learner_id == learner_id and r.logged_on == day
        )
        return float(sum((r.hours for r in rows), Decimal(0)))

    async def hours_by_day(self, enrollment_id: int, *, since: date) -> dict[date, float]:
        rows = (await self._tx())[self._db.hours].where(
            lambda r: r.enrollment_id == enrollment_id and r.logged_on >= since
        )
        by_day: dict[date, Decimal] = {}
        for r in rows:
            by_day[r.logged_on] = by_day.get(r.logged_on, Decimal(0)) + r.hours
        return {day: float(hours) for day, hours in by_day.items()}

    async def add_note(
        self,
        learner_id: int,
        enrollment_id: int,
        *,
        week_id: str,
        on: date,
        text: str,
        at: datetime,
        item_id: str | None = None,
    ) -> None:
        tx = await self._tx()
        row = NoteRow(
            self._db.next_id(self._db.notes),
            learner_id,
            enrollment_id,
            week_id,
            on,
            text,
            at,
            item_id,
        )
        await tx[self._db.notes].insert(row)

    async def week_notes(self, enrollment_id: int, week_id: str) -> list[str]:
        rows = (await self._tx())[self._db.notes].where(
            lambda r: r.enrollment_id == enrollment_id and r.week_id == week_id and not r.item_id
        )
        return [r.text for r in sorted(rows, key=lambda r: (r.written_at, r.id))]

    async def item_notes(self, enrollment_id: int, week_id: str) -> dict[str, str]:
        rows = (await self._tx())[self._db.notes].where(
            lambda r: r.enrollment_id == enrollment_id and r.week_id == week_id and bool(r.item_id)
        )
        return {
            r.item_id: r.text for r in sorted(rows, key=lambda r: (r.written_at, r.id)) if r.item_id
        }

    async def all_item_notes(self, enrollment_id: int) -> dict[str, str]:
        rows = (await self._tx())[self._db.notes].where(
            lambda r: r.enrollment_id == enrollment_id and bool(r.item_id)
        )
        return {
            r.item_id: r.text for r in sorted(rows, key=lambda r: (r.written_at, r.id)) if r.item_id
        }


class MemoryTracks(_Repository):
    async def save(
        self, track: Track, *, owner_learner_id: int | None, source: str, at: datetime
    ) -> bool:
        tx = await self._tx()
        row = TrackRow(track.id, track.title, owner_learner_id, source[:200], track, at)
        return await tx[self._db.tracks].insert_new(row)

    async def load(self, track_id: str) -> Track | None:
        row = (await self._tx())[self._db.tracks].get(track_id)
        return row.track if row else None

    async def visible(self, learner_id: int | None) -> list[TrackRef]:
        rows = (await self._tx())[self._db.tracks].where(
            lambda r: r.owner_learner_id is None or r.owner_learner_id == learner_id
        )
        return [TrackRef(r.id, r.title) for r in sorted(rows, key=lambda r: (r.created_at, r.id))]

    async def owned(self, learner_id: int) -> list[OwnTrack]:
        tx = await self._tx()
        followed = {r.enrollment.track_id for r in tx[self._db.enrollments].rows()} | {
            r.group.track_id for r in tx[self._db.groups].rows()
        }
        rows = tx[self._db.tracks].where(lambda r: r.owner_learner_id == learner_id)
        return [
            OwnTrack(r.id, r.title, r.created_at, r.id in followed)
            for r in sorted(rows, key=lambda r: (r.created_at, r.id))
        ]

    async def rename(self, track_id: str, title: str) -> None:
        await (await self._tx())[self._db.tracks].update(
            track_id,
            lambda r: replace(r, title=title, track=r.track.model_copy(update={"title": title})),
        )

    async def delete(self, track_id: str) -> None:
        await (await self._tx())[self._db.tracks].delete(track_id)


class MemoryQuizzes(_Repository):
    async def add(
        self,
        learner_id: int,
        *,
        kind: str,
        question_id: str,
        option_order: str,
        correct_option: int,
        at: datetime,
    ) -> int:
        tx = await self._tx()
        quiz_id = self._db.next_id(self._db.quizzes)
        row = QuizRow(quiz_id, learner_id, kind, question_id, option_order, correct_option, at)
        await tx[self._db.quizzes].insert(row)
        return quiz_id

    async def set_ref(self, quiz_id: int, *, platform: str, poll_ref: str) -> None:
        quizzes = (await self._tx())[self._db.quizzes]
        await quizzes.update(quiz_id, lambda r: replace(r, platform=platform, poll_ref=poll_ref))

    async def find(self, platform: str, poll_ref: str) -> QuizRecord | None:
        row = (await self._tx())[self._db.quizzes].find("poll", (platform, poll_ref))
        if row is None:
            return None
        answered = row.answered_at is not None
        return QuizRecord(
            row.id, row.learner_id, row.kind, row.question_id, row.correct_option, answered
        )

    async def answer(self, quiz_id: int, *, chosen: int, correct: bool, at: datetime) -> bool:
        quizzes = (await self._tx())[self._db.quizzes]
        row = await quizzes.locked(quiz_id)
        if row is None or row.answered_at is not None:
            return False
        await quizzes.update(
            quiz_id, lambda r: replace(r, chosen=chosen, correct=correct, answered_at=at)
        )
        return True

    async def figures(self, learner_id: int, *, now: datetime) -> QuizFigures:
        tx = await self._tx()
        by_subject: dict[str, tuple[int, int]] = {}
        for q in tx[self._db.quizzes].rows():
            if q.learner_id == learner_id and q.answered_at is not None:
                answers, right = by_subject.get(q.question_id, (0, 0))
                by_subject[q.question_id] = (answers + 1, right + (q.correct is True))
        due = tx[self._db.cards].where(lambda c: c.learner_id == learner_id and c.due <= now)
        return QuizFigures(
            answered=sum(a for a, _ in by_subject.values()),
            correct=sum(c for _, c in by_subject.values()),
            due=len(due),
            by_subject=by_subject,
        )


class MemoryReviews(_Repository):
    async def due(self, learner_id: int) -> dict[str, datetime]:
        cards = (await self._tx())[self._db.cards].where(lambda c: c.learner_id == learner_id)
        return {c.subject: c.due for c in cards}

    async def card(self, learner_id: int, subject: str) -> str | None:
        row = (await self._tx())[self._db.cards].get((learner_id, subject))
        return row.card if row else None

    async def cards(self, learner_id: int) -> dict[str, str]:
        cards = (await self._tx())[self._db.cards].where(lambda c: c.learner_id == learner_id)
        return {c.subject: c.card for c in cards}

    async def save(
        self, learner_id: int, subject: str, *, card: str, due: datetime, lapsed: bool
    ) -> None:
        cards = (await self._tx())[self._db.cards]
        old = await cards.locked((learner_id, subject))
        reviews, lapses = (old.reviews, old.lapses) if old else (0, 0)
        await cards.put(CardRow(learner_id, subject, card, due, reviews + 1, lapses + lapsed))

    async def reschedule(self, learner_id: int, subjects: Collection[str], due: datetime) -> None:
        cards = (await self._tx())[self._db.cards]
        for subject in subjects:
            row = await cards.locked((learner_id, subject))
            if row is not None:
                await cards.put(replace(row, due=due))


def _group_of(row: GroupRow) -> StudyGroup:
    return replace(row.group)


def _membership(row: MemberRow, platform: str) -> Membership:
    who = LearnerRef(platform, row.external_id, row.display_name)
    return Membership(row.group_id, row.learner_id, who, row.joined_at, row.sharing)


class MemoryGroups(_Repository):
    async def find(self, chat: ChatRef, *, lock: bool = False) -> StudyGroup | None:
        groups = (await self._tx())[self._db.groups]
        row = groups.find("chat", (chat.platform, chat.external_id))
        if row is not None and lock:
            row = await groups.locked(row.group.id)
        return _group_of(row) if row else None

    async def get(self, group_id: int) -> StudyGroup | None:
        row = (await self._tx())[self._db.groups].get(group_id)
        return _group_of(row) if row else None

    async def create(self, group: NewStudyGroup, *, at: datetime) -> StudyGroup:
        tx = await self._tx()
        created = StudyGroup(
            id=self._db.next_id(self._db.groups),
            chat=replace(group.chat, title=group.chat.title[:128]),
            track_id=group.track_id,
            timezone=group.timezone,
            digest_time=group.digest_time,
            report_time=group.report_time,
            study_days=group.study_days,
            quiz_days=group.quiz_days,
            started_on=group.started_on,
            active=True,
            next_digest_at=group.next_digest_at,
            next_report_at=group.next_report_at,
            language=group.language,
        )
        await tx[self._db.groups].insert(GroupRow(created, datetime.now(UTC)))
        return replace(created)

    async def save(self, group: StudyGroup) -> None:
        stored = replace(group, chat=replace(group.chat, title=group.chat.title[:128]))
        await (await self._tx())[self._db.groups].update(
            group.id, lambda r: replace(r, group=stored)
        )

    async def deactivate(self, group_id: int) -> int:
        tx = await self._tx()
        await tx[self._db.groups].update(
            group_id,
            lambda r: replace(
                r, group=replace(r.group, active=False, next_digest_at=None, next_report_at=None)
            ),
        )
        owed = Recipient.group(group_id)
        return await tx[self._db.outbox].delete_where(
            lambda o: o.recipient == owed and o.status == Status.PENDING
        )

    async def in_parent(self, platform: str, parent: str) -> list[StudyGroup]:
        rows = (await self._tx())[self._db.groups].where(
            lambda r: (
                r.group.active
                and r.group.chat.platform == platform
                and r.group.chat.parent == parent
            )
        )
        return [_group_of(r) for r in sorted(rows, key=lambda r: r.group.id)]

    async def membership(self, group_id: int, learner_id: int) -> Membership | None:
        tx = await self._tx()
        group = tx[self._db.groups].get(group_id)
        row = tx[self._db.members].get((group_id, learner_id))
        return _membership(row, group.group.chat.platform) if row and group else None

    async def of_learner(self, learner_id: int) -> list[StudyGroup]:
        tx = await self._tx()
        mine = sorted(
            (row for row in tx[self._db.members].rows() if row.learner_id == learner_id),
            key=lambda row: (row.joined_at, row.group_id),
        )
        groups = [tx[self._db.groups].get(row.group_id) for row in mine]
        return [_group_of(g) for g in groups if g is not None and g.group.active]

    async def admin_since(self, group_id: int, learner_id: int) -> datetime | None:
        row = (await self._tx())[self._db.admins].get((group_id, learner_id))
        return row.since if row else None

    async def set_admin(self, group_id: int, learner_id: int, since: datetime | None) -> None:
        admins = (await self._tx())[self._db.admins]
        await admins.delete((group_id, learner_id))
        if since is not None:
            await admins.insert(AdminRow(group_id, learner_id, since))

    async def administered(self, learner_id: int, *, since: datetime) -> list[StudyGroup]:
        tx = await self._tx()
        mine = tx[self._db.admins].where(lambda r: r.learner_id == learner_id and r.since >= since)
        groups = [
            tx[self._db.groups].get(r.group_id) for r in sorted(mine, key=lambda r: r.group_id)
        ]
        return [_group_of(g) for g in groups if g is not None and g.group.active]

    async def add_member(self, membership: Membership) -> None:
        m = membership
        row = MemberRow(
            m.group_id, m.learner_id, m.who.external_id, m.who.display_name[:100],
            m.joined_at, m.sharing,
        )  # fmt: skip
        await (await self._tx())[self._db.members].insert(row)

    async def save_member(self, membership: Membership) -> None:
        m = membership
        await (await self._tx())[self._db.members].update(
            (m.group_id, m.learner_id),
            lambda r: replace(
                r,
                external_id=m.who.external_id,
                display_name=m.who.display_name[:100],
                sharing=m.sharing,
            ),
        )

    async def remove_member(self, group_id: int, learner_id: int) -> bool:
        return await (await self._tx())[self._db.members].delete((group_id, learner_id))

    async def member_count(self, group_id: int) -> int:
        return len((await self._tx())[self._db.members].where(lambda r: r.group_id == group_id))

    async def member_activity(
        self, group: StudyGroup, *, since: date, since_at: datetime
    ) -> list[MemberActivity]:
        tx = await self._tx()
        members = sorted(
            tx[self._db.members].where(lambda r: r.group_id == group.id),
            key=lambda r: (r.joined_at, r.learner_id),
        )
        quiz = self._quiz_counts(tx, {m.learner_id for m in members}, since_at)
        ticks = sorted(
            tx[self._db.completions].where(lambda c: c.done_on >= since),
            key=lambda c: (c.done_at, c.id),
        )
        activity = []
        for member in members:
            row = tx[self._db.enrollments].find("track", (member.learner_id, group.track_id))
            enrollment = _enrollment_of(row) if row else None
            right, answered = quiz.get(member.learner_id, (0, 0))
            mine = tuple(
                Tick(c.done_on, c.week_id, c.item_id)
                for c in ticks
                if enrollment and c.enrollment_id == enrollment.id
            )
            week_done = (
                {
                    c.item_id: c.done_on
                    for c in tx[self._db.completions].rows()
                    if c.enrollment_id == enrollment.id and c.week_id == enrollment.current_week_id
                }
                if enrollment
                else {}
            )
            membership = _membership(member, group.chat.platform)
            activity.append(
                MemberActivity(membership, enrollment, mine, right, answered, week_done)
            )
        return activity

    def _quiz_counts(
        self, tx: Transaction, learners: set[int], since_at: datetime
    ) -> dict[int, tuple[int, int]]:
        """Right and all answers per member since a moment: group quizzes (any group's)
        and their own."""
        answers: list[tuple[int | None, bool | None]] = [
            (a.learner_id, a.correct)
            for a in tx[self._db.group_answers].rows()
            if a.answered_at >= since_at
        ]
        answers += [
            (q.learner_id, q.correct)
            for q in tx[self._db.quizzes].rows()
            if q.answered_at is not None and q.answered_at >= since_at
        ]
        counts: dict[int, tuple[int, int]] = {}
        for learner_id, correct in answers:
            if learner_id in learners:
                right, answered = counts.get(learner_id, (0, 0))
                counts[learner_id] = (right + (correct is True), answered + 1)
        return counts

    async def week_figures(self, group_id: int, *, since_at: datetime) -> GroupWeekFigures:
        tx = await self._tx()
        submissions = tx[self._db.submissions].where(lambda s: s.group_id == group_id)
        ids = {s.id for s in submissions}
        reviews = tx[self._db.submission_reviews].where(
            lambda r: r.submission_id in ids and r.reviewed_at >= since_at
        )
        quizzes = tx[self._db.group_quizzes].where(
            lambda q: q.group_id == group_id and q.created_at >= since_at
        )
        asked = {q.id for q in quizzes}
        answers = tx[self._db.group_answers].where(lambda a: a.quiz_id in asked)
        return GroupWeekFigures(
            submissions=sum(s.submitted_at >= since_at for s in submissions),
            reviews=len(reviews),
            quizzes=sum(q.poll_ref is not None for q in quizzes),
            quiz_answers=len(answers),
            quiz_right=sum(a.correct for a in answers),
        )


class MemoryGroupQuizzes(_Repository):
    async def add(
        self,
        group_id: int,
        *,
        question_id: str,
        option_order: str,
        correct_option: int,
        local_date: date,
        at: datetime,
    ) -> int | None:
        tx = await self._tx()
        quiz_id = self._db.next_id(self._db.group_quizzes)
        row = GroupQuizRow(
            quiz_id, group_id, question_id, option_order, correct_option, local_date, at
        )
        return quiz_id if await tx[self._db.group_quizzes].insert_new(row) else None

    async def on_day(self, group_id: int, local_date: date) -> GroupQuizRecord | None:
        row = (await self._tx())[self._db.group_quizzes].find("day", (group_id, local_date))
        return row.record if row else None

    async def asked(self, group_id: int) -> set[str]:
        rows = (await self._tx())[self._db.group_quizzes].where(lambda q: q.group_id == group_id)
        return {q.question_id for q in rows}

    async def set_ref(
        self, quiz_id: int, *, platform: str, poll_ref: str, message_ref: str
    ) -> None:
        await (await self._tx())[self._db.group_quizzes].update(
            quiz_id,
            lambda q: replace(q, platform=platform, poll_ref=poll_ref, message_ref=message_ref),
        )

    async def find(self, platform: str, poll_ref: str) -> GroupQuizRecord | None:
        row = (await self._tx())[self._db.group_quizzes].find("poll", (platform, poll_ref))
        return row.record if row else None

    async def answer(
        self,
        quiz_id: int,
        who: LearnerRef,
        learner_id: int | None,
        *,
        chosen: int,
        correct: bool,
        at: datetime,
    ) -> bool:
        tx = await self._tx()
        row = GroupAnswerRow(
            quiz_id, who.platform, who.external_id, learner_id, chosen, correct, at
        )
        return await tx[self._db.group_answers].insert_new(row)

    async def results(self, group_id: int, *, limit: int) -> list[QuizResult]:
        tx = await self._tx()
        closed = sorted(
            (
                q
                for q in tx[self._db.group_quizzes].rows()
                if q.group_id == group_id and q.closed_at is not None
            ),
            key=lambda q: q.local_date,
            reverse=True,
        )[:limit]
        results = []
        for quiz in closed:
            answers = [a for a in tx[self._db.group_answers].rows() if a.quiz_id == quiz.id]
            tally = QuizTally(answered=len(answers), right=sum(a.correct for a in answers))
            results.append(QuizResult(quiz.local_date, quiz.question_id, tally))
        return results

    async def close(self, quiz_id: int, *, at: datetime) -> QuizTally:
        tx = await self._tx()
        await tx[self._db.group_quizzes].update(
            quiz_id, lambda q: q if q.closed_at is not None else replace(q, closed_at=at)
        )
        answers = tx[self._db.group_answers].where(lambda a: a.quiz_id == quiz_id)
        return QuizTally(answered=len(answers), right=sum(a.correct for a in answers))


class MemoryProjects(_Repository):
    async def submit(
        self, group_id: int, learner_id: int, *, week_id: str, text: str, at: datetime
    ) -> int:
        submissions = (await self._tx())[self._db.submissions]
        numbers = [s.number for s in submissions.rows() if s.group_id == group_id]
        # Two submissions racing for a number: the unique key refuses the second one, as
        # in SQL, rather than give a number twice.
        number = max(numbers, default=0) + 1
        submission_id = self._db.next_id(self._db.submissions)
        await submissions.insert(
            SubmissionRow(submission_id, group_id, number, learner_id, week_id, text, at)
        )
        return number

    async def find(self, group_id: int, number: int) -> SubmissionRecord | None:
        tx = await self._tx()
        row = tx[self._db.submissions].find("number", (group_id, number))
        if row is None:
            return None
        member = tx[self._db.members].get((group_id, row.learner_id))
        return SubmissionRecord(
            id=row.id,
            group_id=row.group_id,
            number=row.number,
            learner_id=row.learner_id,
            author=member.display_name if member and member.display_name else "",
            week_id=row.week_id,
            text=row.text,
            submitted_at=row.submitted_at,
        )

    async def recent(self, group_id: int, *, limit: int) -> list[ReviewedSubmission]:
        tx = await self._tx()
        rows = sorted(
            (s for s in tx[self._db.submissions].rows() if s.group_id == group_id),
            key=lambda s: -s.number,
        )[:limit]
        found = []
        for row in rows:
            submission = await self.find(group_id, row.number)
            assert submission is not None
            reviews = sorted(
                (r for r in tx[self._db.submission_reviews].rows() if r.submission_id == row.id),
                key=lambda r: (r.reviewed_at, r.reviewer_id),
            )
            found.append(
                ReviewedSubmission(
                    submission,
                    tuple(
                        ReviewRecord(
                            self._name_in(tx, group_id, r.reviewer_id), r.comment, r.reviewed_at
                        )
                        for r in reviews
                    ),
                )
            )
        return found

    def _name_in(self, tx: Transaction, group_id: int, learner_id: int) -> str:
        member = tx[self._db.members].get((group_id, learner_id))
        return member.display_name if member else ""

    async def review(
        self, submission_id: int, reviewer_id: int, *, comment: str, at: datetime
    ) -> bool:
        reviews = (await self._tx())[self._db.submission_reviews]
        changed = await reviews.update(
            (submission_id, reviewer_id), lambda r: replace(r, comment=comment, reviewed_at=at)
        )
        if changed is not None:
            return False
        await reviews.insert(SubmissionReviewRow(submission_id, reviewer_id, comment, at))
        return True


def _slot_at(e: Enrollment, slot: Slot) -> datetime | None:
    return e.next_nudge_at if slot is Slot.MORNING else e.next_evening_at


def _at_slot(e: Enrollment, slot: Slot, at: datetime | None) -> Enrollment:
    if slot is Slot.MORNING:
        return replace(e, next_nudge_at=at)
    return replace(e, next_evening_at=at)


class MemoryLearnerSchedule(_Repository):
    async def due(self, slot: Slot, now: datetime, limit: int) -> list[DueSlot]:
        tx = await self._tx()
        enrollments = tx[self._db.enrollments]
        due = []
        for row in enrollments.where(lambda r: r.active):
            at = _slot_at(row.enrollment, slot)
            if at is not None and at <= now:
                due.append((at, row.enrollment.id, row))
        due.sort(key=lambda d: d[:2])
        taken: list[DueSlot] = []
        for at, enrollment_id, row in due:
            if len(taken) == limit:
                break
            # Rows another unit holds are skipped, as SKIP LOCKED skips them; the learner's
            # row is locked beside the enrollment's, as in SQL.
            learner_key = (self._db.learners.name, "", row.enrollment.learner_id)
            if not tx.try_lock((enrollments.table.name, "", enrollment_id)):
                continue
            if not tx.try_lock(learner_key):
                continue
            e = row.enrollment
            reachable = any(
                i.reachable for i in tx[self._db.identities].rows() if i.learner_id == e.learner_id
            )
            taken.append(
                DueSlot(
                    enrollment_id=e.id,
                    learner_id=e.learner_id,
                    timezone=e.timezone,
                    nudge_time=e.nudge_time,
                    evening_time=e.evening_time,
                    study_days=e.study_days,
                    quiz_days=e.quiz_days,
                    due_at=at,
                    next_evening_at=e.next_evening_at,
                    reachable=reachable,
                )
            )
        return taken

    async def reschedule(self, slot: Slot, next_at: dict[int, datetime | None]) -> None:
        enrollments = (await self._tx())[self._db.enrollments]
        for enrollment_id, at in next_at.items():
            row = await enrollments.locked(enrollment_id)
            if row is not None:
                await enrollments.put(replace(row, enrollment=_at_slot(row.enrollment, slot, at)))


def _group_slot_at(g: StudyGroup, slot: Slot) -> datetime | None:
    return g.next_digest_at if slot is Slot.MORNING else g.next_report_at


class MemoryGroupSchedule(_Repository):
    async def due(self, slot: Slot, now: datetime, limit: int) -> list[DueGroup]:
        tx = await self._tx()
        groups = tx[self._db.groups]
        due = []
        for row in groups.where(lambda r: r.group.active):
            at = _group_slot_at(row.group, slot)
            if at is not None and at <= now:
                due.append((at, row.group.id, row))
        due.sort(key=lambda d: d[:2])
        taken: list[DueGroup] = []
        for at, group_id, row in due:
            if len(taken) == limit:
                break
            if tx.try_lock((groups.table.name, "", group_id)):
                taken.append(DueGroup(_group_of(row), at))
        return taken

    async def reschedule(self, slot: Slot, next_at: dict[int, datetime | None]) -> None:
        groups = (await self._tx())[self._db.groups]
        for group_id, at in next_at.items():
            row = await groups.locked(group_id)
            if row is None:
                continue
            if slot is Slot.MORNING:
                await groups.put(replace(row, group=replace(row.group, next_digest_at=at)))
            else:
                await groups.put(replace(row, group=replace(row.group, next_report_at=at)))


class MemoryFocusSessions(_Repository):
    async def start(self, session: NewFocusSession) -> FocusSession | None:
        s = session
        row = FocusSession(
            self._db.next_id(self._db.focus_sessions),
            s.learner_id,
            s.enrollment_id,
            s.week_id,
            s.item_id,
            s.started_at,
            s.ends_at,
            None,
        )
        if not await (await self._tx())[self._db.focus_sessions].insert_new(row):
            return None
        check_in = NewOutboxItem(
            Recipient.focus(row.id), Kind.FOCUS_END, s.ends_on, s.ends_at, s.ends_at
        )
        await self._unit.outbox.enqueue([check_in])
        return row

    async def get(self, session_id: int) -> FocusSession | None:
        return (await self._tx())[self._db.focus_sessions].get(session_id)

    async def running(self, learner_id: int) -> FocusSession | None:
        return (await self._tx())[self._db.focus_sessions].find("running", learner_id)

    async def latest(self, learner_id: int) -> FocusSession | None:
        rows = (await self._tx())[self._db.focus_sessions].where(
            lambda r: r.learner_id == learner_id
        )
        return max(rows, key=lambda r: (r.started_at, r.id), default=None)

    async def stop(self, session_id: int, *, at: datetime) -> bool:
        sessions = (await self._tx())[self._db.focus_sessions]
        row = await sessions.locked(session_id)
        if row is None or row.stopped_at is not None:
            return False
        await sessions.update(session_id, lambda r: replace(r, stopped_at=at))
        return True

    async def running_among(
        self, learner_ids: Collection[int], *, now: datetime
    ) -> list[FocusSession]:
        wanted = set(learner_ids)
        rows = (await self._tx())[self._db.focus_sessions].where(
            lambda r: r.learner_id in wanted and r.stopped_at is None and r.ends_at > now
        )
        return sorted(rows, key=lambda r: (r.ends_at, r.id))


class MemoryOutbox(_Repository):
    async def enqueue(self, items: list[NewOutboxItem]) -> int:
        outbox = (await self._tx())[self._db.outbox]
        new = 0
        for item in items:
            if item.recipient.audience is Audience.CHAT:
                raise ValueError(f"{item.kind} is owed with enqueue_reply, not enqueue")
            row = OutboxRow(
                id=self._db.next_id(self._db.outbox),
                recipient=item.recipient,
                kind=str(item.kind),
                local_date=item.local_date,
                due_at=item.due_at,
                available_at=item.available_at,
            )
            new += await outbox.insert_new(row)
        return new

    async def enqueue_reply(self, chat: ChatRef, payload: str, *, at: datetime) -> int:
        outbox = (await self._tx())[self._db.outbox]
        row = OutboxRow(
            id=self._db.next_id(self._db.outbox),
            recipient=Recipient.in_chat(chat.platform, chat.external_id),
            kind=Kind.REPLY.value,
            local_date=at.astimezone(UTC).date(),
            due_at=at,
            available_at=at,
            payload=payload,
        )
        await outbox.insert(row)
        return row.id

    async def claim(
        self, now: datetime, *, lease_until: datetime, worker: str, limit: int
    ) -> list[OutboxItem]:
        tx = await self._tx()
        outbox = tx[self._db.outbox]
        ready = sorted(
            outbox.where(lambda o: o.status == Status.PENDING and o.available_at <= now),
            key=lambda o: (o.available_at, o.id),
        )
        claimed: list[OutboxItem] = []
        for row in ready:
            if len(claimed) == limit:
                break
            # A claim pushes available_at one lease ahead: a worker that dies mid-send
            # leaves its rows to come back on their own.
            if not tx.try_lock((outbox.table.name, "", row.id)):
                continue
            taken = await outbox.update(
                row.id,
                lambda o: replace(
                    o, available_at=lease_until, attempts=o.attempts + 1, claimed_by=worker[:64]
                ),
            )
            assert taken is not None
            claimed.append(
                OutboxItem(
                    taken.id,
                    taken.recipient,
                    taken.kind,
                    taken.local_date,
                    taken.due_at,
                    taken.attempts,
                    taken.payload,
                )
            )
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
        await (await self._tx())[self._db.outbox].update(
            item_id,
            lambda o: replace(
                o,
                status=str(status),
                finished_at=at,
                outcome=outcome[:300],
                platform=to.platform if to else None,
                external_id=to.external_id if to else None,
                claimed_by=None,
                payload=None,
            ),
        )

    async def retry(self, item_id: int, *, at: datetime, outcome: str, count_attempt: bool) -> None:
        await (await self._tx())[self._db.outbox].update(
            item_id,
            lambda o: replace(
                o,
                available_at=at,
                outcome=outcome[:300],
                attempts=o.attempts - (0 if count_attempt else 1),
                claimed_by=None,
            ),
        )

    async def prune(self, *, before: datetime, limit: int) -> int:
        outbox = (await self._tx())[self._db.outbox]
        old = sorted(
            outbox.where(
                lambda o: (
                    o.status != Status.PENDING
                    and o.finished_at is not None
                    and o.finished_at < before
                )
            ),
            key=lambda o: o.id,
        )[:limit]
        for row in old:
            await outbox.delete(row.id)
        return len(old)

    async def sent_since(self, since: datetime) -> list[RecentSend]:
        last: dict[tuple[str, str], datetime] = {}
        for row in (await self._tx())[self._db.outbox].rows():
            if (
                row.status == Status.SENT
                and row.finished_at is not None
                and row.finished_at >= since
                and row.platform is not None
                and row.external_id is not None
            ):
                chat = (row.platform, row.external_id)
                last[chat] = max(row.finished_at, last.get(chat, row.finished_at))
        return [RecentSend(platform, chat, at) for (platform, chat), at in sorted(last.items())]


class MemoryLinkCodes(_Repository):
    async def issue(
        self, who: LearnerRef, *, code_hash: str, at: datetime, expires_at: datetime
    ) -> None:
        tx = await self._tx()
        identity = tx[self._db.identities].find("who", (who.platform, who.external_id))
        if identity is None:
            raise DatabaseError(f"no identity {who.platform}:{who.external_id}")
        codes = tx[self._db.link_codes]
        await codes.delete_where(lambda c: c.expires_at <= at)
        # One code per learner: asking again replaces it.
        await codes.delete_where(lambda c: c.learner_id == identity.learner_id)
        await codes.insert(LinkCodeRow(code_hash, identity.learner_id, identity.id, expires_at, at))

    async def find(self, code_hash: str, *, now: datetime) -> LinkCode | None:
        tx = await self._tx()
        row = tx[self._db.link_codes].get(code_hash)
        if row is None or row.expires_at <= now:
            return None
        identity = tx[self._db.identities].get(row.identity_id)
        return LinkCode(row.learner_id, identity.ref, row.expires_at) if identity else None

    async def use(self, code_hash: str, *, now: datetime) -> bool:
        codes = (await self._tx())[self._db.link_codes]
        row = await codes.locked(code_hash)
        if row is None or row.expires_at <= now:
            return False
        return await codes.delete(code_hash)

    async def failures(self, who: LearnerRef, *, since: datetime) -> list[datetime]:
        rows = (await self._tx())[self._db.link_failures].where(
            lambda f: (
                (f.platform, f.external_id) == (who.platform, who.external_id)
                and f.failed_at > since
            )
        )
        return sorted(f.failed_at for f in rows)

    async def add_failure(self, who: LearnerRef, *, at: datetime, forget_before: datetime) -> None:
        failures = (await self._tx())[self._db.link_failures]
        await failures.delete_where(lambda f: f.failed_at <= forget_before)
        row = LinkFailureRow(
            self._db.next_id(self._db.link_failures), who.platform, who.external_id, at
        )
        await failures.insert(row)


class MemoryConfirmations(_Repository):
    async def issue(
        self,
        learner_id: int,
        *,
        action: str,
        token_hash: str,
        at: datetime,
        expires_at: datetime,
        replace: bool = True,
    ) -> None:
        tokens = (await self._tx())[self._db.confirmations]
        await tokens.delete_where(
            lambda c: (
                c.expires_at <= at or (replace and (c.learner_id, c.action) == (learner_id, action))
            )
        )
        await tokens.insert(ConfirmationRow(token_hash, learner_id, action, expires_at, at))

    async def use(self, learner_id: int, *, action: str, token_hash: str, now: datetime) -> bool:
        tokens = (await self._tx())[self._db.confirmations]
        row = await tokens.locked(token_hash)
        if row is None or (row.learner_id, row.action) != (learner_id, action):
            return False
        return row.expires_at > now and await tokens.delete(token_hash)

    async def redeem(self, *, action: str, token_hash: str, now: datetime) -> int | None:
        tokens = (await self._tx())[self._db.confirmations]
        row = await tokens.locked(token_hash)
        if row is None or row.action != action or row.expires_at <= now:
            return None
        return row.learner_id if await tokens.delete(token_hash) else None

    async def holder(self, *, action: str, token_hash: str, now: datetime) -> int | None:
        row = (await self._tx())[self._db.confirmations].get(token_hash)
        if row is None or row.action != action or row.expires_at <= now:
            return None
        return row.learner_id


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime | date | time):
            out[key] = value.isoformat()
        elif isinstance(value, Decimal):
            out[key] = float(value)
        elif isinstance(value, bytes):
            out[key] = value.hex()
        else:
            out[key] = value
    return out


def _exported_enrollment(row: EnrollmentRow) -> dict[str, Any]:
    """An enrollment as the SQL export writes it: its columns, days as lists."""
    e = row.enrollment
    return _jsonable(
        {
            "id": e.id,
            "learner_id": e.learner_id,
            "track_id": e.track_id,
            "active": row.active,
            "started_on": e.started_on,
            "pace": e.pace.value,
            "timezone": e.timezone,
            "study_days": sorted(e.study_days),
            "nudge_time": e.nudge_time,
            "paused_since": e.paused_since,
            "current_week_id": e.current_week_id,
            "week_opened_on": e.week_opened_on,
            "active_days": [d.isoformat() for d in e.active_days.days()],
            "paused_days": [d.isoformat() for d in e.paused_days.days()],
            "next_nudge_at": e.next_nudge_at,
            "evening_time": e.evening_time,
            "next_evening_at": e.next_evening_at,
            "quiz_days": sorted(e.quiz_days),
            "quiet_start": e.quiet_hours.start if e.quiet_hours else None,
            "quiet_end": e.quiet_hours.end if e.quiet_hours else None,
            "picks": dict(sorted(e.picks.items())),
            "moved": {item: day.isoformat() for item, day in sorted(e.moved.items())},
            "created_at": row.created_at,
        }
    )


def _exported_track(row: TrackRow) -> dict[str, Any]:
    fields = asdict(row)
    del fields["track"]
    return _jsonable({**fields, "content": json.loads(row.track.model_dump_json())})


def _exported_message(row: OutboxRow) -> dict[str, Any]:
    fields = {k: v for k, v in asdict(row).items() if k != "recipient"}
    focus = row.recipient.audience is Audience.FOCUS
    return _jsonable(
        {
            **fields,
            "learner_id": None if focus else row.recipient.id,
            "group_id": None,
            "focus_session_id": row.recipient.id if focus else None,
            "chat_platform": None,
            "chat_id": None,
        }
    )


def _exported_member(row: MemberRow) -> dict[str, Any]:
    fields = {k: v for k, v in asdict(row).items() if k != "sharing"}
    sharing = row.sharing
    return _jsonable(
        {
            **fields,
            "share_done": sharing.done,
            "share_streak": sharing.streak,
            "share_quiz": sharing.quiz,
            "mentions": sharing.mentions,
        }
    )


def _exported(
    rows: Iterable[Any], order: Callable[[Any], Any], **changes: Callable[[Any], Any]
) -> list[dict[str, Any]]:
    """Rows as the SQL export writes them; `changes` rewrite a field (None: leave it out)."""
    out = []
    for row in sorted(rows, key=order):
        fields = _jsonable(asdict(row))
        for name, change in changes.items():
            value = change(fields.pop(name))
            if value is not None:
                fields[name] = value
        out.append(fields)
    return out


def _drop(_: Any) -> None:
    return None


class MemoryAccounts(_Repository):
    async def export(self, learner_id: int) -> dict[str, Any]:
        tx, db = await self._tx(), self._db

        def mine(table: Table[Any], **changes: Callable[[Any], Any]) -> list[dict[str, Any]]:
            rows = tx[table].where(lambda r: r.learner_id == learner_id)
            return _exported(rows, tx[table].table.pk, **changes)

        enrollments = sorted(
            tx[db.enrollments].where(lambda r: r.enrollment.learner_id == learner_id),
            key=lambda r: r.enrollment.id,
        )
        ids = {r.enrollment.id for r in enrollments}
        who = {
            (i.platform, i.external_id)
            for i in tx[db.identities].where(lambda r: r.learner_id == learner_id)
        }
        submissions = {s.id for s in tx[db.submissions].where(lambda r: r.learner_id == learner_id)}
        owed = {Recipient.learner(learner_id)} | {
            Recipient.focus(r.id)
            for r in tx[db.focus_sessions].where(lambda r: r.learner_id == learner_id)
        }
        return {
            "learner": _exported(tx[db.learners].where(lambda r: r.id == learner_id), _by_id)[0],
            "identities": mine(db.identities),
            "enrollments": [_exported_enrollment(r) for r in enrollments],
            "completions": _exported(
                tx[db.completions].where(lambda r: r.enrollment_id in ids), _by_id
            ),
            "hours": mine(db.hours),
            "notes": mine(db.notes),
            "imported_tracks": [
                _exported_track(r)
                for r in sorted(
                    tx[db.tracks].where(lambda r: r.owner_learner_id == learner_id),
                    key=lambda r: r.id,
                )
            ],
            "quiz_deliveries": mine(
                db.quizzes, option_order=lambda o: [int(i) for i in o.split(",") if i]
            ),
            "review_cards": mine(db.cards, card=json.loads),
            "messages": [
                _exported_message(r)
                for r in sorted(tx[db.outbox].where(lambda r: r.recipient in owed), key=_by_id)
            ],
            "focus_sessions": mine(db.focus_sessions),
            "study_buddies": exported_seats(tx, learner_id),
            "link_codes": mine(db.link_codes, code_hash=_drop),
            "link_failures": _exported(
                tx[db.link_failures].where(lambda r: (r.platform, r.external_id) in who), _by_id
            ),
            "group_memberships": [
                _exported_member(r)
                for r in sorted(
                    tx[db.members].where(lambda r: r.learner_id == learner_id),
                    key=lambda r: (r.group_id, r.learner_id),
                )
            ],
            "group_admins": _exported(
                tx[db.admins].where(lambda r: r.learner_id == learner_id), db.admins.pk
            ),
            "group_quiz_answers": _exported(
                tx[db.group_answers].where(
                    lambda r: r.learner_id == learner_id or (r.platform, r.external_id) in who
                ),
                db.group_answers.pk,
            ),
            "submissions": mine(db.submissions),
            "submission_reviews": _exported(
                tx[db.submission_reviews].where(
                    lambda r: r.reviewer_id == learner_id or r.submission_id in submissions
                ),
                db.submission_reviews.pk,
            ),
            "confirmations": mine(db.confirmations, token_hash=_drop),
        }

    async def forget(self, learner_id: int) -> None:
        tx, db = await self._tx(), self._db
        enrollments = {
            r.enrollment.id
            for r in tx[db.enrollments].where(lambda r: r.enrollment.learner_id == learner_id)
        }
        await tx[db.completions].delete_where(lambda r: r.enrollment_id in enrollments)
        who = {
            (i.platform, i.external_id)
            for i in tx[db.identities].where(lambda r: r.learner_id == learner_id)
        }
        await tx[db.link_failures].delete_where(lambda r: (r.platform, r.external_id) in who)
        await tx[db.submission_reviews].delete_where(lambda r: r.reviewer_id == learner_id)
        # Answers given before they had a learner row name them by identity only.
        await tx[db.group_answers].delete_where(
            lambda r: r.learner_id == learner_id or (r.platform, r.external_id) in who
        )
        submissions = {s.id for s in tx[db.submissions].where(lambda r: r.learner_id == learner_id)}
        # What others wrote about their submissions goes with them, as ON DELETE CASCADE does.
        await tx[db.submission_reviews].delete_where(lambda r: r.submission_id in submissions)
        # A session's check-in goes with it, as ON DELETE CASCADE has it.
        sessions = {
            Recipient.focus(r.id)
            for r in tx[db.focus_sessions].where(lambda r: r.learner_id == learner_id)
        }
        await tx[db.outbox].delete_where(lambda r: r.recipient in sessions)
        owned: tuple[Table[Any], ...] = (
            db.focus_sessions,
            db.submissions,
            db.members,
            db.admins,
            db.link_codes,
            db.hours,
            db.notes,
            db.quizzes,
            db.cards,
            db.confirmations,
        )
        for table in owned:
            await tx[table].delete_where(lambda r: r.learner_id == learner_id)
        owed = Recipient.learner(learner_id)
        await tx[db.outbox].delete_where(lambda r: r.recipient == owed)
        await tx[db.enrollments].delete_where(lambda r: r.enrollment.learner_id == learner_id)
        await tx[db.identities].delete_where(lambda r: r.learner_id == learner_id)
        await tx[db.tracks].delete_where(lambda r: r.owner_learner_id == learner_id)
        await forget_seats(tx, learner_id)
        await tx[db.learners].delete(learner_id)

    async def absorb(
        self, survivor_id: int, absorbed_id: int, merged: list[MergedEnrollment]
    ) -> None:
        # Every table with a learner or an enrollment in it is handled here; a new one must be.
        tx, db = await self._tx(), self._db
        for pair in merged:
            await self._merge_enrollment(tx, pair)
        enrollments = tx[db.enrollments]
        for row in enrollments.where(lambda r: r.enrollment.learner_id == absorbed_id):
            # The survivor's active enrollment stays the one; the caller picks one if it has none.
            await enrollments.update(
                row.enrollment.id,
                lambda r: replace(
                    r,
                    active=False,
                    enrollment=replace(
                        r.enrollment,
                        learner_id=survivor_id,
                        next_nudge_at=None,
                        next_evening_at=None,
                    ),
                ),
            )
        for table in (
            db.hours,
            db.notes,
            db.quizzes,
            db.identities,
            db.submissions,
            db.focus_sessions,
        ):
            await _move(tx[table], lambda r: r.learner_id == absorbed_id, learner_id=survivor_id)
        await _move(
            tx[db.group_answers], lambda r: r.learner_id == absorbed_id, learner_id=survivor_id
        )
        await _move(
            tx[db.tracks],
            lambda r: r.owner_learner_id == absorbed_id,
            owner_learner_id=survivor_id,
        )
        await self._absorb_cards(tx, survivor_id, absorbed_id)
        await self._absorb_outbox(tx, survivor_id, absorbed_id)
        await self._absorb_group_life(tx, survivor_id, absorbed_id)
        await tx[db.link_codes].delete_where(lambda r: r.learner_id == absorbed_id)
        # Asked for the absorbed learner alone: pressed later, it must not delete the survivor.
        await tx[db.confirmations].delete_where(lambda r: r.learner_id == absorbed_id)
        await absorb_seats(tx, survivor_id, absorbed_id)
        await tx[db.learners].delete(absorbed_id)

    async def _merge_enrollment(self, tx: Transaction, pair: MergedEnrollment) -> None:
        db = self._db
        keep, gone = pair.enrollment.id, pair.absorbed_id
        completions = tx[db.completions]
        await completions.delete_where(lambda r: r.enrollment_id in (keep, gone))
        for c in pair.completions:
            row = CompletionRow(
                db.next_id(db.completions),
                keep,
                c.week_id,
                c.item_id,
                c.done_on,
                c.done_at,
                c.completes_week,
            )
            await completions.insert(row)
        for table in (db.hours, db.notes, db.focus_sessions):
            await _move(tx[table], lambda r: r.enrollment_id == gone, enrollment_id=keep)
        await tx[db.enrollments].delete(gone)
        await self._unit.enrollments.save(pair.enrollment)

    async def _absorb_cards(self, tx: Transaction, survivor_id: int, absorbed_id: int) -> None:
        """A subject both reviewed keeps the card reviewed last, with both sides' counts."""
        cards = tx[self._db.cards]
        for theirs in cards.where(lambda c: c.learner_id == absorbed_id):
            await cards.delete((absorbed_id, theirs.subject))
            mine = await cards.locked((survivor_id, theirs.subject))
            if mine is None:
                await cards.insert(replace(theirs, learner_id=survivor_id))
                continue
            newer = max(
                (mine, theirs),
                key=lambda c: (last_reviewed(c.card) or datetime.min.replace(tzinfo=UTC), c.due),
            )
            await cards.put(
                replace(
                    mine,
                    card=newer.card,
                    due=newer.due,
                    reviews=mine.reviews + theirs.reviews,
                    lapses=mine.lapses + theirs.lapses,
                )
            )

    async def _absorb_outbox(self, tx: Transaction, survivor_id: int, absorbed_id: int) -> None:
        """Owed messages of the absorbed learner go (the survivor is owed its own); sent
        ones move over where the survivor has none that day, so today is not sent twice."""
        outbox = tx[self._db.outbox]
        theirs, mine = Recipient.learner(absorbed_id), Recipient.learner(survivor_id)
        for row in outbox.where(lambda o: o.recipient == theirs):
            clash = outbox.find("owed", (mine, row.kind, row.local_date))
            if row.status != Status.PENDING and clash is None:
                await outbox.update(row.id, lambda o: replace(o, recipient=mine))
            else:
                await outbox.delete(row.id)

    async def _absorb_group_life(self, tx: Transaction, survivor_id: int, absorbed_id: int) -> None:
        """Memberships and reviews move over; where both were in one group, or reviewed one
        submission, the survivor's stays."""
        members = tx[self._db.members]
        for row in members.where(lambda r: r.learner_id == absorbed_id):
            await members.delete((row.group_id, absorbed_id))
            if members.get((row.group_id, survivor_id)) is None:
                await members.insert(replace(row, learner_id=survivor_id))
        admins = tx[self._db.admins]
        for admin in admins.where(lambda r: r.learner_id == absorbed_id):
            await admins.delete((admin.group_id, absorbed_id))
            if admins.get((admin.group_id, survivor_id)) is None:
                await admins.insert(replace(admin, learner_id=survivor_id))
        reviews = tx[self._db.submission_reviews]
        for review in reviews.where(lambda r: r.reviewer_id == absorbed_id):
            await reviews.delete((review.submission_id, absorbed_id))
            if reviews.get((review.submission_id, survivor_id)) is None:
                await reviews.insert(replace(review, reviewer_id=survivor_id))


def _by_id(row: Any) -> Any:
    return row.id


async def _move(view: View[Any], test: Callable[[Any], bool], **changes: Any) -> None:
    """Points matching rows elsewhere, keeping their primary keys."""
    for row in view.where(test):
        await view.update(view.table.pk(row), lambda r: replace(r, **changes))


# -- the unit of work -----------------------------------------------------------------


class MemoryUnitOfWork:
    """Every repository over one transaction; leaving without commit rolls back."""

    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database
        self._transaction: Transaction | None = None
        self.updates = MemoryUpdateLog(self)
        self.learners = MemoryLearners(self)
        self.enrollments = MemoryEnrollments(self)
        self.ticks = MemoryTicks(self)
        self.journal = MemoryJournal(self)
        self.tracks = MemoryTracks(self)
        self.quizzes = MemoryQuizzes(self)
        self.reviews = MemoryReviews(self)
        self.groups = MemoryGroups(self)
        self.group_quizzes = MemoryGroupQuizzes(self)
        self.projects = MemoryProjects(self)
        self.links = MemoryLinkCodes(self)
        self.confirmations = MemoryConfirmations(self)
        self.accounts = MemoryAccounts(self)
        self.learner_schedule = MemoryLearnerSchedule(self)
        self.group_schedule = MemoryGroupSchedule(self)
        self.outbox = MemoryOutbox(self)
        self.focus_sessions = MemoryFocusSessions(self)
        self.buddies = memory_buddies(self)

    async def transaction(self) -> Transaction:
        if self._transaction is None:
            raise RuntimeError("use the unit of work inside `async with`")
        if self.database.interleave:
            await asyncio.sleep(0)  # where a database round trip would let others run
        return self._transaction

    async def __aenter__(self) -> Self:
        if self._transaction is not None:
            raise RuntimeError("this unit of work is open already")
        self._transaction = Transaction(self.database)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._transaction is not None:
            self._transaction.end()
            self._transaction = None
        if isinstance(exc, ConflictingWrite):
            raise ConflictError(str(exc)) from exc
        if isinstance(exc, DatabaseError):
            raise StorageError(str(exc)) from exc

    async def commit(self) -> None:
        """Publishes the changes; the unit goes on in a fresh transaction, as a session does."""
        transaction = self._transaction
        if transaction is None:
            raise RuntimeError("use the unit of work inside `async with`")
        try:
            transaction.publish()
        finally:
            transaction.end()
            self._transaction = Transaction(self.database)


class MemoryUnitOfWorkFactory:
    def __init__(self, database: MemoryDatabase | None = None) -> None:
        self.database = database or MemoryDatabase()

    def __call__(self, *, read_only: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.database)


if TYPE_CHECKING:
    _: UnitOfWorkFactory[UnitOfWork] = MemoryUnitOfWorkFactory()
