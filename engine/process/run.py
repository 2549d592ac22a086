"""The only code that drives SpiffWorkflow's BpmnWorkflow: start, run to the next wait, complete a task,
fire timers, deliver messages, and read off what the rest of the engine needs (ready user tasks, timers,
done and active elements). It knows nothing of the database."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import SpiffWorkflow.bpmn.specs.event_definitions.timer as spiff_timer
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.clock import as_utc
from engine.dto import FieldSpec
from engine.dto import ReadyTask
from engine.errors import NotFound
from engine.errors import TaskNotReady
from engine.errors import WorkflowFailed
from engine.process import events
from engine.process import expressions
from engine.process import forms
from engine.process import pruning
from engine.process import serializer
from engine.process import task_names
from engine.process import visibility
from engine.process.hooks import ScriptEngine
from engine.process.hooks import ServiceDispatch
from engine.process.parser import ProcessEntry
from engine.process.parser import split_csv


@dataclass(frozen=True, slots=True)
class UserTaskDetail:
    ready: ReadyTask
    documentation: str | None
    fields: tuple[FieldSpec, ...]
    data: dict[str, Any]
    labels: dict[str, str]
    """The labels of every form field of the case's diagrams, by id (to name another form's date)."""


class CaseRun:
    """One workflow for the span of one command."""

    def __init__(
        self, workflow: BpmnWorkflow, functions: Mapping[str, Callable[..., Any]]
    ) -> None:
        self.workflow = workflow
        self.functions = functions
        self.workflow.script_engine = ScriptEngine(functions, self._no_service)
        self._service: ServiceDispatch | None = None
        self._dropped: dict[str, str] = {}

    @classmethod
    def start(
        cls,
        entry: ProcessEntry,
        functions: Mapping[str, Callable[..., Any]],
        data: dict[str, Any],
    ) -> CaseRun:
        workflow = BpmnWorkflow(entry.spec, entry.subprocess_specs)
        run = cls(workflow, functions)
        start = workflow.get_next_task(state=TaskState.READY)
        start.data.update(_ordered(data))
        return run

    @classmethod
    def load(
        cls,
        state: str,
        entry: ProcessEntry,
        functions: Mapping[str, Callable[..., Any]],
    ) -> CaseRun:
        return cls(serializer.load_state(state, entry), functions)

    def dump(self) -> str:
        return serializer.dump_state(self.workflow)

    def on_service(self, dispatch: ServiceDispatch) -> None:
        self.workflow.script_engine = ScriptEngine(self.functions, dispatch)

    @staticmethod
    def _no_service(task: Any, topic: str, params: dict[str, Any]) -> None:
        raise WorkflowFailed(f"No handler is registered for service topic {topic!r}.")

    def run(self) -> None:
        """Run engine steps until only people, timers or messages can move the case on.

        Then drop the finished tasks nobody reads again (engine.process.pruning), so the tree holds
        what is live however long the case runs; a replay prunes at the same points.
        """
        self._require_shallow()
        try:
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps()
            self._stamp_ready_tasks()
        except SpiffWorkflowException as err:
            raise WorkflowFailed(_describe_failure(err)) from err
        except expressions.ExpressionError as err:
            raise WorkflowFailed(str(err)) from err
        self._dropped.update(pruning.prune(self.workflow))
        self._require_shallow()

    def _require_shallow(self) -> None:
        """Refuse a step (nothing is saved) where SpiffWorkflow would break on the tree's depth."""
        try:
            pruning.check_depth(self.workflow)
        except pruning.TreeTooDeep as err:
            raise WorkflowFailed(
                f"This step was not taken and nothing was saved: the workflow of “{err.workflow_name}” "
                f"would be {err.depth} levels deep, more than the {pruning.DEPTH_LIMIT} it can run "
                "safely. Please report this case to the process owner; the diagram needs a loop "
                "that returns to a wait state outside any running parallel branch."
            ) from err

    def _stamp_ready_tasks(self) -> None:
        """Evaluate due date, assignee and agency once, when a user task first becomes ready."""
        for task in manual_tasks(self.workflow, TaskState.READY):
            if "scr_ready_at" in task.internal_data:
                continue
            ext = task.task_spec.extensions or {}
            camunda = ext.get("camunda") or {}
            engine = self.workflow.script_engine
            due = (
                engine.evaluate(task, camunda["dueDate"])
                if camunda.get("dueDate")
                else None
            )
            assignee = camunda.get("assignee")
            if assignee and expressions.WRAPPED.fullmatch(assignee):
                assignee = engine.evaluate(task, assignee)
            agency = engine.evaluate(task, ext["agency"]) if ext.get("agency") else None
            task.internal_data.update(
                scr_ready_at=clock.now().isoformat(),
                scr_due=str(due) if due else None,
                scr_assignee=assignee or None,
                scr_agency=agency or None,
            )
            task_names.stamp(task, self.functions)

    def ready_user_tasks(self) -> list[ReadyTask]:
        return [self._ready(t) for t in manual_tasks(self.workflow, TaskState.READY)]

    def _ready(self, task: Any) -> ReadyTask:
        spec = task.task_spec
        camunda = (spec.extensions or {}).get("camunda") or {}
        internal = task.internal_data
        return ReadyTask(
            id=str(task.id),
            element_id=spec.bpmn_id,
            name=self.task_name(task),
            phase=_phase(task),
            roles=tuple(split_csv(camunda.get("candidateGroups"))),
            assignee=internal.get("scr_claimed_by") or internal.get("scr_assignee"),
            agency=internal.get("scr_agency"),
            due_at=_parse_moment(internal.get("scr_due")),
            ready_at=_parse_moment(internal.get("scr_ready_at")) or clock.now(),
        )

    def task_name(self, task: Any) -> str:
        return task_names.shown(task, self.functions)

    def user_task(self, task_id: str) -> Any:
        try:
            return self.workflow.get_task_from_id(uuid.UUID(task_id))
        except (TaskNotFoundException, ValueError):
            raise NotFound(f"There is no task {task_id} in this case.") from None

    def detail(self, task_id: str) -> UserTaskDetail:
        task = self.ready_task(task_id)
        ext = task.task_spec.extensions or {}
        return UserTaskDetail(
            ready=self._ready(task),
            documentation=task.task_spec.documentation,
            fields=forms.fields_from_dicts(ext.get("form") or []),
            data=dict(task.data),
            labels=forms.labels_of(self.workflow.spec, self.workflow.subprocess_specs),
        )

    def ready_task(self, task_id: str) -> Any:
        """The user task, if it can be worked on now; SpiffWorkflow's run() does not check."""
        task = self.user_task(task_id)
        if not task.task_spec.manual:
            raise NotFound(f"There is no user task {task_id} in this case.")
        if task.state != TaskState.READY:
            raise TaskNotReady(
                f"The task “{self.task_name(task)}” is {TaskState.get_name(task.state).lower()}, not ready."
            )
        return task

    def task_state(self, task_id: str) -> str:
        """The task's state name; a task pruned in this command keeps the state it ended in."""
        if task_id in self._dropped:
            return self._dropped[task_id]
        try:
            task = self.workflow.get_task_from_id(uuid.UUID(task_id))
        except TaskNotFoundException:
            return "cancelled"
        return TaskState.get_name(task.state).lower()

    def set_claim(self, task_id: str, username: str | None) -> None:
        task = self.ready_task(task_id)
        task.internal_data["scr_claimed_by"] = username

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        self._require_shallow()
        task = self.ready_task(task_id)
        task.set_data(**_ordered(data))
        try:
            task.run()
        except SpiffWorkflowException as err:
            raise WorkflowFailed(_describe_failure(err)) from err
        self.run()

    def deliver_message(self, name: str, payload: dict[str, Any]) -> list[Any]:
        """Deliver a named message to every element waiting for it; return those elements' specs."""
        receivers = []
        for task in _in_state(self.workflow, TaskState.WAITING):
            if events.message_definition(task.task_spec, name) is not None:
                receivers.append(task)
        if not receivers:
            return []
        definition = events.message_definition(receivers[0].task_spec, name)
        event_payload = (
            {"payload": payload, "result_var": name}
            if _is_camunda(definition)
            else payload
        )
        self.workflow.send_event(BpmnEvent(definition, _ordered(event_payload)))
        events.rearm_boundaries(receivers)
        self.run()
        return [t.task_spec for t in receivers]

    def waiting_receivers(self, name: str) -> list[Any]:
        found = []
        for task in _in_state(self.workflow, TaskState.WAITING):
            if events.message_definition(task.task_spec, name) is not None:
                found.append(task.task_spec)
        return found

    def waiting_timer_tasks(self) -> list[Any]:
        return timer_tasks(self.workflow)

    def waiting_timers(self) -> list[tuple[str, datetime]]:
        """The timers the case waits for (`_waits_itself`): (name in the diagram, when), soonest first."""
        found = []
        for task in filter(_waits_itself, timer_tasks(self.workflow)):
            value = task.internal_data.get("event_value")
            when = _parse_moment(
                value.get("next") if isinstance(value, dict) else value
            )
            if when is not None:
                found.append((task.task_spec.bpmn_name or "a timer", when))
        return sorted(found, key=lambda pair: pair[1])

    def fired_timers(
        self, waiting_before: dict[Any, Any]
    ) -> dict[str, tuple[str, str]]:
        """Timers that were waiting before the run and have fired since (element id, name)."""
        fired = {}
        for task_id, task in waiting_before.items():
            if task.state == TaskState.COMPLETED or task.internal_data.get(
                "event_fired"
            ):
                spec = task.task_spec
                fired[str(task_id)] = (spec.bpmn_id, spec.bpmn_name or spec.bpmn_id)
        return fired

    def next_timer_at(self) -> datetime | None:
        moments = []
        for pending in self.workflow.waiting_events():
            if pending.event_type in (
                "TimeDateEventDefinition",
                "DurationTimerEventDefinition",
            ):
                moments.append(_parse_moment(pending.value))
            elif pending.event_type == "CycleTimerEventDefinition" and isinstance(
                pending.value, dict
            ):
                moments.append(_parse_moment(pending.value.get("next")))
        moments.extend(map(_parse_moment, events.gateway_timer_values(self.workflow)))
        found = [m for m in moments if m is not None]
        return min(found) if found else None

    def is_completed(self) -> bool:
        return self.workflow.is_completed()

    def data(self, hidden: Callable[[str], bool] | None = None) -> dict[str, Any]:
        """The case's data as people last entered it, across parallel branches and finished phases;
        without the entries of the agencies `hidden` names (engine.process.visibility)."""
        return visibility.merged_data(self.workflow, hidden)

    def phase(self) -> str | None:
        """The phase of the deepest task for people; with none, of the deepest event it waits for."""
        ready = manual_tasks(self.workflow, TaskState.READY | TaskState.WAITING)
        events = filter(_waits_itself, _in_state(self.workflow, TaskState.WAITING))
        deepest = max(ready or events, key=lambda t: t.depth, default=None)
        if deepest is not None:
            return _phase(deepest)
        return None if self.workflow.is_completed() else self.workflow.spec.description

    def element_states_by_process(self) -> dict[str, tuple[list[str], list[str]]]:
        """Done and active element ids per process id (the top level and each called process)."""
        grouped: dict[str, tuple[list[str], list[str]]] = {}
        for process, elements in pruning.done_elements(self.workflow).items():
            grouped.setdefault(process, ([], []))[0].extend(elements)
        for task in self.workflow.get_tasks():
            element = getattr(task.task_spec, "bpmn_id", None)
            if not element:
                continue
            done, active = grouped.setdefault(task.workflow.spec.name, ([], []))
            if task.state == TaskState.COMPLETED and element not in done:
                done.append(element)
            elif (
                task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED)
                and element not in active
            ):
                active.append(element)
        return grouped

    def element_states(self) -> tuple[list[str], list[str]]:
        done: list[str] = [
            element
            for elements in pruning.done_elements(self.workflow).values()
            for element in elements
        ]
        active: list[str] = []
        for task in self.workflow.get_tasks():
            element = getattr(task.task_spec, "bpmn_id", None)
            if not element:
                continue
            if task.state == TaskState.COMPLETED:
                done.append(element)
            elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
                active.append(element)
        return list(dict.fromkeys(done)), list(dict.fromkeys(active))


