"""The notification table (the outbox): queueing messages, finding who they go to, claiming due ones.

Each worker claims a batch of due rows (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a time)
and marks them `sending` with a lease before it talks to the mail server, so two workers never send the
same message. A failed attempt is retried with growing delays; after the last one (or at once, when
trying again cannot help: a malformed address, a refused recipient) the message is `failed`, which the
case page shows and the Business and QA Manager is told about. A message with no address to send to is
`undeliverable` from the start: it is never claimed and never shown as sent.

Statuses: queued, sending (claimed under a lease), sent, failed, undeliverable.

A message may carry case documents (engine/db/notification_attachments.py), fixed when it is queued; the
audit records each one's sha256 when it is queued and again when it is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import as_utc
from engine.db import audit
from engine.db import case_team as team_rows
from engine.db import notification_attachments as attached
from engine.db.case_team import CASE_ROLE_NAMES
from engine.db.models import AppUser
from engine.db.models import Contact
from engine.db.models import Document
from engine.db.models import HumanTask
from engine.db.models import Membership
from engine.db.models import Notification
from engine.db.models import ReviewCase
from engine.dto import NotificationInfo
from engine.roles import ROLES

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Recipient:
    label: str
    user_id: int | None
    address: str | None


def claim_due(session: Session, now: datetime, limit: int = 50) -> list[Notification]:
    """Due rows (queued, or `sending` with an expired lease), marked `sending` under a new lease."""
    query = (
        select(Notification)
        .where(
            Notification.status.in_(("queued", "sending")),
            Notification.next_attempt_at <= now,
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    for row in rows:
        row.status = "sending"
        row.attempts += 1
        row.next_attempt_at = now + LEASE
    return rows


def next_attempt(row: Notification, now: datetime) -> datetime | None:
    """When to try again after a failure, or None when the attempts are used up."""
    if row.attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[min(row.attempts, len(BACKOFF)) - 1]


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
    if kind == "case":
        return [
            Recipient(
                f"{u.display_name} ({CASE_ROLE_NAMES.get(key, key)})", u.id, u.email
            )
            for u in team_rows.members_in(session, case_id, key)
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
    documents: Sequence[Document] = (),
    delivered_message: str | None = None,
) -> Notification:
    """Write one outbox row (and its audit event); one with no address is undeliverable at once.

    `documents` go with it; `delivered_message` is correlated into the case once it is sent.
    """
    addressed = bool(recipient.address)
    row = Notification(
        case_id=case_id,
        element_id=element_id,
        template=template,
        subject=subject,
        body=body,
        recipient=recipient.label,
        recipient_user_id=recipient.user_id,
        address=recipient.address,
        status="queued" if addressed else "undeliverable",
        attempts=0,
        queued_at=now,
        next_attempt_at=now if addressed else None,
        last_error=None if addressed else _why_undeliverable(recipient),
        delivered_message=delivered_message,
    )
    session.add(row)
    session.flush()
    for document in documents:
        attached.add(session, row.id, document)
    audit.record(
        session,
        type="notification_queued" if addressed else "notification_undeliverable",
        at=now,
        **audit.SYSTEM,
        case_id=case_id,
        data={
            "notification": row.id,
            "template": template,
            "subject": subject,
            "body": body,
            "to": recipient.label,
            "address": recipient.address,
            "element": element_id,
            "error": row.last_error,
            **_attachment_data(documents),
        },
    )
    return row


def _attachment_data(documents: Sequence[Document]) -> dict[str, object]:
    if not documents:
        return {}
    return {
        "attachments": [
            {"document": d.id, "filename": d.filename, "sha256": d.sha256}
            for d in documents
        ]
    }


def _why_undeliverable(recipient: Recipient) -> str:
    if recipient.user_id is not None:
        return (
            f"{recipient.label} has no email address: no email was sent; they see the "
            "message under Messages. An administrator can add their address."
        )
    return f"Nobody to send to: {recipient.label} names no active person or contact."


def get(session: Session, row_id: int) -> Notification:
    row = session.get(Notification, row_id)
    assert row is not None
    return row


def info(
    row: Notification, reference: str | None, files: tuple[str, ...] = ()
) -> NotificationInfo:
    return NotificationInfo(
        row.id,
        reference,
        row.template,
        row.subject,
        row.body,
        row.recipient,
        row.address,
        row.status,
        as_utc(row.queued_at),
        as_utc(row.sent_at),
        row.attempts,
        row.last_error,
        files,
    )


def _infos(
    session: Session, rows: Sequence[tuple[Notification, str | None]]
) -> list[NotificationInfo]:
    """Rows with their case references as values, each with the names of the files it carries."""
    names = attached.names_of(session, [row.id for row, _ref in rows])
    return [info(row, ref, names.get(row.id, ())) for row, ref in rows]


def of_case(session: Session, case_id: int, reference: str) -> list[NotificationInfo]:
    """What was sent (or waits, or failed) to whom, for one case, in the order queued."""
    rows = session.scalars(
        select(Notification)
        .where(Notification.case_id == case_id)
        .order_by(Notification.id)
    )
    return _infos(session, [(r, reference) for r in rows])


def addressed_to(session: Session, user_id: int) -> list[NotificationInfo]:
    """In-app copies of the messages addressed to this user, newest first."""
    rows = session.execute(
        select(Notification, ReviewCase.reference)
        .outerjoin(ReviewCase, ReviewCase.id == Notification.case_id)
        .where(Notification.recipient_user_id == user_id)
        .order_by(Notification.queued_at.desc(), Notification.id.desc())
    ).all()
    return _infos(session, [(r, ref) for r, ref in rows])


def failed(session: Session) -> list[NotificationInfo]:
    rows = session.execute(
        select(Notification, ReviewCase.reference)
        .outerjoin(ReviewCase, ReviewCase.id == Notification.case_id)
        .where(Notification.status.in_(("failed", "undeliverable")))
        .order_by(Notification.id)
    ).all()
    return _infos(session, [(r, ref) for r, ref in rows])


def recent(session: Session, limit: int = 200) -> list[NotificationInfo]:
    """The newest messages of the outbox, whatever their status (the development mail view)."""
    rows = session.execute(
        select(Notification, ReviewCase.reference)
        .outerjoin(ReviewCase, ReviewCase.id == Notification.case_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()
    return _infos(session, [(r, ref) for r, ref in rows])


def record_delivery(
    session: Session,
    row_id: int,
    error: str | None,
    now: datetime,
    permanent: bool = False,
) -> str:
    """The outcome of one attempt: "sent", "retried" (later) or "failed" (and the managers told).

    A `permanent` error fails the message at once: trying again cannot help.
    """
    row = session.get(Notification, row_id, with_for_update=True)
    assert row is not None
    if error is None:
        row.status, row.sent_at, row.next_attempt_at, row.last_error = (
            "sent",
            now,
            None,
            None,
        )
        audit.record(
            session,
            type="notification_sent",
            at=now,
            **audit.SYSTEM,
            case_id=row.case_id,
            data={
                "notification": row.id,
                "to": row.recipient,
                "address": row.address,
                "subject": row.subject,
                "attempt": row.attempts,
                **_sent_files(session, row.id),
            },
        )
        return "sent"
    row.last_error = error
    retry_at = None if permanent else next_attempt(row, now)
    if retry_at is not None:
        row.status, row.next_attempt_at = "queued", retry_at
        return "retried"
    row.status, row.next_attempt_at = "failed", None
    audit.record(
        session,
        type="notification_failed",
        at=now,
        **audit.SYSTEM,
        case_id=row.case_id,
        data={
            "notification": row.id,
            "to": row.recipient,
            "address": row.address,
            "error": error,
            "attempts": row.attempts,
        },
    )
    _tell_managers_of_failure(session, row, now)
    return "failed"


def _sent_files(session: Session, row_id: int) -> dict[str, object]:
    files = attached.recorded(session, row_id)
    return {"attachments": files} if files else {}


def _tell_managers_of_failure(
    session: Session, failed_row: Notification, now: datetime
) -> None:
    """Queue a message to every Business and QA Manager; a failure of *that* message is not chased again."""
    if failed_row.template == "notification_failed":
        return
    shown = " ".join(
        failed_row.subject.split()
    )  # never carry a line break into a header
    subject = f"A notification could not be delivered: {shown}"
    body = (
        f"The message “{failed_row.subject}” to {failed_row.recipient} <{failed_row.address}> "
        f"could not be delivered (attempts: {failed_row.attempts}).\n"
        f"Last error: {failed_row.last_error}\n\n"
        "Check the address on the Contacts page, then send the information another way.\n"
        + (
            "The case waits until this message has been delivered.\n"
            if failed_row.delivered_message
            else ""
        )
    )
    for recipient in resolve(session, failed_row.case_id or 0, [("role", "bqam")]):
        queue(
            session,
            failed_row.case_id,
            None,
            "notification_failed",
            subject,
            body,
            recipient,
            now,
        )
