"""Service methods for auditors: replay a case to any event, and check that replay matches the record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import access
from engine import audit
from engine import persistence
from engine import replay
from engine import runtime
from engine.dto import AuditEntry
from engine.dto import UserInfo
from engine.models import AppUser
from engine.models import AuditEvent
from engine.models import HumanTask
from engine.models import ReviewCase
from engine.timeutil import as_utc

if TYPE_CHECKING:
    from engine.service import WorkflowService


@dataclass(frozen=True, slots=True)
class ReplayView:
    """The case as it was right after one event."""

    event: AuditEntry
    done_by_process: dict[str, tuple[str, ...]]
    active_by_process: dict[str, tuple[str, ...]]
    data: dict[str, Any]
    open_tasks: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ReplayReport:
    reference: str
    ok: bool
    events: int
    problem: str | None = None


class AuditMixin:
    def replay_case(
        self: WorkflowService, actor: UserInfo, reference: str, upto_seq: int
    ) -> ReplayView:
        """The workflow as it stood right after event `upto_seq` of the case, rebuilt from the events."""

        def query(session: Session) -> ReplayView:
            user, case = self._visible_case(session, actor, reference)
            if upto_seq < 1:
                raise persistence.NotFound(f"Case {reference} has no event {upto_seq}.")
            result = self._replay(session, case, upto_seq)
            if result.last is None or result.last.seq != upto_seq:
                raise persistence.NotFound(f"Case {reference} has no event {upto_seq}.")
            grouped = result.run.element_states_by_process()
            return ReplayView(
                event=result.last,
                done_by_process={p: tuple(d) for p, (d, _a) in grouped.items()},
                active_by_process={p: tuple(a) for p, (_d, a) in grouped.items()},
                data=result.run.data(),
                open_tasks=tuple((t.id, t.name) for t in result.run.ready_user_tasks()),
            )

        return self._read(query)

    def replayed_state(
        self: WorkflowService,
        actor: UserInfo,
        reference: str,
        upto_seq: int | None = None,
    ) -> str:
        """The workflow state JSON rebuilt from the events up to `upto_seq` (for comparison and export)."""

        def query(session: Session) -> str:
            user, case = self._visible_case(session, actor, reference)
            return self._replay(session, case, upto_seq).run.dump()

        return self._read(query)

    def verify_replays(
        self: WorkflowService, reference: str | None = None
    ) -> list[ReplayReport]:
        """Replay every case (or one) from its events and compare with the stored workflow state."""

        def query(session: Session) -> list[ReplayReport]:
            statement = select(ReviewCase).order_by(ReviewCase.id)
            if reference is not None:
                statement = statement.where(ReviewCase.reference == reference)
            return [
                self._check_replay(session, case) for case in session.scalars(statement)
            ]

        return self._read(query)

    def _check_replay(
        self: WorkflowService, session: Session, case: ReviewCase
    ) -> ReplayReport:
        try:
            result = self._replay(session, case, None)
        except (replay.ReplayFailed, ValueError, KeyError) as err:
            return ReplayReport(
                case.reference, False, 0, f"the events cannot be replayed: {err}"
            )
        difference = replay.first_difference(case.state, result.run.dump())
        if difference:
            return ReplayReport(
                case.reference,
                False,
                result.applied,
                f"replaying the events does not give the stored state: {difference}",
            )
        return ReplayReport(case.reference, True, result.applied)

    def _replay(
        self: WorkflowService, session: Session, case: ReviewCase, upto_seq: int | None
    ) -> replay.Replayed:
        events = [
            audit.entry(e, case.reference)
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.chain == audit.case_chain(case.id))
                .order_by(AuditEvent.seq)
            )
        ]

        def resolve(content_hash: str) -> tuple[Any, Any]:
            deployment = persistence.deployment_by_hash(session, content_hash)
            if deployment is None:
                raise KeyError(f"deployment {content_hash[:12]} is not stored")
            found = self._bundle(session, deployment.id)
            return found.processes[case.process_id]

        return replay.replay(resolve, self.functions, events, upto_seq)


@dataclass(frozen=True, slots=True)
class Deadline:
    """One deadline of a case: a task with a due date from the diagram, and whether it was met."""

    case_reference: str
    task: str
    phase: str | None
    element_id: str
    due_at: datetime
    done_at: datetime | None
    done_by: str | None
    state: str  # met | missed | open | overdue | cancelled


class TimelinessMixin:
    def timeliness(
        self: WorkflowService, actor: UserInfo, reference: str | None = None
    ) -> list[Deadline]:
        """Every deadline of one case (or of every case the user may see): due, done, met or missed."""

        def query(session: Session) -> list[Deadline]:
            user = self._fresh(session, actor)
            statement = (
                select(HumanTask, ReviewCase.reference, AppUser.display_name)
                .join(ReviewCase, ReviewCase.id == HumanTask.case_id)
                .outerjoin(AppUser, AppUser.id == HumanTask.completed_by_id)
                .where(HumanTask.due_at.is_not(None))
                .order_by(ReviewCase.reference, HumanTask.due_at, HumanTask.created_at)
            )
            if reference is not None:
                case = persistence.get_case(session, reference)
                self._require_may_see(session, user, case)
                statement = statement.where(HumanTask.case_id == case.id)
            elif not access.is_board_wide(user):
                statement = statement.where(
                    HumanTask.case_id.in_(persistence.case_ids_visible_to(user))
                )
            now = self.clock.now()
            return [
                _deadline(row, ref, by, now)
                for row, ref, by in session.execute(statement)
            ]

        return self._read(query)

    def export_case(
        self: WorkflowService, actor: UserInfo, reference: str
    ) -> dict[str, Any]:
        """The case record for people without access: summary, every event with its hashes, deadlines."""
        view = self.get_case(actor, reference)
        events = self.case_history(actor, reference)
        chain = self.verify_audit(self.case_chain_name(reference))
        return {
            "case": {
                "reference": view.summary.reference,
                "process": view.summary.process_name,
                "status": view.summary.status,
                "phase": view.summary.phase,
                "started_at": view.summary.started_at.isoformat(),
                "started_by": view.summary.started_by,
                "deployment": view.summary.deployment_hash,
            },
            "chain_intact": chain.ok,
            "events": [
                {
                    "seq": e.seq,
                    "type": e.type,
                    "actor": e.actor,
                    "at": e.at.isoformat(),
                    "data": e.data,
                    "hash": e.hash,
                }
                for e in events
            ],
            "deadlines": [
                {
                    "task": d.task,
                    "phase": d.phase,
                    "due_at": d.due_at.isoformat(),
                    "done_at": d.done_at.isoformat() if d.done_at else None,
                    "done_by": d.done_by,
                    "state": d.state,
                }
                for d in self.timeliness(actor, reference)
            ],
        }


def export_csv(record: dict[str, Any]) -> str:
    """The events of an exported case as CSV (one row per event, data as JSON, hashes included)."""
    import csv
    import io
    import json as json_module

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["case", "seq", "at", "type", "actor", "data", "hash"])
    for event in record["events"]:
        writer.writerow(
            [
                record["case"]["reference"],
                event["seq"],
                event["at"],
                event["type"],
                event["actor"] or "",
                json_module.dumps(event["data"], ensure_ascii=False, sort_keys=True),
                event["hash"],
            ]
        )
    return out.getvalue()


def _deadline(
    row: HumanTask, reference: str, done_by: str | None, now: datetime
) -> Deadline:
    due = as_utc(row.due_at)
    done = as_utc(row.completed_at)
    assert due is not None
    if row.state == "completed":
        state = "met" if done is not None and done <= due else "missed"
    elif row.state == "cancelled":
        state = "cancelled"
    else:
        state = "overdue" if now > due else "open"
    return Deadline(
        reference,
        row.name,
        row.phase,
        row.element_id,
        due,
        done if row.state == "completed" else None,
        done_by if row.state == "completed" else None,
        state,
    )


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


_SENTENCES = {
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
}


class TimelineMixin:
    def case_timeline(
        self: WorkflowService, actor: UserInfo, reference: str
    ) -> list[TimelineEntry]:
        """The case's history in plain language, with each step's entries under their form labels."""

        def query(session: Session) -> list[TimelineEntry]:
            user, case = self._visible_case(session, actor, reference)
            events = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.chain == audit.case_chain(case.id))
                .order_by(AuditEvent.seq)
            )
            bundle = self._bundle(session, case.deployment_id)
            entry = bundle.processes[case.process_id]
            roles = _roles_by_user(session)
            return [_timeline_entry(e, entry, roles) for e in events]

        return self._read(query)

    def export_case_csv(self: WorkflowService, actor: UserInfo, reference: str) -> str:
        """The case's events as CSV, hashes included, for people without access to the system."""
        return export_csv(self.export_case(actor, reference))


