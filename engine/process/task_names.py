"""User tasks' names rendered from the case's data, as Camunda 7 renders a name with `${...}` in it.

"Quality-assure the ${agency_name(agency)} report" is evaluated once, when the task becomes ready, and
kept with the task (`scr_name` in its internal data), so the inbox, the task's page, the case page,
the audit trail and e-mails all show "Quality-assure the West Yorkshire Police report", and a replay
renders the same. A name without `${` is shown as drawn and nothing is kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from engine.dto import AuditEntry
from engine.process import expressions

Functions = Mapping[str, Callable[..., Any]]
_recorded: ContextVar[Mapping[str, str] | None] = ContextVar(
    "scr_recorded_names", default=None
)


@contextlib.contextmanager
def as_recorded(events: Iterable[AuditEntry]) -> Iterator[None]:
    """Inside the block a task gets the name its `task_offered` event recorded, not one rendered
    afresh: a replay shows what people saw, even after an agency has been renamed."""
    names = {
        str(e.data["task_id"]): str(e.data["name"])
        for e in events
        if e.type == "task_offered" and e.data.get("name") and e.data.get("task_id")
    }
    token = _recorded.set(names)
    try:
        yield
    finally:
        _recorded.reset(token)


def has_expressions(name: str | None) -> bool:
    return bool(name) and ("${" in str(name) or "#{" in str(name))


def rendered(task: Any, functions: Functions) -> str:
    """The task's name with its `${...}` parts evaluated on the task's data."""
    spec = task.task_spec
    text = expressions.render_template(spec.bpmn_name, task.data, functions)
    return text or spec.bpmn_id


def stamp(task: Any, functions: Functions) -> None:
    """Keep the rendered name with a task that has just become ready."""
    if has_expressions(task.task_spec.bpmn_name):
        recorded = (_recorded.get() or {}).get(str(task.id))
        task.internal_data["scr_name"] = recorded or rendered(task, functions)


def shown(task: Any, functions: Functions) -> str:
    """The name people see: as rendered when the task became ready, else as drawn."""
    kept = task.internal_data.get("scr_name")
    if kept:
        return str(kept)
    spec = task.task_spec
    if has_expressions(spec.bpmn_name):
        return rendered(task, functions)
    return spec.bpmn_name or spec.bpmn_id
