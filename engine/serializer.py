"""Workflow ⇄ JSON. The diagram spec is not stored with each case: the case row points at its deployment,
whose parsed spec is cached, and the spec is put back when the case is loaded."""

from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

from engine.specs import ProcessEntry
from engine.specs import ServiceTaskSpec


class ServiceTaskSpecConverter(BpmnTaskSpecConverter):
    def to_dict(self, spec: ServiceTaskSpec) -> dict[str, Any]:
        dct = self.get_default_attributes(spec)
        dct.update(topic=spec.topic, parameters=spec.parameters)
        return dct


def _make_serializer() -> BpmnWorkflowSerializer:
    config = deepcopy(CAMUNDA_CONFIG)
    config[ServiceTaskSpec] = ServiceTaskSpecConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


SERIALIZER = _make_serializer()


class SpecJson:
    """The serialized form of one process's specs, computed once per parsed bundle."""

    def __init__(self, entry: ProcessEntry) -> None:
        self.spec = json.dumps(SERIALIZER.to_dict(entry.spec))
        self.subprocess_specs = json.dumps(
            {
                name: SERIALIZER.to_dict(spec)
                for name, spec in entry.subprocess_specs.items()
            }
        )


def dump_state(workflow: BpmnWorkflow) -> str:
    """The workflow's state as JSON, without its specs."""
    registry = SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(workflow)
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        return json.dumps(dct, cls=SERIALIZER._encoder_cls, separators=(",", ":"))
    finally:
        registry._encoder_mode = False


def load_state(state: str, specs: SpecJson) -> BpmnWorkflow:
    dct = json.loads(state, cls=SERIALIZER.json_decoder_cls)
    SERIALIZER.migrate(dct)
    dct["spec"] = json.loads(specs.spec)
    dct["subprocess_specs"] = json.loads(specs.subprocess_specs)
    return SERIALIZER.from_dict(dct)
