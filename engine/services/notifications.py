"""Notifications: what a case sent, my messages, failures, delivering the outbox, reminders.

A message sent with a `delivered_message` (engine/notify/attachments.py) is correlated into its case
once it has gone (engine/services/deliveries.py), so the case's wait starts from the real delivery.
"""

from __future__ import annotations

import logging

from engine.db import accounts as account_rows
from engine.db import cases as case_rows
from engine.db import notification_attachments as attached
from engine.db import outbox
from engine.db import tasks as task_rows
from engine.db.models import HumanTask
from engine.dto import NotificationInfo
from engine.dto import UserInfo
from engine.notify import reminders
from engine.notify import smtp
from engine.notify import templates
from engine.services import deliveries
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork
from engine.settings import SmtpSettings

log = logging.getLogger(__name__)


class Notifications:
    def __init__(
        self, transactions: Transactions, kit: Kit, smtp_settings: SmtpSettings
    ) -> None:
        self.transactions = transactions
        self.kit = kit
        self.smtp = smtp_settings
        # The SMTP conversation for one message; a test may put a recorder in its place.
        self.transport = smtp.send_email

    def of_case(self, actor: UserInfo, reference: str) -> list[NotificationInfo]:
        """What was sent (or is waiting, or failed) to whom, for one case."""

        def query(tx: UnitOfWork) -> list[NotificationInfo]:
            row = CaseStore(tx, self.kit).visible(reference)
            return outbox.of_case(tx.session, row.id, row.reference)

        return self.transactions.read(actor, query)

    def mine(self, actor: UserInfo) -> list[NotificationInfo]:
        """In-app copies of the messages addressed to this user, newest first."""
        return self.transactions.read(
            actor, lambda tx: outbox.addressed_to(tx.session, tx.user.id)
        )

    def failed(self, actor: UserInfo) -> list[NotificationInfo]:
        """Every message that could not be delivered (managers and auditors)."""

        def query(tx: UnitOfWork) -> list[NotificationInfo]:
            tx.require("see_failed_notifications")
            return outbox.failed(tx.session)

        return self.transactions.read(actor, query)

    def recent(self, actor: UserInfo, limit: int = 200) -> list[NotificationInfo]:
        """The newest messages of the whole outbox, any status (the development mail view only)."""
        return self.transactions.read(
            actor, lambda tx: outbox.recent(tx.session, limit)
        )

    def deliver(self, limit: int = 50) -> dict[str, int]:
        """Send every due outbox message over SMTP; return counts of sent, retried and failed.

        Each batch is claimed under a lease in its own transaction, each message is sent outside any
        transaction, and its outcome recorded in another: a crash between them resends at most once
        (with the same Message-ID). One bad message fails alone; the others still go out.
        """
        counts = {"sent": 0, "retried": 0, "failed": 0}
        while True:
            batch = self.transactions.write(
                None,
                lambda tx: [r.id for r in outbox.claim_due(tx.session, tx.now, limit)],
            )
            if not batch:
                return counts
            for row_id in batch:
                counts[self._deliver_one(row_id)] += 1

    def _deliver_one(self, row_id: int) -> str:
        error: str | None = None
        permanent = False
        try:
            row, files = self.transactions.read(
                None,
                lambda tx: (
                    outbox.get(tx.session, row_id),
                    attached.for_sending(tx.session, row_id),
                ),
            )
            self.transport(self.smtp, row, files)
        except (smtp.DeliveryFailed, attached.AttachmentChanged) as err:
            error, permanent = str(err)[:500], getattr(err, "permanent", True)
        except Exception as err:  # noqa: BLE001 - one odd message must never jam the outbox
            log.exception("notification %s: unexpected error while sending", row_id)
            error, permanent = f"{type(err).__name__}: {err}"[:500], True
        if error:
            log.warning("notification %s not delivered: %s", row_id, error)
        outcome = self.transactions.write(
            None,
            lambda tx: outbox.record_delivery(
                tx.session, row_id, error, tx.now, permanent
            ),
        )
        if outcome == "sent":
            deliveries.correlate(self.transactions, self.kit, row_id)
        return outcome

    def queue_reminders(self) -> int:
        """Queue due-soon reminders and overdue notices for ready tasks; return how many were queued."""
        return self.transactions.write(None, self._queue_reminders)

    def _queue_reminders(self, tx: UnitOfWork) -> int:
        queued = 0
        for row in task_rows.with_due_dates_ready(tx.session):
            soon = reminders.needs_reminder(row, tx.now)
            if not (soon or reminders.is_newly_overdue(row, tx.now)):
                continue
            case = case_rows.by_id(tx.session, row.case_id)
            files = self.kit.bundle(tx.session, case.deployment_id).files
            name = reminders.DUE_SOON_TEMPLATE if soon else reminders.OVERDUE_TEMPLATE
            source = files.get(templates.template_path(name))
            if source is None:
                continue
            subject, body = templates.render(
                source.decode("utf-8"), reminders.context(row, case.reference)
            )
            specs = _reminder_recipients(tx, row) if soon else [("role", "bqam")]
            recipients = outbox.resolve(tx.session, case.id, specs)
            for recipient in _agency_filter(tx, row, recipients, soon):
                outbox.queue(
                    tx.session,
                    case.id,
                    row.element_id,
                    name,
                    subject,
                    body,
                    recipient,
                    tx.now,
                )
                queued += 1
            if soon:
                row.reminded_at = tx.now
            else:
                row.overdue_notified_at = tx.now
        return queued


def _reminder_recipients(tx: UnitOfWork, row: HumanTask) -> list[tuple[str, str]]:
    if row.assignee_id is not None:
        user = account_rows.fresh(tx.session, row.assignee_id)
        return [("user", user.username)] if user else []
    # A case role ("case:panel_member") reminds that case's members in it; a Board role its holders.
    return [
        ("case", r[5:]) if r.startswith("case:") else ("role", r)
        for r in task_rows.role_keys(row)
    ]


def _agency_filter(
    tx: UnitOfWork, row: HumanTask, recipients: list[outbox.Recipient], soon: bool
) -> list[outbox.Recipient]:
    """Role holders of an agency-scoped task are only those of the task's agency."""
    if not soon or row.agency_key is None:
        return recipients
    kept = []
    for recipient in recipients:
        user = (
            account_rows.fresh(tx.session, recipient.user_id)
            if recipient.user_id
            else None
        )
        if user is None or user.agency == row.agency_key:
            kept.append(recipient)
    return kept
