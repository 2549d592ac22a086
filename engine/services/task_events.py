"""The task index in the record: each user task that becomes ready, and each one withdrawn, is an event.

The task index (human_task) is a projection kept for speed; these events, with `task_completed`, let
`scr audit verify` rebuild it from the chain alone (due dates, completer and completion times included)
and name the first row that differs. Replay ignores them: they are not commands.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.clock import iso_utc
from engine.dto import ReadyTask
from engine.services.unit_of_work import UnitOfWork


def record_task_changes(
    tx: UnitOfWork,
    row: Any,
    previously_ready: Iterable[str],
    ready: Iterable[ReadyTask],
    states: dict[str, str],
) -> None:
    """`task_offered` for every newly ready task, `task_cancelled` for every one that went unfinished."""
    before = set(previously_ready)
    now_ready = {task.id for task in ready}
    for task in ready:
        if task.id in before:
            continue
        tx.record_system(
            "task_offered",
            row,
            task_id=task.id,
            element=task.element_id,
            name=task.name,
            phase=task.phase,
            roles=sorted(task.roles),
            agency=task.agency,
            assignee=task.assignee,
            due_at=iso_utc(task.due_at) if task.due_at else None,
            ready_at=iso_utc(task.ready_at),
        )
    for task_id in sorted(before - now_ready):
        if states.get(task_id) != "completed":
            tx.record_system("task_cancelled", row, task_id=task_id)
