"""Keep a workflow's task tree as small as what is live, so a loop can be taken any number of times.

SpiffWorkflow keeps every task that ever ran, each as the child of the one before: one pass round a
loop adds a few levels to the tree. Its tree walks stop at depth 1,000 (`TaskIterator(max_depth=1000)`)
and `Task.is_descendant_of` recurses once per level, so a case that loops a few hundred times either
fails with a RecursionError or, worse, finds no ready task and is taken as finished. The history is
in the audit events; the tree only needs what is live.

After each run to a wait state (`CaseRun.run`, so a replay prunes at exactly the same points and its
state compares equal), `prune` keeps, in every (sub)workflow:

- the root, and every unfinished task (ready, waiting, started, predicted) with all its descendants:
  a started multi-instance or sub-process task reads its finished children when it completes;
- the parent of every unfinished task: a task inherits its parent's data, and a parallel or inclusive
  join finds the flows that reached it through the parents of its instances;
- for a structured join (a boundary event's or an event-based start's), every task up to its split:
  the join finds the split with `find_ancestor` and reads the split's children;
- a parallel or inclusive join's instances cancelled since the join last fired, with their parents:
  they are how the join knows which flows have arrived;
- every task where two kept branches part.

Everything else has finished and nothing reads it again: a finished side branch is dropped, and a
finished task between two kept ones is spliced out (its kept child is re-parented to the nearest kept
ancestor). Ancestry among kept tasks is unchanged, data is held in full by each task, and finished
instances of a join from earlier passes (which SpiffWorkflow would otherwise still merge or count) are
gone. A sub-process whose task is dropped goes with it.

What the rest of the engine still reads of the dropped tasks is kept, bounded by the diagrams rather
than by history, in the root task's `internal_data`: per workflow the newest completed task of each
user task element (`completed_in_scope`), and at the top the elements done per process (the
diagrams) and the newest value of each data key with its time (`CaseRun.data`).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.task import TaskState

DEPTH_LIMIT = 400
"""Deepest task tree a step may leave behind. SpiffWorkflow breaks near 1,000 levels; one step adds
at most a few dozen, so a step that leaves more than this is refused before anything is saved."""

DONE = "scr_done"
"""Root `internal_data` of each workflow: user task element id -> [task id, completed at]."""
HISTORY = "scr_history"
"""Root `internal_data` of the top workflow: {"elements": {process: [ids]}, "data": {key: [at, value]}}."""


class TreeTooDeep(Exception):
    """A task tree is deeper than `DEPTH_LIMIT` even after pruning."""

    def __init__(self, workflow_name: str, depth: int) -> None:
        super().__init__(workflow_name, depth)
        self.workflow_name = workflow_name
        self.depth = depth


def prune(top: Any) -> dict[str, str]:
    """Drop what no live task needs from the top workflow and its sub-processes.

    Returns the user tasks dropped, id -> state name ("completed", "cancelled"), so the task index can
    still mark what this step finished.
    """
    dropped: dict[str, str] = {}
    history = top.task_tree.internal_data.get(HISTORY)
    history = _fresh_history() if history is None else history
    for workflow in [top, *top.subprocesses.values()]:
        if workflow is top or top.subprocesses.get(workflow.parent_task_id) is workflow:
            gone = _prune_tree(workflow, history, dropped)
            _drop_subprocesses(top, gone, history, dropped)
    if history["elements"] or history["data"]:
        top.task_tree.internal_data[HISTORY] = history
    return dropped


def check_depth(top: Any) -> None:
    """Raise TreeTooDeep if any task tree is deeper than DEPTH_LIMIT."""
    for workflow in [top, *top.subprocesses.values()]:
        depth = _depth(workflow)
        if depth > DEPTH_LIMIT:
            raise TreeTooDeep(workflow.spec.description or workflow.spec.name, depth)


def done_elements(top: Any) -> dict[str, list[str]]:
    """Element ids done in tasks already dropped, per process id."""
    history = top.task_tree.internal_data.get(HISTORY) or {}
    return history.get("elements", {})


def dropped_data(top: Any) -> dict[str, list[Any]]:
    """The newest value of each data key in tasks already dropped: key -> [time, value]."""
    history = top.task_tree.internal_data.get(HISTORY) or {}
    return history.get("data", {})


def dropped_completion(workflow: Any, element_id: str) -> tuple[str, float] | None:
    """The newest dropped completed task of a user task element in this (sub)workflow: (id, time)."""
    found = (workflow.task_tree.internal_data.get(DONE) or {}).get(element_id)
    return (found[0], found[1]) if found else None


def _fresh_history() -> dict[str, Any]:
    return {"elements": {}, "data": {}}


def _preorder(workflow: Any) -> list[Any]:
    """The workflow's tasks, parents before children, without recursion."""
    order, stack = [], [workflow.task_tree]
    while stack:
        task = stack.pop()
        order.append(task)
        stack.extend(reversed(task.children))
    return order


