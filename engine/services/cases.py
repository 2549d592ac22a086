"""Cases: the processes a user may start, starting one, a case at a glance, its events and diagrams."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import access
from engine.clock import as_utc
from engine.db import audit as audit_rows
from engine.db import cases as case_rows
from engine.db import deployments as deployment_rows
from engine.db import documents as document_rows
from engine.db import outbox as outbox_rows
from engine.db import tasks as task_rows
from engine.dto import AuditEntry
from engine.dto import CaseDiagram
from engine.dto import CasePage
from engine.dto import CaseSummary
from engine.dto import CaseView
from engine.dto import StartForm
from engine.dto import StepRecord
from engine.dto import UserInfo
from engine.errors import FormInvalid
from engine.errors import NotFound
from engine.process import forms
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.case_store import OpenCase
from engine.services.summaries import task_summary
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork


class Cases:
    def __init__(self, transactions: Transactions, kit: Kit) -> None:
        self.transactions = transactions
        self.kit = kit

    def start_forms(self, actor: UserInfo) -> list[StartForm]:
        """The processes of the current deployment this user may start, with their start forms."""

        def query(tx: UnitOfWork) -> list[StartForm]:
            deployment = deployment_rows.current(tx.session)
            if deployment is None or not access.can(tx.user, "change"):
                return []
            bundle = self.kit.bundle(tx.session, deployment.id)
            return [
                StartForm(e.process_id, e.name, e.start_fields)
                for e in bundle.processes.values()
                if tx.user.roles & set(e.starter_groups)
            ]

        return self.transactions.read(actor, query)

    def start(
        self, actor: UserInfo, process_id: str, submitted: Mapping[str, Any]
    ) -> CaseSummary:
        """Start a case of `process_id` on the current deployment, with the start form's values.

        :raises FormInvalid: the start form's errors by field.
        :raises NotPermitted: the process does not list one of the user's roles as a starter.
        """

        def command(tx: UnitOfWork) -> CaseSummary:
            user = tx.require("change")
            deployment = deployment_rows.current(tx.session)
            if deployment is None:
                raise NotFound(
                    "No diagrams are deployed yet; a process owner must deploy them first."
                )
            bundle = self.kit.bundle(tx.session, deployment.id)
            entry = bundle.processes.get(process_id)
            if entry is None:
                raise NotFound(f"The current deployment has no process {process_id}.")
            access.require_one_of(user, entry.starter_groups, f"start “{entry.name}”")
            clean, errors = forms.validate(entry.start_fields, submitted)
            if errors:
                raise FormInvalid(errors, submitted)
            reference = case_rows.next_reference(tx.session, tx.now.year)
            data = {
                **clean,
                "case_reference": reference,
                "started_by": user.username,
                "started_on": tx.now.date().isoformat(),
            }
            case = CaseStore(tx, self.kit).start(deployment.id, entry, bundle, data)
            tx.record(
                "case_started",
                case.row,
                reference=reference,
                process=process_id,
                deployment=deployment.content_hash,
                data=clean,
                start_data=data,
            )
            case.advance()
            return case_rows.summary_of(tx.session, case.row)

        return self.transactions.write(actor, command)

    def view(self, actor: UserInfo, reference: str) -> CaseView:
        """The case at a glance: summary, open tasks, steps done, data, done and active elements."""

        def query(tx: UnitOfWork) -> CaseView:
            store = CaseStore(tx, self.kit)
            return case_view(tx, store.open(store.visible(reference)))

        return self.transactions.read(actor, query)

    def page(self, actor: UserInfo, reference: str) -> CasePage:
        """Everything the case page shows, read in one transaction with one workflow load."""

        def query(tx: UnitOfWork) -> CasePage:
            store = CaseStore(tx, self.kit)
            case = store.open(store.visible(reference))
            return CasePage(
                case_view(tx, case),
                tuple(_diagrams(case)),
                tuple(document_rows.of_case(tx.session, case.row.id, reference)),
                tuple(outbox_rows.of_case(tx.session, case.row.id, reference)),
            )

        return self.transactions.read(actor, query)

    def index(self, actor: UserInfo) -> list[CaseSummary]:
        """The cases the user takes part in (every case, for board-wide roles), newest first."""

        def query(tx: UnitOfWork) -> list[CaseSummary]:
            every = access.sees_every_case(tx.user)
            return case_rows.summaries(tx.session, None if every else tx.user)

        return self.transactions.read(actor, query)

    def of_deployment(self, actor: UserInfo, deployment_id: int) -> list[CaseSummary]:
        """The cases pinned to one deployment (for process owners and readers of versions)."""

        def query(tx: UnitOfWork) -> list[CaseSummary]:
            tx.require("see_deployments")
            deployment_rows.get(tx.session, deployment_id)
            return case_rows.summaries(tx.session, deployment_id=deployment_id)

        return self.transactions.read(actor, query)

    def history(self, actor: UserInfo, reference: str) -> list[AuditEntry]:
        """Every recorded event of the case, oldest first."""

        def query(tx: UnitOfWork) -> list[AuditEntry]:
            row = CaseStore(tx, self.kit).visible(reference)
            return [
                audit_rows.entry(e, row.reference)
                for e in audit_rows.events_of_case(tx.session, row.id)
            ]

        return self.transactions.read(actor, query)

    def diagrams(self, actor: UserInfo, reference: str) -> list[CaseDiagram]:
        """The diagrams a case has been through, with done and active elements: top-level first."""

        def query(tx: UnitOfWork) -> list[CaseDiagram]:
            store = CaseStore(tx, self.kit)
            return _diagrams(store.open(store.visible(reference)))

        return self.transactions.read(actor, query)

    def deliver_message(
        self, actor: UserInfo, reference: str, message: str, payload: Mapping[str, Any]
    ) -> CaseSummary:
        """Deliver a named message (e.g. parallel proceedings started) to a case that waits for it.

        The catching element's `senderGroups` property says which roles may send it.
        """

        def command(tx: UnitOfWork) -> CaseSummary:
            user = tx.require("change")
            store = CaseStore(tx, self.kit)
            case = store.open(store.row(reference, lock=True))
            receivers = case.run.waiting_receivers(message)
            if not receivers:
                raise NotFound(
                    f"Case {reference} is not waiting for the message “{message}”."
                )
            allowed = {
                g.strip()
                for spec in receivers
                for g in (spec.extensions or {}).get("senderGroups", "").split(",")
                if g.strip()
            }
            access.require_one_of(user, allowed, f"send “{message}”")
            tx.record(
                "message_received", case.row, message=message, payload=dict(payload)
            )
            case.deliver_message(message, dict(payload))
            return case_rows.summary_of(tx.session, case.row)

        return self.transactions.write(actor, command)


def case_view(tx: UnitOfWork, case: OpenCase) -> CaseView:
    done, active = case.run.element_states()
    open_tasks, steps = [], []
    for row, assignee, completer in task_rows.of_case(tx.session, case.row.id):
        if row.state == "ready":
            open_tasks.append(task_summary(row, case.reference, assignee, tx.now))
        elif row.state == "completed":
            steps.append(
                StepRecord(
                    row.id,
                    row.name,
                    row.element_id,
                    completer,
                    as_utc(row.completed_at),
                )
            )
    return CaseView(
        case_rows.summary_of(tx.session, case.row),
        tuple(open_tasks),
        tuple(steps),
        case.run.data(),
        tuple(done),
        tuple(active),
    )


def _diagrams(case: OpenCase) -> list[CaseDiagram]:
    by_process = case.run.element_states_by_process()
    top = case.row.process_id
    order = [top] + [p for p in by_process if p != top]
    diagrams = []
    for process_id in order:
        if process_id not in case.bundle.diagram_of:
            continue
        file_name, name = case.bundle.diagram_of[process_id]
        done, active = by_process.get(process_id, ((), ()))
        diagrams.append(
            CaseDiagram(
                process_id,
                name,
                file_name,
                case.bundle.files[file_name].decode("utf-8"),
                tuple(done),
                tuple(active),
            )
        )
    return diagrams