def _ordered(data: dict[str, Any]) -> dict[str, Any]:
    """Keys in sorted order, as the audit trail stores them, so a replay builds identical state."""
    return {
        key: _ordered(value) if isinstance(value, dict) else value
        for key, value in sorted(data.items())
    }


def _in_state(workflow: BpmnWorkflow, state: int) -> list[Any]:
    """Tasks in `state`; get_tasks(state=...) does not look below parents in other states."""
    return [t for t in workflow.get_tasks() if t.state & state]


def manual_tasks(workflow: BpmnWorkflow, state: int) -> list[Any]:
    return [t for t in _in_state(workflow, state) if t.task_spec.manual]


def _waits_itself(task: Any) -> bool:
    """A timer or message the case waits for, not one on the edge of a task (it waits for the task)."""
    spec = task.task_spec
    return hasattr(spec, "event_definition") and not isinstance(spec, BoundaryEvent)


def _phase(task: Any) -> str | None:
    spec = task.workflow.spec
    return spec.description or spec.name


def _is_camunda(definition: Any) -> bool:
    return type(definition).__module__.startswith("SpiffWorkflow.camunda")


def _parse_moment(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    moment = datetime.fromisoformat(str(value))
    return (
        as_utc(moment) if moment.tzinfo else moment.replace(tzinfo=clock.now().tzinfo)
    )


def _describe_failure(err: SpiffWorkflowException) -> str:
    task = getattr(err, "task", None)
    where = ""
    if task is not None:
        spec = task.task_spec
        where = f" at “{getattr(spec, 'bpmn_name', None) or spec.name}” ({getattr(spec, 'bpmn_id', '')})"
    notes = " ".join(getattr(err, "notes", []) or [])
    return f"The process could not continue{where}: {err} {notes}".strip()


def form_of(entry: ProcessEntry, element_id: str) -> tuple[FieldSpec, ...]:
    """The form fields of a user task of the process (or of a process it calls), by element id."""
    for spec in (entry.spec, *entry.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            form = (getattr(task_spec, "extensions", None) or {}).get("form")
            if getattr(task_spec, "bpmn_id", None) == element_id and form:
                return forms.fields_from_dicts(form)
    return ()


def completed_in_scope(task: Any, element_id: str) -> list[str]:
    """Ids of completed tasks of `element_id` in `task`'s own (sub)workflow or the ones above it, newest first.

    Searching outwards from the service task's instance finds "this agency's author" in a per-agency
    sub-process before anyone else's.
    """
    workflow = task.workflow
    while workflow is not None:
        found = [
            (t.last_state_change, str(t.id))
            for t in workflow.get_tasks(skip_subprocesses=True)
            if t.state == TaskState.COMPLETED
            and getattr(t.task_spec, "bpmn_id", None) == element_id
        ]
        dropped = pruning.dropped_completion(workflow, element_id)
        if dropped is not None:
            found.append((dropped[1], dropped[0]))
        if found:
            found.sort(key=lambda pair: pair[0], reverse=True)
            return [task_id for _, task_id in found]
        workflow = workflow.parent_workflow
    return []


def timer_tasks(workflow: BpmnWorkflow) -> list[Any]:
    found = []
    for task in _in_state(workflow, TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, spiff_timer.TimerEventDefinition):
            found.append(task)
    return found
