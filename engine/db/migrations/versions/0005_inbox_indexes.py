"""inboxes and case pages read only what they show: the ready tasks of a user's roles from one
index, and a case's latest steps without its whole history

`human_task_role.ready` copies "the task is ready" onto its role rows (engine.db.tasks.project keeps it),
and `ix_human_task_role_ready` (role_key, ready, task_id) replaces the index on role_key alone, so an
inbox reads the user's open tasks rather than every open task or the roles' closed ones.
`ix_human_task_case_done` (case_id, state, created_at) replaces (case_id, state), so the case page's
latest steps are read newest first and stop at the page's limit.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_task_role") as batch:
        batch.add_column(
            sa.Column("ready", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.drop_index("ix_human_task_role_role_key")
    op.execute(
        "UPDATE human_task_role SET ready = false WHERE task_id IN"
        " (SELECT id FROM human_task WHERE state <> 'ready')"
    )
    with op.batch_alter_table("human_task_role") as batch:
        batch.create_index("ix_human_task_role_ready", ["role_key", "ready", "task_id"])
    with op.batch_alter_table("human_task") as batch:
        batch.drop_index("ix_human_task_case_state")
        batch.create_index(
            "ix_human_task_case_done", ["case_id", "state", "created_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("human_task") as batch:
        batch.drop_index("ix_human_task_case_done")
        batch.create_index("ix_human_task_case_state", ["case_id", "state"])
    with op.batch_alter_table("human_task_role") as batch:
        batch.drop_index("ix_human_task_role_ready")
        batch.drop_column("ready")
        batch.create_index("ix_human_task_role_role_key", ["role_key"])
