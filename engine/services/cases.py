"""Cases: the processes a user may start, starting one, a case at a glance, its events and diagrams."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from engine import access
from engine.clock import as_utc
from engine.db import audit as audit_rows
from engine.db import case_views as case_view_rows
from engine.db import cases as case_rows
from engine.db import deployments as deployment_rows
from engine.db import documents as document_rows
from engine.db import outbox as outbox_rows
from engine.db import tasks as task_rows
from engine.dto import AuditEntry
from engine.dto import CaseDiagram
from engine.dto import CaseEvent
from engine.dto import CasePage
from engine.dto import CaseSummary
from engine.dto import CaseView
from engine.dto import CaseWait
from engine.dto import DocumentInfo
from engine.dto import DocumentOrigin
from engine.dto import StartForm
from engine.dto import StepRecord
from engine.dto import UserInfo
from engine.errors import FormInvalid
from engine.errors import NotFound
from engine.process import forms
from engine.process import phases
from engine.process.run import form_of
from engine.services import case_events
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.case_store import OpenCase
from engine.services.documents import entries_hidden_from
from engine.services.documents import readable_by
from engine.services.summaries import task_summary
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork

LATEST_STEPS = 20
"""Steps a case page lists; the case's history page lists every event."""


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
                StartForm(e.process_id, e.name, forms.with_agencies(e.start_fields))
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
        """Everything the case page shows, in one transaction with one workflow load.

        Reading a case's sensitive data is itself recorded (who, when), in the same transaction, so
        auditors see every reader (`engine.audit.case_readings`); the record sits outside the chains.
        """

        def query(tx: UnitOfWork) -> CasePage:
            store = CaseStore(tx, self.kit)
            case = store.open(store.visible(reference))
            case_view_rows.add(tx.session, case.row.id, tx.user.id, tx.now)
            view = case_view(tx, case, LATEST_STEPS)
            documents = document_rows.of_case(
                tx.session, case.row.id, reference, readable_by(tx, case.row.id)
            )
            return CasePage(
                view,
                tuple(_diagrams(case)),
                tuple(documents),
                tuple(outbox_rows.of_case(tx.session, case.row.id, reference)),
                _origins(tx, case, view.data, documents),
                case_events.awaited(tx, case),
            )

        return self.transactions.write(actor, query)

    def index(self, actor: UserInfo) -> list[CaseSummary]:
        """The cases the user takes part in (every case, for board-wide roles), newest first."""

        def query(tx: UnitOfWork) -> list[CaseSummary]:
            every = access.sees_every_case(tx.user)
            return case_rows.summaries(
                tx.session,
                None if every else tx.user,
                sent=access.sees_cases_sent_to(tx.user),
            )

        return self.transactions.read(actor, query)

    def of_deployment(self, actor: UserInfo, deployment_id: int) -> list[CaseSummary]:
        """The cases pinned to one deployment (for process owners and readers of versions)."""

        def query(tx: UnitOfWork) -> list[CaseSummary]:
            tx.require("see_deployments")
            deployment_rows.get(tx.session, deployment_id)
            return case_rows.summaries(tx.session, deployment_id=deployment_id)

        return self.transactions.read(actor, query)

    def history(self, actor: UserInfo, reference: str) -> list[AuditEntry]:
        """Every recorded event of the case, oldest first: in full for auditors and board-wide roles,
        for others only what each is about (`_as_read`)."""

        def query(tx: UnitOfWork) -> list[AuditEntry]:
            row = CaseStore(tx, self.kit).visible(reference)
            whole = access.can(tx.user, "see_audit")
            hidden = None if whole else entries_hidden_from(tx, row.id)
            return [
                _as_read(audit_rows.entry(e, row.reference), whole, hidden)
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

        The catching element's `senderGroups` property says which roles may send it, to a case the
        sender takes part in.
        """

        return self.transactions.write(
            actor, lambda tx: self._deliver(tx, reference, message, dict(payload))
        )

    def event(self, actor: UserInfo, reference: str, message: str) -> CaseEvent:
        """Something the case waits to hear of that this user may record (for its page)."""

        def query(tx: UnitOfWork) -> CaseEvent:
            store = CaseStore(tx, self.kit)
            return case_events.one(tx, store.open(store.visible(reference)), message)

        return self.transactions.read(actor, query)

    def record_event(
        self,
        actor: UserInfo,
        reference: str,
        message: str,
        submitted: Mapping[str, Any],
    ) -> CaseSummary:
        """Record that something happened (engine.services.case_events): the day, a note."""

        def command(tx: UnitOfWork) -> CaseSummary:  # "today" is the engine clock's
            checked = case_events.payload(submitted)
            return self._deliver(tx, reference, message, checked)

        return self.transactions.write(actor, command)

    def _deliver(
        self, tx: UnitOfWork, reference: str, message: str, payload: dict[str, Any]
    ) -> CaseSummary:
        """Deliver `message` to the case's waiting elements, if the user may send it."""
        user = tx.require("change")
        store = CaseStore(tx, self.kit)
        row = store.row(reference, lock=True)
        store.require_may_see(row)  # nobody writes to a case they take no part in
        case = store.open(row)
        receivers = case.run.waiting_receivers(message)
        if not receivers:
            raise NotFound(
                f"Case {reference} is not waiting for “{message}” any more: someone may have "
                "recorded it already (see the case's history)."
            )
        allowed = {
            g.strip()
            for spec in receivers
            for g in (spec.extensions or {}).get("senderGroups", "").split(",")
            if g.strip()
        }
        access.require_one_of(user, allowed, f"send “{message}”")
        tx.record("message_received", case.row, message=message, payload=payload)
        case.deliver_message(message, payload)
        return case_rows.summary_of(tx.session, case.row)


def case_view(tx: UnitOfWork, case: OpenCase, latest: int | None = None) -> CaseView:
    """The case at a glance, with every step done or only the `latest` ones (pages stay the same size).

    Four statements whatever the length of the history: the open tasks, their roles, the steps shown,
    and the count of steps with the people who did them.
    """
    done, active = case.run.element_states()
    open_tasks = [
        task_summary(row, case.reference, assignee, tx.now)
        for row, assignee in task_rows.ready_of_case(tx.session, case.row.id)
    ]
    steps = [
        StepRecord(task_id, name, element_id, completer, as_utc(completed_at))
        for task_id, name, element_id, completer, completed_at in task_rows.steps_done(
            tx.session, case.row.id, latest
        )
    ]
    count, people = task_rows.completers(tx.session, case.row.id)
    ended = case.row.completed_at
    return CaseView(
        case_rows.summary_of(tx.session, case.row),
        tuple(open_tasks),
        tuple(steps),
        case.run.data(entries_hidden_from(tx, case.row.id)),
        tuple(done),
        tuple(active),
        count,
        tuple(people),
        tuple(CaseWait(name, when) for name, when in case.run.waiting_timers()),
        as_utc(ended) if ended is not None else None,
        phases.of_case(case.run.workflow),
    )


HISTORY_ABOUT = ("name", "subject", "filename")
"""What an event of a case's history is about, for those who may not read the audit record."""


def _as_read(
    entry: AuditEntry, whole: bool, hidden: Callable[[str], bool] | None
) -> AuditEntry:
    """The event as the reader may see it: the audit record in full is for auditors and board-wide
    roles; others read what it was about, without the file name of an agency's document they may
    not read yet (need to know)."""
    if whole:
        return entry
    agency = entry.data.get("agency")
    secret = isinstance(agency, str) and hidden is not None and hidden(agency)
    about = {
        key: entry.data[key]
        for key in HISTORY_ABOUT
        if key in entry.data and not (secret and key == "filename")
    }
    return dataclasses.replace(entry, data=about)


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


def _origins(
    tx: UnitOfWork,
    case: OpenCase,
    data: Mapping[str, Any],
    documents: list[DocumentInfo],
) -> dict[int, DocumentOrigin]:
    """What each document that came with a task is: the label of the file question it answered
    (where the case's data still holds its id, or the task has one file question), and the task."""
    entry = case.bundle.processes[case.row.process_id]
    origins = {}
    for document in documents:
        if document.task_id is None:
            continue
        task = task_rows.find_in_case(tx.session, document.task_id, case.row.id)
        if task is None:
            continue
        files = [f for f in form_of(entry, task.element_id) if f.type == "file"]
        answered = [f for f in files if str(data.get(f.id)) == str(document.id)]
        question = (answered or (files if len(files) == 1 else [None]))[0]
        origins[document.id] = DocumentOrigin(
            question.label if question is not None else None, task.name
        )
    return origins
