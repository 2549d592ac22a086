"""sessions that can be ended, a sign-in throttle by client, and a record of who read which case

`app_user.session_epoch` is stored in each session and bumped by signing out, a new password or
deactivation, so every session made before stops working (a copied cookie too). The per-account
lock-out (`failed_logins`, `locked_until`) is dropped: it let anyone lock any named account. Failed
sign-ins are counted by client in `sign_in_failure` instead. `case_view` records each reading of a
case's page, outside the hash chains (reads are never replayed).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_failure_client_at", "sign_in_failure", ["client", "at"])
    op.create_index(op.f("ix_sign_in_failure_at"), "sign_in_failure", ["at"])
    op.create_index(
        op.f("ix_sign_in_failure_username"), "sign_in_failure", ["username"]
    )
    op.create_table(
        "case_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["review_case.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_view_case_at", "case_view", ["case_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_case_view_case_at", table_name="case_view")
    op.drop_table("case_view")
    op.drop_index(op.f("ix_sign_in_failure_username"), table_name="sign_in_failure")
    op.drop_index(op.f("ix_sign_in_failure_at"), table_name="sign_in_failure")
    op.drop_index("ix_sign_in_failure_client_at", table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch.drop_column("session_epoch")
