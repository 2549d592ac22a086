"""`scr audit verify`: everything an auditor reads, checked against the chain, in one streaming pass.

The events are read one chain at a time, in batches (memory holds one case's events, one small row
per chain head, and what the checkpoints expect). For every chain: the hashes, the payload digests and
tombstones, the head, and the signed checkpoints. For every case chain also: the stored workflow's
format, a replay from the events compared with the stored state, and the projection tables (task
index, status, documents with their bytes, notifications) rebuilt from the events. For the system
chain: every deployment's files against their hashes.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from engine.clock import as_utc
from engine.clock import iso_utc
from engine.db import audit as audit_rows
from engine.db import checkpoints as checkpoint_rows
from engine.db import projections
from engine.db.models import AuditEvent
from engine.db.models import ReviewCase
from engine.process import bundle as bundles
from engine.process import serializer
from engine.services import checkpoints
from engine.services.unit_of_work import UnitOfWork

Progress = Callable[[int, int, int], None]  # chains done, chains in all, events checked


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong: what kind, where (an event, a row, a file, a checkpoint), and what."""

    kind: str
    where: str
    problem: str


@dataclass(frozen=True, slots=True)
class RedactionNote:
    """A lawful redaction the chain records: which case, which fields, when, by whom, why."""

    chain: str
    seq: int
    at: str
    fields: tuple[str, ...]
    payloads: int
    reason: str
    requested_by: str
    approved_by: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    events: int
    chains: int
    cases: int
    checkpoints: int
    public_key: str | None
    findings: tuple[Finding, ...]
    redactions: tuple[RedactionNote, ...]
    warnings: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events_checked": self.events,
            "chains": self.chains,
            "cases": self.cases,
            "checkpoints_checked": self.checkpoints,
            "public_key": self.public_key,
            "problems": [
                {"kind": f.kind, "where": f.where, "problem": f.problem}
                for f in self.findings
            ],
            "redactions": [
                {
                    "chain": r.chain,
                    "seq": r.seq,
                    "at": r.at,
                    "fields": list(r.fields),
                    "payloads": r.payloads,
                    "reason": r.reason,
                    "requested_by": r.requested_by,
                    "approved_by": r.approved_by,
                }
                for r in self.redactions
            ],
            "warnings": list(self.warnings),
        }


@dataclass
class _Pass:
    """What one verification pass has found so far."""

    findings: list[Finding] = field(default_factory=list)
    redactions: list[RedactionNote] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    events: int = 0
    chains: int = 0
    cases: int = 0
    checkpoints: int = 0
    # (chain, seq) → (hash, which checkpoint): what the signed checkpoints say each chain holds
    expected: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)

    def add(self, kind: str, problems: Iterable[tuple[str, str]]) -> None:
        self.findings.extend(Finding(kind, where, what) for where, what in problems)


ReplayCheck = Callable[[UnitOfWork, Any, list[AuditEvent]], str | None]


def verify(
    tx: UnitOfWork,
    keys: checkpoints.AuditKeys,
    replay_check: ReplayCheck,
    chain: str | None = None,
    progress: Progress | None = None,
) -> VerifyReport:
    """Check every chain (or one) and everything derived from it; see the module's docstring."""
    found = _Pass()
    _load_checkpoints(tx, keys, found, chain)
    heads = audit_rows.heads(tx.session, chain)
    seen: set[str] = set()
    for events in audit_rows.chains(tx.session, chain):
        name = events[0].chain
        seen.add(name)
        _check_chain(tx, events, heads.get(name), found, replay_check)
        found.chains += 1
        found.events += len(events)
        if progress is not None:
            progress(found.chains, len(heads), found.events)
    for name in sorted(set(heads) - seen):
        found.add("chain", [(f"chain {name}", "all of its events were deleted")])
    for (name, seq), (_hash, label) in sorted(found.expected.items()):
        if chain is None or name == chain:
            found.add(
                "checkpoint",
                [
                    (
                        f"chain {name}",
                        f"the checkpoint of {label} holds event #{seq}, which is gone: "
                        "the chain was shortened",
                    )
                ],
            )
    if chain is None:
        _cases_without_events(tx, seen, found)
    return VerifyReport(
        not found.findings,
        found.events,
        found.chains,
        found.cases,
        found.checkpoints,
        keys.public_key,
        tuple(found.findings),
        tuple(found.redactions),
        tuple(found.warnings),
    )


