"""The answers each person gave in a multi-instance user task, for a service task that follows it.

A parallel multi-instance user task (`camunda:collection` / `camunda:elementVariable`) gives each
Panel member their own task. SpiffWorkflow keeps each instance's form values on the instance: with
the element variable as its output item, the instances' data is never merged into the parent.
(Camunda 7 would write them to the process instance, the last answer overwriting the others, so the
diagrams never read an instance's field after the multi-instance task; they read every answer here.)
A later step ("collect the members' views") reads them from the instances of the newest finished run
of that element in the service task's own (sub)workflow or the ones above it.

The service task comes straight after the multi-instance task, so its instances are still in the
tree when it runs: pruning (engine.process.pruning) drops finished tasks only after a run to a wait,
and keeps a started multi-instance task with all its instances. In a loop, the newest run is the one
answered: the earlier runs' instances are dropped or older.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.util.task import TaskState

from engine.dto import FieldSpec
from engine.process import forms


def answers_in_scope(task: Any, element_id: str) -> list[dict[str, Any]]:
    """Each completed instance of the multi-instance user task `element_id`, in the collection's order.

    Searching outwards from `task`'s (sub)workflow, the newest run of the element that has finished is
    read: completed, or cut short by an interrupting boundary event (then only the instances completed
    before it count).

    Each instance is `{"variable": element variable, "item": its value, "values": {field id: value},
    "shown": {field id: readable value}}`; `shown` gives labels, never codes ("Yes", an option's
    name, "2 March 2026"). No run found, or a run over an empty collection, gives [].
    """
    workflow = task.workflow
    while workflow is not None:
        runs = [
            t
            for t in workflow.get_tasks(skip_subprocesses=True)
            if t.state in (TaskState.COMPLETED, TaskState.CANCELLED)
            and isinstance(t.task_spec, MultiInstanceTask)
            and getattr(t.task_spec, "bpmn_id", None) == element_id
        ]
        if runs:
            newest = max(runs, key=lambda t: t.last_state_change)
            return _instances(newest)
        workflow = workflow.parent_workflow
    return []


def _instances(run: Any) -> list[dict[str, Any]]:
    spec = run.task_spec
    child_spec = run.workflow.spec.task_specs[spec.task_spec]
    fields = forms.fields_from_dicts(
        (getattr(child_spec, "extensions", None) or {}).get("form") or []
    )
    item = spec.output_item or spec.input_item
    variable = item.bpmn_id if item is not None else None
    done = [
        c
        for c in run.children
        if c.task_spec is child_spec and c.state == TaskState.COMPLETED
    ]
    done.sort(key=_position)
    return [_answer(child, fields, variable) for child in done]


def _position(child: Any) -> tuple[int, str]:
    index = child.internal_data.get("key_or_index")
    return (index if isinstance(index, int) else 0, str(index))


def _answer(child: Any, fields: tuple[FieldSpec, ...], variable: str | None) -> dict:
    mine = [f for f in fields if not f.readonly]
    values = {f.id: child.data.get(f.id) for f in mine}
    return {
        "variable": variable,
        "item": child.data.get(variable) if variable else None,
        "values": values,
        "shown": {f.id: readable(f, values[f.id]) for f in mine},
    }


def readable(spec: FieldSpec, value: Any) -> str:
    """A form value as a person reads it: labels for choices, Yes/No, dates in words."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list):
        return ", ".join(readable(spec, v) for v in value)
    if spec.type == "boolean" or isinstance(value, bool):
        return "Yes" if value is True or str(value).lower() == "true" else "No"
    if spec.options:
        labels = {o.id: o.label for o in spec.options}
        return labels.get(str(value), str(value))
    if spec.type == "date":
        try:
            return f"{date.fromisoformat(str(value)):%-d %B %Y}"
        except ValueError:
            return str(value)
    return str(value)
