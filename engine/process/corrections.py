"""Corrections of an answer in a completed task, on the workflow's side.

Two things: which later steps already used a form field to choose the case's path (read statically
from the diagrams: a gateway's conditions, a decision table's inputs, a script, a timer, a due date or
assignee, a multi-instance collection), and setting the corrected value in the stored workflow so that
later steps, pages and e-mails see it. `apply` takes only what the `task_answer_corrected` event
records, so a replay (engine.process.replay) makes exactly the same change at the same point.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from engine.process import dmn
from engine.process import expressions
from engine.process import juel
from engine.process import pruning
from engine.process.parser import ProcessEntry
from engine.process.run import CaseRun

EARLIER = 0.001
"""Seconds before the completion that still count as it (times go through the database)."""
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def names_read(text: str | None) -> set[str]:
    """The data names an expression (or a `name = expression` script line) reads."""
    if not text or not text.strip():
        return set()
    expression = expressions.unwrap(text)
    if expressions.is_iso_literal(expression):
        return set()
    try:
        tree = ast.parse(juel.translate(expression).strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return set(_WORD.findall(expression))  # unreadable: assume every word is read
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    constants = set(expressions.CONSTANTS)
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name)
        and id(node) not in called
        and node.id not in constants
    }


def _condition_text(condition: Any) -> str | None:
    """A flow's condition as written (SpiffWorkflow wraps it in an operator holding the text)."""
    if isinstance(condition, str):
        return condition
    args = getattr(condition, "args", None) or ()
    return args[0] if args and isinstance(args[0], str) else None


def _script_reads(script: str) -> set[str]:
    try:
        lines = expressions.parse_script(script)
    except expressions.ExpressionError:
        return set(_WORD.findall(script))
    return {name for _, text in lines for name in names_read(text)}


def _decision_reads(decisions: dict[str, dmn.Decision], decision_id: str) -> set[str]:
    """Names the decision (and the decisions it requires) reads: inputs, rule cells, literals."""
    read: set[str] = set()
    pending, seen = [decision_id], set()
    while pending:
        decision = decisions.get(pending.pop())
        if decision is None or decision.id in seen:
            continue
        seen.add(decision.id)
        pending.extend(decision.required)
        if decision.literal is not None:
            read |= names_read(decision.literal[1])
        if decision.table is not None:
            for text in decision.table.inputs:
                read |= names_read(text)
            for _rule_id, cells, _outputs in decision.table.rules:
                for cell in cells:
                    read |= names_read(cell)
    return read - {dmn.INPUT_NAME}


def reads(task_spec: Any) -> set[str]:
    """The data names one element reads to choose a path, a time or a person."""
    read: set[str] = set()
    for condition, _target in getattr(task_spec, "cond_task_specs", None) or ():
        read |= names_read(_condition_text(condition))
    script = getattr(task_spec, "script", None)
    if isinstance(script, str):
        read |= _script_reads(script)
    engine = getattr(task_spec, "dmnEngine", None)
    if engine is not None and hasattr(engine, "call"):
        read |= _decision_reads(engine.decisions, engine.call.decision_id)
    definition = getattr(task_spec, "event_definition", None)
    read |= names_read(getattr(definition, "expression", None))
    extensions = getattr(task_spec, "extensions", None) or {}
    camunda = extensions.get("camunda") or {}
    for text in (
        camunda.get("dueDate"),
        camunda.get("assignee"),
        extensions.get("agency"),
    ):
        if isinstance(text, str) and expressions.WRAPPED.fullmatch(text):
            read |= names_read(text)
    data_input = getattr(task_spec, "data_input", None)
    if data_input is not None:
        read.add(str(getattr(data_input, "bpmn_id", "")))
    for text in (
        getattr(task_spec, "cardinality", None),
        getattr(task_spec, "condition", None),
    ):
        read |= names_read(text if isinstance(text, str) else None)
    return read


def _specs(entry: ProcessEntry) -> dict[str, Any]:
    return {entry.spec.name: entry.spec, **entry.subprocess_specs}


