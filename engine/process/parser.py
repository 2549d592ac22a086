"""Diagrams in, specs out: SpiffWorkflow's Camunda parser, extended for what Camunda Modeler writes.

The extensions: user tasks keep camunda:candidateGroups / assignee / dueDate and their form fields in
`task_spec.extensions`; start events keep their form; catch events keep their camunda:properties;
service tasks (`camunda:type="external" camunda:topic=...`) become `ServiceTaskSpec`, which hands the
evaluated input parameters to the handler registered for the topic. DMN input cells written as FEEL
unary tests are translated into our expression language when the file is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent
from SpiffWorkflow.bpmn.specs.defaults import IntermediateCatchEvent
from SpiffWorkflow.bpmn.specs.defaults import ManualTask
from SpiffWorkflow.bpmn.specs.defaults import NoneTask
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import CamundaBoundaryEventParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaIntermediateCatchEventParser,
)
from SpiffWorkflow.camunda.parser.event_parsers import CamundaStartEventParser
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS
from SpiffWorkflow.camunda.parser.task_spec import BusinessRuleTaskParser
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.camunda.parser.task_spec import UserTaskParser
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.camunda.specs.user_task import UserTask
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.model import DecisionTable
from SpiffWorkflow.specs.base import TaskSpec

from engine.process import dmn
from engine.process import forms
from engine.process import limits

C = f"{{{CAMUNDA_MODEL_NS}}}"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": CAMUNDA_MODEL_NS,
}
USER_TASK_ATTRIBUTES = (
    "assignee",
    "candidateUsers",
    "candidateGroups",
    "dueDate",
    "priority",
)


def split_csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def io_value(node: etree._Element) -> dict[str, Any]:
    """A camunda:inputParameter's content as a JSON-able tagged value (text, list or map)."""
    children = [k for k in node if isinstance(k.tag, str)]
    if not children:
        return {"text": node.text or ""}
    child = children[0]
    if child.tag == f"{C}list":
        return {"list": [io_value(v) for v in child if isinstance(v.tag, str)]}
    if child.tag == f"{C}map":
        return {
            "map": {e.get("key"): io_value(e) for e in child if isinstance(e.tag, str)}
        }
    return {"text": child.text or ""}


def _form_of(parser: Any) -> list[dict[str, Any]]:
    found = parser.xpath("./bpmn:extensionElements/camunda:formData")
    return forms.fields_from_form_data(found[0]) if found else []


def _properties_of(parser: Any) -> dict[str, str]:
    nodes = parser.xpath("./bpmn:extensionElements/camunda:properties/camunda:property")
    return {n.get("name"): n.get("value") for n in nodes}


def _appoints_of(parser: Any) -> dict[str, str]:
    """Form fields that appoint a case's team: field id -> case role (property appoints=case:<role>)."""
    path = "./bpmn:extensionElements/camunda:formData/camunda:formField"
    found = {}
    for field in parser.xpath(path):
        for prop in field.findall(
            f"{{{NS['camunda']}}}properties/{{{NS['camunda']}}}property"
        ):
            if prop.get("id") == "appoints" and prop.get("value"):
                found[field.get("id")] = prop.get("value").removeprefix("case:")
    return found


class _UserTaskParser(UserTaskParser):
    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        ext = _properties_of(self)
        ext["camunda"] = {a: self.attribute(a, "camunda") for a in USER_TASK_ATTRIBUTES}
        ext["form"] = _form_of(self)
        ext["appoints"] = _appoints_of(self)
        return ext


class _StartEventParser(CamundaStartEventParser):
    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        return {**_properties_of(self), "form": _form_of(self)}


class _CatchEventParser(CamundaIntermediateCatchEventParser):
    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        return _properties_of(self)


class _BoundaryEventParser(CamundaBoundaryEventParser):
    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        return _properties_of(self)


