"""Workflow ⇄ JSON. The diagram spec is not stored with each case: the case row points at its deployment,
whose parsed specs are cached, and a loaded workflow is built directly onto them."""

from __future__ import annotations

import json
from copy import deepcopy
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

from engine.errors import StoredStateRefused
from engine.process.parser import ProcessEntry
from engine.process.parser import ServiceTaskSpec


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


def _workflow_converter() -> Any:
    """SpiffWorkflow's own BpmnWorkflow converter, to reuse its pieces without the spec."""
    registry = SERIALIZER.registry
    restore = registry.convert_from_dict[registry.typenames[BpmnWorkflow]]
    return restore.args[0].__self__  # partial(_obj_from_dict, converter.from_dict)


_CONVERTER = _workflow_converter()


def state_version(state: str) -> object:
    """The serializer version a stored state says it was written in (None if it says none)."""
    try:
        dct = json.loads(state)
    except ValueError:
        return None
    return dct.get(SERIALIZER.VERSION_KEY) if isinstance(dct, dict) else None


CURRENT_VERSION: str = SERIALIZER.VERSION


def dump_state(workflow: BpmnWorkflow) -> str:
    """The workflow's state as JSON, without its specs (the case row names its deployment)."""
    registry = SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = super(BpmnWorkflowConverter, _CONVERTER).to_dict(workflow)
        dct["subprocesses"] = _CONVERTER.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = registry.convert(workflow.bpmn_events)
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        return json.dumps(dct, cls=SERIALIZER._encoder_cls, separators=(",", ":"))
    finally:
        registry._encoder_mode = False


def load_state(state: str, entry: ProcessEntry) -> BpmnWorkflow:
    """Rebuild a workflow from its state onto the deployment's parsed specs (shared, never re-read).

    This is BpmnWorkflowConverter.from_dict without restoring the specs from JSON, which was most of
    the cost of every command. State is data, never code: a state in any other serializer version than
    the one this release writes is refused (StoredStateRefused), never migrated.
    """
    dct = json.loads(state, cls=SERIALIZER.json_decoder_cls)
    found = dct.get(SERIALIZER.VERSION_KEY) if isinstance(dct, dict) else None
    if found != SERIALIZER.VERSION:
        # Never SERIALIZER.migrate(): its old-format steps run stored text through eval().
        raise StoredStateRefused(found, SERIALIZER.VERSION)
    workflow = BpmnWorkflow(entry.spec, entry.subprocess_specs, deserializing=True)
    workflow.tasks = _CONVERTER.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
    _CONVERTER.set_default_attributes(workflow, dct)
    _CONVERTER.subprocesses_from_dict(dct["subprocesses"], workflow)
    workflow.bpmn_events = SERIALIZER.registry.restore(dct.pop("bpmn_events", []))
    return workflow
