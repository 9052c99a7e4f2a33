"""Group admins in their own table: an admin need not be a member

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_admins",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["study_groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "learner_id"),
    )
    op.create_index("ix_group_admins_learner_id", "group_admins", ["learner_id"])
    op.execute(
        "INSERT INTO group_admins (group_id, learner_id, since) "
        "SELECT group_id, learner_id, admin_since FROM group_members "
        "WHERE admin_since IS NOT NULL"
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_column("admin_since")


def downgrade() -> None:
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admin_since", sa.DateTime(timezone=True), nullable=True))
    # Admins who were members keep their word; the others had no place before.
    op.execute(
        "UPDATE group_members SET admin_since = (SELECT since FROM group_admins "
        "WHERE group_admins.group_id = group_members.group_id "
        "AND group_admins.learner_id = group_members.learner_id)"
    )
    op.drop_index("ix_group_admins_learner_id", table_name="group_admins")
    op.drop_table("group_admins")
