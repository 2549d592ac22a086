"""What changed between two deployments, per process, in words a process owner recognises.

Each change names the element, what happened to it and the file it is drawn in, so a viewer can mark
it on the diagram: added and changed elements on the new version, removed (and changed) ones on the old.
"""

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
# Compared as plain text, by the label shown to the process owner.
SETTINGS = {
    "condition": "condition",
    "due date": "due date",
    "timer": "timer",
    "notification": "notification",
    "roles": "roles",
    "called": "called process",
}

Element = dict  # one element's comparable parts, as built by _describe_element
Process = dict[str, Element]


@dataclass(frozen=True, slots=True)
class Change:
    process_id: str
    element_id: str
    # added | removed | renamed | form | flow | condition | due date | timer | notification | roles | called
    kind: str
    description: str
    element_name: str = ""
    file: str = ""  # the file it is drawn in in the new deployment ("" if removed)
    old_file: str = ""  # ... and in the old one ("" if added)

    @property
    def marker(self) -> str:
        """How a diagram marks it: added, removed or changed."""
        return self.kind if self.kind in ("added", "removed") else "changed"

    @property
    def whole_process(self) -> bool:
        """The change is a whole process added or removed (not one element of it)."""
        return self.element_id == self.process_id


def diff_bundles(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> list[Change]:
    """Every change from the `old` bundle's processes to the `new` one's, by process then element."""
    before, after = _elements(old), _elements(new)
    changes: list[Change] = []
    for process_id in sorted(set(before) | set(after)):
        a, b = before.get(process_id), after.get(process_id)
        if a is None or b is None:
            changes.append(_process_change(process_id, a, b))
            continue
        for element_id in sorted(set(a) | set(b)):
            changes.extend(_compare(process_id, element_id, a, b))
    return changes


def _process_change(
    process_id: str, old: Process | None, new: Process | None
) -> Change:
    side = new if new is not None else old
    file = next(iter(side.values()))["file"] if side else ""
    if old is None:
        return Change(
            process_id, process_id, "added", f"process {process_id} is new", file=file
        )
    return Change(
        process_id,
        process_id,
        "removed",
        f"process {process_id} was removed",
        old_file=file,
    )


def _compare(process_id: str, element_id: str, a: Process, b: Process) -> list[Change]:
    old, new = a.get(element_id), b.get(element_id)
    if old is None or new is None:
        kind = "added" if old is None else "removed"
        node = new if new is not None else old
        assert node is not None  # one side holds it: the id came from one of them
        return [
            Change(
                process_id,
                element_id,
                kind,
                f"{node['tag']} “{node['name']}” was {kind}",
                node["name"],
                file=node["file"] if new is not None else "",
                old_file=node["file"] if old is not None else "",
            )
        ]

    def change(kind: str, description: str) -> Change:
        return Change(
            process_id,
            element_id,
            kind,
            description,
            new["name"],
            file=new["file"],
            old_file=old["file"],
        )

    found = []
    if old["name"] != new["name"]:
        found.append(
            change("renamed", f"renamed from “{old['name']}” to “{new['name']}”")
        )
    found.extend(change("form", text) for text in _form_changes(old, new))
    found.extend(change("flow", text) for text in _flow_changes(old, new, a, b))
    for key, label in SETTINGS.items():
        if old[key] != new[key]:
            found.append(
                change(key, f"{label}: {old[key] or '(none)'} → {new[key] or '(none)'}")
            )
    return found


def _form_changes(old: Element, new: Element) -> list[str]:
    """One sentence per form field added, removed or changed (label, type, required, checks, choices)."""
    before, after = old["form"], new["form"]
    found = []
    for field_id in sorted(set(before) | set(after)):
        was, now = before.get(field_id), after.get(field_id)
        if was is None:
            required = ", required" if now["required"] else ""
            found.append(
                f"form field {field_id} (“{now['label']}”, {now['type']}{required}) added"
            )
        elif now is None:
            found.append(f"form field {field_id} (“{was['label']}”) removed")
        elif parts := _field_changes(was, now):
            found.append(f"form field {field_id} changed: " + "; ".join(parts))
    return found


def _field_changes(was: dict, now: dict) -> list[str]:
    parts = []
    if was["label"] != now["label"]:
        parts.append(f"label “{was['label']}” → “{now['label']}”")
    if was["type"] != now["type"]:
        parts.append(f"type {was['type']} → {now['type']}")
    if was["required"] != now["required"]:
        parts.append("now required" if now["required"] else "no longer required")
    if was["checks"] != now["checks"]:
        parts.append(
            f"checks {was['checks'] or '(none)'} → {now['checks'] or '(none)'}"
        )
    if was["choices"] != now["choices"]:
        parts.append(
            f"choices {was['choices'] or '(none)'} → {now['choices'] or '(none)'}"
        )
    return parts


def _flow_changes(old: Element, new: Element, a: Process, b: Process) -> list[str]:
    """A sequence flow re-pointed (its source or target changed), or a gateway's default flow changed."""
    found = []
    if (old["source"], old["target"]) != (new["source"], new["target"]):
        found.append(
            f"re-pointed: now from {_name(b, new['source'])} to {_name(b, new['target'])}"
            f" (was from {_name(a, old['source'])} to {_name(a, old['target'])})"
        )
    if old["default"] != new["default"]:
        found.append(
            f"default flow: {_flow(a, old['default'])} → {_flow(b, new['default'])}"
        )
    return found


def _name(process: Process, element_id: str) -> str:
    element = process.get(element_id)
    return f"“{element['name']}”" if element else element_id or "(nothing)"


def _flow(process: Process, flow_id: str) -> str:
    """A flow as a process owner sees it: its name if it has one, and where it leads."""
    flow = process.get(flow_id)
    if flow is None:
        return flow_id or "(none)"
    to = f"the flow to {_name(process, flow['target'])}"
    return to if flow["name"] == flow_id else f"“{flow['name']}” ({to})"


def _elements(files: Mapping[str, bytes]) -> dict[str, Process]:
    found: dict[str, Process] = {}
    for name, content in sorted(files.items()):
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
                    elements[node.get("id")] = _describe_element(node, name)
    return found


def _describe_element(node: etree._Element, file: str) -> Element:
    timer = node.find("bpmn:timerEventDefinition", NS)
    params = {
        p.get("name"): (p.text or "").strip()
        for p in node.iterfind(
            "bpmn:extensionElements/camunda:inputOutput/camunda:inputParameter", NS
        )
    }
    return {
        "file": file,
        "tag": etree.QName(node).localname,
        "name": node.get("name") or node.get("id"),
        "form": {
            f.get("id"): _describe_field(f)
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
        "source": node.get("sourceRef") or "",
        "target": node.get("targetRef") or "",
        "default": node.get("default") or "",
    }


def _describe_field(field: etree._Element) -> dict:
    constraints = [
        (c.get("name") or "", c.get("config") or "")
        for c in field.iter(f"{C}constraint")
    ]
    return {
        "label": field.get("label") or field.get("id"),
        "type": field.get("type") or "string",
        "required": any(name == "required" for name, _ in constraints),
        "checks": " ".join(
            f"{name}={config}" if config else name
            for name, config in constraints
            if name != "required"
        ),
        "choices": ", ".join(v.get("id") or "" for v in field.iterfind(f"{C}value")),
    }
