"""Re-planning (moved items, skipped items), focus sessions and study buddies

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("moved", sa.Text(), server_default=sa.text("''"), nullable=False)
        )
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("skipped", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    op.create_table(
        "focus_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("week_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_focus_sessions_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_focus_sessions_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focus_sessions")),
    )
    with op.batch_alter_table("focus_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_focus_sessions_learner_id", ["learner_id"], unique=False)
        batch_op.create_index("ix_focus_sessions_enrollment_id", ["enrollment_id"], unique=False)
        batch_op.create_index(
            "uq_focus_sessions_running_learner",
            ["learner_id"],
            unique=True,
            sqlite_where=sa.text("stopped_at IS NULL"),
            postgresql_where=sa.text("stopped_at IS NULL"),
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("focus_session_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_outbox_focus_session_id"), ["focus_session_id"])
        batch_op.create_foreign_key(
            op.f("fk_outbox_focus_session_id_focus_sessions"),
            "focus_sessions",
            ["focus_session_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_table(
        "buddies",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("buddy_id", sa.Integer(), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("share_done", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("share_streak", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.ForeignKeyConstraint(
            ["buddy_id"],
            ["learners.id"],
            name=op.f("fk_buddies_buddy_id_learners"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_buddies_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("learner_id", name=op.f("pk_buddies")),
    )
    with op.batch_alter_table("buddies", schema=None) as batch_op:
        batch_op.create_index("ix_buddies_buddy_id", ["buddy_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("buddies", schema=None) as batch_op:
        batch_op.drop_index("ix_buddies_buddy_id")
    op.drop_table("buddies")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_outbox_focus_session_id_focus_sessions"), type_="foreignkey"
        )
        batch_op.drop_constraint(op.f("uq_outbox_focus_session_id"), type_="unique")
        batch_op.drop_column("focus_session_id")
    with op.batch_alter_table("focus_sessions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_focus_sessions_running_learner",
            sqlite_where=sa.text("stopped_at IS NULL"),
            postgresql_where=sa.text("stopped_at IS NULL"),
        )
        batch_op.drop_index("ix_focus_sessions_enrollment_id")
        batch_op.drop_index("ix_focus_sessions_learner_id")
    op.drop_table("focus_sessions")
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.drop_column("skipped")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("moved")
