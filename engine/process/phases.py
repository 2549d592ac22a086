"""The phases of a case and where each stands, for the case page's task list.

A phase is a call activity of the top-level process, or of an embedded sub-process in it (the
commissioned review), named as the diagram names it. Nothing here knows an element id: the phases,
their order and what lies ahead of the case are read from the specs' structure, and the states of
the workflow's tasks (and, for tasks already pruned, `pruning.done_elements`) say where it stands:

- *Completed*: the phase ran to its end (and is not running again);
- *In progress*: it runs and a task in it waits for people (a user or manual task, however deep);
- *Waiting*: it runs and only waits for a timer or a message of its own (the soonest is named);
- *Not started*: it has not run, and the flows lead to it from where the case is now;
- *Not needed*: it has not run and cannot run any more: the case took another branch (the closure
  without an SCR once the Chair has decided), the phase was cancelled, or the case has ended.

Phases are listed breadth first along the flows from the start, so a phase nearer the start comes
first, and an embedded sub-process's phases take its place in the list.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.clock import as_utc
from engine.dto import PhaseStatus
from engine.process import pruning

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
"""Where a case is now: tasks that run, wait, or wait for people."""
PEOPLE = TaskState.READY | TaskState.WAITING


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase in the specs: its call activity, and the (process, element) pairs around it.

    `path` runs from the top-level process down: `((top, sub-process), (its spec, call activity))`
    for a phase inside an embedded sub-process, `((top, call activity),)` for one at the top.
    """

    path: tuple[tuple[Any, Any], ...]

    @property
    def process(self) -> Any:
        return self.path[-1][0]

    @property
    def spec(self) -> Any:
        return self.path[-1][1]


def phases_of(top: Any, subprocess_specs: dict[str, Any]) -> list[Phase]:
    """The phases of a top-level process spec, in diagram order (see the module docstring)."""
    found: list[Phase] = []

    def walk(process: Any, around: tuple[tuple[Any, Any], ...]) -> None:
        for spec in flow_order(process):
            if not isinstance(spec, SubWorkflowTask):
                continue
            here = (*around, (process, spec))
            if _embedded(spec) and spec.spec in subprocess_specs:
                walk(subprocess_specs[spec.spec], here)
            elif not _embedded(spec):
                found.append(Phase(here))

    walk(top, ())
    return found


def flow_order(process: Any) -> list[Any]:
    """The task specs of a process breadth first from its start; any unreachable ones after them."""
    seen = {process.start.name: process.start}
    queue = deque([process.start])
    while queue:
        for following in queue.popleft().outputs:
            if following.name not in seen:
                seen[following.name] = following
                queue.append(following)
    rest = [s for name, s in process.task_specs.items() if name not in seen]
    return [*seen.values(), *rest]


def outcome(workflow: Any) -> str | None:
    """What a finished case came to: the name of the last end event its top-level process reached
    ("Referred to the responsible LSCB", "No SCR"), None while it runs or if that end has no name."""
    if not workflow.is_completed():
        return None
    ends = {
        spec.bpmn_id: spec.bpmn_name
        for spec in workflow.spec.task_specs.values()
        if isinstance(spec, EndEvent) and getattr(spec, "bpmn_id", None)
    }
    kept = sorted(
        (
            t
            for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.workflow is workflow
        ),
        key=lambda t: t.last_state_change,
    )
    done = pruning.done_elements(workflow).get(workflow.spec.name, [])
    done = [*done, *(getattr(t.task_spec, "bpmn_id", None) for t in kept)]
    reached = [ends[element] for element in done if element in ends]
    return reached[-1] if reached else None


def of_case(workflow: Any) -> tuple[PhaseStatus, ...]:
    """Every phase of the case's top-level process, in diagram order, with where it stands now."""
    reading = _Reading(workflow)
    return tuple(
        reading.status(phase)
        for phase in phases_of(workflow.spec, workflow.subprocess_specs)
    )


