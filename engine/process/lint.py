"""Deploy-time checks on the diagrams' XML, so a broken bundle is refused with every problem listed.

SpiffWorkflow parses lazily, stops at the first error, reports some errors misleadingly ("we found two
items" for a flow to nowhere) and never looks at expressions until they run. These checks read the XML
the process owner wrote and name the file, line, element and what to change.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from lxml import etree

from engine.errors import DiagramProblem
from engine.process import date_order
from engine.process import dmn
from engine.process import expressions
from engine.process import forms
from engine.process import support
from engine.process.parser import NS
from engine.process.parser import is_wrapped
from engine.process.parser import split_csv
from engine.roles import CASE_PREFIX
from engine.roles import CASE_ROLES

C = "{http://camunda.org/schema/1.0/bpmn}"
CheckParams = Callable[[Mapping[str, Any], Mapping[str, bytes]], list[str]]


# SpiffWorkflow names its own internal tasks so; an element with one of these ids breaks every case.
RESERVED_IDS = frozenset({"Start", "End", "Root"})


class Linter:
    """Collects problems across all files of one deployment."""

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]],
        topics: Mapping[str, CheckParams | None] | None,
        known_roles: frozenset[str] | None,
        files: Mapping[str, bytes],
    ) -> None:
        self.functions = functions
        self.topics = topics
        self.known_roles = known_roles
        self.files = files
        self.problems: list[DiagramProblem] = []
        self._file = ""
        self.variables: set[str] = set()

    def learn_variables(self, roots: Iterable[etree._Element]) -> None:
        """The values a case can hold: every form field's id and every name a script sets."""
        for root in roots:
            for field in root.iter(f"{C}formField"):
                self.variables.add(field.get("id") or "")
            for script in root.iter(f"{{{NS['bpmn']}}}script"):
                for line in (script.text or "").splitlines():
                    name, _, rest = line.partition("=")
                    if rest and name.strip().isidentifier():
                        self.variables.add(name.strip())

    def add(self, node: etree._Element | None, message: str) -> None:
        self.problems.append(
            DiagramProblem(
                file=self._file,
                message=message,
                line=node.sourceline if node is not None else None,
                element_id=node.get("id") if node is not None else None,
                element_name=node.get("name") if node is not None else None,
            )
        )

    def expression(self, node: etree._Element, text: str | None, what: str) -> None:
        if text is None or not text.strip():
            self.add(node, f"the {what} is empty")
            return
        try:
            expressions.check(text, self.functions)
        except expressions.ExpressionError as err:
            self.add(
                node, f"the {what} is not allowed: {err.message} in {text.strip()!r}"
            )

    def bpmn_file(
        self,
        name: str,
        root: etree._Element,
        process_ids: set[str],
        decisions: set[str],
    ) -> None:
        self._file = name
        for process in root.iterfind("bpmn:process", NS):
            self._flows(process)
            for node in process.iter():
                if isinstance(node.tag, str):
                    self._node(node, process_ids, decisions)
                    for message in support.unsupported(node):
                        self.add(support.owner(node), message)

    def _flows(self, process: etree._Element) -> None:
        ids = {
            n.get("id")
            for n in process.iter()
            if isinstance(n.tag, str) and n.get("id")
        }
        for flow in process.iter(f"{{{NS['bpmn']}}}sequenceFlow"):
            for end in ("sourceRef", "targetRef"):
                ref = flow.get(end)
                if not ref or ref not in ids:
                    self.add(
                        flow,
                        f"the flow's {end} {ref!r} is not an element of this process",
                    )
            condition = flow.find("bpmn:conditionExpression", NS)
            if condition is not None:
                self.expression(flow, condition.text, "condition")

    def _node(
        self, node: etree._Element, process_ids: set[str], decisions: set[str]
    ) -> None:
        tag = etree.QName(node).localname
        if node.get("id") in RESERVED_IDS and node.getparent() is not None:
            self.add(
                node,
                f"the id {node.get('id')!r} is reserved by the workflow engine; give the element "
                "another id in Camunda Modeler's properties panel (e.g. StartEvent_1)",
            )
        check = getattr(self, f"_check_{tag}", None)
        if check:
            check(node, process_ids=process_ids, decisions=decisions)

    def _check_userTask(self, node: etree._Element, **_: Any) -> None:
        groups = split_csv(node.get(f"{C}candidateGroups"))
        if not groups and not node.get(f"{C}assignee"):
            self.add(
                node,
                "the user task has no role: set camunda:candidateGroups to a role key",
            )
        unknown = [
            g
            for g in groups
            if self.known_roles is not None
            and g not in self.known_roles
            and not (g.startswith(CASE_PREFIX) and g[len(CASE_PREFIX) :] in CASE_ROLES)
        ]
        if unknown:
            self.add(
                node,
                f"unknown role key(s) in camunda:candidateGroups: {', '.join(unknown)}",
            )
        self._name(node)
        for attribute in ("dueDate", "assignee"):
            value = node.get(f"{C}{attribute}")
            if value and (attribute == "dueDate" or is_wrapped(value)):
                self.expression(node, value, f"camunda:{attribute}")
        self._form(node)
        self._task_properties(node)

    def _name(self, node: etree._Element) -> None:
        """A name with `${...}` in it is rendered from the case's data when the task is ready."""
        name = node.get("name") or ""
        if "${" not in name and "#{" not in name:
            return
        try:
            expressions.check_template(name, self.functions)
        except expressions.ExpressionError as err:
            self.add(
                node,
                f"the task's name cannot be shown: {err.message}; write each part to fill in as "
                "${expression}, e.g. ${agency_name(agency)}, or take the ${ out of the name",
            )

    def _check_startEvent(self, node: etree._Element, **_: Any) -> None:
        self._form(node)

    def _form(self, node: etree._Element) -> None:
        form = node.find("bpmn:extensionElements/camunda:formData", NS)
        if form is None:
            return
        try:
            fields = forms.fields_from_form_data(form)
        except forms.UnknownFieldType as err:
            self.add(node, str(err))
            return
        for message in forms.constraint_problems(form):
            self.add(node, message)
        for field in fields:
            for message in date_order.problems(field, fields, self.variables):
                self.add(node, message)
        seen: set[str] = set()
        for field in fields:
            if not field["id"]:
                self.add(node, "a form field has no id")
            elif field["id"] in seen:
                self.add(node, f"form field id {field['id']!r} is used twice")
            seen.add(field["id"])
            if field.get("pattern") and (
                problem := forms.pattern_problem(field["pattern"])
            ):
                self.add(node, f"form field {field['id']!r}: {problem}")
            if field["type"] == "enum" and not field["options"] and not field["source"]:
                self.add(
                    node,
                    f"enum form field {field['id']!r} has no values to choose from",
                )

    def _task_properties(self, node: etree._Element) -> None:
        for prop in node.iterfind(
            "bpmn:extensionElements/camunda:properties/camunda:property", NS
        ):
            if prop.get("name") in ("agency", "sharesDocumentsOf"):
                self.expression(node, prop.get("value"), f"{prop.get('name')} property")
        appoints = node.iterfind(
            ".//camunda:formField//camunda:property[@id='appoints']", NS
        )
        for prop in appoints:
            role = (prop.get("value") or "").removeprefix(CASE_PREFIX)
            if role not in CASE_ROLES:
                self.add(node, f"a form field appoints an unknown case role {role!r}")

    def _check_multiInstanceLoopCharacteristics(
        self, node: etree._Element, **_: Any
    ) -> None:
        owner = node.getparent()
        collection = node.get(f"{C}collection")
        cardinality = node.find("bpmn:loopCardinality", NS)
        if collection is None and cardinality is None:
            self.add(
                owner, "multi-instance needs camunda:collection or a loop cardinality"
            )
        if collection is not None:
            self.expression(owner, collection, "multi-instance collection")
        if cardinality is not None:
            self.expression(owner, cardinality.text, "loop cardinality")
        condition = node.find("bpmn:completionCondition", NS)
        if condition is not None:
            self.expression(owner, condition.text, "completion condition")

    def _check_timerEventDefinition(self, node: etree._Element, **_: Any) -> None:
        event = node.getparent()
        parts = [
            node.find(f"bpmn:{k}", NS)
            for k in ("timeDate", "timeDuration", "timeCycle")
        ]
        present = [p for p in parts if p is not None]
        if not present:
            self.add(event, "the timer has no timeDate, timeDuration or timeCycle")
        for part in present:
            self.expression(
                event, _unquote(part.text), f"timer {etree.QName(part).localname}"
            )

    def _check_scriptTask(self, node: etree._Element, **_: Any) -> None:
        script = node.find("bpmn:script", NS)
        try:
            expressions.check_script(
                script.text if script is not None else "", self.functions
            )
        except expressions.ExpressionError as err:
            self.add(node, f"the script is not allowed: {err.message}")

    def _check_callActivity(
        self, node: etree._Element, process_ids: set[str], **_: Any
    ) -> None:
        called = node.get("calledElement")
        if not called or called not in process_ids:
            known = ", ".join(sorted(process_ids))
            self.add(
                node,
                f"calls process {called!r}, which is not in this deployment (known: {known})",
            )

    def _check_businessRuleTask(
        self, node: etree._Element, decisions: set[str], **_: Any
    ) -> None:
        ref = node.get(f"{C}decisionRef")
        if not ref or ref not in decisions:
            known = ", ".join(sorted(decisions)) or "none"
            self.add(
                node,
                f"uses decision {ref!r}, which is not in this deployment (known: {known})",
            )
        mapping = node.get(f"{C}mapDecisionResult")
        if mapping is not None and mapping not in dmn.MAPPINGS:
            self.add(
                node,
                f"camunda:mapDecisionResult {mapping!r} is not one of {', '.join(dmn.MAPPINGS)}",
            )
        variable = node.get(f"{C}resultVariable")
        if variable is not None and not variable.isidentifier():
            self.add(
                node, f"camunda:resultVariable {variable!r} is not a variable name"
            )

    def _check_serviceTask(self, node: etree._Element, **_: Any) -> None:
        topic = node.get(f"{C}topic")
        if node.get(f"{C}type") != "external" or not topic:
            self.add(
                node, 'a service task needs camunda:type="external" and a camunda:topic'
            )
            return
        if (
            self.topics is None
        ):  # re-reading a stored deployment: checked when it was deployed
            return
        if topic not in self.topics:
            self.add(
                node,
                f"no handler for topic {topic!r}; known topics: {', '.join(sorted(self.topics))}",
            )
            return
        params: dict[str, Any] = {}
        for param in node.iterfind(
            "bpmn:extensionElements/camunda:inputOutput/camunda:inputParameter", NS
        ):
            text = param.text or ""
            if is_wrapped(text):
                self.expression(node, text, f"input parameter {param.get('name')!r}")
            params[param.get("name")] = text
        checker = self.topics[topic]
        for message in checker(params, self.files) if checker else ():
            self.add(node, message)

    def dmn_file(self, name: str, root: etree._Element) -> None:
        """Every decision of the file readable by engine.process.dmn, and every cell an allowed expression."""
        self._file = name
        decisions, problems = dmn.read_decisions(root)
        for problem in problems:
            self.problems.append(
                DiagramProblem(
                    name,
                    problem.message,
                    line=problem.line,
                    element_id=problem.element_id,
                )
            )
        for input_node in root.iter("{*}inputExpression"):
            text = input_node.findtext("{*}text")
            self.expression(input_node.getparent(), text, "decision input expression")
        for literal in root.iter("{*}literalExpression"):
            self.expression(
                literal.getparent(), literal.findtext("{*}text"), "literal expression"
            )
        for rule in root.iter("{*}rule"):
            for entry in rule.iterfind("{*}inputEntry"):
                cell = dmn.input_test(entry.findtext("{*}text"))
                if cell is not None:
                    self.expression(rule, cell, "input cell")
            for entry in rule.iterfind("{*}outputEntry"):
                text = entry.findtext("{*}text")
                if text and text.strip():
                    self.expression(rule, text, "output cell")


def _unquote(text: str | None) -> str | None:
    """Timer literals may be written quoted ("P5D") as older SpiffWorkflow diagrams do."""
    stripped = (text or "").strip()
    if len(stripped) > 1 and stripped[0] == stripped[-1] and stripped[0] in "\"'":
        return stripped[1:-1]
    return text
