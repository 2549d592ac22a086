"""WorkflowService: the one API the web UI, the CLI and the tests use.

Every method takes the acting user, checks permission itself, runs in one database transaction (load,
apply, run to the next wait state, save, audit) and returns frozen values from engine.dto.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import access
from engine import accounts
from engine import audit
from engine import bundles
from engine import clock as clocks
from engine import forms
from engine import notifications
from engine import persistence
from engine import reminders
from engine.db import Sessions
from engine.dto import AuditEntry
from engine.dto import CaseSummary
from engine.dto import CaseView
from engine.dto import ChainReport
from engine.dto import DeploymentInfo
from engine.dto import StartForm
from engine.dto import StepRecord
from engine.dto import TaskForm
from engine.dto import TaskSummary
from engine.dto import UserInfo
from engine.errors import ConcurrentUpdate
from engine.errors import FormInvalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.errors import NotSignedIn
from engine.errors import TaskAlreadyCompleted
from engine.errors import TaskNotReady
from engine.errors import WorkflowFailed
from engine.models import AppUser
from engine.models import AuditEvent
from engine.models import Deployment
from engine.models import DeploymentFile
from engine.models import HumanTask
from engine.models import ReviewCase
from engine.roles import ROLES
from engine.runtime import CaseRun
from engine.runtime import completed_in_scope
from engine.runtime import form_of
from engine.runtime import task_ids
from engine.scripting import FUNCTIONS
from engine.service_admin import AdminMixin
from engine.service_audit import AuditMixin
from engine.service_audit import TimelineMixin
from engine.service_audit import TimelinessMixin
from engine.service_records import RecordsMixin
from engine.service_records import RemindersMixin
from engine.service_tasks import HandlerRegistry
from engine.service_tasks import ServiceCall
from engine.service_versions import VersionsMixin
from engine.settings import SmtpSettings
from engine.timeutil import as_utc

T = TypeVar("T")
RETRIES = 4
TIMER_RETRY = timedelta(hours=1)


class WorkflowService(
    RecordsMixin,
    RemindersMixin,
    AdminMixin,
    AuditMixin,
    TimelinessMixin,
    TimelineMixin,
    VersionsMixin,
):
    def __init__(
        self,
        sessions: Sessions,
        clock: clocks.Clock | None = None,
        handlers: HandlerRegistry | None = None,
        smtp: SmtpSettings | None = None,
    ) -> None:
        self.sessions = sessions
        self.smtp = smtp or SmtpSettings()
        self.clock = clock or clocks.SystemClock()
        self.handlers = handlers or HandlerRegistry()
        self.functions = FUNCTIONS
        self._bundles = bundles.BundleCache()

    # ------------------------------------------------------------------ transactions
    def _write(self, command: Callable[[Session, datetime], T]) -> T:
        """Run `command` in one write transaction; retry it from scratch if another commit got there first."""
        for attempt in range(RETRIES):
            with clocks.using_clock(self.clock):
                session = self.sessions.write()
                try:
                    with session.begin():
                        return command(session, self.clock.now())
                except (StaleDataError, IntegrityError, OperationalError) as err:
                    if isinstance(err, OperationalError) and not _is_conflict(err):
                        raise
                    if attempt == RETRIES - 1:
                        raise ConcurrentUpdate(
                            "Somebody else changed this case at the same moment; nothing of yours was "
                            "saved. Reload the page and try again."
                        ) from err
                finally:
                    session.close()
        raise AssertionError("unreachable")

    def _read(self, query: Callable[[Session], T]) -> T:
        with clocks.using_clock(self.clock):
            session = self.sessions.read()
            try:
                with session.begin():
                    return query(session)
            finally:
                session.close()

    # ------------------------------------------------------------------ accounts
    def sign_in(self, username: str, password: str) -> UserInfo:
        """Check a user name and password; record the attempt either way.

        :raises NotSignedIn: with a message fit to show (never saying which part was wrong).
        """

        def command(session: Session, now: datetime) -> tuple[UserInfo | None, str]:
            user, reason = accounts.check_sign_in(session, username, password, now)
            event = "user_signed_in" if not reason else "sign_in_refused"
            audit.record(
                session,
                type=event,
                at=now,
                actor_id=user.id if user else None,
                actor_name=user.display_name if user else None,
                data={"username": username, "reason": reason}
                if reason
                else {"username": username},
            )
            return (accounts.user_info(user) if user and not reason else None), reason

        info, reason = self._write(command)
        if info is None:
            if reason == "locked":
                raise NotSignedIn(
                    "Too many failed sign-in attempts. Try again in 15 minutes."
                )
            raise NotSignedIn(
                "The user name or password is not right, or the account is not active."
            )
        return info

    def get_user(self, user_id: int) -> UserInfo | None:
        def query(session: Session) -> UserInfo | None:
            user = session.get(AppUser, user_id)
            return accounts.user_info(user) if user and user.active else None

        return self._read(query)

    def user_for_cli(self, username: str) -> UserInfo:
        """The named active user, for commands run by the server's operator (no password)."""

        def query(session: Session) -> UserInfo:
            user = persistence.user_by_name(session, username)
            if user is None or not user.active:
                raise NotFound(f"There is no active user {username!r}.")
            return accounts.user_info(user)

        return self._read(query)

    def ensure_reference_data(self) -> None:
        """Role rows and the default contacts (see engine.reference)."""
        from engine.reference import ensure_reference_data

        self._write(lambda session, now: ensure_reference_data(session))

    def load_demo_users(self) -> int:
        """Add demo users for every role (see engine.demo)."""
        from engine.demo import load_demo

        return self._write(lambda session, now: load_demo(session))

    def _fresh(self, session: Session, actor: UserInfo) -> UserInfo:
        user = session.get(AppUser, actor.id)
        if user is None or not user.active:
            raise NotPermitted("This account is not active.")
        return accounts.user_info(user)

    # ------------------------------------------------------------------ deployments
    def deploy(
        self, actor: UserInfo, files: Mapping[str, bytes], note: str = ""
    ) -> DeploymentInfo:
        """Validate and store a bundle and make it the one new cases start on.

        Deploying files identical to an existing deployment changes nothing (``created`` is False).

        :raises DiagramInvalid: listing every problem by file, line and element.
        :raises NotPermitted: before any checking, for anyone but a process owner or admin.
        """

        def may_deploy(session: Session) -> None:
            user = self._fresh(session, actor)
            access.require_can_change(user)
            access.require_role(user, {"process_owner", "admin"}, "deploy diagrams")

        self._read(may_deploy)
        bundle = bundles.parse_bundle(
            files, self.functions, self.handlers.checkers(), frozenset(ROLES)
        )

        def command(session: Session, now: datetime) -> DeploymentInfo:
            user = self._fresh(session, actor)
            access.require_can_change(user)
            access.require_role(user, {"process_owner", "admin"}, "deploy diagrams")
            existing = persistence.deployment_by_hash(session, bundle.content_hash)
            if existing is not None:
                return self._deployment_info(
                    existing, persistence.current_deployment(session), created=False
                )
            deployment = Deployment(
                content_hash=bundle.content_hash,
                note=note,
                deployed_by_id=user.id,
                deployed_at=now,
                activated_at=now,
                activation=persistence.next_activation(session),
            )
            deployment.files = [
                DeploymentFile(
                    name=name,
                    sha256=bundles.content_hash({name: data})[:64],
                    content=data,
                )
                for name, data in sorted(bundle.files.items())
            ]
            session.add(deployment)
            session.flush()
            audit.record(
                session,
                type="diagrams_deployed",
                at=now,
                **audit.by(user),
                data={
                    "deployment": deployment.id,
                    "hash": bundle.content_hash,
                    "note": note,
                    "files": sorted(bundle.files),
                    "processes": sorted(bundle.processes),
                },
            )
            return self._deployment_info(deployment, deployment)

        self._bundles.put(bundle)
        return self._write(command)

    def _deployment_info(
        self, deployment: Deployment, current: Deployment | None, created: bool = True
    ) -> DeploymentInfo:
        bundle = self._bundles.get(deployment.content_hash)
        return DeploymentInfo(
            id=deployment.id,
            content_hash=deployment.content_hash,
            deployed_by=deployment.deployer.display_name
            if deployment.deployer
            else None,
            deployed_at=as_utc(deployment.deployed_at),
            note=deployment.note,
            files=tuple(f.name for f in deployment.files),
            process_ids=tuple(sorted(bundle.processes)) if bundle else (),
            current=current is not None and current.id == deployment.id,
            created=created,
        )

    def _bundle(self, session: Session, deployment_id: int) -> bundles.ParsedBundle:
        deployment = session.get(Deployment, deployment_id)
        if deployment is None:
            raise NotFound(f"There is no deployment {deployment_id}.")
        bundle = self._bundles.get(deployment.content_hash)
        if bundle is None:
            files = persistence.deployment_files(session, deployment.id)
            bundle = bundles.parse_bundle(files, self.functions, None)
            self._bundles.put(bundle)
        return bundle

    # ------------------------------------------------------------------ starting cases
    def start_forms(self, actor: UserInfo) -> list[StartForm]:
        """The processes of the current deployment this user may start, with their start forms."""

        def query(session: Session) -> list[StartForm]:
            user = self._fresh(session, actor)
            deployment = persistence.current_deployment(session)
            if deployment is None or user.roles & {"auditor"}:
                return []
            bundle = self._bundle(session, deployment.id)
            return [
                StartForm(e.process_id, e.name, e.start_fields)
                for e in bundle.processes.values()
                if user.roles & set(e.starter_groups)
            ]

        return self._read(query)

    def start_case(
        self, actor: UserInfo, process_id: str, submitted: Mapping[str, Any]
    ) -> CaseSummary:
        """Start a case of `process_id` on the current deployment, with the start form's values.

        :raises FormInvalid: the start form's errors by field.
        :raises NotPermitted: the process does not list one of the user's roles as a starter.
        """

        def command(session: Session, now: datetime) -> CaseSummary:
            user = self._fresh(session, actor)
            access.require_can_change(user)
            deployment = persistence.current_deployment(session)
            if deployment is None:
                raise NotFound(
                    "No diagrams are deployed yet; a process owner must deploy them first."
                )
            bundle = self._bundle(session, deployment.id)
            entry = bundle.processes.get(process_id)
            if entry is None:
                raise NotFound(f"The current deployment has no process {process_id}.")
            access.require_role(user, entry.starter_groups, f"start “{entry.name}”")
            clean, errors = forms.validate(entry.start_fields, submitted)
            if errors:
                raise FormInvalid(errors, submitted)
            reference = persistence.next_reference(session, now.year)
            data = {
                **clean,
                "case_reference": reference,
                "started_by": user.username,
                "started_on": now.date().isoformat(),
            }
            with task_ids(reference, 0) as ids:
                run = CaseRun.start(entry, self.functions, data)
            case = ReviewCase(
                task_id_seq=ids.count,
                reference=reference,
                deployment_id=deployment.id,
                process_id=process_id,
                process_name=entry.name,
                status="active",
                state="{}",
                started_by_id=user.id,
                started_at=now,
                updated_at=now,
            )
            session.add(case)
            session.flush()
            audit.record(
                session,
                type="case_started",
                at=now,
                **audit.by(user),
                case_id=case.id,
                data={
                    "reference": reference,
                    "process": process_id,
                    "deployment": deployment.content_hash,
                    "data": clean,
                    "start_data": data,
                },
            )
            self._advance(session, case, run, bundle, now, user)
            return self._summary(session, case)

        return self._write(command)

    # ------------------------------------------------------------------ running a case
    def _advance(
        self,
        session: Session,
        case: ReviewCase,
        run: CaseRun,
        bundle: bundles.ParsedBundle,
        now: datetime,
        user: UserInfo | None,
        completed: dict[str, int | None] | None = None,
        action: Callable[[], None] | None = None,
    ) -> None:
        """Apply `action` (or just run), then save the workflow, the task index and the case row."""
        previously_ready = persistence.ready_task_ids(session, case.id)
        run.on_service(self._dispatcher(session, case, bundle, now))
        waiting_timers = {t.id: t for t in run.waiting_timer_tasks()}
        with task_ids(case.reference, case.task_id_seq) as ids:
            (action or run.run)()
        case.task_id_seq = ids.count
        for task_id, (element, name) in run.fired_timers(waiting_timers).items():
            audit.record(
                session,
                type="timer_fired",
                at=now,
                **audit.SYSTEM,
                case_id=case.id,
                data={"element": element, "name": name, "task_id": task_id},
            )
        states = {task_id: run.task_state(task_id) for task_id in previously_ready}
        persistence.project_tasks(
            session, case, run.ready_user_tasks(), states, completed or {}, now
        )
        case.state = run.dump()
        case.phase = run.phase()
        case.updated_at = now
        case.next_timer_at = run.next_timer_at()
        if run.is_completed() and case.status != "completed":
            case.status = "completed"
            case.completed_at = now
            audit.record(
                session,
                type="case_completed",
                at=now,
                **audit.by(user),
                case_id=case.id,
                data={},
            )

    def _dispatcher(
        self,
        session: Session,
        case: ReviewCase,
        bundle: bundles.ParsedBundle,
        now: datetime,
    ):
        def dispatch(
            task: Any, topic: str, params: dict[str, Any]
        ) -> dict[str, Any] | None:
            handler = self.handlers.get(topic)
            if handler is None:
                raise NotFound(f"No handler is registered for service topic {topic!r}.")
            spec = task.task_spec
            call = ServiceCall(
                topic=topic,
                params=params,
                case_id=case.id,
                case_reference=case.reference,
                element_id=spec.bpmn_id,
                element_name=spec.bpmn_name or spec.bpmn_id,
                data=dict(task.data),
                at=now,
                session=session,
                files=bundle.files,
                completed_in_scope=lambda element_id: completed_in_scope(
                    task, element_id
                ),
            )
            result = handler.run(call)
            audit.record(
                session,
                type="service_task_ran",
                at=now,
                **audit.SYSTEM,
                case_id=case.id,
                data={
                    "element": spec.bpmn_id,
                    "name": call.element_name,
                    "topic": topic,
                    "params": params,
                    "result": result,
                },
            )
            return result

        return dispatch

    def _load(
        self, session: Session, case: ReviewCase
    ) -> tuple[CaseRun, bundles.ParsedBundle]:
        bundle = self._bundle(session, case.deployment_id)
        entry = bundle.processes[case.process_id]
        return CaseRun.load(case.state, entry, self.functions), bundle

    def _task_and_case(
        self, session: Session, task_id: str, lock: bool = True
    ) -> tuple[HumanTask, ReviewCase]:
        """The task's index row and its case; commands lock the case row first, then re-read both."""
        row = persistence.get_task_row(session, task_id)
        if not lock:
            case = session.get(ReviewCase, row.case_id)
            assert case is not None
            return row, case
        case = persistence.lock_case(session, row.case_id)
        session.refresh(row)
        return row, case

    def _require_open(self, session: Session, row: HumanTask) -> None:
        if row.state == "completed":
            by = (
                session.get(AppUser, row.completed_by_id)
                if row.completed_by_id
                else None
            )
            case = session.get(ReviewCase, row.case_id)
            assert case is not None
            entry = self._bundle(session, case.deployment_id).processes[case.process_id]
            raise TaskAlreadyCompleted(
                row.id,
                by.display_name if by else "the system",
                as_utc(row.completed_at),
                row.name,
                form_of(entry, row.element_id),
            )
        if row.state != "ready":
            raise TaskNotReady(
                f"The task “{row.name}” was cancelled; it cannot be worked on."
            )

    def _require_may_work(self, user: UserInfo, row: HumanTask) -> None:
        roles = [r.role_key for r in row.roles]
        if not access.may_work_on(user, roles, row.agency_key, row.assignee_id):
            if row.assignee_id is not None and user.roles & set(roles):
                raise NotPermitted("Somebody else has claimed this task.")
            raise NotPermitted("This task is not offered to any of your roles.")

    def claim_task(self, actor: UserInfo, task_id: str) -> TaskSummary:
        """Take a task offered to one of your roles, so nobody else works on it at the same time."""
        return self._claim(actor, task_id, claim=True)

    def unclaim_task(self, actor: UserInfo, task_id: str) -> TaskSummary:
        """Give a claimed task back to the pool (the claimer, or a board-wide manager)."""
        return self._claim(actor, task_id, claim=False)

    def _claim(self, actor: UserInfo, task_id: str, claim: bool) -> TaskSummary:
        def command(session: Session, now: datetime) -> TaskSummary:
            user = self._fresh(session, actor)
            access.require_can_change(user)
            row, case = self._task_and_case(session, task_id)
            self._require_open(session, row)
            if claim:
                self._require_may_work(user, row)
            else:
                self._require_may_release(session, user, row, case)
            run, bundle = self._load(session, case)
            run.set_claim(task_id, user.username if claim else None)
            self._advance(session, case, run, bundle, now, user, action=lambda: None)
            audit.record(
                session,
                type="task_claimed" if claim else "task_unclaimed",
                at=now,
                **audit.by(user),
                case_id=case.id,
                data={
                    "task_id": task_id,
                    "element": row.element_id,
                    "name": row.name,
                    "username": user.username if claim else None,
                },
            )
            return self._task_summary(session, row, case)

        return self._write(command)

    def _require_may_release(
        self, session: Session, user: UserInfo, row: HumanTask, case: ReviewCase
    ) -> None:
        """A claimed task is released by its claimer, or by a manager who may see the case."""
        if row.assignee_id is None:
            raise TaskNotReady(f"The task “{row.name}” is not claimed by anyone.")
        if row.assignee_id == user.id:
            return
        if not user.roles & {"bqam", "admin"}:
            raise NotPermitted(
                "Only the person who claimed the task, or a manager, can release it."
            )
        self._require_may_see(session, user, case)

    def complete_task(
        self, actor: UserInfo, task_id: str, submitted: Mapping[str, Any]
    ) -> CaseSummary:
        """Validate the form, complete the task, and run the case on to its next wait state.

        :raises FormInvalid: field errors; nothing saved.
        :raises TaskAlreadyCompleted: somebody else completed it first (who and when); nothing saved.
        """

        def command(session: Session, now: datetime) -> CaseSummary:
            user = self._fresh(session, actor)
            access.require_can_change(user)
            row, case = self._task_and_case(session, task_id)
            self._require_open(session, row)
            self._require_may_work(user, row)
            run, bundle = self._load(session, case)
            detail = run.detail(task_id)
            clean, errors = forms.validate(detail.fields, submitted, detail.data)
            if errors:
                raise FormInvalid(errors, submitted)
            audit.record(
                session,
                type="task_completed",
                at=now,
                **audit.by(user),
                case_id=case.id,
                data={
                    "task_id": task_id,
                    "element": row.element_id,
                    "name": row.name,
                    "data": clean,
                },
            )
            self._advance(
                session,
                case,
                run,
                bundle,
                now,
                user,
                completed={task_id: user.id},
                action=lambda: run.complete(task_id, clean),
            )
            return self._summary(session, case)

        return self._write(command)

    # ------------------------------------------------------------------ timers and messages
    def fire_due_timers(self) -> int:
        """Fire every timer that is due, one case per transaction; return how many cases moved on.

        Safe to run from several workers at once: a case whose timers another worker fired
        meanwhile is skipped, so no timer fires twice.
        """

        def due(session: Session) -> list[int]:
            query = select(ReviewCase.id).where(
                ReviewCase.status == "active",
                ReviewCase.next_timer_at <= self.clock.now(),
            )
            return list(session.scalars(query))

        moved = 0
        for case_id in self._read(due):
            try:
                if self._write(
                    lambda session, now, case_id=case_id: self._fire_case_timers(
                        session, now, case_id
                    )
                ):
                    moved += 1
            except WorkflowFailed as failure:
                self._write(
                    lambda session, now, case_id=case_id, failure=failure: (
                        self._timer_failed(session, now, case_id, str(failure))
                    )
                )
        return moved

    def _timer_failed(
        self, session: Session, now: datetime, case_id: int, error: str
    ) -> None:
        """A case whose timers cannot run is recorded, its managers told, and retried in an hour."""
        case = persistence.lock_case(session, case_id)
        case.next_timer_at = now + TIMER_RETRY
        audit.record(
            session,
            type="timers_failed",
            at=now,
            **audit.SYSTEM,
            case_id=case.id,
            data={"error": error, "retry_at": case.next_timer_at.isoformat()},
        )
        subject = f"{case.reference}: a deadline or timer could not be processed"
        body = (
            f"{error}\n\nThe engine will try again in an hour. A process owner may need to correct the "
            "diagram; the rest of the case is unaffected.\n"
        )
        for recipient in notifications.resolve(session, case.id, [("role", "bqam")]):
            notifications.queue(
                session, case.id, None, "timers_failed", subject, body, recipient, now
            )

    def _fire_case_timers(self, session: Session, now: datetime, case_id: int) -> bool:
        query = select(ReviewCase).where(ReviewCase.id == case_id)
        if not self.sessions.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        case = session.scalars(query).first()
        if case is None or case.status != "active" or case.next_timer_at is None:
            return False
        if as_utc(case.next_timer_at) > now:
            return False
        run, bundle = self._load(session, case)
        self._advance(session, case, run, bundle, now, None)
        return True

    def deliver_message(
        self, actor: UserInfo, reference: str, message: str, payload: Mapping[str, Any]
    ) -> CaseSummary:
        """Deliver a named message (e.g. parallel proceedings started) to a case that waits for it.

        The catching element's `senderGroups` property says which roles may send it.
        """

        def command(session: Session, now: datetime) -> CaseSummary:
            user = self._fresh(session, actor)
            access.require_can_change(user)
            case = persistence.lock_case(
                session, persistence.get_case(session, reference).id
            )
            run, bundle = self._load(session, case)
            receivers = run.waiting_receivers(message)
            if not receivers:
                raise NotFound(
                    f"Case {reference} is not waiting for the message “{message}”."
                )
            allowed = {
                g
                for spec in receivers
                for g in (spec.extensions or {}).get("senderGroups", "").split(",")
                if g.strip()
            }
            access.require_role(user, {g.strip() for g in allowed}, f"send “{message}”")
            audit.record(
                session,
                type="message_received",
                at=now,
                **audit.by(user),
                case_id=case.id,
                data={"message": message, "payload": dict(payload)},
            )
            self._advance(
                session,
                case,
                run,
                bundle,
                now,
                user,
                action=lambda: run.deliver_message(message, dict(payload)),
            )
            return self._summary(session, case)

        return self._write(command)

    # ------------------------------------------------------------------ reading
    def tasks_for(self, actor: UserInfo) -> list[TaskSummary]:
        """Ready tasks assigned to the user or offered to their roles, soonest due first (one query)."""

        def query(session: Session) -> list[TaskSummary]:
            rows = session.execute(persistence.inbox_query(actor)).all()
            return [
                _summary_of(row, reference, assignee)
                for row, reference, assignee in rows
            ]

        return self._read(query)

    def open_task(self, actor: UserInfo, task_id: str) -> TaskForm:
        """The form of a ready task, with the values entered so far in the case."""

        def query(session: Session) -> TaskForm:
            user = self._fresh(session, actor)
            row, case = self._task_and_case(session, task_id, lock=False)
            self._require_open(session, row)
            if not access.is_board_wide(user):
                self._require_may_work(user, row)
            run, _bundle = self._load(session, case)
            detail = run.detail(task_id)
            values = {f.id: detail.data.get(f.id, f.default) for f in detail.fields}
            return TaskForm(
                self._task_summary(session, row, case),
                detail.documentation,
                detail.fields,
                values,
                case.version,
                row.element_id,
            )

        return self._read(query)

    def get_case(self, actor: UserInfo, reference: str) -> CaseView:
        def query(session: Session) -> CaseView:
            user, case = self._visible_case(session, actor, reference)
            run, _bundle = self._load(session, case)
            done, active = run.element_states()
            tasks = session.scalars(
                select(HumanTask)
                .where(HumanTask.case_id == case.id)
                .order_by(HumanTask.created_at)
            )
            open_tasks, steps = [], []
            for row in tasks:
                if row.state == "ready":
                    open_tasks.append(self._task_summary(session, row, case))
                elif row.state == "completed":
                    by = (
                        session.get(AppUser, row.completed_by_id)
                        if row.completed_by_id
                        else None
                    )
                    steps.append(
                        StepRecord(
                            row.id,
                            row.name,
                            row.element_id,
                            by.display_name if by else None,
                            as_utc(row.completed_at),
                        )
                    )
            return CaseView(
                self._summary(session, case),
                tuple(open_tasks),
                tuple(steps),
                run.data(),
                tuple(done),
                tuple(active),
            )

        return self._read(query)

    def list_cases(self, actor: UserInfo) -> list[CaseSummary]:
        def query(session: Session) -> list[CaseSummary]:
            user = self._fresh(session, actor)
            statement = select(ReviewCase).order_by(ReviewCase.started_at.desc())
            if not access.is_board_wide(user):
                statement = statement.where(
                    ReviewCase.id.in_(persistence.case_ids_visible_to(user))
                )
            return [self._summary(session, c) for c in session.scalars(statement)]

        return self._read(query)

    def case_history(self, actor: UserInfo, reference: str) -> list[AuditEntry]:
        def query(session: Session) -> list[AuditEntry]:
            user, case = self._visible_case(session, actor, reference)
            events = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.chain == audit.case_chain(case.id))
                .order_by(AuditEvent.seq)
            )
            return [audit.entry(e, case.reference) for e in events]

        return self._read(query)

    def verify_audit(self, chain: str | None = None) -> ChainReport:
        """Check every hash chain (or one); the first bad event is named."""
        return self._read(lambda session: audit.verify(session, chain))

    def case_chain_name(self, reference: str) -> str:
        return self._read(
            lambda session: audit.case_chain(
                persistence.get_case(session, reference).id
            )
        )

    def _visible_case(
        self, session: Session, actor: UserInfo, reference: str
    ) -> tuple[UserInfo, ReviewCase]:
        """The acting user (re-read) and the case, if they may see it; else NotFound / NotPermitted."""
        user = self._fresh(session, actor)
        case = persistence.get_case(session, reference)
        self._require_may_see(session, user, case)
        return user, case

    def _require_may_see(
        self, session: Session, user: UserInfo, case: ReviewCase
    ) -> None:
        if access.is_board_wide(user):
            return
        visible = session.scalars(
            select(ReviewCase.id).where(
                ReviewCase.id == case.id,
                ReviewCase.id.in_(persistence.case_ids_visible_to(user)),
            )
        ).first()
        if visible is None:
            raise NotPermitted(f"You do not take part in case {case.reference}.")

    def _summary(self, session: Session, case: ReviewCase) -> CaseSummary:
        session.flush()
        starter, content_hash = session.execute(
            select(AppUser.display_name, Deployment.content_hash)
            .select_from(Deployment)
            .outerjoin(AppUser, AppUser.id == case.started_by_id)
            .where(Deployment.id == case.deployment_id)
        ).one()
        return CaseSummary(
            case.reference,
            case.process_id,
            case.process_name,
            case.status,
            case.phase,
            as_utc(case.started_at),
            starter or "?",
            content_hash,
            case.version,
        )

    def _task_summary(
        self, session: Session, row: HumanTask, case: ReviewCase
    ) -> TaskSummary:
        assignee = session.get(AppUser, row.assignee_id) if row.assignee_id else None
        return _summary_of(
            row, case.reference, assignee.display_name if assignee else None
        )


def _summary_of(row: HumanTask, reference: str, assignee: str | None) -> TaskSummary:
    due = as_utc(row.due_at)
    due_state = None
    if due is not None and row.state == "ready":
        now = clocks.now()
        if now > due:
            due_state = "overdue"
        elif now >= reminders.remind_from(due):
            due_state = "due_soon"
    return TaskSummary(
        row.id,
        reference,
        row.name,
        row.phase,
        tuple(sorted(r.role_key for r in row.roles)),
        row.agency_key,
        assignee,
        as_utc(row.due_at),
        row.state,
        as_utc(row.created_at),
        due_state,
    )


def _is_conflict(err: OperationalError) -> bool:
    """PostgreSQL's deadlock / serialization failures and SQLite's "locked" are worth a retry."""
    code = getattr(err.orig, "sqlstate", None)
    return code in ("40001", "40P01") or "database is locked" in str(err.orig)
