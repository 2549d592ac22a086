"""The `notify` service task: render a message template with the case's data and queue it to an outbox.

The diagram names the template and the recipients; nothing about who is told what lives in Python:

    <camunda:inputParameter name="template">chair_notified</camunda:inputParameter>
    <camunda:inputParameter name="recipients">role:independent_chair, contact:ofsted</camunda:inputParameter>

Recipients: `role:<role key>` (every active user holding it), `contact:<key>` (an external body from the
contacts table), `completer:<element id>` (whoever completed that task in this case), `starter` (who
started the case). Templates are `templates/<name>.txt` in the deployment: a `Subject:` line, a blank
line, then the body, both Jinja2 in a sandbox. `attach` (the case's documents sent with the message) and
`delivered_message` (the BPMN message correlated into the case once it is sent) are described in
engine/notify/attachments.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.db import contacts as contact_rows
from engine.db import outbox
from engine.db.base import Database
from engine.notify import attachments
from engine.notify.templates import RECIPIENT_KINDS
from engine.notify.templates import TemplateProblem
from engine.notify.templates import compile_template
from engine.notify.templates import parse_recipients
from engine.notify.templates import render
from engine.notify.templates import template_path
from engine.process.handlers import ServiceCall
from engine.roles import CASE_ROLES
from engine.roles import ROLES


class NotifyHandler:
    """Queues one outbox row per recipient, in the workflow step's own transaction."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def check(self, params: Mapping[str, Any], files: Mapping[str, bytes]) -> list[str]:
        problems = []
        template = str(params.get("template") or "").strip()
        if not template:
            problems.append("the notify task needs a 'template' input parameter")
        elif "${" not in template:
            path = template_path(template)
            if path not in files:
                problems.append(
                    f"template {template!r} is not in the deployment (expected {path})"
                )
            else:
                try:
                    compile_template(files[path].decode("utf-8"))
                except (TemplateProblem, UnicodeDecodeError) as err:
                    line = getattr(err, "line", None)
                    problems.append(f"{path}{f' line {line}' if line else ''}: {err}")
        specs = parse_recipients(params.get("recipients"))
        if not specs and "${" not in str(params.get("recipients") or ""):
            problems.append("the notify task needs a 'recipients' input parameter")
        contacts = self._contact_keys()
        for kind, key in specs:
            if kind not in RECIPIENT_KINDS:
                problems.append(
                    f"unknown recipient {kind}:{key}; use role:, case:, contact:, completer: or starter"
                )
            elif kind == "case" and key not in CASE_ROLES:
                problems.append(f"unknown case role {key!r} in recipients")
            elif kind == "role" and key not in ROLES:
                problems.append(f"unknown role {key!r} in recipients")
            elif kind == "contact" and key not in contacts:
                problems.append(
                    f"unknown contact {key!r} in recipients; an administrator adds contacts"
                )
            elif kind == "completer" and not key:
                problems.append(
                    "completer: needs the id of the task whose completer is told"
                )
        return problems + attachments.check(params, files)

    def _contact_keys(self) -> set[str]:
        with self.database.transaction(write=False) as session:
            return contact_rows.keys(session)

    def run(self, call: ServiceCall) -> dict[str, Any] | None:
        session = call.session
        name = str(call.params.get("template") or "")
        source = call.files.get(template_path(name))
        if source is None:
            raise TemplateProblem(
                f"The message template {name!r} is missing from this case's deployment."
            )
        documents = attachments.documents(
            session,
            call.case_id,
            call.data,
            attachments.attach_fields(call.params.get("attach")),
            call.files,
        )
        delivered = str(call.params.get("delivered_message") or "").strip() or None
        extras = {
            k: v for k, v in call.params.items() if k not in ("template", "recipients")
        }
        context = {
            **call.data,
            **extras,
            "case_reference": call.case_reference,
            "step": call.element_name,
            "attachments": [d.filename for d in documents],
        }
        subject, body = render(source.decode("utf-8"), context)
        recipients = outbox.resolve(
            session,
            call.case_id,
            parse_recipients(call.params.get("recipients")),
            call.completed_in_scope,
        )
        for recipient in recipients:
            outbox.queue(
                session,
                call.case_id,
                call.element_id,
                name,
                subject,
                body,
                recipient,
                call.at,
                documents,
                delivered,
            )
        return None
