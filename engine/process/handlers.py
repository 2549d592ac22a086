"""Service tasks: the diagram names a topic, Python registers a handler for it.

A handler runs inside the case's transaction (so e.g. an outbox row commits with the workflow step, or
not at all) and may return values to merge into the task data. It may also check its input parameters
at deploy time, so a diagram that names an unknown template is refused before any case meets it.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from typing import Protocol


@dataclass(frozen=True)
class ServiceCall:
    topic: str
    params: dict[str, Any]
    case_id: int
    case_reference: str
    element_id: str
    element_name: str
    data: dict[str, Any]
    at: datetime
    session: Any
    files: Mapping[str, bytes]
    # Ids of the tasks completed for an element in the same (sub)process instance as this service task,
    # newest first: "the author of *this* agency's report", not of any agency's.
    completed_in_scope: Callable[[str], list[str]] = field(
        default=lambda element_id: []
    )
    # Each completed instance of a multi-instance user task in this service task's scope, in the
    # collection's order (engine.process.answers): {"variable", "item", "values", "shown"}.
    answers_in_scope: Callable[[str], list[dict[str, Any]]] = field(
        default=lambda element_id: []
    )


class ServiceHandler(Protocol):
    def run(self, call: ServiceCall) -> dict[str, Any] | None:
        """Do the work; return values to merge into the task data, or None."""

    def check(self, params: Mapping[str, Any], files: Mapping[str, bytes]) -> list[str]:
        """Problems with a service task's parameters (literal text, ${...} unevaluated)."""


class HandlerRegistry:
    """Topic → handler. Deployments are checked against the topics registered here."""

    def __init__(self) -> None:
        self._handlers: dict[str, ServiceHandler] = {}

    def register(self, topic: str, handler: ServiceHandler) -> None:
        self._handlers[topic] = handler

    def get(self, topic: str) -> ServiceHandler | None:
        return self._handlers.get(topic)

    def checkers(self) -> dict[str, Any]:
        return {topic: handler.check for topic, handler in self._handlers.items()}