class ServiceTaskSpec(ServiceTask):
    """A Camunda external service task: runs the handler registered for its topic, synchronously."""

    def __init__(
        self,
        wf_spec: Any,
        bpmn_id: str,
        topic: str | None = None,
        parameters: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.topic = topic
        self.parameters = parameters or {}

    def _run_hook(self, my_task: Any) -> bool:
        engine = my_task.workflow.script_engine
        params = {
            name: self._value(engine, my_task, v) for name, v in self.parameters.items()
        }
        try:
            result = engine.call_service(
                my_task, operation_name=self.topic, operation_params=params
            )
        except (
            limits.LimitExceeded
        ) as err:  # e.g. a message template that grows without end
            raise WorkflowTaskException(f"stopped: {err}", task=my_task) from err
        if isinstance(result, dict):
            my_task.data.update(result)
        return True

    def _value(self, engine: Any, my_task: Any, value: dict[str, Any]) -> Any:
        if "list" in value:
            return [self._value(engine, my_task, v) for v in value["list"]]
        if "map" in value:
            return {k: self._value(engine, my_task, v) for k, v in value["map"].items()}
        text = value.get("text", "")
        # Camunda semantics: plain text is a literal, ${...} is an expression.
        return engine.evaluate(my_task, text) if is_wrapped(text) else text


def is_wrapped(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[$#]\{.*\}\s*", text or "", re.S))


class _ServiceTaskParser(CamundaTaskParser):
    def create_task(self) -> TaskSpec:
        inputs = {
            p.get("name"): io_value(p)
            for p in self.xpath(
                "./bpmn:extensionElements/camunda:inputOutput/camunda:inputParameter"
            )
        }
        return self.spec_class(
            self.spec,
            self.bpmn_id,
            topic=self.attribute("topic", "camunda"),
            parameters=inputs,
            **self.bpmn_attributes,
        )


class _PassThroughParser(CamundaTaskParser):
    """A plain task or a manual task: Camunda 7 passes through it at once (user guide, "Tasks")."""

    def create_task(self) -> TaskSpec:
        task = super().create_task()
        task.manual = False
        return task


class DecisionEngine(DMNEngine):
    """What a BusinessRuleTask calls: our DMN evaluation (engine.process.dmn) with Camunda's mapping.

    SpiffWorkflow's serializer and migration diff read `decision_table`; it carries the whole decision
    model as JSON, so a changed table shows as a changed step.
    """

    def __init__(
        self, decisions: dict[str, dmn.Decision], call: dmn.DecisionCall
    ) -> None:
        decision = decisions[call.decision_id]
        table = DecisionTable(
            call.decision_id,
            decision.name,
            decision.table.hit_policy if decision.table else "LITERAL",
        )
        table.inputs = [_Described(dmn.describe(decisions, call))]
        super().__init__(table)
        self.decisions = decisions
        self.call = call

    def result(self, task: Any) -> dict[str, Any]:
        functions = task.workflow.script_engine.environment.functions
        # Set, not deep-merged: a decision run again in a loop replaces its earlier result.
        task.data.update(
            dmn.result_for_task(self.decisions, self.call, dict(task.data), functions)
        )
        return {}


class _Described:
    def __init__(self, model: str) -> None:
        self.model = model


class _BusinessRuleTaskParser(BusinessRuleTaskParser):
    def create_task(self) -> TaskSpec:
        call = dmn.DecisionCall(
            decision_id=self.get_decision_ref(self.node),
            result_variable=self.node.get(f"{C}resultVariable"),
            mapping=self.node.get(f"{C}mapDecisionResult") or "singleEntry",
        )
        decisions = self.process_parser.parser.decisions
        if call.decision_id not in decisions:
            raise ValidationException(
                f"uses decision {call.decision_id!r}, which is not in this deployment",
                node=self.node,
                file_name=self.filename,
            )
        return BusinessRuleTask(
            self.spec,
            self.bpmn_id,
            dmnEngine=DecisionEngine(decisions, call),
            **self.bpmn_attributes,
        )


class AppParser(CamundaParser):
    """CamundaParser that understands the Camunda 7 attributes our diagrams use."""

    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (_UserTaskParser, UserTask),
        full_tag("startEvent"): (_StartEventParser, StartEvent),
        full_tag("intermediateCatchEvent"): (_CatchEventParser, IntermediateCatchEvent),
        full_tag("boundaryEvent"): (_BoundaryEventParser, BoundaryEvent),
        full_tag("serviceTask"): (_ServiceTaskParser, ServiceTaskSpec),
        full_tag("task"): (_PassThroughParser, NoneTask),
        full_tag("manualTask"): (_PassThroughParser, ManualTask),
        full_tag("businessRuleTask"): (_BusinessRuleTaskParser, BusinessRuleTask),
    }

    def __init__(self) -> None:
        super().__init__()
        self.decisions: dict[str, dmn.Decision] = {}

    def add_bpmn_xml(self, bpmn: Any, filename: str | None = None) -> None:
        # Modeler users write camunda:collection="${agencies}"; SpiffWorkflow wants the bare name.
        for mi in bpmn.xpath(".//bpmn:multiInstanceLoopCharacteristics", namespaces=NS):
            for attribute in (f"{C}collection", f"{C}elementVariable"):
                match = re.fullmatch(
                    r"\s*[$#]\{\s*(\w+)\s*\}\s*", mi.get(attribute) or ""
                )
                if match:
                    mi.set(attribute, match.group(1))
        super().add_bpmn_xml(bpmn, filename)

    def add_dmn_xml(self, node: Any, filename: str | None = None) -> None:
        """Read every decision of the file with engine.process.dmn (not SpiffWorkflow's one-table reader)."""
        decisions, problems = dmn.read_decisions(node)
        if problems:
            raise ValidationException(problems[0].message, file_name=filename or "")
        self.decisions.update(decisions)


@dataclass(frozen=True)
class ProcessEntry:
    """What the service needs to know about one executable process of a deployment."""

    process_id: str
    name: str
    file: str
    starter_groups: tuple[str, ...]
    start_fields: tuple[Any, ...]
    spec: Any
    subprocess_specs: dict[str, Any]


def parse_processes(
    bpmn_roots: dict[str, etree._Element], dmn_roots: dict[str, etree._Element]
) -> tuple[dict[str, ProcessEntry], list[tuple[str, str | None, str | None, str]]]:
    """Parse every executable process with SpiffWorkflow.

    Returns the entries and a list of (file, element id, element name, message) problems.
    The roots are copied, so the caller's trees are left as they were.
    """
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
    from SpiffWorkflow.exceptions import SpiffWorkflowException

    parser, problems = _read_files(bpmn_roots, dmn_roots)
    entries: dict[str, ProcessEntry] = {}
    for process_id in parser.get_process_ids():
        process_parser = parser.get_process_parser(process_id)
        file = process_parser.filename or "?"
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except (ValidationException, SpiffWorkflowException) as err:
            problems.append(
                (
                    err.file_name or file,
                    getattr(err, "id", None),
                    getattr(err, "name", None),
                    _message(err),
                )
            )
            continue
        except Exception as err:  # noqa: BLE001 - a diagram SpiffWorkflow cannot read is refused, never a 500
            problems.append((file, None, None, _unreadable(err)))
            continue
        for each in (spec, *subprocess_specs.values()):
            _settle_multi_instance(each)
        node = process_parser.node
        entries[process_id] = ProcessEntry(
            process_id=process_id,
            name=node.get("name") or process_id,
            file=file,
            starter_groups=tuple(split_csv(node.get(f"{C}candidateStarterGroups"))),
            start_fields=_start_fields(spec),
            spec=spec,
            subprocess_specs=subprocess_specs,
        )
    return entries, problems


def _read_files(
    bpmn_roots: dict[str, etree._Element], dmn_roots: dict[str, etree._Element]
) -> tuple[AppParser, list[tuple[str, str | None, str | None, str]]]:
    """A parser holding copies of every file, and the problems SpiffWorkflow found reading them."""
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
    from SpiffWorkflow.exceptions import SpiffWorkflowException

    parser = AppParser()
    problems: list[tuple[str, str | None, str | None, str]] = []
    for name, root in dmn_roots.items():
        try:
            parser.add_dmn_xml(_copy(root), filename=name)
        except (ValidationException, SpiffWorkflowException) as err:
            problems.append((name, getattr(err, "id", None), None, _message(err)))
    for name, root in bpmn_roots.items():
        try:
            parser.add_bpmn_xml(_copy(root), filename=name)
        except (ValidationException, SpiffWorkflowException) as err:
            problems.append(
                (
                    name,
                    getattr(err, "id", None),
                    getattr(err, "name", None),
                    _message(err),
                )
            )
        except Exception as err:  # noqa: BLE001 - refused with a problem, never a traceback
            problems.append((name, None, None, _unreadable(err)))
    return parser, problems


def _settle_multi_instance(spec: Any) -> None:
    """Give Camunda multi-instance tasks their input references at parse time.

    SpiffWorkflow's Camunda MI task sets `data_input`/`input_item` on the *spec* when it first runs.
    Our cases share one parsed spec per deployment instead of saving a copy each, so a change made at
    run time would be lost on reload and the results appended to the collection instead of written in
    place. Setting the same references here makes the run-time step a no-op.
    """
    from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
    from SpiffWorkflow.camunda.specs.multiinstance_task import ParallelMultiInstanceTask
    from SpiffWorkflow.camunda.specs.multiinstance_task import (
        SequentialMultiInstanceTask,
    )

    for task_spec in spec.task_specs.values():
        if not isinstance(
            task_spec, ParallelMultiInstanceTask | SequentialMultiInstanceTask
        ):
            continue
        if task_spec.cardinality is None and task_spec.data_output is not None:
            task_spec.data_input = TaskDataReference(task_spec.data_output.bpmn_id)
        if task_spec.output_item is not None:
            task_spec.input_item = TaskDataReference(task_spec.output_item.bpmn_id)


def _start_fields(spec: Any) -> tuple[Any, ...]:
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, StartEvent) and task_spec.extensions.get("form"):
            return forms.fields_from_dicts(task_spec.extensions["form"])
    return ()


def _copy(root: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(root))


def _unreadable(err: Exception) -> str:
    return (
        f"the diagram could not be read ({type(err).__name__}: {_message(err)[:200]}); "
        "open and save it in Camunda Modeler, and check the element named above it"
    )


def _message(err: Exception) -> str:
    text = str(err.args[0]) if err.args else str(err)
    return text.replace("\n", " ").strip()