class _Reading:
    """The workflow's tasks read once: which run, which are done, what runs inside what."""

    def __init__(self, top: Any) -> None:
        self.top = top
        tasks = top.get_tasks()
        self.live = [t for t in tasks if t.has_state(LIVE)]
        self.completed = {_key_of(t) for t in tasks if t.state == TaskState.COMPLETED}
        self.done = pruning.done_elements(top)
        self.inside: dict[tuple[str, str], list[Any]] = {}
        by_id = {t.id: t for t in tasks}
        for task in self.live:
            for around in _enclosing(by_id, task):
                self.inside.setdefault(_key_of(around), []).append(task)
        self._reach: dict[tuple[str, str], set[str]] = {}

    def status(self, phase: Phase) -> PhaseStatus:
        name = _name(phase.spec, self.top.subprocess_specs)
        key = (phase.process.name, phase.spec.name)
        if any(_key_of(t) == key for t in self.live):
            return _running(name, self.inside.get(key, []))
        if key in self.completed or phase.spec.bpmn_id in self.done.get(key[0], ()):
            return PhaseStatus(name, "completed")
        if self._ahead(phase.path):
            return PhaseStatus(name, "not_started")
        return PhaseStatus(name, "not_needed")

    def _ahead(self, path: tuple[tuple[Any, Any], ...]) -> bool:
        """Whether the flows lead to the element from where the case is now (or the embedded
        sub-process around it is itself ahead)."""
        process, spec = path[-1]
        for task in self.live:
            if task.workflow.spec.name == process.name and spec.name in self._reachable(
                process, task.task_spec
            ):
                return True
        return len(path) > 1 and self._ahead(path[:-1])

    def _reachable(self, process: Any, start: Any) -> set[str]:
        """The names of the specs the flows lead to from `start` (not `start` itself, unless a
        loop leads back to it)."""
        key = (process.name, start.name)
        if key not in self._reach:
            seen: set[str] = set()
            queue = deque(start.outputs)
            while queue:
                spec = queue.popleft()
                if spec.name not in seen:
                    seen.add(spec.name)
                    queue.extend(spec.outputs)
            self._reach[key] = seen
        return self._reach[key]


def _running(name: str, inside: list[Any]) -> PhaseStatus:
    """A running phase: in progress while people have work in it, else waiting for its events."""
    if any(t.task_spec.manual and t.has_state(PEOPLE) for t in inside):
        return PhaseStatus(name, "in_progress")
    waits = _waits(inside)
    if not waits:
        return PhaseStatus(name, "in_progress")
    dated = sorted((w for w in waits if w[1] is not None), key=lambda w: w[1])
    reason, until = (dated or waits)[0]
    return PhaseStatus(name, "waiting", waiting_for=reason, until=until)


def _waits(tasks: Iterable[Any]) -> list[tuple[str, datetime | None]]:
    """The timers and messages the tasks wait for themselves (not those on the edge of a task,
    which wait for that task): (name in the diagram, when, for a timer)."""
    found = []
    for task in tasks:
        spec = task.task_spec
        if task.state != TaskState.WAITING or isinstance(spec, BoundaryEvent):
            continue
        definition = getattr(spec, "event_definition", None)
        if definition is None:
            continue
        reason = spec.bpmn_name or getattr(definition, "name", None) or "an event"
        found.append((reason, _moment(task.internal_data.get("event_value"))))
    return found


def _moment(value: Any) -> datetime | None:
    """When a timer fires, from what SpiffWorkflow keeps (a cycle keeps its next time)."""
    if isinstance(value, dict):
        value = value.get("next")
    if isinstance(value, datetime):
        return as_utc(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=clock.now().tzinfo)
    return as_utc(moment)


def _enclosing(by_id: dict[Any, Any], task: Any) -> list[Any]:
    """The sub-process and call activity tasks `task` runs inside, innermost first."""
    found = []
    parent = by_id.get(task.workflow.parent_task_id)
    while parent is not None:
        found.append(parent)
        parent = by_id.get(parent.workflow.parent_task_id)
    return found


def _embedded(spec: Any) -> bool:
    """An embedded sub-process: SpiffWorkflow names its spec after its element (a call
    activity's spec is the process it calls)."""
    return bool(spec.spec == spec.bpmn_id)


def _key_of(task: Any) -> tuple[str, str]:
    return (task.workflow.spec.name, task.task_spec.name)


def _name(spec: Any, subprocess_specs: dict[str, Any]) -> str:
    """The phase's name: its element's, else the called process's, else its id."""
    called = subprocess_specs.get(spec.spec)
    return str(spec.bpmn_name or getattr(called, "description", None) or spec.bpmn_id)
