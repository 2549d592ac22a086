"""What a `notify` service task sends with its message, and the message it waits for once sent.

Two optional input parameters, both checked when the diagrams are deployed:

    <camunda:inputParameter name="attach">publication_document</camunda:inputParameter>
    <camunda:inputParameter name="delivered_message">national_panel_report_delivered</camunda:inputParameter>

`attach` names upload form fields (comma-separated): the message carries the case's current document of
each. A field with no document stops the step: a message without the report it announces is never sent.
`delivered_message` names a BPMN message of the deployment: once the message has gone, the worker
correlates it into the case with the day it was sent, so a wait can count from the real delivery.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from engine.db.models import Document
from engine.errors import WorkflowFailed
from engine.process.xml import UnsafeXml
from engine.process.xml import parse_xml

_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_C = "{http://camunda.org/schema/1.0/bpmn}"


class AttachmentMissing(WorkflowFailed):
    """A field the message must carry holds no document of this case: the step stops, nothing saved
    (a step a timer moved is retried and the Business and QA Manager told, as any failed step)."""


def attach_fields(value: Any) -> list[str]:
    return [f.strip() for f in str(value or "").split(",") if f.strip()]


def _diagrams(files: Mapping[str, bytes]) -> list[etree._Element]:
    roots = []
    for name, content in files.items():
        if name.lower().endswith(".bpmn"):
            try:
                roots.append(parse_xml(content))
            except UnsafeXml:
                continue  # the deployment's own checks report it
    return roots


def upload_fields(files: Mapping[str, bytes]) -> dict[str, list[tuple[str, str]]]:
    """Every upload form field of the deployment where a person uploads into it:
    field id -> (the step's name, the field's label) for each step, in the diagrams' order."""
    found: dict[str, list[tuple[str, str]]] = {}
    for root in _diagrams(files):
        for node in root.iter(f"{_C}formField"):
            props = {
                p.get("id"): (p.get("value") or "").strip().lower()
                for p in node.findall(f"{_C}properties/{_C}property")
            }
            if props.get("upload") != "true" or not node.get("id"):
                continue
            steps = found.setdefault(node.get("id"), [])
            readonly = any(
                c.get("name") == "readonly"
                for c in node.findall(f"{_C}validation/{_C}constraint")
            )
            task = next(
                node.iterancestors(f"{_BPMN}userTask", f"{_BPMN}startEvent"), None
            )
            if not readonly and task is not None:
                steps.append(
                    (task.get("name") or task.get("id") or "", node.get("label") or "")
                )
    return found


def _missing(field: str, files: Mapping[str, bytes]) -> AttachmentMissing:
    steps = upload_fields(files).get(field) or [("", field)]
    label = steps[-1][1] or field
    where = " or ".join(f"“{name}”" for name, _label in steps if name)
    return AttachmentMissing(
        f"This message must carry “{label}”, but the case holds no such document, so nothing "
        f"was sent and nothing was saved. Upload the document{f' in {where}' if where else ''}, "
        "then try again."
    )


def message_names(files: Mapping[str, bytes]) -> set[str]:
    return {
        node.get("name") or ""
        for root in _diagrams(files)
        for node in root.iter(f"{_BPMN}message")
    }


def check(params: Mapping[str, Any], files: Mapping[str, bytes]) -> list[str]:
    """Problems with `attach` and `delivered_message`, in words a process owner can act on."""
    problems = []
    attach = str(params.get("attach") or "")
    if attach.strip() and "${" in attach:
        problems.append(
            "'attach' must name upload form fields, comma-separated, not an expression"
        )
    elif attach.strip():
        uploads = upload_fields(files)
        for field in attach_fields(attach):
            if field not in uploads:
                problems.append(
                    f"'attach' names {field!r}, which is not an upload form field of these "
                    "diagrams; name a string form field with the property upload=true"
                )
    message = str(params.get("delivered_message") or "").strip()
    if message and message not in message_names(files):
        problems.append(
            f"'delivered_message' names {message!r}, which is not a message of these diagrams; "
            "add it as a message (with an intermediate catch event waiting for it)"
        )
    return problems


def documents(
    session: Any,
    case_id: int,
    data: Mapping[str, Any],
    fields: list[str],
    files: Mapping[str, bytes],
) -> list[Document]:
    """The case's current document of each field, in the order named.

    :raises AttachmentMissing: a field holds no document of this case (named by its label).
    """
    found = []
    for field in fields:
        value = str(data.get(field) or "").strip()
        document = session.get(Document, int(value)) if value.isdigit() else None
        if document is None or document.case_id != case_id:
            raise _missing(field, files)
        found.append(document)
    return found
