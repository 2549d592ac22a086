"""Timers: fire every due timer of every case, one case per transaction, safely from several workers."""

from __future__ import annotations

from datetime import timedelta

from engine.clock import as_utc
from engine.db import cases as case_rows
from engine.db import outbox
from engine.errors import WorkflowFailed
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork

TIMER_RETRY = timedelta(hours=1)


class Timers:
    def __init__(self, transactions: Transactions, kit: Kit) -> None:
        self.transactions = transactions
        self.kit = kit

    def fire_due(self) -> int:
        """Fire every timer that is due, one case per transaction; return how many cases moved on.

        Safe to run from several workers at once: a case whose timers another worker is firing is
        skipped, so no timer fires twice. A case whose timers fail is recorded, its managers told,
        and retried in an hour; the other cases carry on.
        """
        due = self.transactions.read(
            None, lambda tx: case_rows.due_for_timers(tx.session, tx.now)
        )
        moved = 0
        for case_id in due:
            try:
                if self.transactions.write(
                    None, lambda tx, c=case_id: self._fire(tx, c)
                ):
                    moved += 1
            except WorkflowFailed as failure:
                self.transactions.write(
                    None, lambda tx, c=case_id, f=failure: _failed(tx, c, str(f))
                )
        return moved

    def _fire(self, tx: UnitOfWork, case_id: int) -> bool:
        row = case_rows.lock_if_free(tx.session, case_id)
        if row is None or row.status != "active" or row.next_timer_at is None:
            return False
        if as_utc(row.next_timer_at) > tx.now:
            return False
        CaseStore(tx, self.kit).open(row).advance()
        return True


def _failed(tx: UnitOfWork, case_id: int, error: str) -> None:
    """A case whose timers cannot run is recorded, its managers told, and retried in an hour."""
    row = case_rows.lock(tx.session, case_id)
    row.next_timer_at = tx.now + TIMER_RETRY
    tx.record_system(
        "timers_failed", row, error=error, retry_at=row.next_timer_at.isoformat()
    )
    subject = f"{row.reference}: a deadline or timer could not be processed"
    body = (
        f"{error}\n\nThe engine will try again in an hour. A process owner may need to correct "
        "the diagram; the rest of the case is unaffected.\n"
    )
    for recipient in outbox.resolve(tx.session, row.id, [("role", "bqam")]):
        outbox.queue(
            tx.session, row.id, None, "timers_failed", subject, body, recipient, tx.now
        )