def _load_checkpoints(
    tx: UnitOfWork, keys: checkpoints.AuditKeys, found: _Pass, chain: str | None
) -> None:
    trusted = keys.public_key
    if trusted is None:
        found.warnings.append(
            "No trusted public key is configured (SCR_AUDIT_PUBLIC_KEY or a signing key): "
            "checkpoints prove only that they were not altered since they were signed."
        )
    stored = (
        checkpoints.Checkpoint(r.body, r.signature, r.public_key, f"database #{r.id}")
        for r in checkpoint_rows.every(tx.session)
    )
    for checkpoint in [*stored, *checkpoints.read_folder(keys.folder)]:
        found.checkpoints += 1
        problem = checkpoints.signature_problem(checkpoint, trusted)
        if problem:
            found.add("checkpoint", [(f"checkpoint {checkpoint.source}", problem)])
            continue
        content = checkpoint.content
        label = str(content["at"])
        for name, (seq, hash_) in dict(content["chains"]).items():
            if chain is None or name == chain:
                found.expected.setdefault((name, int(seq)), (hash_, label))


def _check_chain(
    tx: UnitOfWork,
    events: list[AuditEvent],
    head: tuple[int, str] | None,
    found: _Pass,
    replay_check: ReplayCheck,
) -> None:
    name = events[0].chain
    result = audit_rows.check_chain(events, head)
    if result.problem:
        found.add("chain", [(result.where or name, result.problem)])
    for event in events:
        expected = found.expected.pop((name, event.seq), None)
        if expected is not None and expected[0] != event.hash:
            found.add(
                "checkpoint",
                [
                    (
                        audit_rows.describe(event),
                        f"its hash differs from the one signed in the checkpoint of {expected[1]}: "
                        "the chain was rewritten",
                    )
                ],
            )
    found.redactions.extend(_note(r) for r in result.redactions)
    plain = [(e.type, as_utc(e.at), e.actor_id, audit_rows.data_of(e)) for e in events]
    if name == audit_rows.SYSTEM_CHAIN:
        found.add(
            "deployment",
            projections.deployment_problems(tx.session, plain, bundles.content_hash),
        )
        found.add(
            "notification", projections.notification_problems(tx.session, None, plain)
        )
        return
    row = tx.session.get(ReviewCase, events[0].case_id or 0)
    if row is None:
        found.add("case", [(name, "the events name a case that is not stored")])
        return
    found.cases += 1
    _check_case(tx, row, events, plain, found, replay_check)
    _forget_case(tx.session, name)


def _forget_case(session: Any, chain: str) -> None:
    """Nothing of one case is kept while the next is checked: drop its rows from the session.

    Not `expunge_all()`: the events of the next chains are still being streamed into this session
    in batches, and SQLAlchemy refuses to go on once the identity map under them was cleared.
    """
    for obj in list(session):
        if not isinstance(obj, AuditEvent) or obj.chain == chain:
            session.expunge(obj)


def _check_case(
    tx: UnitOfWork,
    row: Any,
    events: list[AuditEvent],
    plain: list[projections.Event],
    found: _Pass,
    replay_check: ReplayCheck,
) -> None:
    version = serializer.state_version(row.state)
    if version != serializer.CURRENT_VERSION:
        found.add(
            "state",
            [
                (
                    f"review_case {row.reference}",
                    f"its stored workflow claims serializer version {version!r}; this release "
                    f"writes only {serializer.CURRENT_VERSION!r} and refuses to load it",
                )
            ],
        )
    else:
        problem = replay_check(tx, row, events)
        if problem:
            found.add("replay", [(f"review_case {row.reference}", problem)])
    legacy = events[0].format == 1
    session = tx.session
    found.add("status", projections.case_problems(session, row, plain))
    found.add("task", projections.task_problems(session, row.id, plain, legacy))
    found.add("document", projections.document_problems(session, row.id, plain))
    found.add("notification", projections.notification_problems(session, row.id, plain))


def _cases_without_events(tx: UnitOfWork, seen: set[str], found: _Pass) -> None:
    for case_id, reference in projections.case_references(tx.session):
        if audit_rows.case_chain(case_id) not in seen:
            found.add("case", [(f"review_case {reference}", "it has no audit events")])


def _note(redaction: audit_rows.Redaction) -> RedactionNote:
    data = redaction.data
    return RedactionNote(
        redaction.chain,
        redaction.seq,
        iso_utc(redaction.at),
        tuple(data.get("fields", ())),
        len(data.get("redacted", ())),
        str(data.get("reason", "")),
        str(data.get("requested_by", "")),
        str(data.get("approved_by", "")),
    )