def _roles_by_user(session: Session) -> dict[int, tuple[str, ...]]:
    from engine.models import Membership
    from engine.roles import ROLES

    found: dict[int, list[str]] = {}
    for membership in session.scalars(select(Membership)):
        found.setdefault(membership.user_id, []).append(
            ROLES.get(membership.role_key, membership.role_key)
        )
    return {user: tuple(sorted(names)) for user, names in found.items()}


def _timeline_entry(
    event: AuditEvent, entry: Any, roles: dict[int, tuple[str, ...]]
) -> TimelineEntry:
    data = json.loads(event.data)
    sentence = _SENTENCES.get(event.type, event.type.replace("_", " "))
    try:
        summary = sentence.format(
            **{k: v for k, v in data.items() if isinstance(v, str | int)}
        )
    except (KeyError, IndexError):
        summary = sentence.split("“")[0].strip()
    details: tuple[tuple[str, str], ...] = ()
    if event.type == "task_completed":
        details = _labelled(
            runtime.form_of(entry, data.get("element", "")), data.get("data", {})
        )
    elif event.type == "case_started":
        details = _labelled(entry.start_fields, data.get("data", {}))
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
        shown.append((field.label, _display(field, value)))
    return tuple(shown)


def _display(field: Any, value: Any) -> str:
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