def _depth(workflow: Any) -> int:
    deepest, stack = 0, [(workflow.task_tree, 0)]
    while stack:
        task, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in task.children)
    return deepest


def _needed(workflow: Any, order: list[Any]) -> set[Any]:
    """Ids of the tasks a live task may still read (see the module docstring)."""
    keep = {workflow.task_tree.id}
    for task in order:
        if task.has_state(TaskState.FINISHED_MASK) or task.id in keep:
            continue
        stack = [task]
        while stack:
            below = stack.pop()
            keep.add(below.id)
            stack.extend(below.children)
    for task in order:
        if task.id not in keep or task.has_state(TaskState.FINISHED_MASK):
            continue
        parent = task.parent
        if parent is not None:
            keep.add(parent.id)
        split = getattr(task.task_spec, "split_task", None)
        while split and parent is not None:
            keep.add(parent.id)
            if parent.task_spec.name == split:
                break
            parent = parent.parent
    keep |= _join_tokens(order)
    return keep | _branch_points(order, keep)


def _join_tokens(order: list[Any]) -> set[Any]:
    """Instances of a parallel or inclusive join that arrived since the join last fired, with parents.

    When a second flow reaches a join, SpiffWorkflow cancels the instance the first flow left waiting,
    and counts it (through its completed parent) when the join decides whether to fire. So a cancelled
    instance is kept until an instance of the same join completes after it (the join fired).
    """
    fired: dict[Any, list[Any]] = {}
    arrived: list[Any] = []
    for task in order:
        if isinstance(task.task_spec, UnstructuredJoin):
            if task.state == TaskState.COMPLETED:
                fired.setdefault(task.task_spec, []).append(task.id)
            elif task.has_state(TaskState.FINISHED_MASK):
                arrived.append(task)
    keep: set[Any] = set()
    for task in arrived:
        above, parent = set(), task.parent
        while parent is not None:
            above.add(parent.id)
            parent = parent.parent
        if all(f in above for f in fired.get(task.task_spec, ())):
            keep.add(task.id)
            if task.parent is not None:
                keep.add(task.parent.id)
    return keep


def _branch_points(order: list[Any], keep: set[Any]) -> set[Any]:
    below: dict[Any, bool] = {}
    points = set()
    for task in reversed(order):
        kept_children = sum(1 for child in task._children if below.get(child))
        if kept_children > 1:
            points.add(task.id)
        below[task.id] = task.id in keep or kept_children > 0
    return points


def _prune_tree(
    workflow: Any, history: dict[str, Any], dropped: dict[str, str]
) -> list[Any]:
    """Splice and drop the tasks of one (sub)workflow nobody needs; return the dropped tasks."""
    order = _preorder(workflow)
    keep = _needed(workflow, order)
    if len(keep) == len(order):
        return []
    root = workflow.task_tree
    children: dict[Any, list[Any]] = {task_id: [] for task_id in keep}
    nearest: dict[Any, Any] = {root.id: root.id}
    for task in order[1:]:
        above = nearest[task._parent]
        if task.id in keep:
            task._parent = above
            children[above].append(task.id)
            nearest[task.id] = task.id
        else:
            nearest[task.id] = above
    gone = [task for task in order if task.id not in keep]
    for task in order:
        if task.id in keep:
            task._children = children[task.id]
    _remember(workflow, gone, history, dropped)
    for task in gone:
        del workflow.tasks[task.id]
    if workflow.last_task is not None and workflow.last_task.id not in keep:
        # A reload would find no such task; the same None in memory keeps replay identical.
        workflow.last_task = None
    return gone


def _remember(
    workflow: Any, gone: list[Any], history: dict[str, Any], dropped: dict[str, str]
) -> None:
    """Keep what the engine still reads of dropped tasks (see the module docstring)."""
    done = workflow.task_tree.internal_data.get(DONE) or {}
    elements = history["elements"].setdefault(workflow.spec.name, [])
    data = history["data"]
    for task in sorted(gone, key=lambda t: t.last_state_change):
        spec = task.task_spec
        element = getattr(spec, "bpmn_id", None)
        if task.has_state(TaskState.COMPLETED):
            if element and element not in elements:
                elements.append(element)
            for key, value in task.data.items():
                data[key] = [task.last_state_change, deepcopy(value)]
            if element and spec.manual:
                done[element] = [str(task.id), task.last_state_change]
        if spec.manual:
            dropped[str(task.id)] = TaskState.get_name(task.state).lower()
    if done:
        workflow.task_tree.internal_data[DONE] = done


def _drop_subprocesses(
    top: Any, gone: list[Any], history: dict[str, Any], dropped: dict[str, str]
) -> None:
    """Sub-processes of dropped tasks go too (and theirs, recursively), remembered like tasks."""
    pending = [task.id for task in gone if task.id in top.subprocesses]
    while pending:
        sub = top.subprocesses.pop(pending.pop())
        tasks = list(sub.tasks.values())
        _remember(sub, tasks, history, dropped)
        pending.extend(task.id for task in tasks if task.id in top.subprocesses)
