"""notification attachments (issue 17)

`notification_attachment`: the case documents an outbox message carries (the report sent to the
National Panel), each fixed by document id, file name and sha256 when the message was queued.
`notification.delivered_message`: the BPMN message the worker correlates into the case once the
message is sent, so a wait (the week before publication) starts from the real delivery.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_notification_attachment_notification_id"),
        "notification_attachment",
        ["notification_id"],
    )
    with op.batch_alter_table("notification") as batch:
        batch.add_column(
            sa.Column("delivered_message", sa.String(length=200), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("delivered_message")
    op.drop_index(
        op.f("ix_notification_attachment_notification_id"),
        table_name="notification_attachment",
    )
    op.drop_table("notification_attachment")
