"""Need to know in the case's data: what each per-agency sub-process instance wrote, and the case's
data without the instances of agencies a reader may not see yet (issue 12).

An instance belongs to an agency when a user task in it was stamped with that agency when it became
ready (`scr_agency`, from the task's `agency` property), or when it is one instance of a multi-instance
call activity whose item is that agency (a call activity run once per agency of the case: the item
tells the agency even while only a Panel task, which has no agency, waits inside). What such an
instance writes stays inside it (a multi-instance activity merges only a declared output), so the
rest of the case's data is everybody's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from engine.process import pruning

LIVE = TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED


def merged_data(
    top: Any, hidden: Callable[[str], bool] | None = None
) -> dict[str, Any]:
    """The case's data as people last entered it, across parallel branches and finished phases.

    With `hidden` (agency key -> whether the reader may not see its entries yet), what was written
    inside those agencies' instances is left out: their tasks, and a value remembered of a dropped
    task under a key a hidden instance still holds (it may have come from there).
    """
    if top.is_completed():
        return dict(top.data)
    agencies = instance_agencies(top) if hidden is not None else {}
    live = [t for t in top.get_tasks() if t.state & LIVE]
    secret = {t.id for t in live if _is_hidden(_agency_of(t, agencies), hidden)}
    held = {key for t in live if t.id in secret for key in t.data}
    stamps: dict[str, float] = {}
    merged: dict[str, Any] = {}
    for key, (at, value) in pruning.dropped_data(top).items():
        if key not in held:
            stamps[key], merged[key] = at, value
    shown = [t for t in live if t.id not in secret]
    for task in sorted(shown, key=lambda t: t.last_state_change):
        for key, value in task.data.items():
            if task.last_state_change >= stamps.get(key, float("-inf")):
                stamps[key], merged[key] = task.last_state_change, value
    return merged


def _is_hidden(agency: str | None, hidden: Callable[[str], bool] | None) -> bool:
    """A task outside every agency's instance (agency None) is everybody's."""
    return hidden is not None and agency is not None and hidden(agency)


def instance_agencies(top: Any) -> dict[Any, str]:
    """The agency of each sub-process instance that has one, by the id of the task that runs it."""
    found: dict[Any, str] = {}
    for task_id, sub in top.subprocesses.items():
        agency = _stamped(sub) or _item_of(top, task_id)
        if agency is not None:
            found[task_id] = agency
    return found


def _stamped(workflow: Any) -> str | None:
    for task in workflow.get_tasks(skip_subprocesses=True):
        agency = task.internal_data.get("scr_agency")
        if agency:
            return str(agency)
    return None


def _item_of(top: Any, task_id: Any) -> str | None:
    """The item of one instance of a multi-instance call activity, if it is a text (an agency key)."""
    try:
        task = top.get_task_from_id(task_id)
    except TaskNotFoundException:  # dropped already: no item to read
        return None
    parent = task.parent
    spec = getattr(parent, "task_spec", None)
    if not isinstance(spec, MultiInstanceTask) or spec.input_item is None:
        return None
    item = task.data.get(spec.input_item.bpmn_id)
    return item if isinstance(item, str) and item else None


def _agency_of(task: Any, agencies: dict[Any, str]) -> str | None:
    """The agency whose instance the task is in (or runs), the nearest enclosing one first."""
    if task.id in agencies:
        return agencies[task.id]
    workflow = task.workflow
    while workflow is not None and getattr(workflow, "parent_task_id", None):
        if workflow.parent_task_id in agencies:
            return agencies[workflow.parent_task_id]
        workflow = workflow.parent_workflow
    return None
