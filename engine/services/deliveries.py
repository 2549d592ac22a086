"""A message sent with a `delivered_message`: once it has gone, the case hears of it.

The `notify` service task's `delivered_message` input parameter names a BPMN message. When the worker
has recorded that such a message was sent, it correlates that message into the case, as the system and
in a transaction of its own, with the day it was sent in England (`sent_on`), to whom (`to`) and the
files it carried (`attachments`); the diagram reads them as `<message name>.on` (the day, as when a person
records the event on the case page: engine.services.case_events). So a wait counts
from the real delivery (the week before publication from the day the report reached the National
Panel), and a message that keeps failing keeps the case waiting, visibly, while the Business and QA
Manager is told. A case that no longer waits for the message (it was delivered to another recipient
first, or the case moved on) is left as it is.
"""

from __future__ import annotations

import logging

from engine.clock import as_utc
from engine.db import cases as case_rows
from engine.db import notification_attachments as attached
from engine.db import outbox
from engine.errors import WorkflowFailed
from engine.process.workdays import LONDON
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def correlate(transactions: Transactions, kit: Kit, row_id: int) -> bool:
    """Tell the case that outbox message `row_id` was sent; True if a waiting case moved on."""
    try:
        return transactions.write(None, lambda tx: _correlate(tx, kit, row_id))
    except WorkflowFailed as failure:
        log.warning("notification %s: the case could not move on: %s", row_id, failure)
        error = str(failure)
        transactions.write(None, lambda tx: _failed(tx, row_id, error))
        return False


def _correlate(tx: UnitOfWork, kit: Kit, row_id: int) -> bool:
    row = outbox.get(tx.session, row_id)
    message = row.delivered_message
    if not message or row.case_id is None or row.sent_at is None:
        return False
    case_row = case_rows.lock(tx.session, row.case_id)
    if case_row.status != "active":
        return False
    case = CaseStore(tx, kit).open(case_row)
    if not case.run.waiting_receivers(message):
        return False
    sent_on = as_utc(row.sent_at).astimezone(LONDON).date().isoformat()
    payload = {
        "on": sent_on,  # as when somebody records it on the case page
        "sent_on": sent_on,
        "to": row.recipient,
        "attachments": ", ".join(
            attached.names_of(tx.session, [row.id]).get(row.id, ())
        ),
    }
    tx.record_system(
        "message_received",
        case_row,
        message=message,
        payload=payload,
        notification=row.id,
    )
    case.deliver_message(message, payload)
    return True


def _failed(tx: UnitOfWork, row_id: int, error: str) -> None:
    """The message went, but the case could not take the next step: recorded, and the managers told."""
    row = outbox.get(tx.session, row_id)
    case_row = case_rows.lock(tx.session, row.case_id or 0)
    tx.record_system(
        "delivery_not_correlated", case_row, notification=row.id, error=error
    )
    subject = f"{case_row.reference}: a step after a sent message could not be taken"
    body = (
        f"The message “{row.subject}” to {row.recipient} was sent, but the case could not move "
        f"on from it:\n{error}\n\nA process owner may need to correct the diagram; the case "
        "waits meanwhile.\n"
    )
    for recipient in outbox.resolve(tx.session, case_row.id, [("role", "bqam")]):
        outbox.queue(
            tx.session,
            case_row.id,
            None,
            "delivery_not_correlated",
            subject,
            body,
            recipient,
            tx.now,
        )
