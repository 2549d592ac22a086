"""Plain values built from the task index for every service that shows tasks."""

from __future__ import annotations

from datetime import datetime

from engine.clock import as_utc
from engine.db import tasks as task_rows
from engine.db.models import HumanTask
from engine.dto import TaskSummary
from engine.notify import reminders


def task_summary(
    row: HumanTask, reference: str, assignee: str | None, now: datetime
) -> TaskSummary:
    """The task as its lists show it, marked overdue or due soon by the one reminder rule."""
    due = as_utc(row.due_at)
    return TaskSummary(
        row.id,
        reference,
        row.name,
        row.phase,
        task_rows.role_keys(row),
        row.agency_key,
        assignee,
        due,
        row.state,
        as_utc(row.created_at),
        reminders.due_state(due, now) if row.state == "ready" else None,
    )
