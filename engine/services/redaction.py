"""Redaction: lawfully removing personal data (a child's name, say) from a case without breaking the proof.

The record keeps personal data in event payloads, apart from the hashed events (engine.db.payloads). A
redaction, asked for by the Business and QA Manager and approved by the Independent Chair
(`access.require_redaction`), replaces the named fields of every payload of the case with a tombstone
naming the `payload_redacted` event that records it (which fields, which events, who asked, who
approved, why). The same fields become "[redacted]" in the stored workflow (and the states kept to undo
migrations), and their values in the case's message subjects and bodies. Verification stays intact
and lists the redaction; replay reproduces the redacted state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from engine import access
from engine.db import accounts
from engine.db import cases as case_rows
from engine.db import payloads
from engine.dto import UserInfo
from engine.errors import EngineError
from engine.errors import NotPermitted
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class RedactionResult:
    reference: str
    seq: int
    fields: tuple[str, ...]
    payload_fields: int
    messages: int


class Redactions:
    def __init__(self, transactions: Transactions) -> None:
        self.transactions = transactions

    def redact(
        self,
        requester: UserInfo,
        approver: UserInfo,
        reference: str,
        fields: list[str],
        reason: str,
    ) -> RedactionResult:
        """Redact `fields` from every record of the case, as one audited command.

        :param requester: the Business and QA Manager asking (the acting user).
        :param approver: the Independent Chair approving; another person.
        :raises NotPermitted: the two rules are not held, or one person is both.
        :raises EngineError: no reason, or the case holds none of the fields.
        """
        names = sorted({f.strip() for f in fields if f.strip()})
        if not names or not reason.strip():
            raise EngineError("Name the fields to redact and the reason for it.")

        def command(tx: UnitOfWork) -> RedactionResult:
            approving = accounts.fresh(tx.session, approver.id)
            if approving is None:
                raise NotPermitted("The approving account is not active.")
            access.require_redaction(tx.user, approving)
            row = case_rows.lock(tx.session, case_rows.get(tx.session, reference).id)
            stored = payloads.of_case_by_seq(tx.session, row.id)
            texts = [v for _seq, p in stored for v in payloads.values_of(p, names)]
            raw = [v for _seq, p in stored for v in payloads.raw_values(p, names)]
            plan = [
                [seq, section, name]
                for seq, payload in stored
                for section, name in payloads.planned(payload, names, texts)
            ]
            if not plan:
                raise EngineError(
                    f"Case {reference} holds none of the fields {', '.join(names)} "
                    "(or they are redacted already)."
                )
            event = tx.record(
                "payload_redacted",
                row,
                fields=names,
                fields_text=", ".join(names),
                reason=reason.strip(),
                requested_by=tx.user.display_name,
                approved_by=approving.display_name,
                approved_by_id=approving.id,
                redacted=plan,
            )
            for _seq, payload in stored:
                payloads.redact(payload, names, texts, event.seq)
            row.state = redacted_state(row.state, names, raw)
            for kept in payloads.stored_states(tx.session, row.id):
                kept.previous_state = redacted_state(kept.previous_state, names, raw)
            messages = payloads.scrub_messages(tx.session, row.id, texts)
            return RedactionResult(
                reference, event.seq, tuple(names), len(plan), messages
            )

        return self.transactions.write(requester, command)


def redacted_state(state: str, names: list[str], values: list[Any]) -> str:
    """The workflow state with what is stored under one of `names` replaced by "[redacted]".

    Task data, workflow data and internal data alike (a start event keeps its form's values there, and
    a field's history keeps [time, value] pairs: only the values that were redacted are replaced), so
    replaying the redacted events gives exactly this.
    """
    wanted, secret = set(names), {payloads.canonical_json(v) for v in values}

    def scrub(value: Any, top: bool = True) -> Any:
        if payloads.canonical_json(value) in secret:
            return payloads.REDACTED
        if isinstance(value, list):
            return [scrub(v, False) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v, False) for k, v in value.items()}
        return payloads.REDACTED if top else value

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: scrub(v) if k in wanted else walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return json.dumps(walk(json.loads(state)), separators=(",", ":"))
