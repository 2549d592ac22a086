"""audit record auditors can trust: payloads apart from the hashed events, signed checkpoints, and
(PostgreSQL) a trigger refusing UPDATE and DELETE on audit_event

Existing events keep chain format 1 (their hash covers their whole data, as before); `scr audit verify`
checks both formats, and new events are written in format 2. Converting old events would mean
rewriting their hashes, which is exactly what the chain exists to prevent.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.db.audit import APPEND_ONLY_SQL
from engine.db.audit import DROP_APPEND_ONLY_SQL

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(
            sa.Column("format", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(sa.Column("payload_digest", sa.String(length=64)))
    op.create_table(
        "audit_payload",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("digests", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["audit_event.id"],
            name=op.f("fk_audit_payload_event_id_audit_event"),
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_payload")),
    )
    op.create_index(
        op.f("ix_audit_payload_case_id"), "audit_payload", ["case_id"], unique=False
    )
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in APPEND_ONLY_SQL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DROP_APPEND_ONLY_SQL:
            op.execute(statement)
    op.drop_table("audit_checkpoint")
    op.drop_index(op.f("ix_audit_payload_case_id"), table_name="audit_payload")
    op.drop_table("audit_payload")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("payload_digest")
        batch.drop_column("format")
