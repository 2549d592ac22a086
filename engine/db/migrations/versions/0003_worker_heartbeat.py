"""worker_heartbeat: when each `scr worker` last finished a cycle (for /readyz)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeat",
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cycles", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("worker", name=op.f("pk_worker_heartbeat")),
    )
    with op.batch_alter_table("worker_heartbeat") as batch:
        batch.create_index(
            batch.f("ix_worker_heartbeat_beat_at"), ["beat_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("worker_heartbeat") as batch:
        batch.drop_index(batch.f("ix_worker_heartbeat_beat_at"))
    op.drop_table("worker_heartbeat")
