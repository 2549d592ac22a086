"""Replay a case from its audit events: the workflow as it was after any event, and proof that the
events alone reproduce the stored state.

Replay starts the case's pinned process afresh and re-applies each recorded command at its recorded
time: the start with its data, every completion with the submitted data, claims, messages, timers.
Task ids are deterministic per case (engine.process.run.task_ids), so the replayed workflow can be compared
with the stored one task for task. Service tasks are not re-run against the world: each returns the
result recorded when it ran.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections import deque
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from engine.clock import FixedClock
from engine.clock import using_clock
from engine.dto import AuditEntry
from engine.errors import EngineError
from engine.process import corrections
from engine.process.hooks import task_ids
from engine.process.migration import migrate
from engine.process.parser import ProcessEntry
from engine.process.run import CaseRun

COMMANDS = {
    "case_started",
    "task_completed",
    "task_claimed",
    "task_unclaimed",
    "message_received",
    "timer_fired",
    "case_migrated",
    "case_migration_undone",
    "task_answer_corrected",
}
Resolve = Callable[[str], ProcessEntry]


class ReplayFailed(EngineError):
    """The events could not be applied (an event names a task the replay does not have, say)."""

    def __init__(self, event: AuditEntry, message: str) -> None:
        super().__init__(f"event #{event.seq} {event.type}: {message}")
        self.event = event


@dataclass(frozen=True)
class Replayed:
    run: CaseRun
    last: AuditEntry | None
    applied: int
    states: dict[int, str] = field(default_factory=dict)
    """The workflow state JSON right after each event asked for with `states_at`, by event number."""


def replay(
    resolve: Resolve,
    functions: dict[str, Callable[..., Any]],
    events: Iterable[AuditEntry],
    until_seq: int | None = None,
    states_at: Collection[int] = (),
) -> Replayed:
    """Apply the case's events in order, up to and including `until_seq` (all when None).

    `resolve(deployment hash)` gives the case's process entry (its parsed specs) in that deployment.
    For each event number in `states_at` the workflow state right after that event is kept in
    `Replayed.states`, so one pass gives the case at every point asked for. An event that is not a
    command (a message queued, say) leaves the state as the command before it left it.
    """
    events = list(events)
    wanted = frozenset(states_at)
    states: dict[int, str] = {}
    replayer = _Replayer(resolve, functions, events)
    last = None
    applied = 0
    for event in events:
        if until_seq is not None and event.seq > until_seq:
            break
        last = event
        if event.type in COMMANDS:
            with using_clock(FixedClock(event.at)):
                replayer.apply(event)
            applied += 1
        if replayer.run is not None and event.seq in wanted:
            states[event.seq] = replayer.run.dump()
    if replayer.run is None:
        raise ValueError("There is no case_started event to replay from.")
    return Replayed(replayer.run, last, applied, states)


class _Replayer:
    """The workflow being rebuilt, with what applying the next command needs."""

    def __init__(
        self,
        resolve: Resolve,
        functions: dict[str, Callable[..., Any]],
        events: list[AuditEntry],
    ) -> None:
        self.resolve = resolve
        self.functions = functions
        self.results: dict[str, deque[Any]] = defaultdict(deque)
        for event in events:
            if event.type == "service_task_ran":
                element = event.data.get("element", "")
                self.results[element].append(event.data.get("result"))
        self.run: CaseRun | None = None
        self.entry: ProcessEntry | None = None
        self.reference = ""
        self.count = 0
        self.before_migration: list[tuple[str, ProcessEntry, int]] = []

    def apply(self, event: AuditEntry) -> None:
        """Re-apply one recorded command, with the task ids it created then."""
        if event.type == "case_started":
            self.reference = event.data["reference"]
            self.entry = self.resolve(event.data["deployment"])
            with task_ids(self.reference, 0) as ids:
                data = dict(event.data["start_data"])
                self.run = CaseRun.start(self.entry, self.functions, data)
                self.run.on_service(_recorded(self.results))
                self.run.run()
            self.count = ids.count
            return
        run, entry = self.run, self.entry
        if run is None or entry is None:
            raise ReplayFailed(event, "the case has not been started")
        if event.type == "case_migration_undone":
            if not self.before_migration:
                raise ReplayFailed(event, "there is no migration to undo")
            state, self.entry, self.count = self.before_migration.pop()
            self.run = CaseRun.load(state, self.entry, self.functions)
            self.run.on_service(_recorded(self.results))
            return
        with task_ids(self.reference, self.count) as ids:
            if event.type == "case_migrated":
                self.before_migration.append((run.dump(), entry, self.count))
                self.entry = self.resolve(event.data["to"])
                migrate(run, self.entry)
                run.run()
            else:
                _apply(run, event)
        self.count = ids.count


def _apply(run: CaseRun, event: AuditEntry) -> None:
    data = event.data
    try:
        if event.type == "task_completed":
            run.complete(data["task_id"], dict(data["data"]))
        elif event.type == "task_claimed":
            run.set_claim(data["task_id"], data.get("username"))
        elif event.type == "task_unclaimed":
            run.set_claim(data["task_id"], None)
        elif event.type == "message_received":
            run.deliver_message(data["message"], dict(data.get("payload") or {}))
        elif event.type == "timer_fired":
            run.run()
        elif event.type == "task_answer_corrected":
            corrections.apply(run, data)
    except Exception as err:  # noqa: BLE001 - any failure is reported with the event that caused it
        raise ReplayFailed(event, f"{type(err).__name__}: {err}") from err


def _recorded(
    results: dict[str, deque[Any]],
) -> Callable[[Any, str, dict[str, Any]], Any]:
    def dispatch(task: Any, topic: str, params: dict[str, Any]) -> Any:
        queue = results.get(task.task_spec.bpmn_id)
        return queue.popleft() if queue else None

    return dispatch


def first_difference(stored: str, replayed: str) -> str | None:
    """None when the two workflow states are the same; else where they part, in words."""
    a, b = json.loads(stored), json.loads(replayed)
    if a == b:
        return None
    tasks_a, tasks_b = a.get("tasks", {}), b.get("tasks", {})
    for task_id in sorted(set(tasks_a) | set(tasks_b)):
        left, right = tasks_a.get(task_id), tasks_b.get(task_id)
        if left == right:
            continue
        name = (left or right or {}).get("task_spec", "?")
        if left is None or right is None:
            where = "only in the replay" if left is None else "only in the stored state"
            return f"task {name} ({task_id}) is {where}"
        keys = sorted(k for k in set(left) | set(right) if left.get(k) != right.get(k))
        return f"task {name} ({task_id}) differs in {', '.join(keys)}"
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return f"the workflow differs in {', '.join(keys)}"
