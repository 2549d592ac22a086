"""drop unused columns: role.board_wide (the rule lives in engine/access.py), notification.read_at

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("role") as batch:
        batch.drop_column("board_wide")
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("read_at")


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(
            sa.Column("read_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("role") as batch:
        batch.add_column(
            sa.Column(
                "board_wide", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
