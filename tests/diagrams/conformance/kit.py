"""Small Camunda 7 diagrams written the way Camunda Modeler writes them, deployed and run without a database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine import clock
from engine.errors import DiagramInvalid
from engine.process.bundle import parse_bundle
from engine.process.functions import FUNCTIONS
from engine.process.run import CaseRun

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_1" '
    'targetNamespace="http://bpmn.io/schema/bpmn">\n'
)
DMN_NAMESPACES = {
    "1.1": "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "1.2": "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "1.3": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}


def bpmn(body: str, process_id: str = "Process_1", before: str = "") -> bytes:
    """A definitions element with one executable process holding `body` (and `before` ahead of it)."""
    return (
        f'{HEAD}{before}<bpmn:process id="{process_id}" isExecutable="true">\n{body}\n'
        "</bpmn:process>\n</bpmn:definitions>\n"
    ).encode()


def dmn(body: str, version: str = "1.3") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{DMN_NAMESPACES[version]}" '
        f'id="Definitions_d" name="D" namespace="http://camunda.org/schema/1.0/dmn">\n{body}\n'
        "</definitions>\n"
    ).encode()


def deploy(files: dict[str, bytes]) -> Any:
    return parse_bundle(files, FUNCTIONS, None, None)


def refusals(files: dict[str, bytes]) -> list[str]:
    with pytest.raises(DiagramInvalid) as caught:
        deploy(files)
    return [str(p) for p in caught.value.problems]


class Run:
    """One case of a deployed process, run to its next wait."""

    def __init__(
        self, files: dict[str, bytes], process_id: str = "Process_1", **data: Any
    ) -> None:
        self.bundle = deploy(files)
        self.case = CaseRun.start(self.bundle.processes[process_id], FUNCTIONS, data)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.case.on_service(self._service)
        self.case.run()

    def _service(self, task: Any, topic: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((topic, params))
        return {}

    @property
    def data(self) -> dict[str, Any]:
        return self.case.data()

    def ready(self) -> list[str]:
        return [t.element_id for t in self.case.ready_user_tasks()]

    def complete(self, element_id: str, **values: Any) -> None:
        [task] = [t for t in self.case.ready_user_tasks() if t.element_id == element_id]
        self.case.complete(task.id, values)

    def later(self, **delta: Any) -> None:
        """Move the engine clock on and fire due timers."""
        moment = clock.now() + timedelta(**delta)
        with clock.using_clock(clock.FixedClock(moment)):
            self.case.run()

    def done(self) -> list[str]:
        return self.case.element_states()[0]