def _downstream(entry: ProcessEntry, element_id: str) -> Iterator[tuple[str, Any]]:
    """(process, task spec) of everything that can follow the element in the diagrams.

    Follows the flows out of the element, into every process or sub-process called on the way, and
    out of the end of a called process to whatever follows the steps that call it.
    """
    specs = _specs(entry)
    callers: dict[str, list[tuple[str, Any]]] = {}
    parents: dict[tuple[str, str], Any] = {}
    for name, spec in specs.items():
        for task_spec in spec.task_specs.values():
            called = getattr(task_spec, "spec", None)
            if isinstance(called, str) and called in specs:
                callers.setdefault(called, []).append((name, task_spec))
            child = getattr(task_spec, "task_spec", None)
            if isinstance(child, str):
                parents[(name, child)] = task_spec
    pending: list[tuple[str, Any]] = []
    for name, spec in specs.items():
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) == element_id:
                pending.extend((name, out) for out in task_spec.outputs)
                parent = parents.get((name, task_spec.name))
                if parent is not None:
                    pending.extend((name, out) for out in parent.outputs)
    seen: set[tuple[str, str]] = set()
    while pending:
        process, task_spec = pending.pop()
        if (process, task_spec.name) in seen:
            continue
        seen.add((process, task_spec.name))
        yield process, task_spec
        pending.extend((process, out) for out in task_spec.outputs)
        called = getattr(task_spec, "spec", None)
        if isinstance(called, str) and called in specs:
            pending.extend((called, t) for t in specs[called].task_specs.values())
        if not task_spec.outputs:
            for caller_process, caller in callers.get(process, ()):
                pending.extend((caller_process, out) for out in caller.outputs)


def affected_steps(
    run: CaseRun, entry: ProcessEntry, element_id: str, field_id: str
) -> list[str]:
    """Names of the steps after the element that read `field_id` and have run (or wait) since."""
    ran: set[tuple[str, str]] = set()
    for process, (done, active) in run.element_states_by_process().items():
        ran |= {(process, element) for element in (*done, *active)}
    names: list[str] = []
    for process, task_spec in _downstream(entry, element_id):
        element = getattr(task_spec, "bpmn_id", None)
        if element is None or (process, element) not in ran:
            continue
        if field_id in reads(task_spec):
            names.append(task_spec.bpmn_name or "a step without a name")
    return sorted(set(names))


def since_of(completed_at: str) -> float:
    """The moment a task was completed, as SpiffWorkflow stamps its tasks."""
    return datetime.fromisoformat(completed_at).timestamp() - EARLIER


def apply(run: CaseRun, recorded: dict[str, Any]) -> None:
    """Set the corrected value, as the `task_answer_corrected` event's data records it.

    On the completed task itself (while it is still in the tree), and, unless a later step asked for
    the same field again (`inherited` false), wherever the old value was carried on since the task's
    completion: the data of later tasks, of the (sub)workflows and of the pruned history.
    """
    field_id = recorded["field"]
    pair = (recorded.get("data") or {}).get(field_id)
    if not isinstance(pair, dict):
        return  # redacted: the stored workflow holds "[redacted]" there already
    old, new = pair.get("old"), pair.get("new")
    since = since_of(recorded["completed_at"])
    inherited = bool(recorded.get("inherited"))
    top = run.workflow
    for workflow in _workflows(top):
        for task in workflow.tasks.values():
            if str(task.id) == recorded["task_id"]:
                task.data[field_id] = new
            elif (
                inherited
                and task.last_state_change >= since
                and _holds(task.data, field_id, old)
            ):
                task.data[field_id] = new
        if inherited and _holds(workflow.data, field_id, old):
            workflow.data[field_id] = new
    if inherited:
        history = pruning.dropped_data(top)
        kept = history.get(field_id)
        if kept is not None and kept[0] >= since and kept[1] == old:
            kept[1] = new


def _workflows(top: Any) -> Iterable[Any]:
    return [top, *top.subprocesses.values()]


def _holds(data: dict[str, Any], field_id: str, value: Any) -> bool:
    return field_id in data and data[field_id] == value
