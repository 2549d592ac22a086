"""The `notify` service task: render a message template with the case's data and queue it to an outbox.

The diagram names the template and the recipients; nothing about who is told what lives in Python:

    <camunda:inputParameter name="template">chair_notified</camunda:inputParameter>
    <camunda:inputParameter name="recipients">role:independent_chair, contact:ofsted</camunda:inputParameter>

Recipients: `role:<role key>` (every active user holding it), `contact:<key>` (an external body from the
contacts table), `completer:<element id>` (whoever completed that task in this case), `starter` (who
started the case). Templates are `templates/<name>.txt` in the deployment: a `Subject:` line, a blank
line, then the body, both Jinja2 in a sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.db import Sessions
from engine.models import AppUser
from engine.models import Contact
from engine.models import HumanTask
from engine.models import Membership
from engine.models import Notification
from engine.models import ReviewCase
from engine.roles import ROLES
from engine.service_tasks import ServiceCall

TEMPLATE_FOLDER = "templates"
RECIPIENT_KINDS = ("role", "contact", "completer", "starter")
_ENV = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)


class TemplateProblem(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Recipient:
    label: str
    user_id: int | None
    address: str | None


def template_path(name: str) -> str:
    return f"{TEMPLATE_FOLDER}/{name}.txt"


def split_template(text: str) -> tuple[str, str]:
    """(subject source, body source) of a template file; its first line must be `Subject: ...`."""
    first, _, rest = text.partition("\n")
    if not first.lower().startswith("subject:"):
        raise TemplateProblem("the first line must be 'Subject: ...'", 1)
    return first.split(":", 1)[1].strip(), rest.lstrip("\n")


def compile_template(text: str) -> None:
    """Raise TemplateProblem (with the file's line number) unless subject and body compile."""
    subject, body = split_template(text)
    offset = text[: text.find(body)].count("\n") if body else 1
    for source, base in ((subject, 0), (body, offset)):
        try:
            _ENV.parse(source)
        except TemplateSyntaxError as err:
            raise TemplateProblem(
                err.message or "template syntax error", (err.lineno or 1) + base
            ) from None


def render(text: str, context: Mapping[str, Any]) -> tuple[str, str]:
    subject, body = split_template(text)
    rendered_subject = " ".join(_ENV.from_string(subject).render(context).split())
    return rendered_subject, _ENV.from_string(body).render(context).strip() + "\n"


def parse_recipients(value: Any) -> list[tuple[str, str]]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    specs = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        kind, _, key = item.partition(":")
        specs.append((kind.strip(), key.strip()))
    return specs


class NotifyHandler:
    """Queues one outbox row per recipient, in the workflow step's own transaction."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

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
                    f"unknown recipient {kind}:{key}; use role:, contact:, completer: or starter"
                )
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
        return problems

    def _contact_keys(self) -> set[str]:
        with self.sessions.read() as session:
            return set(session.scalars(select(Contact.key)))

    def run(self, call: ServiceCall) -> dict[str, Any] | None:
        session: Session = call.session
        name = str(call.params.get("template") or "")
        source = call.files.get(template_path(name))
        if source is None:
            raise TemplateProblem(
                f"The message template {name!r} is missing from this case's deployment."
            )
        extras = {
            k: v for k, v in call.params.items() if k not in ("template", "recipients")
        }
        context = {
            **call.data,
            **extras,
            "case_reference": call.case_reference,
            "step": call.element_name,
        }
        subject, body = render(source.decode("utf-8"), context)
        recipients = resolve(
            session,
            call.case_id,
            parse_recipients(call.params.get("recipients")),
            call.completed_in_scope,
        )
        for recipient in recipients:
            queue(
                session,
                call.case_id,
                call.element_id,
                name,
                subject,
                body,
                recipient,
                call.at,
            )
        return None


def resolve(
    session: Session,
    case_id: int,
    specs: list[tuple[str, str]],
    completed_in_scope: Callable[[str], list[str]] | None = None,
) -> list[Recipient]:
    """The people and mailboxes a recipient list names, now; a spec naming nobody is kept as unaddressed."""
    found: list[Recipient] = []
    for kind, key in specs:
        matches = _resolve_one(session, case_id, kind, key, completed_in_scope)
        found.extend(
            matches or [Recipient(f"{kind}:{key}" if key else kind, None, None)]
        )
    unique: dict[tuple[int | None, str | None], Recipient] = {}
    for recipient in found:
        unique.setdefault(
            (recipient.user_id, recipient.address or recipient.label), recipient
        )
    return list(unique.values())


def _resolve_one(
    session: Session,
    case_id: int,
    kind: str,
    key: str,
    completed_in_scope: Callable[[str], list[str]] | None = None,
) -> list[Recipient]:
    if kind == "role":
        users = session.scalars(
            select(AppUser)
            .join(Membership)
            .where(Membership.role_key == key, AppUser.active.is_(True))
        )
        return [
            Recipient(f"{u.display_name} ({ROLES.get(key, key)})", u.id, u.email)
            for u in users
        ]
    if kind == "contact":
        contact = session.get(Contact, key)
        return [Recipient(contact.name, None, contact.email)] if contact else []
    if kind == "completer":
        query = select(HumanTask).where(
            HumanTask.case_id == case_id,
            HumanTask.element_id == key,
            HumanTask.state == "completed",
        )
        if completed_in_scope is not None:
            in_scope = completed_in_scope(key)
            query = query.where(HumanTask.id.in_(in_scope[:1] or ["(none)"]))
        row = session.scalars(
            query.order_by(HumanTask.completed_at.desc(), HumanTask.id)
        ).first()
        user = (
            session.get(AppUser, row.completed_by_id)
            if row and row.completed_by_id
            else None
        )
        return [Recipient(user.display_name, user.id, user.email)] if user else []
    if kind == "user":
        user = session.scalars(
            select(AppUser).where(AppUser.username == key, AppUser.active.is_(True))
        ).first()
        return [Recipient(user.display_name, user.id, user.email)] if user else []
    if kind == "starter":
        case = session.get(ReviewCase, case_id)
        user = (
            session.get(AppUser, case.started_by_id)
            if case and case.started_by_id
            else None
        )
        return [Recipient(user.display_name, user.id, user.email)] if user else []
    return []


def queue(
    session: Session,
    case_id: int | None,
    element_id: str | None,
    template: str,
    subject: str,
    body: str,
    recipient: Recipient,
    now: datetime,
) -> Notification:
    """Write one outbox row (and its audit event); a recipient with no address is marked failed at once."""
    addressed = recipient.address or recipient.user_id
    row = Notification(
        case_id=case_id,
        element_id=element_id,
        template=template,
        subject=subject,
        body=body,
        recipient=recipient.label,
        recipient_user_id=recipient.user_id,
        address=recipient.address,
        status="queued" if addressed else "failed",
        attempts=0,
        queued_at=now,
        next_attempt_at=now if addressed else None,
        last_error=None
        if addressed
        else f"Nobody to send to: {recipient.label} names no active person or contact.",
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        type="notification_queued" if addressed else "notification_failed",
        at=now,
        **audit.SYSTEM,
        case_id=case_id,
        data={
            "notification": row.id,
            "template": template,
            "subject": subject,
            "to": recipient.label,
            "address": recipient.address,
            "element": element_id,
            "error": row.last_error,
        },
    )
    return row
