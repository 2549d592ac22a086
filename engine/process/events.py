"""Which waiting element catches a message, and when a waiting event-based gateway's timer is due.

An event-based gateway waits as one task whose event definition holds every branch's definition
(SpiffWorkflow's MultipleEventDefinition, with no name of its own). Camunda 7 delivers a message to it and
schedules its timers like any catch event (user guide, "Event-based Gateway"); these helpers let the case
runner do the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState


@dataclass(frozen=True, slots=True)
class AwaitedMessage:
    """A message a case waits for now: what people record on the case page ("Parallel proceedings
    started"), with the catching element's name and documentation and who may send it."""

    message: str
    name: str
    documentation: str | None
    sender_groups: tuple[str, ...]


def awaited_messages(workflow: Any) -> list[AwaitedMessage]:
    """One entry per message the case waits for, in the order the waiting elements are found.

    A message several elements wait for (one per agency's round) is listed once: delivering it
    reaches them all. An event-based gateway's branches are named by their own catch events.
    """
    found: dict[str, AwaitedMessage] = {}
    for task in workflow.get_tasks():
        if not task.state & TaskState.WAITING:
            continue
        for definition, catcher in _message_catchers(task.task_spec):
            if definition.name in found:
                continue
            groups = _sender_groups(task.task_spec) or _sender_groups(catcher)
            found[definition.name] = AwaitedMessage(
                definition.name,
                catcher.bpmn_name or definition.name.replace("_", " ").capitalize(),
                catcher.documentation,
                groups,
            )
    return list(found.values())


def _message_catchers(task_spec: Any) -> list[tuple[Any, Any]]:
    """(message definition, the element that catches it) for a waiting element."""
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, MessageEventDefinition):
        return [(definition, task_spec)]
    if not isinstance(definition, MultipleEventDefinition):
        return []
    pairs = []
    for item in definition.event_definitions:
        if isinstance(item, MessageEventDefinition):
            branch = next(
                (
                    out
                    for out in getattr(task_spec, "outputs", ())
                    if getattr(out, "event_definition", None) is item
                    or getattr(getattr(out, "event_definition", None), "name", None)
                    == item.name
                ),
                task_spec,
            )
            pairs.append((item, branch))
    return pairs


def _sender_groups(task_spec: Any) -> tuple[str, ...]:
    value = (getattr(task_spec, "extensions", None) or {}).get("senderGroups", "")
    return tuple(g.strip() for g in str(value).split(",") if g.strip())


def message_definition(task_spec: Any, name: str) -> Any | None:
    """The event definition of `task_spec` that catches the message `name`, if any."""
    definition = getattr(task_spec, "event_definition", None)
    if definition is None:
        return None
    if isinstance(definition, MultipleEventDefinition):
        for item in definition.event_definitions:
            if getattr(item, "name", None) == name:
                return item
        return None
    return definition if getattr(definition, "name", None) == name else None


def rearm_boundaries(caught: list[Any]) -> None:
    """Let a non-interrupting boundary event catch its message again while its activity runs.

    Camunda 7 keeps a non-interrupting boundary event's subscription until the activity ends, so each
    message starts its own path (a second set of proceedings after the first); SpiffWorkflow's boundary
    task catches once. For each such task that has just caught a message, a new waiting task of the
    same event is added beside it, under the same split: the activity's end cancels it with the others.
    """
    for task in caught:
        spec = task.task_spec
        if not isinstance(spec, BoundaryEvent) or spec.cancel_activity:
            continue
        if task.state & TaskState.WAITING or task.parent is None:
            continue  # it did not catch (another message of the same name went elsewhere)
        fresh = task.parent._add_child(spec, TaskState.FUTURE)
        spec._predict(
            fresh, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK
        )  # its path
        spec._update(fresh)  # then it waits for the next message


def gateway_timer_values(workflow: Any) -> list[str]:
    """When the timers of waiting event-based gateways fire (ISO date-times)."""
    found = []
    for task in workflow.get_tasks():
        definition = getattr(task.task_spec, "event_definition", None)
        if task.state == TaskState.WAITING and isinstance(
            definition, MultipleEventDefinition
        ):
            value = task.internal_data.get("event_value")
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, dict) and isinstance(value.get("next"), str):
                found.append(value["next"])
    return found
