"""What of Camunda 7's BPMN extensions this engine does not run, each refused with what to do instead.

Camunda Modeler offers every Camunda 7 feature in its properties panel. Where this engine has no
equivalent, a diagram that uses it is refused at deploy (file, line, element, and the sentence below)
rather than run without it: a listener that never fires or a mapping that never happens is a case that
silently goes wrong. Supported instead: external service tasks (`camunda:type="external"` with a topic
that has a registered handler), script tasks of `name = expression` lines, generated task forms
(`camunda:formData`), and call activities that pass all data in and out.

Accepted without effect, because each command of ours is already one transaction: camunda:asyncBefore,
asyncAfter, exclusive, jobPriority, failedJobRetryTimeCycle and historyTimeToLive.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

C = "{http://camunda.org/schema/1.0/bpmn}"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
USE_SERVICE_TASK = 'use an external service task (camunda:type="external") with a registered topic instead'
_ELEMENTS = {
    "executionListener": "execution listeners are not run by this engine; "
    + USE_SERVICE_TASK,
    "taskListener": "task listeners are not run by this engine; " + USE_SERVICE_TASK,
    "connector": "Camunda connectors are not run by this engine; " + USE_SERVICE_TASK,
    "field": "field injection into Java classes is not supported; " + USE_SERVICE_TASK,
}
_ATTRIBUTES = {
    "class": "Java classes (camunda:class) cannot run here; " + USE_SERVICE_TASK,
    "delegateExpression": "delegate expressions cannot run here; " + USE_SERVICE_TASK,
    "formKey": "embedded and external forms (camunda:formKey) are not shown; use a generated task "
    "form (Forms → Generated Task Forms in Camunda Modeler)",
    "formRef": "Camunda Forms (camunda:formRef) are not shown; use a generated task form (Forms → "
    "Generated Task Forms in Camunda Modeler)",
    "calledElementVersion": "the called process is always the one in this deployment; remove the "
    "version binding",
    "calledElementVersionTag": "the called process is always the one in this deployment; remove the "
    "version binding",
    "decisionRefVersion": "the decision is always the one in this deployment; remove the version "
    "binding",
    "variableMappingClass": "variable mapping classes cannot run here; call activities pass all data in "
    "and out",
    "variableMappingDelegateExpression": "variable mapping delegates cannot run here; call activities "
    "pass all data in and out",
}
_EXPRESSION_TASKS = {"serviceTask", "sendTask", "businessRuleTask"}
_FLOW_OWNERS = {"process", "subProcess"}


def unsupported(node: etree._Element) -> Iterator[str]:
    """Sentences for each Camunda 7 feature on `node` that this engine would otherwise ignore."""
    tag = node.tag if isinstance(node.tag, str) else ""
    namespace, _, local = tag[1:].partition("}")
    if f"{{{namespace}}}" == C and local in _ELEMENTS:
        yield _ELEMENTS[local]
    if f"{{{namespace}}}" == C and local in ("in", "out"):
        yield from _call_mapping(node, local)
    if f"{{{namespace}}}" == C and local == "inputOutput":
        yield from _input_output(node)
    for attribute, message in _ATTRIBUTES.items():
        if node.get(f"{C}{attribute}") is not None:
            yield message
    if local in _EXPRESSION_TASKS and node.get(f"{C}expression") is not None:
        yield (
            "expressions as task implementations (camunda:expression) cannot run here; "
            + (USE_SERVICE_TASK)
        )
    if local == "scriptTask":
        script_format = (node.get("scriptFormat") or "python").strip().lower()
        if script_format not in ("python", ""):
            yield (
                f"{script_format} scripts cannot run here; write the script as `name = expression` "
                'lines with scriptFormat="python", or ' + USE_SERVICE_TASK
            )
        if node.get(f"{C}resource") is not None:
            yield "scripts from a resource file cannot run here; write the script in the diagram"
    binding = node.get(f"{C}calledElementBinding")
    if binding not in (None, "latest", "deployment"):
        yield "the called process is always the one in this deployment; remove the binding"


def _call_mapping(node: etree._Element, direction: str) -> Iterator[str]:
    allowed = {"variables", "local"}
    if node.get("variables") != "all" or set(node.attrib) - allowed:
        yield (
            f'camunda:{direction} may only be variables="all": a call activity passes all the data '
            f"{'into the called process' if direction == 'in' else 'back to the caller'}; rename "
            "values with a script task before or after the call"
        )


def _input_output(node: etree._Element) -> Iterator[str]:
    task = owner(node)
    local = etree.QName(task).localname if isinstance(task.tag, str) else ""
    outputs = node.findall(f"{C}outputParameter")
    if local != "serviceTask":
        yield (
            "camunda:inputOutput is only run on external service tasks (their input parameters "
            "go to the handler); set the data with a script task before or after this step"
        )
    elif outputs:
        yield (
            "output parameters are not mapped: the handler's results become variables by their "
            "own names; rename them with a script task after this step"
        )


def owner(node: etree._Element) -> etree._Element:
    """The flow element an extension element belongs to (the node itself if it has an id)."""
    current: etree._Element | None = node
    while current is not None:
        tag = current.tag if isinstance(current.tag, str) else ""
        if current.get("id") and not tag.startswith(C):
            return current
        current = current.getparent()
    return node
