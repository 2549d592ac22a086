"""The audit trail: append-only events, each hash-chained to the one before it in its chain.

Each case has its own chain (guarded by the case's version counter), and everything else (sign-ins,
deployments, account changes) goes into the "system" chain. A chain head row records the last sequence
number and hash, so deleting the newest events is detected as well as editing or inserting old ones.

Since format 2 an event's hash covers its plain data and the digest of its personal payload, which is
kept in audit_payload (engine.db.payloads) so that it can be redacted without breaking the chain. Events
of format 1 (written before) are hashed over their whole data and verified as they always were. On
PostgreSQL a trigger refuses every UPDATE and DELETE of audit_event (`APPEND_ONLY_SQL`); signed
checkpoints outside the database catch a chain rewritten by someone who can bypass it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from sqlalchemy import DDL
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import as_utc
from engine.clock import iso_utc
from engine.db import payloads
from engine.db.models import AuditChainHead
from engine.db.models import AuditEvent
from engine.dto import AuditEntry
from engine.dto import ChainReport

GENESIS = "0" * 64
SYSTEM_CHAIN = "system"


def case_chain(case_id: int) -> str:
    return f"case:{case_id}"


SYSTEM: dict[str, Any] = {"actor_id": None, "actor_name": "system"}


def by(user: Any) -> dict[str, Any]:
    """The actor fields of an event done by `user` (anything with id and display_name), or the system."""
    if user is None:
        return dict(SYSTEM)
    return {"actor_id": user.id, "actor_name": user.display_name}


def canonical_json(value: Any) -> str:
    return payloads.canonical_json(value)


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    """The event's hash: over its data itself (format 1), or its plain data and payload digest (2)."""
    body: dict[str, Any] = {
        "chain": event.chain,
        "seq": event.seq,
        "case_id": event.case_id,
        "type": event.type,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "at": iso_utc(event.at),
        "data": event.data,
    }
    if event.format != 1:
        body["format"] = event.format
        body["payload"] = event.payload_digest
    return hashlib.sha256((prev_hash + canonical_json(body)).encode()).hexdigest()


