"""Moving a running case onto another version of its diagrams: whether it can, and doing it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow
from SpiffWorkflow.bpmn.util.diff import migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine.process.parser import ProcessEntry
from engine.process.run import CaseRun
from engine.process.run import manual_tasks
from engine.process.run import timer_tasks
from engine.process.serializer import SERIALIZER


@dataclass(frozen=True, slots=True)
class MigrationPlan:
    possible: bool
    reasons: tuple[str, ...]
    changes: tuple[str, ...]


def plan_migration(run: CaseRun, entry: ProcessEntry) -> MigrationPlan:
    """Whether the case can move to `entry`'s version now, why not, and what changes for it."""
    workflow = run.workflow
    top, subs = diff_workflow(
        SERIALIZER.registry, workflow, entry.spec, entry.subprocess_specs
    )
    reasons: list[str] = []
    changes: list[str] = []
    for owner, diff in [
        (workflow, top),
        *[(workflow.subprocesses[i], d) for i, d in subs.items()],
    ]:
        process = owner.spec.name
        if diff is None:
            if not owner.is_completed():
                reasons.append(
                    f"the running phase {process} does not exist in the new version"
                )
            continue
        for task in diff.removed:
            element = getattr(task.task_spec, "bpmn_id", None)
            label = (
                f"“{getattr(task.task_spec, 'bpmn_name', None) or element}” ({element})"
            )
            if task.state & _ACTIVE and element:
                reasons.append(
                    f"the active step {label} does not exist in the new version of {process}"
                )
            elif (
                task.state
                & (TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR)
                and element
            ):
                reasons.append(
                    f"the step {label}, which the case has been through, does not exist in the new "
                    f"version of {process}, so its record could not be kept"
                )
        for task in diff.changed:
            if task.state & _ACTIVE and getattr(task.task_spec, "bpmn_id", None):
                new_spec = diff.alignment.get(task)
                changes.append(
                    f"{task.task_spec.bpmn_id}: “{task.task_spec.bpmn_name}” becomes "
                    f"“{getattr(new_spec, 'bpmn_name', None) or task.task_spec.bpmn_name}” and takes its new form and settings"
                )
    return MigrationPlan(
        not reasons, tuple(dict.fromkeys(reasons)), tuple(dict.fromkeys(changes))
    )


def migrate(run: CaseRun, entry: ProcessEntry) -> None:
    """Move the workflow onto `entry`'s specs, keeping what people and timers already had.

    SpiffWorkflow resets ready and waiting tasks when it migrates; we put back each ready user task's
    claim, readiness time and due date, and each waiting timer's fire time when its expression is unchanged,
    so a statutory deadline does not restart because the diagram was updated.
    """
    workflow = run.workflow
    kept_tasks = {
        t.id: dict(t.internal_data) for t in manual_tasks(workflow, TaskState.READY)
    }
    kept_timers = {
        _timer_key(t): (
            getattr(t.task_spec.event_definition, "expression", None),
            dict(t.internal_data),
        )
        for t in timer_tasks(workflow)
    }
    top, subs = diff_workflow(
        SERIALIZER.registry, workflow, entry.spec, entry.subprocess_specs
    )
    for sub_id, diff in subs.items():
        sub = workflow.subprocesses[sub_id]
        if diff is not None:
            migrate_workflow(diff, sub, entry.subprocess_specs[sub.spec.name])
    migrate_workflow(top, workflow, entry.spec)
    workflow.subprocess_specs = entry.subprocess_specs
    for task in manual_tasks(workflow, TaskState.READY):
        if task.id in kept_tasks:
            task.internal_data.update(
                {k: v for k, v in kept_tasks[task.id].items() if k.startswith("scr_")}
            )
    for task in timer_tasks(workflow):
        expression, internal = kept_timers.get(_timer_key(task), (None, None))
        if internal is not None and expression == getattr(
            task.task_spec.event_definition, "expression", None
        ):
            task.internal_data.update(internal)


_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def _timer_key(task: Any) -> tuple[str, str, str]:
    parent = task.parent.task_spec.name if task.parent is not None else ""
    return (task.workflow.spec.name, task.task_spec.name, parent)
