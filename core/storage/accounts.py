"""Link codes, and a learner's data taken as a whole: exported, merged into another's,
forgotten."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from core.accounts.model import EXPORT_SECTIONS, LinkCode, MergedEnrollment
from core.kernel.refs import LearnerRef
from core.learning.activity import DayBitmap
from core.learning.tracks import Track
from core.quizzes.review import last_reviewed
from core.storage import models as m
from core.storage import ownership
from core.storage.enrollments import SqlEnrollments
from core.storage.ownership import ABSORB, FOLLOW_KEPT_ENROLLMENT, FORGET
from core.storage.rows import (
    COMPLETIONS,
    ENROLLMENTS,
    LINK_CODES,
    jsonable,
    mask_to_days,
    moved_from_text,
    picks_from_text,
)
from core.storage.session import SqlSession

_E = ENROLLMENTS.c
_C = COMPLETIONS.c


class SqlLinkCodes:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def issue(
        self, who: LearnerRef, *, code_hash: str, at: datetime, expires_at: datetime
    ) -> None:
        i, c = m.Identity, m.LinkCode
        row = (
            await self._db.execute(
                select(i.id, i.learner_id).where(
                    i.platform == who.platform, i.external_id == who.external_id
                )
            )
        ).one()
        await self._db.execute(delete(c).where(c.expires_at <= at))
        values = {
            "code_hash": code_hash,
            "learner_id": row.learner_id,
            "identity_id": row.id,
            "expires_at": expires_at,
            "created_at": at,
        }
        stmt = self._db.insert(LINK_CODES).values(values)
        # An upsert, so two requests at once leave one code rather than a key violation.
        await self._db.execute(
            stmt.on_conflict_do_update(
                index_elements=["learner_id"],
                set_={name: stmt.excluded[name] for name in values if name != "learner_id"},
            )
        )

    async def find(self, code_hash: str, *, now: datetime) -> LinkCode | None:
        c, i = m.LinkCode, m.Identity
        row = (
            await self._db.execute(
                select(c.learner_id, c.expires_at, i.platform, i.external_id, i.display_name)
                .join(i, i.id == c.identity_id)
                .where(c.code_hash == code_hash, c.expires_at > now)
            )
        ).one_or_none()
        if row is None:
            return None
        return LinkCode(
            row.learner_id,
            LearnerRef(row.platform, row.external_id, row.display_name),
            row.expires_at,
        )

    async def use(self, code_hash: str, *, now: datetime) -> bool:
        c = m.LinkCode
        result = await self._db.execute(
            delete(c).where(c.code_hash == code_hash, c.expires_at > now)
        )
        return bool(result.rowcount)

    async def failures(self, who: LearnerRef, *, since: datetime) -> list[datetime]:
        f = m.LinkFailure
        rows = await self._db.execute(
            select(f.failed_at)
            .where(
                f.platform == who.platform,
                f.external_id == who.external_id,
                f.failed_at > since,
            )
            .order_by(f.failed_at)
        )
        return list(rows.scalars())

    async def add_failure(self, who: LearnerRef, *, at: datetime, forget_before: datetime) -> None:
        f = m.LinkFailure
        await self._db.execute(delete(f).where(f.failed_at <= forget_before))
        await self._db.execute(
            insert(f).values(platform=who.platform, external_id=who.external_id, failed_at=at)
        )


# The export's section for each table holding a learner's rows (every one must have one:
# tests/integration/test_learner_data.py), and how a row is written there.
SECTIONS: dict[str, str] = {
    m.Learner.__tablename__: "learner",
    m.Identity.__tablename__: "identities",
    m.Enrollment.__tablename__: "enrollments",
    m.Completion.__tablename__: "completions",
    m.HourLog.__tablename__: "hours",
    m.Note.__tablename__: "notes",
    m.StoredTrack.__tablename__: "imported_tracks",
    m.QuizDelivery.__tablename__: "quiz_deliveries",
    m.ReviewCard.__tablename__: "review_cards",
    m.OutboxMessage.__tablename__: "messages",
    m.FocusSession.__tablename__: "focus_sessions",
    m.Buddy.__tablename__: "study_buddies",
    m.LinkCode.__tablename__: "link_codes",
    m.LinkFailure.__tablename__: "link_failures",
    m.GroupMember.__tablename__: "group_memberships",
    m.GroupAdmin.__tablename__: "group_admins",
    m.GroupQuizAnswer.__tablename__: "group_quiz_answers",
    m.Submission.__tablename__: "submissions",
    m.SubmissionReview.__tablename__: "submission_reviews",
    m.Confirmation.__tablename__: "confirmations",
}
# Hashes of live codes and tokens stay out: an export is a file that travels.
_SECRET = {"code_hash", "token_hash"}
_EXPORT = [
    (table, select(table).where(owned))
    for table in ownership.TABLES
    if table.name in SECTIONS and (owned := ownership.learner_rows(table)) is not None
]


def _exported_enrollment(e: dict[str, Any]) -> dict[str, Any]:
    started = date.fromisoformat(e["started_on"])
    e["study_days"] = sorted(mask_to_days(int(e["study_days"])))
    e["quiz_days"] = sorted(mask_to_days(int(e["quiz_days"])))
    for name in ("active_days", "paused_days"):
        bitmap = DayBitmap(started, bytes.fromhex(e[name]))
        e[name] = [d.isoformat() for d in bitmap.days()]
    e["picks"] = picks_from_text(e["picks"])
    e["moved"] = {item: day.isoformat() for item, day in moved_from_text(e["moved"]).items()}
    return e


def _exported(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row as the export writes it: JSON held in a column as JSON, days as lists."""
    row = {k: v for k, v in jsonable(row).items() if k not in _SECRET}
    if table == m.Enrollment.__tablename__:
        return _exported_enrollment(row)
    if table == m.StoredTrack.__tablename__:
        # Stored without the fields left at their defaults: exported with every one.
        row["content"] = Track.model_validate_json(row["content"]).model_dump(mode="json")
    elif table == m.ReviewCard.__tablename__:
        row["card"] = json.loads(row["card"])
    elif table == m.QuizDelivery.__tablename__:
        row["option_order"] = [int(i) for i in row["option_order"].split(",") if i]
    return row


