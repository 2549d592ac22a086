"""Reminders before a task's due date and notices when it is overdue.

The due dates are the diagrams' (camunda:dueDate); the messages are the deployment's templates
`templates/task_due_soon.txt` and `templates/task_overdue.txt` (a deployment without them sends none).
A task is reminded from the start of the second working day before it is due, once; an overdue task is
reported to the Business and QA Manager once.
"""

from __future__ import annotations

from datetime import datetime
from datetime import time

from engine.clock import as_utc
from engine.db.models import HumanTask
from engine.process import workdays

DUE_SOON_TEMPLATE = "task_due_soon"
OVERDUE_TEMPLATE = "task_overdue"
REMIND_WORKING_DAYS = 2


def remind_from(due_at: datetime) -> datetime:
    """The start of the day two working days before the due day, in England."""
    due_day = workdays.local_date(due_at)
    day = workdays.add_working_days(due_day, -REMIND_WORKING_DAYS)
    return datetime.combine(day, time(0, 0), tzinfo=workdays.LONDON)


def due_state(due: datetime | None, now: datetime) -> str | None:
    """ "overdue" once the due moment has passed, "due_soon" from when the reminder goes out, else None."""
    if due is None:
        return None
    if now > due:
        return "overdue"
    return "due_soon" if now >= remind_from(due) else None


def needs_reminder(row: HumanTask, now: datetime) -> bool:
    due = as_utc(row.due_at)
    return due is not None and row.reminded_at is None and remind_from(due) <= now < due


def is_newly_overdue(row: HumanTask, now: datetime) -> bool:
    due = as_utc(row.due_at)
    return due is not None and row.overdue_notified_at is None and due < now


def context(row: HumanTask, reference: str) -> dict[str, object]:
    due = as_utc(row.due_at)
    return {
        "case_reference": reference,
        "task_name": row.name,
        "phase": row.phase,
        "due_date": f"{workdays.local_date(due):%-d %B %Y}" if due else "",
    }
