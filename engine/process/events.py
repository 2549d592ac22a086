"""Which waiting element catches a message, and when a waiting event-based gateway's timer is due.

An event-based gateway waits as one task whose event definition holds every branch's definition
(SpiffWorkflow's MultipleEventDefinition, with no name of its own). Camunda 7 delivers a message to it and
schedules its timers like any catch event (user guide, "Event-based Gateway"); these helpers let the case
runner do the same.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.util.task import TaskState


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