class SqlAccounts:
    def __init__(self, db: SqlSession, enrollments: SqlEnrollments) -> None:
        self._db = db
        self._enrollments = enrollments

    async def export(self, learner_id: int) -> dict[str, Any]:
        sections: dict[str, Any] = {}
        for table, statement in _EXPORT:
            result = await self._db.execute(statement, {"learner_id": learner_id})
            key = [c.name for c in table.primary_key]
            # Sorted here rather than by ORDER BY, so text keys sort alike on every backend.
            rows = sorted(result.mappings(), key=lambda r: tuple(r[k] for k in key))
            sections[SECTIONS[table.name]] = [_exported(table.name, dict(row)) for row in rows]
        [sections["learner"]] = sections["learner"]
        return {name: sections[name] for name in EXPORT_SECTIONS}

    async def absorb(
        self, survivor_id: int, absorbed_id: int, merged: list[MergedEnrollment]
    ) -> None:
        for pair in merged:
            await self._merge_enrollments(pair)
        await self._merge_review_cards(survivor_id, absorbed_id)
        ids = {"survivor_id": survivor_id, "absorbed_id": absorbed_id}
        for statement in ABSORB:
            await self._db.execute(statement, ids)

    async def _merge_enrollments(self, pair: MergedEnrollment) -> None:
        kept, gone = pair.enrollment.id, pair.absorbed_id
        await self._db.execute(delete(COMPLETIONS).where(_C.enrollment_id.in_((kept, gone))))
        if pair.completions:
            await self._db.execute_many(
                insert(COMPLETIONS),
                [
                    {
                        "enrollment_id": kept,
                        "week_id": c.week_id,
                        "item_id": c.item_id,
                        "done_on": c.done_on,
                        "done_at": c.done_at,
                        "completes_week": c.completes_week,
                    }
                    for c in pair.completions
                ],
            )
        for statement in FOLLOW_KEPT_ENROLLMENT:
            await self._db.execute(statement, {"kept": kept, "gone": gone})
        await self._db.execute(delete(ENROLLMENTS).where(_E.id == gone))
        await self._enrollments.save(pair.enrollment)

    async def _merge_review_cards(self, survivor_id: int, absorbed_id: int) -> None:
        """A subject both reviewed keeps the card reviewed last, with both sides' counts."""
        r = m.ReviewCard
        rows = await self._db.execute(
            select(r.learner_id, r.subject, r.card, r.due, r.reviews, r.lapses).where(
                r.learner_id.in_((survivor_id, absorbed_id))
            )
        )
        cards: dict[str, dict[int, Any]] = {}
        for row in rows:
            cards.setdefault(row.subject, {})[row.learner_id] = row
        for subject, sides in cards.items():
            if len(sides) < 2:
                continue
            mine, theirs = sides[survivor_id], sides[absorbed_id]
            newer = max(
                (mine, theirs),
                key=lambda c: (last_reviewed(c.card) or datetime.min.replace(tzinfo=UTC), c.due),
            )
            await self._db.execute(
                update(r)
                .where(r.learner_id == survivor_id, r.subject == subject)
                .values(
                    card=newer.card,
                    due=newer.due,
                    reviews=mine.reviews + theirs.reviews,
                    lapses=mine.lapses + theirs.lapses,
                )
            )
            await self._db.execute(
                delete(r).where(r.learner_id == absorbed_id, r.subject == subject)
            )

    async def forget(self, learner_id: int) -> None:
        for statement in FORGET:
            await self._db.execute(statement, {"learner_id": learner_id})
