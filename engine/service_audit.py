"""Service methods for auditors: replay a case to any event, and check that replay matches the record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine import persistence
from engine import replay
from engine.dto import AuditEntry
from engine.dto import UserInfo
from engine.models import AuditEvent
from engine.models import ReviewCase

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
            user = self._fresh(session, actor)
            case = persistence.get_case(session, reference)
            self._require_may_see(session, user, case)
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
        bundle = self._bundle(session, case.deployment_id)
        events = [
            _entry(e, case.reference)
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.chain == audit.case_chain(case.id))
                .order_by(AuditEvent.seq)
            )
        ]
        return replay.replay(
            bundle.processes[case.process_id],
            self._specs(bundle, case.process_id),
            self.functions,
            events,
            upto_seq,
        )


def _entry(event: AuditEvent, reference: str) -> AuditEntry:
    import json

    from engine.timeutil import as_utc

    return AuditEntry(
        event.seq,
        event.chain,
        event.type,
        event.actor_name,
        as_utc(event.at),
        reference,
        json.loads(event.data),
        event.hash,
    )
