"""The case store: an open case (its row, its workflow and the diagrams it runs on) for one command.

`CaseStore(tx, kit)` finds cases (locked for commands), checks the user may see them, starts new ones,
and hands out `OpenCase`s. An `OpenCase` applies one change to the workflow (start, complete, claim,
fire timers, deliver a message, migrate) and saves everything that follows from it in the command's
transaction: the workflow state, the task index, timers fired, service tasks run, status, audit.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from engine import access
from engine.clock import as_utc
from engine.db import case_team as team_rows
from engine.db import cases as case_rows
from engine.db import deployments as deployment_rows
from engine.db import tasks as task_rows
from engine.db.models import HumanTask
from engine.db.models import ReviewCase
from engine.dto import UserInfo
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.errors import StoredStateRefused
from engine.errors import TaskAlreadyCompleted
from engine.errors import TaskNotReady
from engine.process import bundle as bundles
from engine.process import phases
from engine.process.answers import answers_in_scope
from engine.process.expressions import evaluate
from engine.process.functions import FUNCTIONS
from engine.process.handlers import HandlerRegistry
from engine.process.handlers import ServiceCall
from engine.process.hooks import task_ids
from engine.process.parser import ProcessEntry
from engine.process.run import CaseRun
from engine.process.run import completed_in_scope
from engine.process.run import form_of
from engine.services import register
from engine.services.task_events import record_task_changes
from engine.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Kit:
    """What every service shares: parsed deployments (cached), service-task handlers, diagram functions."""

    handlers: HandlerRegistry
    bundles: bundles.BundleCache
    functions: Mapping[str, Callable[..., Any]] = field(
        default_factory=lambda: FUNCTIONS
    )

    def bundle(self, session: Any, deployment_id: int) -> bundles.ParsedBundle:
        """The parsed diagrams of a deployment, parsed once per process and cached by content hash."""
        content_hash = deployment_rows.content_hash_of(session, deployment_id)
        if content_hash is None:
            raise NotFound(f"There is no deployment {deployment_id}.")
        bundle = self.bundles.get(content_hash)
        if bundle is None:
            files = deployment_rows.files_of(session, deployment_id)
            bundle = bundles.parse_bundle(files, self.functions, None)
            self.bundles.put(bundle)
        return bundle


class OpenCase:
    """One case for the span of one command: apply a change, then everything is saved together."""

    def __init__(
        self,
        store: CaseStore,
        row: ReviewCase,
        run: CaseRun,
        bundle: bundles.ParsedBundle,
    ) -> None:
        self.store = store
        self.row = row
        self.run = run
        self.bundle = bundle

    @property
    def entry(self) -> ProcessEntry:
        return self.bundle.processes[self.row.process_id]

    @property
    def reference(self) -> str:
        return self.row.reference

    def advance(self) -> None:
        """Run engine steps: due timers fire, service tasks run, until people or time must act."""
        self._change(self.run.run)

    def complete(self, task_id: str, values: dict[str, Any], user: UserInfo) -> None:
        """Complete a ready user task with validated values, and run on to the next wait."""
        seen = self.run.detail(task_id).data
        self._change(lambda: self.run.complete(task_id, values), {task_id: user.id})
        register.record_completion(
            self.store.tx, self.row, task_id, {**seen, **values}, values
        )

    def appoints(self, task_id: str) -> dict[str, str]:
        """The ready task's form fields that appoint the case's team: field id -> case role."""
        spec = self.run.ready_task(task_id).task_spec
        return dict((spec.extensions or {}).get("appoints") or {})

    def shares_documents_of(self, task_id: str, values: dict[str, Any]) -> str | None:
        """The agency whose documents completing the task with `values` shares with the case.

        The diagram decides: the task-level property `sharesDocumentsOf`, an expression over the
        task's data and the submitted values (null: none), e.g. the Panel's acceptance of a report.
        """
        task = self.run.ready_task(task_id)
        expression = (task.task_spec.extensions or {}).get("sharesDocumentsOf")
        if not expression:
            return None
        found = evaluate(expression, {**task.data, **values}, self.store.kit.functions)
        return str(found) if found else None

    def set_claim(self, task_id: str, username: str | None) -> None:
        """Give a ready task to one person (or back to its roles); nothing else moves."""
        self.run.set_claim(task_id, username)
        self.reindex()

    def reindex(self) -> None:
        """Save the workflow as it stands, with its task index (after a claim, or an undone migration)."""
        self._change(None)

    def deliver_message(self, message: str, payload: dict[str, Any]) -> None:
        self._change(lambda: self.run.deliver_message(message, payload))

    def replace_workflow(self, change: Callable[[], None]) -> None:
        """A migration or its undo: `change` swaps the workflow or its specs, then the case runs on."""
        self._change(change)

    def _change(
        self,
        change: Callable[[], None] | None,
        completed: dict[str, int | None] | None = None,
    ) -> None:
        """Apply `change` (None: only save, e.g. a claim) and save everything that follows from it."""
        tx, row, run = self.store.tx, self.row, self.run
        previously_ready = task_rows.ready_ids(tx.session, row.id)
        run.on_service(self.store.dispatcher(self))
        waiting_timers = {t.id: t for t in run.waiting_timer_tasks()}
        with task_ids(row.reference, row.task_id_seq) as ids:
            if change is not None:
                change()
        row.task_id_seq = ids.count
        for task_id, (element, name) in run.fired_timers(waiting_timers).items():
            tx.record_system(
                "timer_fired", row, element=element, name=name, task_id=task_id
            )
        states = {task_id: run.task_state(task_id) for task_id in previously_ready}
        ready = run.ready_user_tasks()
        record_task_changes(tx, row, previously_ready, ready, states)
        task_rows.project(tx.session, row, ready, states, completed or {}, tx.now)
        self.save()

    def save(self) -> None:
        """Store the workflow and what the case row shows of it; close the case when it ends."""
        tx, row, run = self.store.tx, self.row, self.run
        row.state = run.dump()
        row.phase = phases.outcome(run.workflow) if run.is_completed() else run.phase()
        row.updated_at = tx.now
        row.next_timer_at = run.next_timer_at()
        if run.is_completed() and row.status != "completed":
            row.status = "completed"
            row.completed_at = tx.now
            tx.record("case_completed", row)


class CaseStore:
    """Cases for one unit of work."""

    def __init__(self, tx: UnitOfWork, kit: Kit) -> None:
        self.tx = tx
        self.kit = kit

    # ------------------------------------------------------------------ finding
    def row(self, reference: str, lock: bool = False) -> ReviewCase:
        """The case row by reference (locked until the command ends, for commands)."""
        row = case_rows.get(self.tx.session, reference)
        return case_rows.lock(self.tx.session, row.id) if lock else row

    def visible(self, reference: str) -> ReviewCase:
        """The case row, if the acting user may see it; NotFound / NotPermitted otherwise."""
        row = case_rows.get(self.tx.session, reference)
        self.require_may_see(row)
        return row

    def require_may_see(self, row: ReviewCase) -> None:
        if not self.may_see(row):
            raise NotPermitted(f"You do not take part in case {row.reference}.")

    def may_see(self, row: ReviewCase) -> bool:
        """Board-wide roles see every case; everyone else the cases they take part in."""
        user = self.tx.user
        return access.sees_every_case(user) or case_rows.takes_part(
            self.tx.session, user, row.id, access.sees_cases_sent_to(user)
        )

    def open(self, row: ReviewCase) -> OpenCase:
        """The case's workflow, loaded onto its deployment's parsed diagrams."""
        bundle = self.kit.bundle(self.tx.session, row.deployment_id)
        entry = bundle.processes[row.process_id]
        try:
            run = CaseRun.load(row.state, entry, self.kit.functions)
        except StoredStateRefused as err:
            raise StoredStateRefused(err.found, err.expected, row.reference) from None
        return OpenCase(self, row, run, bundle)

    def task(self, task_id: str, lock: bool = True) -> tuple[HumanTask, ReviewCase]:
        """A task's index row and its case; commands lock the case row first, then re-read the task."""
        task = task_rows.get(self.tx.session, task_id)
        if not lock:
            return task, case_rows.by_id(self.tx.session, task.case_id)
        row = case_rows.lock(self.tx.session, task.case_id)
        self.tx.session.refresh(task)
        return task, row

    def visible_task(
        self, task_id: str, lock: bool = True
    ) -> tuple[HumanTask, ReviewCase]:
        """A task and its case, if the acting user may see the case; checked before anything else.

        To anyone who may not see the case, its tasks answer as unknown ids do (NotFound, the same
        words), so a task id reveals nothing: not that it exists, nor who completed it when.
        """
        task, row = self.task(task_id, lock)
        if not self.may_see(row):
            raise NotFound(f"There is no task {task_id}.")
        return task, row

    def require_work(self, task: HumanTask) -> None:
        """NotPermitted unless the acting user may work on the task (its assignee, or offered it)."""
        user = self.tx.user
        access.require_work(
            user,
            task_rows.role_keys(task),
            task.agency_key,
            task.assignee_id,
            team_rows.roles_of(self.tx.session, task.case_id, user.id),
        )

    def require_open(self, task: HumanTask) -> None:
        """TaskAlreadyCompleted (who, when, with the form) or TaskNotReady, unless the task is ready."""
        if task.state == "completed":
            row = case_rows.by_id(self.tx.session, task.case_id)
            entry = self.kit.bundle(self.tx.session, row.deployment_id).processes[
                row.process_id
            ]
            raise TaskAlreadyCompleted(
                task.id,
                task_rows.completer_name(self.tx.session, task) or "the system",
                as_utc(task.completed_at),
                task.name,
                form_of(entry, task.element_id),
            )
        if task.state != "ready":
            raise TaskNotReady(
                f"The task “{task.name}” was cancelled; it cannot be worked on."
            )

    # ------------------------------------------------------------------ starting
    def start(
        self,
        deployment_id: int,
        entry: ProcessEntry,
        bundle: bundles.ParsedBundle,
        data: dict[str, Any],
    ) -> OpenCase:
        """A new case row and workflow (not run yet: record its start, then `advance()`)."""
        reference = str(data["case_reference"])
        with task_ids(reference, 0) as ids:
            run = CaseRun.start(entry, self.kit.functions, data)
        row = case_rows.add(
            self.tx.session,
            reference=reference,
            deployment_id=deployment_id,
            process_id=entry.process_id,
            process_name=entry.name,
            started_by_id=self.tx.user.id,
            now=self.tx.now,
            task_id_seq=ids.count,
        )
        return OpenCase(self, row, run, bundle)

    # ------------------------------------------------------------------ service tasks
    def dispatcher(
        self, case: OpenCase
    ) -> Callable[[Any, str, dict[str, Any]], dict[str, Any] | None]:
        """Route a service task to its topic's handler, in this transaction, and record that it ran."""
        tx = self.tx

        def dispatch(
            task: Any, topic: str, params: dict[str, Any]
        ) -> dict[str, Any] | None:
            handler = self.kit.handlers.get(topic)
            if handler is None:
                raise NotFound(f"No handler is registered for service topic {topic!r}.")
            spec = task.task_spec
            call = ServiceCall(
                topic=topic,
                params=params,
                case_id=case.row.id,
                case_reference=case.reference,
                element_id=spec.bpmn_id,
                element_name=spec.bpmn_name or spec.bpmn_id,
                data=dict(task.data),
                at=tx.now,
                session=tx.session,
                files=case.bundle.files,
                completed_in_scope=lambda element_id: completed_in_scope(
                    task, element_id
                ),
                answers_in_scope=lambda element_id: answers_in_scope(task, element_id),
            )
            result = handler.run(call)
            tx.record_system(
                "service_task_ran",
                case.row,
                element=spec.bpmn_id,
                name=call.element_name,
                topic=topic,
                params=params,
                result=result,
            )
            return result

        return dispatch
