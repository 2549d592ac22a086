"""A case's history in plain language: who (in which role) did what, with their entries under the form's labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.clock import as_utc
from engine.db import accounts as account_rows
from engine.db import audit as audit_rows
from engine.db.models import AuditEvent
from engine.dto import UserInfo
from engine.process.forms import with_agencies
from engine.process.parser import ProcessEntry
from engine.process.run import form_of
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One event of a case in words: who (and in which role), what, and the data they entered."""

    seq: int
    at: datetime
    actor: str | None
    actor_roles: tuple[str, ...]
    summary: str
    details: tuple[tuple[str, str], ...]
    type: str
    hash: str


SENTENCES = {
    "case_started": "started the case",
    "task_claimed": "took “{name}”",
    "task_unclaimed": "released “{name}”",
    "task_completed": "completed “{name}”",
    "timer_fired": "deadline passed: “{name}”",
    "timers_failed": "a deadline could not be processed",
    "service_task_ran": "ran “{name}”",
    "message_received": "recorded the event “{message}”",
    "notification_queued": "queued “{subject}” to {to}",
    "notification_sent": "sent “{subject}” to {to}",
    "notification_failed": "could not deliver a message to {to}: {error}",
    "document_uploaded": "added the document “{filename}”",
    "case_migrated": "moved the case to diagram version {to_deployment}",
    "case_migration_undone": "moved the case back to diagram version {deployment}",
    "case_completed": "the case was closed",
    "payload_redacted": "redacted {fields_text}: {reason}",
    "task_answer_corrected": "corrected “{label}” in “{name}”",
}

# Kept in the record so verification can rebuild the task index; the deadlines page shows them.
BOOKKEEPING = frozenset({"task_offered", "task_cancelled"})


class Timeline:
    def __init__(self, transactions: Transactions, kit: Kit) -> None:
        self.transactions = transactions
        self.kit = kit

    def of_case(self, actor: UserInfo, reference: str) -> list[TimelineEntry]:
        """The case's history in plain language, with each step's entries under their form labels."""

        def query(tx: UnitOfWork) -> list[TimelineEntry]:
            tx.require("see_audit")
            row = CaseStore(tx, self.kit).visible(reference)
            entry = self.kit.bundle(tx.session, row.deployment_id).processes[
                row.process_id
            ]
            roles = account_rows.role_names_by_user(tx.session)
            return [
                _timeline_entry(e, entry, roles)
                for e in audit_rows.events_of_case(tx.session, row.id)
                if e.type not in BOOKKEEPING
            ]

        return self.transactions.read(actor, query)


def _timeline_entry(
    event: AuditEvent, entry: ProcessEntry, roles: dict[int, tuple[str, ...]]
) -> TimelineEntry:
    data = audit_rows.data_of(event)
    sentence = SENTENCES.get(event.type, event.type.replace("_", " "))
    try:
        summary = sentence.format(
            **{k: v for k, v in data.items() if isinstance(v, str | int)}
        )
    except (KeyError, IndexError):
        summary = sentence.split("“")[0].strip()
    details: tuple[tuple[str, str], ...] = ()
    if event.type == "task_completed":
        details = _labelled(
            form_of(entry, data.get("element", "")), data.get("data", {})
        )
    elif event.type == "case_started":
        details = _labelled(with_agencies(entry.start_fields), data.get("data", {}))
    elif event.type == "task_answer_corrected":
        details = _corrected(form_of(entry, data.get("element", "")), data)
    elif event.type == "message_received":
        details = tuple(
            (k.replace("_", " ").capitalize(), str(v))
            for k, v in (data.get("payload") or {}).items()
        )
    return TimelineEntry(
        event.seq,
        as_utc(event.at),
        event.actor_name,
        roles.get(event.actor_id or 0, ()),
        summary,
        details,
        event.type,
        event.hash,
    )


def _labelled(fields: Any, values: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    shown = []
    for field in fields:
        value = values.get(field.id)
        if value in (None, "", []):
            continue
        shown.append((field.label, answer_in_words(field, value)))
    return tuple(shown)


def _corrected(fields: Any, data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """A correction's old and new value in words, its reason, and whether the path was kept."""
    field_id = data.get("field", "")
    spec = next((f for f in fields if f.id == field_id), None)
    pair = (data.get("data") or {}).get(field_id)
    old, new = (
        (pair.get("old"), pair.get("new")) if isinstance(pair, dict) else (pair, pair)
    )
    shown = [
        ("Before", answer_in_words(spec, old) if spec else str(old)),
        ("After", answer_in_words(spec, new) if spec else str(new)),
        ("Reason", str(data.get("reason", ""))),
    ]
    if data.get("record_only"):
        steps = ", ".join(f"“{name}”" for name in data.get("affected") or ())
        shown.append(
            ("Note", f"Record corrected; the path taken was not changed ({steps})")
        )
    return tuple(shown)


def answer_in_words(field: Any, value: Any) -> str:
    """An answer as people read it: option labels, Yes or No, dates as "3 March 2026"."""
    if value in (None, "", []):
        return "Not given"
    names = {o.id: o.label for o in field.options}
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(names.get(str(v), str(v)) for v in value)
    if field.type == "date":
        try:
            return f"{datetime.fromisoformat(str(value)):%-d %B %Y}"
        except ValueError:
            return str(value)
    return names.get(str(value), str(value))
