"""Tasks: my inbox, a task's form, completing it (with its files), claiming and releasing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from typing import overload

from engine import access
from engine.db import cases as case_rows
from engine.db import documents as document_rows
from engine.db import tasks as task_rows
from engine.db.models import HumanTask
from engine.dto import CaseSummary
from engine.dto import InboxPage
from engine.dto import TaskForm
from engine.dto import TaskPage
from engine.dto import TaskSummary
from engine.dto import Upload
from engine.dto import UserInfo
from engine.errors import FormInvalid
from engine.errors import NotPermitted
from engine.errors import TaskNotReady
from engine.process import forms
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.case_store import OpenCase
from engine.services.case_team import appoint_from_form
from engine.services.case_team import appointment_problems
from engine.services.cases import LATEST_STEPS
from engine.services.cases import case_view
from engine.services.documents import readable_by
from engine.services.documents import share_agency_documents
from engine.services.documents import store_document
from engine.services.summaries import task_summary
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork


class Tasks:
    def __init__(self, transactions: Transactions, kit: Kit) -> None:
        self.transactions = transactions
        self.kit = kit

    @overload
    def inbox(self, actor: UserInfo) -> list[TaskSummary]: ...

    @overload
    def inbox(self, actor: UserInfo, page: int) -> InboxPage: ...

    def inbox(
        self, actor: UserInfo, page: int | None = None
    ) -> list[TaskSummary] | InboxPage:
        """Ready tasks assigned to the user or offered to their roles, soonest due first.

        :param page: None for every task (one query); a number for that page of 50 rows with the
            total (`InboxPage`, two queries whatever the number of tasks).
        """
        if page is not None:
            return self._inbox_page(actor, page)

        def query(tx: UnitOfWork) -> list[TaskSummary]:
            return [
                task_summary(row, reference, assignee, tx.now)
                for row, reference, assignee in task_rows.inbox(tx.session, tx.user)
            ]

        return self.transactions.read(actor, query)

    def _inbox_page(self, actor: UserInfo, page: int) -> InboxPage:
        """One page of the inbox; a page past the last gives the last page."""

        def query(tx: UnitOfWork) -> InboxPage:
            total = task_rows.inbox_count(tx.session, tx.user)
            pages = max(1, -(-total // task_rows.PAGE_SIZE))
            number = min(max(1, page), pages)
            rows = task_rows.inbox(tx.session, tx.user, number)
            tasks = tuple(task_summary(r, ref, a, tx.now) for r, ref, a in rows)
            return InboxPage(tasks, number, pages, total)

        return self.transactions.read(actor, query)

    def open(self, actor: UserInfo, task_id: str) -> TaskForm:
        """The form of a ready task, with the values entered so far in the case."""
        return self.transactions.read(
            actor, lambda tx: _open(CaseStore(tx, self.kit), task_id)[0]
        )

    def page(self, actor: UserInfo, task_id: str) -> TaskPage:
        """Everything the task's page shows, in one transaction with one workflow load."""

        def query(tx: UnitOfWork) -> TaskPage:
            form, case = _open(CaseStore(tx, self.kit), task_id)
            documents = document_rows.of_case(
                tx.session, case.row.id, case.reference, readable_by(tx, case.row.id)
            )
            return TaskPage(form, case_view(tx, case, LATEST_STEPS), tuple(documents))

        return self.transactions.read(actor, query)

    def complete(
        self,
        actor: UserInfo,
        task_id: str,
        submitted: Mapping[str, Any],
        files: Mapping[str, Upload] | None = None,
    ) -> CaseSummary:
        """Validate the form, attach its files, complete the task and run the case on to its next wait.

        A file field's value becomes the id of the document stored from `files[field id]`, in the same
        transaction: a refused form keeps no file.

        :raises FormInvalid: field errors (a file's too, e.g. too large); nothing saved.
        :raises TaskAlreadyCompleted: somebody else completed it first (who and when); nothing saved.
        """

        def command(tx: UnitOfWork) -> CaseSummary:
            user = tx.require("change")
            store = CaseStore(tx, self.kit)
            task, row = store.visible_task(task_id)
            store.require_open(task)
            store.require_work(task)
            case = store.open(row)
            detail = case.run.detail(task_id)
            values = dict(submitted)
            errors = _attach_files(tx, row, task_id, detail.fields, files or {}, values)
            clean, field_errors = forms.validate(
                detail.fields, values, detail.data, detail.labels
            )
            appoints = case.appoints(task_id)
            team_errors = appointment_problems(tx.session, appoints, clean)
            errors = {**team_errors, **field_errors, **errors}
            for field_id, upload in (files or {}).items():
                if errors and field_id not in errors and upload.filename:
                    errors[field_id] = (
                        f"Choose {upload.filename} again: a file is saved only with "
                        "the whole form"
                    )
            if errors:
                raise FormInvalid(errors, dict(submitted))
            tx.record(
                "task_completed",
                row,
                task_id=task_id,
                element=task.element_id,
                name=task.name,
                data=clean,
            )
            appoint_from_form(tx, row, appoints, clean, task_id, task.agency_key)
            shared = case.shares_documents_of(task_id, clean)
            case.complete(task_id, clean, user)
            if shared:
                share_agency_documents(tx, row, shared)
            return case_rows.summary_of(tx.session, row)

        return self.transactions.write(actor, command)

    def claim(self, actor: UserInfo, task_id: str) -> TaskSummary:
        """Take a task offered to one of your roles, so nobody else works on it at the same time."""
        return self._claim(actor, task_id, claim=True)

    def release(self, actor: UserInfo, task_id: str) -> TaskSummary:
        """Give a claimed task back to the pool (the claimer, or a board-wide manager)."""
        return self._claim(actor, task_id, claim=False)

    def _claim(self, actor: UserInfo, task_id: str, claim: bool) -> TaskSummary:
        def command(tx: UnitOfWork) -> TaskSummary:
            user = tx.require("change")
            store = CaseStore(tx, self.kit)
            task, row = store.visible_task(task_id)
            store.require_open(task)
            if claim:
                store.require_work(task)
            else:
                _require_may_release(store, user, task, row)
            case = store.open(row)
            case.set_claim(task_id, user.username if claim else None)
            tx.record(
                "task_claimed" if claim else "task_unclaimed",
                row,
                task_id=task_id,
                element=task.element_id,
                name=task.name,
                username=user.username if claim else None,
            )
            assignee = task_rows.assignee_name(tx.session, task)
            return task_summary(task, row.reference, assignee, tx.now)

        return self.transactions.write(actor, command)


