"""Service methods around a case's records: documents, notifications, diagrams, deployments."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import access
from engine import audit
from engine import notifications
from engine import outbox
from engine import persistence
from engine import reminders
from engine.dto import CaseDiagram
from engine.dto import CaseSummary
from engine.dto import DeploymentInfo
from engine.dto import DocumentInfo
from engine.dto import NotificationInfo
from engine.dto import UserInfo
from engine.errors import NotFound
from engine.models import AppUser
from engine.models import Deployment
from engine.models import Document
from engine.models import HumanTask
from engine.models import Notification
from engine.models import ReviewCase
from engine.timeutil import as_utc

if TYPE_CHECKING:
    from engine.service import WorkflowService

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
SAFE_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


class RecordsMixin:
    """Mixed into WorkflowService; uses its transaction helpers."""

    # ------------------------------------------------------------------ documents
    def upload_document(
        self: WorkflowService,
        actor: UserInfo,
        reference: str,
        filename: str,
        content: bytes,
        content_type: str | None = None,
        task_id: str | None = None,
    ) -> DocumentInfo:
        """Attach a file to a case (and a task). The stored content type comes from an allow-list."""
        name = PurePosixPath(filename.replace("\\", "/")).name.strip()
        suffix = PurePosixPath(name).suffix.lower()
        if not name:
            raise ValueError("Choose a file to upload.")
        if len(content) > MAX_DOCUMENT_BYTES:
            raise ValueError(
                f"The file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB."
            )
        if suffix not in SAFE_CONTENT_TYPES:
            raise ValueError(
                f"Files of type {suffix or '(none)'} cannot be uploaded; use PDF, Word, ODT, Excel, CSV, text or an image."
            )

        def command(session: Session, now: datetime) -> DocumentInfo:
            user = self._fresh(session, actor)
            access.require_can_change(user)
            case = persistence.get_case(session, reference)
            self._require_may_see(session, user, case)
            if task_id is not None:
                row = session.get(HumanTask, task_id)
                if row is None or row.case_id != case.id:
                    raise NotFound(f"There is no task {task_id} in case {reference}.")
                self._require_open(session, row)
                self._require_may_work(
                    user, row
                )  # a file for a task comes with working on it
            document = Document(
                case_id=case.id,
                task_id=task_id,
                filename=name,
                content_type=SAFE_CONTENT_TYPES[suffix],
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content=content,
                uploaded_by_id=user.id,
                uploaded_at=now,
            )
            session.add(document)
            session.flush()
            audit.record(
                session,
                type="document_uploaded",
                at=now,
                **audit.by(user),
                case_id=case.id,
                data={
                    "document": document.id,
                    "filename": name,
                    "sha256": document.sha256,
                    "size": document.size,
                    "task_id": task_id,
                },
            )
            return _document_info(session, document, case.reference)

        return self._write(command)

    def list_documents(
        self: WorkflowService, actor: UserInfo, reference: str
    ) -> list[DocumentInfo]:
        def query(session: Session) -> list[DocumentInfo]:
            user, case = self._visible_case(session, actor, reference)
            documents = session.scalars(
                select(Document)
                .where(Document.case_id == case.id)
                .order_by(Document.uploaded_at)
            )
            return [_document_info(session, d, case.reference) for d in documents]

        return self._read(query)

    def get_document(
        self: WorkflowService, actor: UserInfo, document_id: int
    ) -> tuple[DocumentInfo, bytes]:
        def query(session: Session) -> tuple[DocumentInfo, bytes]:
            user = self._fresh(session, actor)
            document = session.get(Document, document_id)
            if document is None:
                raise NotFound(f"There is no document {document_id}.")
            case = session.get(ReviewCase, document.case_id)
            assert case is not None
            self._require_may_see(session, user, case)
            return _document_info(session, document, case.reference), document.content

        return self._read(query)

    # ------------------------------------------------------------------ notifications
    def case_notifications(
        self: WorkflowService, actor: UserInfo, reference: str
    ) -> list[NotificationInfo]:
        """What was sent (or is waiting, or failed) to whom, for one case."""

        def query(session: Session) -> list[NotificationInfo]:
            user, case = self._visible_case(session, actor, reference)
            rows = session.scalars(
                select(Notification)
                .where(Notification.case_id == case.id)
                .order_by(Notification.id)
            )
            return [_notification_info(r, case.reference) for r in rows]

        return self._read(query)

    def my_messages(self: WorkflowService, actor: UserInfo) -> list[NotificationInfo]:
        """In-app copies of the messages addressed to this user, newest first."""

        def query(session: Session) -> list[NotificationInfo]:
            rows = session.execute(
                select(Notification, ReviewCase.reference)
                .outerjoin(ReviewCase, ReviewCase.id == Notification.case_id)
                .where(Notification.recipient_user_id == actor.id)
                .order_by(Notification.queued_at.desc(), Notification.id.desc())
            ).all()
            return [_notification_info(r, ref) for r, ref in rows]

        return self._read(query)

    def failed_notifications(
        self: WorkflowService, actor: UserInfo
    ) -> list[NotificationInfo]:
        def query(session: Session) -> list[NotificationInfo]:
            user = self._fresh(session, actor)
            access.require_role(
                user, {"bqam", "admin", "auditor"}, "see failed notifications"
            )
            rows = session.execute(
                select(Notification, ReviewCase.reference)
                .outerjoin(ReviewCase, ReviewCase.id == Notification.case_id)
                .where(Notification.status == "failed")
                .order_by(Notification.id)
            ).all()
            return [_notification_info(r, ref) for r, ref in rows]

        return self._read(query)

    def deliver_notifications(self: WorkflowService, limit: int = 50) -> dict[str, int]:
        """Send every due outbox message over SMTP; return counts of sent, retried and failed."""
        counts = {"sent": 0, "retried": 0, "failed": 0}
        while True:
            batch = self._write(
                lambda session, now: [
                    r.id for r in outbox.claim_due(session, now, limit)
                ]
            )
            if not batch:
                return counts
            for row_id in batch:
                outcome = self._deliver_one(row_id)
                counts[outcome] += 1

    def _deliver_one(self: WorkflowService, row_id: int) -> str:
        row = self._read(lambda session: session.get(Notification, row_id))
        error: str | None = None
        if row.address:
            try:
                outbox.send_email(self.smtp, row)
            except (OSError, smtplib_errors()) as err:
                error = f"{type(err).__name__}: {err}"[:500]
        return self._write(
            lambda session, now: _record_delivery(session, row_id, error, now)
        )

    # ------------------------------------------------------------------ diagrams and deployments
    def list_deployments(
        self: WorkflowService, actor: UserInfo
    ) -> list[DeploymentInfo]:
        def query(session: Session) -> list[DeploymentInfo]:
            user = self._fresh(session, actor)
            access.require_role(
                user, {"process_owner", "admin", "auditor", "bqam"}, "see deployments"
            )
            current = persistence.current_deployment(session)
            deployments = session.scalars(
                select(Deployment).order_by(Deployment.id.desc())
            )
            return [self._deployment_info(d, current) for d in deployments]

        return self._read(query)

    def deployment_cases(
        self: WorkflowService, actor: UserInfo, deployment_id: int
    ) -> list[CaseSummary]:
        def query(session: Session) -> list[CaseSummary]:
            user = self._fresh(session, actor)
            access.require_role(
                user, {"process_owner", "admin", "auditor", "bqam"}, "see deployments"
            )
            if session.get(Deployment, deployment_id) is None:
                raise NotFound(f"There is no deployment {deployment_id}.")
            cases = session.scalars(
                select(ReviewCase)
                .where(ReviewCase.deployment_id == deployment_id)
                .order_by(ReviewCase.id)
            )
            return [self._summary(session, c) for c in cases]

        return self._read(query)

    def case_diagrams(
        self: WorkflowService, actor: UserInfo, reference: str
    ) -> list[CaseDiagram]:
        """The diagrams a case has been through, with done and active elements: top-level process first."""

        def query(session: Session) -> list[CaseDiagram]:
            user, case = self._visible_case(session, actor, reference)
            run, bundle = self._load(session, case)
            by_process = run.element_states_by_process()
            order = [case.process_id] + [p for p in by_process if p != case.process_id]
            diagrams = []
            for process_id in order:
                if process_id not in bundle.diagram_of:
                    continue
                file_name, name = bundle.diagram_of[process_id]
                xml = bundle.files[file_name].decode("utf-8")
                done, active = by_process.get(process_id, ((), ()))
                diagrams.append(
                    CaseDiagram(
                        process_id, name, file_name, xml, tuple(done), tuple(active)
                    )
                )
            return diagrams

        return self._read(query)


def smtplib_errors() -> type[Exception]:
    import smtplib

    return smtplib.SMTPException


def _record_delivery(
    session: Session, row_id: int, error: str | None, now: datetime
) -> str:
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
            },
        )
        return "sent"
    row.last_error = error
    retry_at = outbox.next_attempt(row, now)
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


def _tell_managers_of_failure(
    session: Session, failed: Notification, now: datetime
) -> None:
    """Queue a message to every Business and QA Manager; a failure of *that* message is not chased again."""
    if failed.template == "notification_failed":
        return
    subject = f"A notification could not be delivered: {failed.subject}"
    body = (
        f"The message “{failed.subject}” to {failed.recipient} <{failed.address}> could not be delivered "
        f"after {failed.attempts} attempts.\nLast error: {failed.last_error}\n\n"
        "Check the address on the Contacts page, then send the information another way.\n"
    )
    for recipient in notifications.resolve(
        session, failed.case_id or 0, [("role", "bqam")]
    ):
        notifications.queue(
            session,
            failed.case_id,
            None,
            "notification_failed",
            subject,
            body,
            recipient,
            now,
        )


def _document_info(
    session: Session, document: Document, reference: str
) -> DocumentInfo:
    uploader = session.get(AppUser, document.uploaded_by_id)
    return DocumentInfo(
        document.id,
        reference,
        document.task_id,
        document.filename,
        document.content_type,
        document.size,
        document.sha256,
        uploader.display_name if uploader else "?",
        as_utc(document.uploaded_at),
    )


def _notification_info(row: Notification, reference: str | None) -> NotificationInfo:
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
    )


class RemindersMixin:
    def queue_reminders(self: WorkflowService) -> int:
        """Queue due-soon reminders and overdue notices for ready tasks; return how many were queued."""
        return self._write(self._queue_reminders)

    def _queue_reminders(self: WorkflowService, session: Session, now: datetime) -> int:
        query = select(HumanTask).where(
            HumanTask.state == "ready", HumanTask.due_at.is_not(None)
        )
        if session.get_bind().dialect.name != "sqlite":
            query = query.with_for_update(skip_locked=True)
        queued = 0
        for row in list(session.scalars(query)):
            soon, overdue = (
                reminders.needs_reminder(row, now),
                reminders.is_newly_overdue(row, now),
            )
            if not (soon or overdue):
                continue
            case = session.get(ReviewCase, row.case_id)
            assert case is not None
            files = self._bundle(session, case.deployment_id).files
            name = reminders.DUE_SOON_TEMPLATE if soon else reminders.OVERDUE_TEMPLATE
            source = files.get(notifications.template_path(name))
            if source is None:
                continue
            subject, body = notifications.render(
                source.decode("utf-8"), reminders.context(row, case.reference)
            )
            specs = _reminder_recipients(session, row) if soon else [("role", "bqam")]
            for recipient in _agency_filter(
                session, row, notifications.resolve(session, case.id, specs), soon
            ):
                notifications.queue(
                    session,
                    case.id,
                    row.element_id,
                    name,
                    subject,
                    body,
                    recipient,
                    now,
                )
                queued += 1
            if soon:
                row.reminded_at = now
            else:
                row.overdue_notified_at = now
        return queued


def _reminder_recipients(session: Session, row: HumanTask) -> list[tuple[str, str]]:
    if row.assignee_id is not None:
        user = session.get(AppUser, row.assignee_id)
        return [("user", user.username)] if user else []
    return [("role", r.role_key) for r in row.roles]


def _agency_filter(
    session: Session, row: HumanTask, recipients: list, soon: bool
) -> list:
    """Role holders of an agency-scoped task are only those of the task's agency."""
    if not soon or row.agency_key is None:
        return recipients
    kept = []
    for recipient in recipients:
        user = session.get(AppUser, recipient.user_id) if recipient.user_id else None
        if user is None or user.agency_key == row.agency_key:
            kept.append(recipient)
    return kept
