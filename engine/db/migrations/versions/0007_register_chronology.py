"""the recommendations register and the multi-agency chronology (issue 13)

`register_entry` and `register_update` project what the learning phase's tasks recorded (one row per
recommendation and its SMART action, its progress reports and the Sub Group's reviews), written in
the transaction that completed each task. `chronology_submission` and `chronology_entry` hold each
agency's uploaded chronology; a later submission marks the earlier one replaced.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    _register()
    _chronology()


def _register() -> None:
    op.create_table(
        "register_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_number", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("agency_key", sa.String(length=60), nullable=False),
        sa.Column("responsible_officer", sa.String(length=300), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("outcome_measure", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("signed_off_at", UTC_TIME, nullable=True),
        sa.Column("signed_off_by", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["review_case.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "recommendation_number"),
    )
    op.create_index(
        op.f("ix_register_entry_agency_key"), "register_entry", ["agency_key"]
    )
    op.create_index(op.f("ix_register_entry_status"), "register_entry", ["status"])
    op.create_table(
        "register_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("by_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=True),
        sa.Column("signed_off", sa.Boolean(), nullable=True),
        sa.Column("document_ids", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["register_entry.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_register_update_entry_id"), "register_update", ["entry_id"]
    )


def _chronology() -> None:
    op.create_table(
        "chronology_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_key", sa.String(length=60), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", UTC_TIME, nullable=False),
        sa.Column("replaced_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["review_case.id"]),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_chronology_submission_case_agency",
        "chronology_submission",
        ["case_id", "agency_key"],
    )
    op.create_table(
        "chronology_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_time", sa.String(length=5), nullable=True),
        sa.Column("practitioner_name", sa.String(length=200), nullable=False),
        sa.Column("practitioner_role", sa.String(length=200), nullable=False),
        sa.Column("what_happened", sa.Text(), nullable=False),
        sa.Column("people_seen", sa.Text(), nullable=False),
        sa.Column("child_seen", sa.Boolean(), nullable=False),
        sa.Column("child_views_recorded", sa.Boolean(), nullable=False),
        sa.Column("source_record", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["chronology_submission.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_chronology_entry_submission_id"), "chronology_entry", ["submission_id"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_chronology_entry_submission_id"), table_name="chronology_entry"
    )
    op.drop_table("chronology_entry")
    op.drop_index(
        "ix_chronology_submission_case_agency", table_name="chronology_submission"
    )
    op.drop_table("chronology_submission")
    op.drop_index(op.f("ix_register_update_entry_id"), table_name="register_update")
    op.drop_table("register_update")
    op.drop_index(op.f("ix_register_entry_status"), table_name="register_entry")
    op.drop_index(op.f("ix_register_entry_agency_key"), table_name="register_entry")
    op.drop_table("register_entry")