def _open(store: CaseStore, task_id: str) -> tuple[TaskForm, OpenCase]:
    """The form of a ready task the user may work on (or, board-wide, look at), and its open case."""
    tx = store.tx
    task, row = store.visible_task(task_id, lock=False)
    store.require_open(task)
    if not access.sees_every_case(tx.user):
        store.require_work(task)
    case = store.open(row)
    detail = case.run.detail(task_id)
    values = {f.id: detail.data.get(f.id, f.default) for f in detail.fields}
    assignee = task_rows.assignee_name(tx.session, task)
    form = TaskForm(
        task_summary(task, row.reference, assignee, tx.now),
        detail.documentation,
        detail.fields,
        values,
        row.version,
        task.element_id,
    )
    return form, case


def _require_may_release(
    store: CaseStore, user: UserInfo, task: HumanTask, row: Any
) -> None:
    """A claimed task is released by its claimer, or by a manager who may see the case."""
    if task.assignee_id is None:
        raise TaskNotReady(f"The task “{task.name}” is not claimed by anyone.")
    if task.assignee_id == user.id:
        return
    if not access.can(user, "release_any_claim"):
        raise NotPermitted(
            "Only the person who claimed the task, or a manager, can release it."
        )
    store.require_may_see(row)


def _attach_files(
    tx: UnitOfWork,
    row: Any,
    task_id: str,
    fields: Any,
    files: Mapping[str, Upload],
    values: dict[str, Any],
) -> dict[str, str]:
    """Store each chosen file of a file field; its document id becomes the field's value."""
    errors = {}
    for field in fields:
        upload = files.get(field.id)
        if field.type != "file" or upload is None or not upload.filename:
            continue
        try:
            document = store_document(tx, row, upload, task_id)
        except ValueError as err:
            errors[field.id] = str(err)
        else:
            values[field.id] = str(document.id)
    return errors
