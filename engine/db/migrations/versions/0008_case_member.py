"""case teams (issue 12)

`case_member`: who serves on a case's team in which case role (panel_chair, panel_member, reviewer,
agency_author, agency_manager, legal_adviser, family_liaison), with the agency for agency-scoped
roles. Diagrams address these people as `case:<role>`.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_role", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("agency_key", sa.String(length=60), nullable=True),
        sa.Column("appointed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["review_case.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "case_role", "user_id"),
    )
    op.create_index(op.f("ix_case_member_case_id"), "case_member", ["case_id"])
    op.create_index(op.f("ix_case_member_user_id"), "case_member", ["user_id"])
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("agency_key", sa.String(length=60), nullable=True))
        batch.add_column(
            sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE document SET agency_key = (SELECT human_task.agency_key FROM human_task"
        " WHERE human_task.id = document.task_id), shared_at = uploaded_at"
    )


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.drop_column("shared_at")
        batch.drop_column("agency_key")
    op.drop_index(op.f("ix_case_member_user_id"), table_name="case_member")
    op.drop_index(op.f("ix_case_member_case_id"), table_name="case_member")
    op.drop_table("case_member")