APPEND_ONLY_SQL = (
    """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = 'audit_event is append-only: ' || TG_OP || ' refused',
    ERRCODE = 'insufficient_privilege';
END $$""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
)
DROP_APPEND_ONLY_SQL = (
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
)
for _statement in APPEND_ONLY_SQL:  # also when a test builds the schema with create_all
    sa_event.listen(
        AuditEvent.__table__,
        "after_create",
        DDL(_statement).execute_if(dialect="postgresql"),
    )


def record(
    session: Session,
    *,
    type: str,
    at: datetime,
    actor_id: int | None,
    actor_name: str | None,
    data: dict[str, Any] | None = None,
    case_id: int | None = None,
) -> AuditEvent:
    """Append one event to the case's chain (or the system chain), in the caller's transaction."""
    chain = case_chain(case_id) if case_id is not None else SYSTEM_CHAIN
    head = session.get(AuditChainHead, chain)
    if head is None:
        head = AuditChainHead(chain=chain, seq=0, hash=GENESIS)
        session.add(head)
    plain, personal = payloads.split(data or {})
    event = AuditEvent(
        chain=chain,
        seq=head.seq + 1,
        case_id=case_id,
        type=type,
        actor_id=actor_id,
        actor_name=actor_name,
        at=at,
        data=canonical_json(plain),
        prev_hash=head.hash,
        format=2,
    )
    payloads.attach(event, personal)
    event.hash = event_hash(head.hash, event)
    session.add(event)
    head.seq = event.seq
    head.hash = event.hash
    return event


@dataclass(frozen=True, slots=True)
class Redaction:
    """A `payload_redacted` event: which fields of which events, when, by whom, approved by whom, why."""

    chain: str
    seq: int
    at: datetime
    data: dict[str, Any]


@dataclass
class ChainCheck:
    """The outcome of checking one chain: the first problem (where, what), and its redactions."""

    chain: str
    events: int = 0
    where: str | None = None
    problem: str | None = None
    redactions: list[Redaction] = field(default_factory=list)
    tombstones: int = 0


def heads(session: Session, chain: str | None = None) -> dict[str, tuple[int, str]]:
    """(last seq, last hash) of every chain (one small row per chain)."""
    query = select(AuditChainHead.chain, AuditChainHead.seq, AuditChainHead.hash)
    if chain is not None:
        query = query.where(AuditChainHead.chain == chain)
    return {name: (seq, hash_) for name, seq, hash_ in session.execute(query)}


STREAM_BATCH = 1000


def chains(
    session: Session, chain: str | None = None, batch: int | None = None
) -> Iterator[list[AuditEvent]]:
    """The events of one chain at a time, in order, streamed from the database in batches."""
    batch = batch or STREAM_BATCH
    query = select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq)
    if chain is not None:
        query = query.where(AuditEvent.chain == chain)
    current: list[AuditEvent] = []
    result = session.scalars(query.execution_options(yield_per=batch))
    try:
        for event in result:
            if current and event.chain != current[0].chain:
                yield current
                current = []
            current.append(event)
        if current:
            yield current
    finally:
        result.close()


def check_chain(events: list[AuditEvent], head: tuple[int, str] | None) -> ChainCheck:
    """Every hash, payload digest and tombstone of one chain, and its end against the chain head."""
    check = ChainCheck(events[0].chain, len(events))
    previous, tombstones = None, []
    for event in events:
        problem = _problem_with(event, previous)
        if problem is None:
            problem, found = payloads.check(event)
            tombstones.extend((event, t) for t in found)
        if problem:
            check.where, check.problem = describe(event), problem
            return check
        if event.type == "payload_redacted":
            data = json.loads(event.data)
            check.redactions.append(
                Redaction(event.chain, event.seq, as_utc(event.at), data)
            )
        previous = event
    allowed = {
        (r.seq, seq, section, name)
        for r in check.redactions
        for seq, section, name in r.data.get("redacted", [])
    }
    for event, t in tombstones:
        if (t.redaction_seq, event.seq, t.section, t.field) not in allowed:
            check.where = describe(event)
            check.problem = (
                f"its payload field {t.section}.{t.field} was removed without a recorded, "
                "authorised redaction"
            )
            return check
    check.tombstones = len(tombstones)
    tail = events[-1]
    if head is None:
        check.where, check.problem = (
            describe(tail),
            "events exist for a chain that was never started",
        )
    elif tail.seq != head[0] or tail.hash != head[1]:
        check.where = describe(tail)
        check.problem = (
            f"the chain should end at event {head[0]}; events after it were deleted"
            if tail.seq < head[0]
            else f"the chain head says event {head[0]} is the last; the chain was changed"
        )
    return check


def verify(session: Session, chain: str | None = None) -> ChainReport:
    """Recompute every hash; name the first event that was edited, deleted, inserted or moved."""
    known = heads(session, chain)
    checked = 0
    seen = set()
    for events in chains(session, chain):
        seen.add(events[0].chain)
        result = check_chain(events, known.get(events[0].chain))
        checked += result.events
        if result.problem:
            return ChainReport(False, checked, result.where, result.problem)
    for name in sorted(set(known) - seen):
        return ChainReport(
            False, checked, f"chain {name}", "all of its events were deleted"
        )
    return ChainReport(True, checked)


def _problem_with(event: AuditEvent, previous: AuditEvent | None) -> str | None:
    expected_seq = previous.seq + 1 if previous else 1
    expected_prev = previous.hash if previous else GENESIS
    if event.seq != expected_seq:
        return f"expected event number {expected_seq} here; an event is missing or was inserted"
    if event.prev_hash != expected_prev:
        return "it does not follow the event before it; an event was deleted, inserted or moved"
    if event_hash(event.prev_hash, event) != event.hash:
        return "its content does not match its hash; it was edited"
    return None


def data_of(event: AuditEvent) -> dict[str, Any]:
    """The event's data as readers see it: plain data and payload together (redacted fields marked)."""
    data = json.loads(event.data)
    data.update(payloads.opened(event.payload))
    return data


def entry(event: AuditEvent, reference: str | None) -> AuditEntry:
    """The event as the plain value the service returns."""
    return AuditEntry(
        event.seq,
        event.chain,
        event.type,
        event.actor_name,
        as_utc(event.at),
        reference,
        data_of(event),
        event.hash,
    )


def describe(event: AuditEvent) -> str:
    return f"{event.chain} #{event.seq} {event.type} at {iso_utc(event.at)} (row id {event.id})"


def events_of_case(session: Session, case_id: int) -> list[AuditEvent]:
    """Every event of the case's chain, in order."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.chain == case_chain(case_id))
            .order_by(AuditEvent.seq)
        )
    )
