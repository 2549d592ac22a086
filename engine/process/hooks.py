"""Every place we bend SpiffWorkflow, with the why. Imported by engine.process.run before any workflow runs.

- **Time.** SpiffWorkflow stamps tasks with `time.time()` and computes timers with `datetime.now()`. Both
  answer with the engine's clock (`engine.clock.now()`), which the unit of work freezes for the whole
  command, so a replay at the recorded time gives the same timestamps.
- **Task ids.** SpiffWorkflow gives tasks `uuid4()` ids. Inside `task_ids(...)` they are `uuid5(case, n)`,
  so replaying a case's events creates the same ids and the replayed state compares task for task.
- **Expressions and scripts.** SpiffWorkflow evaluates them with Python's `eval`/`exec`. Ours go through
  `engine.process.expressions` (an AST allow-list), so nothing in a diagram or the database runs as code.
- **Service tasks.** `call_service` is routed to the engine's dispatcher (a registered handler per topic).
- **The task tree.** SpiffWorkflow keeps every task that ever ran, one pass round a loop a few levels
  deeper, and breaks near depth 1,000 (its tree walks stop, `is_descendant_of` recurses). After each run
  to a wait state `CaseRun.run` prunes what no live task reads again (`engine.process.pruning`, with
  the rules per construct) and refuses a step that would still leave a tree too deep to run.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from typing import Any

import SpiffWorkflow.bpmn.specs.event_definitions.timer as spiff_timer
import SpiffWorkflow.task as spiff_task_module
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from engine import clock
from engine.process import expressions

ServiceDispatch = Callable[[Any, str, dict[str, Any]], dict[str, Any] | None]


class _EngineClockDatetime(datetime):
    """SpiffWorkflow's timers ask datetime.now(); answer with the engine clock."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:  # type: ignore[override]
        moment = clock.now()
        return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)


class _EngineClockTime:
    @staticmethod
    def time() -> float:
        return clock.now().timestamp()


class TaskIds:
    """Task ids of one case: uuid5(case namespace, n) for n = 1, 2, 3... so a replay gets the same ids."""

    def __init__(self, reference: str, start: int) -> None:
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"scr-case:{reference}")
        self.count = start

    def next(self) -> uuid.UUID:
        self.count += 1
        return uuid.uuid5(self.namespace, str(self.count))


_task_ids: ContextVar[TaskIds | None] = ContextVar("scr_task_ids", default=None)


def _next_task_id() -> uuid.UUID:
    source = _task_ids.get()
    return source.next() if source is not None else uuid.uuid4()


@contextlib.contextmanager
def task_ids(reference: str, start: int) -> Iterator[TaskIds]:
    """Give the tasks SpiffWorkflow creates inside the block deterministic ids, continuing from `start`."""
    source = TaskIds(reference, start)
    token = _task_ids.set(source)
    try:
        yield source
    finally:
        _task_ids.reset(token)


def install() -> None:
    """Point SpiffWorkflow's clock and task ids at ours (idempotent; done on import of engine.process.run)."""
    spiff_timer.datetime = _EngineClockDatetime  # type: ignore[misc]
    spiff_task_module.time = _EngineClockTime  # type: ignore[assignment]
    spiff_task_module.uuid4 = _next_task_id  # type: ignore[assignment]


install()


class _RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Expressions and scripts go through engine.expressions, never Python's eval/exec."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        super().__init__({})
        self.functions = functions

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: Any = None
    ) -> Any:
        names = {**context, **(external_context or {})}
        return expressions.evaluate(expression, names, self.functions)

    def execute(
        self, script: str, context: dict[str, Any], external_context: Any = None
    ) -> bool:
        expressions.run_script(script, context, self.functions)
        return True


class ScriptEngine(PythonScriptEngine):
    def __init__(
        self, functions: Mapping[str, Callable[..., Any]], dispatch: ServiceDispatch
    ) -> None:
        super().__init__(environment=_RestrictedEnvironment(functions))
        self._dispatch = dispatch

    def validate(self, expression: str) -> None:
        expressions.check(expression, self.environment.functions)

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        return self._dispatch(
            task, kwargs["operation_name"], kwargs.get("operation_params") or {}
        )
