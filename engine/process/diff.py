"""What changed between two deployments, per process, in words a process owner recognises."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from engine.process import xml as xmlsafety
from engine.process.parser import NS

C = "{http://camunda.org/schema/1.0/bpmn}"
FLOW_NODES = {
    "userTask",
    "serviceTask",
    "scriptTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "task",
    "manualTask",
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "receiveTask",
    "sendTask",
    "sequenceFlow",
}


@dataclass(frozen=True, slots=True)
class Change:
    process_id: str
    element_id: str
    kind: str  # added | removed | renamed | form | condition | due date | timer | notification | roles | called
    description: str


def diff_bundles(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> list[Change]:
    before, after = _elements(old), _elements(new)
    changes: list[Change] = []
    for process_id in sorted(set(before) | set(after)):
        a, b = before.get(process_id, {}), after.get(process_id, {})
        if not a:
            changes.append(
                Change(process_id, process_id, "added", f"process {process_id} is new")
            )
            continue
        if not b:
            changes.append(
                Change(
                    process_id,
                    process_id,
                    "removed",
                    f"process {process_id} was removed",
                )
            )
            continue
        for element_id in sorted(set(a) | set(b)):
            changes.extend(
                _compare(process_id, element_id, a.get(element_id), b.get(element_id))
            )
    return changes


def _compare(
    process_id: str, element_id: str, old: dict | None, new: dict | None
) -> list[Change]:
    if old is None:
        return [
            Change(
                process_id,
                element_id,
                "added",
                f"{new['tag']} “{new['name']}” was added",
            )
        ]
    if new is None:
        return [
            Change(
                process_id,
                element_id,
                "removed",
                f"{old['tag']} “{old['name']}” was removed",
            )
        ]
    found = []
    if old["name"] != new["name"]:
        found.append(
            Change(
                process_id,
                element_id,
                "renamed",
                f"renamed from “{old['name']}” to “{new['name']}”",
            )
        )
    labels = {
        "form": "form fields",
        "condition": "condition",
        "due date": "due date",
        "timer": "timer",
        "notification": "notification",
        "roles": "roles",
        "called": "called process",
    }
    for key, label in labels.items():
        if old[key] != new[key]:
            found.append(
                Change(
                    process_id, element_id, key, _describe(label, old[key], new[key])
                )
            )
    return found


def _describe(label: str, old: object, new: object) -> str:
    if label == "form fields" and isinstance(old, dict) and isinstance(new, dict):
        parts = []
        for field_id in sorted(set(old) | set(new)):
            if field_id not in old:
                parts.append(f"field {field_id} added")
            elif field_id not in new:
                parts.append(f"field {field_id} removed")
            elif old[field_id] != new[field_id]:
                parts.append(
                    f"field {field_id} changed ({old[field_id]} → {new[field_id]})"
                )
        return "form: " + "; ".join(parts)
    return f"{label}: {old or '(none)'} → {new or '(none)'}"


def _elements(files: Mapping[str, bytes]) -> dict[str, dict[str, dict]]:
    found: dict[str, dict[str, dict]] = {}
    for name, content in files.items():
        if not name.endswith(".bpmn"):
            continue
        root = xmlsafety.parse_xml(content)
        for process in root.iterfind("bpmn:process", NS):
            elements = found.setdefault(process.get("id"), {})
            for node in process.iter():
                if (
                    isinstance(node.tag, str)
                    and etree.QName(node).localname in FLOW_NODES
                    and node.get("id")
                ):
                    elements[node.get("id")] = _describe_element(node)
    return found


def _describe_element(node: etree._Element) -> dict:
    timer = node.find("bpmn:timerEventDefinition", NS)
    params = {
        p.get("name"): (p.text or "").strip()
        for p in node.iterfind(
            "bpmn:extensionElements/camunda:inputOutput/camunda:inputParameter", NS
        )
    }
    return {
        "tag": etree.QName(node).localname,
        "name": node.get("name") or node.get("id"),
        "form": {
            f.get("id"): "{} {}{}".format(
                f.get("type"),
                f.get("label"),
                "".join(
                    f" {c.get('name')}={c.get('config') or ''}".rstrip("=")
                    for c in f.iter(f"{C}constraint")
                ),
            )
            for f in node.iterfind(
                "bpmn:extensionElements/camunda:formData/camunda:formField", NS
            )
        },
        "condition": (
            node.findtext("bpmn:conditionExpression", namespaces=NS) or ""
        ).strip(),
        "due date": node.get(f"{C}dueDate") or "",
        "timer": " ".join((t.text or "").strip() for t in timer)
        if timer is not None
        else "",
        "notification": ", ".join(f"{k}={v}" for k, v in sorted(params.items())),
        "roles": node.get(f"{C}candidateGroups") or "",
        "called": node.get("calledElement") or "",
    }
