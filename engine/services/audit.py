"""Audit: verify the hash chains and the replays, replay a case to any event, deadlines, exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import access
from engine.clock import as_utc
from engine.db import audit as audit_rows
from engine.db import case_views as case_view_rows
from engine.db import cases as case_rows
from engine.db import checkpoints as checkpoint_rows
from engine.db import deployments as deployment_rows
from engine.db import tasks as task_rows
from engine.db.models import AuditEvent
from engine.db.models import HumanTask
from engine.db.models import ReviewCase
from engine.dto import AuditEntry
from engine.dto import ChainReport
from engine.dto import UserInfo
from engine.errors import EngineError
from engine.errors import NotFound
from engine.process import pruning
from engine.process import replay
from engine.process import task_names
from engine.process.parser import ProcessEntry
from engine.process.run import CaseRun
from engine.services import checkpoints
from engine.services import verification
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.checkpoints import AuditKeys
from engine.services.checkpoints import Checkpoint
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork
from engine.services.verification import Progress
from engine.services.verification import VerifyReport


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


@dataclass(frozen=True, slots=True)
class CaseReading:
    """Somebody read a case's page."""

    at: datetime
    reader: str
    username: str


class Audit:
    def __init__(
        self, transactions: Transactions, kit: Kit, keys: AuditKeys | None = None
    ) -> None:
        self.transactions = transactions
        self.kit = kit
        self.keys = keys or AuditKeys()

    def verify(
        self, reference: str | None = None, progress: Progress | None = None
    ) -> VerifyReport:
        """Everything an auditor reads against the chains and the signed checkpoints (one case, or all).

        :param progress: called after each chain with (chains done, chains in all, events checked).
        """

        def query(tx: UnitOfWork) -> VerifyReport:
            chain = None
            if reference is not None:
                chain = audit_rows.case_chain(case_rows.get(tx.session, reference).id)
            return verification.verify(
                tx, self.keys, self._replay_problem, chain, progress
            )

        return self.transactions.read(None, query)

    @property
    def signs_checkpoints(self) -> bool:
        """Whether a signing key is configured, so checkpoints can be written (the worker asks)."""
        return self.keys.signing_key is not None

    def write_checkpoint(self, only_if_changed: bool = False) -> Checkpoint | None:
        """Sign every chain head now, store the checkpoint, and write it to the checkpoint folder.

        With `only_if_changed` (the worker, every cycle) nothing is written while no chain has grown
        since the last checkpoint, so a quiet system does not pile up identical files.

        :raises EngineError: no signing key is configured (SCR_AUDIT_SIGNING_KEY_FILE).
        """
        key = self.keys.signing_key
        if key is None:
            raise EngineError(
                "No audit signing key is configured: set SCR_AUDIT_SIGNING_KEY_FILE to an "
                "Ed25519 private key (openssl genpkey -algorithm ed25519 -out audit-key.pem)."
            )

        def command(tx: UnitOfWork) -> Checkpoint | None:
            heads = audit_rows.heads(tx.session)
            if only_if_changed and _same_heads(
                checkpoint_rows.latest(tx.session), heads
            ):
                return None
            signed = checkpoints.sign(key, heads, tx.now)
            checkpoint_rows.add(
                tx.session, tx.now, signed.body, signed.signature, signed.public_key
            )
            return signed

        signed = self.transactions.write(None, command)
        if signed is None:
            return None
        if self.keys.folder is not None:
            path = checkpoints.write_file(self.keys.folder, signed)
            signed = checkpoints.Checkpoint(
                signed.body, signed.signature, signed.public_key, str(path)
            )
        return signed

    def checkpoint_status(
        self, actor: UserInfo
    ) -> tuple[str | None, datetime | None, int]:
        """(trusted public key, time of the newest stored checkpoint, how many are stored)."""

        def query(tx: UnitOfWork) -> tuple[str | None, datetime | None, int]:
            tx.require("see_audit")
            newest = checkpoint_rows.latest(tx.session)
            at = as_utc(newest.at) if newest is not None else None
            return self.keys.public_key, at, checkpoint_rows.count(tx.session)

        return self.transactions.read(actor, query)

    def _replay_problem(
        self, tx: UnitOfWork, row: ReviewCase, events: list[AuditEvent]
    ) -> str | None:
        entries = [audit_rows.entry(e, row.reference) for e in events]
        report = self._check_replay(tx, row, entries)
        return None if report.ok else report.problem

    def verify_chain(self, chain: str | None = None) -> ChainReport:
        """Check every hash chain (or one); the first bad event is named."""
        return self.transactions.read(
            None, lambda tx: audit_rows.verify(tx.session, chain)
        )

    def chain_name(self, reference: str) -> str:
        """The name of a case's chain, for `verify_chain`."""
        return self.transactions.read(
            None,
            lambda tx: audit_rows.case_chain(case_rows.get(tx.session, reference).id),
        )

    def verify_replays(self, reference: str | None = None) -> list[ReplayReport]:
        """Replay every case (or one) from its events and compare with the stored workflow state."""

        def query(tx: UnitOfWork) -> list[ReplayReport]:
            return [
                self._check_replay(tx, row)
                for row in case_rows.all_rows(tx.session, reference)
            ]

        return self.transactions.read(None, query)

    def replay(self, actor: UserInfo, reference: str, upto_seq: int) -> ReplayView:
        """The workflow as it stood right after event `upto_seq` of the case, rebuilt from the events."""

        def query(tx: UnitOfWork) -> ReplayView:
            tx.require("see_audit")
            row = CaseStore(tx, self.kit).visible(reference)
            if upto_seq < 1:
                raise NotFound(f"Case {reference} has no event {upto_seq}.")
            result = self._replay(tx, row, upto_seq)
            if result.last is None or result.last.seq != upto_seq:
                raise NotFound(f"Case {reference} has no event {upto_seq}.")
            grouped = result.run.element_states_by_process()
            return ReplayView(
                event=result.last,
                done_by_process={p: tuple(d) for p, (d, _a) in grouped.items()},
                active_by_process={p: tuple(a) for p, (_d, a) in grouped.items()},
                data=result.run.data(),
                open_tasks=tuple((t.id, t.name) for t in result.run.ready_user_tasks()),
            )

        return self.transactions.read(actor, query)

    def replayed_state(
        self, actor: UserInfo, reference: str, upto_seq: int | None = None
    ) -> str:
        """The workflow state JSON rebuilt from the events up to `upto_seq` (for comparison and export)."""

        def query(tx: UnitOfWork) -> str:
            tx.require("see_audit")
            row = CaseStore(tx, self.kit).visible(reference)
            return self._replay(tx, row, upto_seq).run.dump()

        return self.transactions.read(actor, query)

    def replayed_states(
        self, actor: UserInfo, reference: str, seqs: Iterable[int]
    ) -> dict[int, str]:
        """The workflow state JSON right after each of the events `seqs`, rebuilt in one replay.

        The case as it stood at many points costs one pass over its events, not one per point.
        """
        wanted = set(seqs)

        def query(tx: UnitOfWork) -> dict[int, str]:
            tx.require("see_audit")
            row = CaseStore(tx, self.kit).visible(reference)
            if not wanted:
                return {}
            states = self._replay(tx, row, max(wanted), wanted).states
            missing = sorted(wanted - set(states))
            if missing:
                raise NotFound(f"Case {reference} has no events {missing}.")
            return states

        return self.transactions.read(actor, query)

    def timeliness(
        self, actor: UserInfo, reference: str | None = None
    ) -> list[Deadline]:
        """Every deadline of one case (or of every case the user may see): due, done, met or missed."""

        def query(tx: UnitOfWork) -> list[Deadline]:
            tx.require("see_audit")
            case_id = None
            if reference is not None:
                case_id = CaseStore(tx, self.kit).visible(reference).id
            every = access.sees_every_case(tx.user)
            rows = task_rows.with_due_dates(
                tx.session, None if every else tx.user, case_id
            )
            return [_deadline(row, ref, by, tx.now) for row, ref, by in rows]

        return self.transactions.read(actor, query)

    def export(self, actor: UserInfo, reference: str) -> dict[str, Any]:
        """The case record for people without access: summary, every event with its hashes, deadlines."""

        def query(tx: UnitOfWork) -> dict[str, Any]:
            tx.require("see_audit")
            row = CaseStore(tx, self.kit).visible(reference)
            summary = case_rows.summary_of(tx.session, row)
            events = [
                audit_rows.entry(e, row.reference)
                for e in audit_rows.events_of_case(tx.session, row.id)
            ]
            chain = audit_rows.verify(tx.session, audit_rows.case_chain(row.id))
            return {
                "case": {
                    "reference": summary.reference,
                    "process": summary.process_name,
                    "status": summary.status,
                    "phase": summary.phase,
                    "started_at": summary.started_at.isoformat(),
                    "started_by": summary.started_by,
                    "deployment": summary.deployment_hash,
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
            }

        record = self.transactions.read(actor, query)
        record["deadlines"] = [
            {
                "task": d.task,
                "phase": d.phase,
                "due_at": d.due_at.isoformat(),
                "done_at": d.done_at.isoformat() if d.done_at else None,
                "done_by": d.done_by,
                "state": d.state,
            }
            for d in self.timeliness(actor, reference)
        ]
        return record

    def case_readings(self, actor: UserInfo, reference: str) -> list[CaseReading]:
        """Who read the case's page, and when, newest first (for auditors)."""

        def query(tx: UnitOfWork) -> list[CaseReading]:
            tx.require("see_audit")
            row = CaseStore(tx, self.kit).visible(reference)
            return [
                CaseReading(at, name, username)
                for at, name, username in case_view_rows.of_case(tx.session, row.id)
            ]

        return self.transactions.read(actor, query)

    def export_csv(self, actor: UserInfo, reference: str) -> str:
        """The case's events as CSV, hashes included, for people without access to the system."""
        return export_csv(self.export(actor, reference))

    def _check_replay(
        self, tx: UnitOfWork, row: ReviewCase, events: list[AuditEntry] | None = None
    ) -> ReplayReport:
        try:
            result = self._replay(tx, row, None, events=events)
        except (replay.ReplayFailed, ValueError, KeyError) as err:
            return ReplayReport(
                row.reference, False, 0, f"the events cannot be replayed: {err}"
            )
        replayed = result.run.dump()
        difference = replay.first_difference(row.state, replayed)
        if difference and not replay.first_difference(self._pruned(tx, row), replayed):
            difference = None
        if difference:
            return ReplayReport(
                row.reference,
                False,
                result.applied,
                f"replaying the events does not give the stored state: {difference}",
            )
        return ReplayReport(row.reference, True, result.applied)

    def _pruned(self, tx: UnitOfWork, row: ReviewCase) -> str:
        """The stored state pruned as every step now prunes (deterministic and idempotent): a state
        saved before pruning existed still holds the finished tasks a replay drops."""
        entry = self.kit.bundle(tx.session, row.deployment_id).processes[row.process_id]
        run = CaseRun.load(row.state, entry, self.kit.functions)
        pruning.prune(run.workflow)
        return run.dump()

    def _replay(
        self,
        tx: UnitOfWork,
        row: ReviewCase,
        upto_seq: int | None,
        states_at: Collection[int] = (),
        events: list[AuditEntry] | None = None,
    ) -> replay.Replayed:
        if events is None:
            events = [
                audit_rows.entry(e, row.reference)
                for e in audit_rows.events_of_case(tx.session, row.id)
            ]

        def resolve(content_hash: str) -> ProcessEntry:
            deployment = deployment_rows.by_hash(tx.session, content_hash)
            if deployment is None:
                raise KeyError(f"deployment {content_hash[:12]} is not stored")
            return self.kit.bundle(tx.session, deployment.id).processes[row.process_id]

        with task_names.as_recorded(events):  # the names people saw, as recorded
            return replay.replay(
                resolve, self.kit.functions, events, upto_seq, states_at
            )


def export_csv(record: dict[str, Any]) -> str:
    """The events of an exported case as CSV (one row per event, data as JSON, hashes included)."""
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
                json.dumps(event["data"], ensure_ascii=False, sort_keys=True),
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


def _same_heads(last: Any, heads: dict[str, tuple[int, str]]) -> bool:
    """Whether the newest stored checkpoint already signs exactly these chain heads."""
    if last is None:
        return False
    signed = json.loads(last.body).get("chains", {})
    return signed == {name: [seq, h] for name, (seq, h) in heads.items()}
