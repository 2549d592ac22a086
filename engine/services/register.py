"""The recommendations register (seed 002 §9): every recommendation's SMART action, across cases.

The learning phase's tasks record the action plan: one task records a recommendation and its action,
the agency's progress reports and the Sub Group's reviews follow until it is signed off. The register
is a read of what those tasks recorded. `record_completion` keeps a projection of it (`register_entry`,
`register_update`) in the transaction that completed the task, from the task's data: it recognises
the action plan by its data keys (`recommendation_number`, `action_agency`, `action_progress`,
`action_signed_off`, ...), never by a diagram element, and decides nothing about the process.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

from engine import access
from engine.clock import as_utc
from engine.db import register as register_rows
from engine.db.models import RegisterEntry
from engine.db.models import RegisterUpdate
from engine.db.models import ReviewCase
from engine.dto import Option
from engine.dto import UserInfo
from engine.process.workdays import LONDON
from engine.services.exports import ExportFile
from engine.services.exports import table_file
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork

STATUSES = {
    "not_started": "Not yet reported on",
    "in_progress": "In progress",
    "awaiting_sign_off": "Reported complete: awaiting Sub Group sign-off",
    "signed_off": "Signed off by the Sub Group",
}
# What the action plan's tasks submit: a recommendation recorded, a progress report, a review.
PLAN_KEYS = {
    "recommendation_number",
    "action_progress",
    "action_complete",
    "action_signed_off",
}
DEFAULT_SOURCE = "Overview report action plan"
HEADERS = (
    "Case",
    "Recommendation",
    "Source",
    "Recommendation text",
    "Agency lead",
    "Responsible officer",
    "SMART action",
    "Intended outcome and success measure",
    "Due date",
    "Status",
    "Overdue",
    "Progress reports",
    "Latest progress",
    "Signed off by",
    "Signed off at",
)


@dataclass(frozen=True, slots=True)
class ProgressReport:
    kind: str  # progress (the agency) | review (the Sub Group)
    at: datetime
    by: str
    text: str
    evidence: str
    complete: bool | None
    signed_off: bool | None
    documents: tuple[Option, ...]  # value: document id, label: file name


@dataclass(frozen=True, slots=True)
class RegisterItem:
    case_reference: str
    number: int
    source: str
    recommendation: str
    agency_key: str
    agency: str
    responsible_officer: str
    action: str
    outcome_measure: str
    due_on: date | None
    status: str
    status_label: str
    overdue: bool
    signed_off_at: datetime | None
    signed_off_by: str | None
    reports: tuple[ProgressReport, ...]


@dataclass(frozen=True, slots=True)
class RegisterFilter:
    agency: str | None = None
    status: str | None = None
    overdue: bool = False
    case: str | None = None


@dataclass(frozen=True, slots=True)
class RegisterPage:
    entries: tuple[RegisterItem, ...]
    filters: RegisterFilter
    whole: bool  # the user sees every agency's entries
    agencies: tuple[Option, ...]
    statuses: tuple[Option, ...]
    cases: tuple[str, ...]


class Register:
    def __init__(self, transactions: Transactions) -> None:
        self.transactions = transactions

    def page(self, actor: UserInfo, filters: RegisterFilter) -> RegisterPage:
        """The register as the user may see it (every agency, or their own), filtered."""

        def query(tx: UnitOfWork) -> RegisterPage:
            scope = access.register_scope(tx.user)
            every = items(tx, scope, RegisterFilter())
            names = register_rows.agency_names(tx.session)
            shown = {i.agency_key for i in every}
            return RegisterPage(
                entries=tuple(_filtered(every, filters)),
                filters=filters,
                whole=scope is None,
                agencies=tuple(Option(k, v) for k, v in names.items() if k in shown),
                statuses=tuple(Option(k, v) for k, v in STATUSES.items()),
                cases=tuple(sorted({i.case_reference for i in every})),
            )

        return self.transactions.read(actor, query)

    def export(self, actor: UserInfo, filters: RegisterFilter, fmt: str) -> ExportFile:
        """The filtered register as CSV or XLSX, one row per action."""
        entries = self.page(actor, filters).entries
        rows = [_export_row(item) for item in entries]
        return table_file("recommendations-register", HEADERS, rows, fmt, "Register")


def items(
    tx: UnitOfWork, scope: str | None, filters: RegisterFilter
) -> list[RegisterItem]:
    today = tx.now.astimezone(LONDON).date()
    query = register_rows.listing(scope, filters.case)
    found = list(tx.session.execute(query).unique())
    doc_ids = [
        i for row, _r, _n in found for u in row.updates for i in register_rows.ids_in(u)
    ]
    docs = register_rows.documents(tx.session, doc_ids)
    return [_item(row, ref, name, today, docs) for row, ref, name in found]


def _filtered(items: list[RegisterItem], filters: RegisterFilter) -> list[RegisterItem]:
    return [
        i
        for i in items
        if (filters.agency is None or i.agency_key == filters.agency)
        and (filters.status is None or i.status == filters.status)
        and (not filters.overdue or i.overdue)
        and (filters.case is None or i.case_reference == filters.case)
    ]


def _item(
    row: RegisterEntry,
    reference: str,
    agency: str | None,
    today: date,
    docs: dict[int, str],
) -> RegisterItem:
    open_ = row.status in ("not_started", "in_progress")
    return RegisterItem(
        case_reference=reference,
        number=row.recommendation_number,
        source=row.source,
        recommendation=row.recommendation,
        agency_key=row.agency_key,
        agency=agency or row.agency_key,
        responsible_officer=row.responsible_officer,
        action=row.action,
        outcome_measure=row.outcome_measure,
        due_on=row.due_on,
        status=row.status,
        status_label=STATUSES.get(row.status, row.status),
        overdue=open_ and row.due_on is not None and row.due_on < today,
        signed_off_at=as_utc(row.signed_off_at),
        signed_off_by=row.signed_off_by,
        reports=tuple(_report(u, docs) for u in row.updates),
    )


def _report(update: RegisterUpdate, docs: dict[int, str]) -> ProgressReport:
    ids = register_rows.ids_in(update)
    return ProgressReport(
        kind=update.kind,
        at=as_utc(update.at) or update.at,
        by=update.by_name,
        text=update.text,
        evidence=update.evidence,
        complete=update.complete,
        signed_off=update.signed_off,
        documents=tuple(Option(str(i), docs.get(i, f"document {i}")) for i in ids),
    )


def _export_row(item: RegisterItem) -> list[Any]:
    latest = [r for r in item.reports if r.kind == "progress"]
    return [
        item.case_reference,
        item.number,
        item.source,
        item.recommendation,
        item.agency,
        item.responsible_officer,
        item.action,
        item.outcome_measure,
        item.due_on,
        item.status_label,
        item.overdue,
        len(latest),
        latest[-1].text if latest else "",
        item.signed_off_by or "",
        item.signed_off_at.astimezone(LONDON).replace(tzinfo=None)
        if item.signed_off_at
        else "",
    ]


# ---------------------------------------------------------------------- the projection
def record_completion(
    tx: UnitOfWork,
    case: ReviewCase,
    task_id: str,
    data: Mapping[str, Any],
    submitted: Mapping[str, Any],
) -> None:
    """Keep the register in step with a completed task of the action plan (no-op for other tasks).

    `data` is what the task saw and was given (its scope's data and the submitted values);
    `submitted` the values alone, which tell a progress report or a review from the recording.
    """
    if not PLAN_KEYS & submitted.keys():
        return  # not a task of the action plan (later tasks may still see its data)
    number = _number(data.get("recommendation_number"))
    if number is None or not data.get("action_agency"):
        return
    row = register_rows.entry(tx.session, case.id, number, tx.now)
    _describe(row, data)
    row.updated_at = tx.now
    by = tx.user.display_name
    if "action_signed_off" in submitted:
        signed = _yes(submitted.get("action_signed_off"))
        text = str(submitted.get("action_review_comments") or "")
        register_rows.add_update(
            tx.session,
            row,
            kind="review",
            at=tx.now,
            by_name=by,
            text=text,
            signed_off=signed,
            document_ids="[]",
        )
        row.status = "signed_off" if signed else "in_progress"
        row.signed_off_at = tx.now if signed else None
        row.signed_off_by = by if signed else None
    elif "action_progress" in submitted or "action_complete" in submitted:
        complete = _yes(submitted.get("action_complete"))
        register_rows.add_update(
            tx.session,
            row,
            kind="progress",
            at=tx.now,
            by_name=by,
            text=str(submitted.get("action_progress") or ""),
            evidence=str(submitted.get("action_evidence") or ""),
            complete=complete,
            document_ids=json.dumps(
                register_rows.document_ids_of_task(tx.session, task_id)
            ),
        )
        row.status = "awaiting_sign_off" if complete else "in_progress"


def _describe(row: RegisterEntry, data: Mapping[str, Any]) -> None:
    row.source = str(data.get("recommendation_source") or DEFAULT_SOURCE)[:120]
    row.recommendation = str(data.get("recommendation_text") or "")
    row.agency_key = str(data.get("action_agency"))
    row.responsible_officer = str(data.get("action_responsible_officer") or "")[:300]
    row.action = str(data.get("action_description") or "")
    row.outcome_measure = str(data.get("action_outcome_measure") or "")
    row.due_on = _day(data.get("action_due_on"))


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _yes(value: Any) -> bool:
    return value is True or str(value).lower() in ("yes", "true")


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
