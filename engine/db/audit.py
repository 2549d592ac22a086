"""The audit trail: append-only events, each hash-chained to the one before it in its chain.

Each case has its own chain (guarded by the case's version counter), and everything else (sign-ins,
deployments, account changes) goes into the "system" chain. A chain head row records the last sequence
number and hash, so deleting the newest events is detected as well as editing or inserting old ones.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import as_utc
from engine.clock import iso_utc
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
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    body = canonical_json(
        {
            "chain": event.chain,
            "seq": event.seq,
            "case_id": event.case_id,
            "type": event.type,
            "actor_id": event.actor_id,
            "actor_name": event.actor_name,
            "at": iso_utc(event.at),
            "data": event.data,
        }
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


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
    event = AuditEvent(
        chain=chain,
        seq=head.seq + 1,
        case_id=case_id,
        type=type,
        actor_id=actor_id,
        actor_name=actor_name,
        at=at,
        data=canonical_json(data or {}),
        prev_hash=head.hash,
    )
    event.hash = event_hash(head.hash, event)
    session.add(event)
    head.seq = event.seq
    head.hash = event.hash
    return event


def verify(session: Session, chain: str | None = None) -> ChainReport:
    """Recompute every hash; name the first event that was edited, deleted, inserted or moved."""
    heads = {h.chain: h for h in session.scalars(select(AuditChainHead))}
    query = select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq)
    if chain is not None:
        query = query.where(AuditEvent.chain == chain)
        heads = {k: v for k, v in heads.items() if k == chain}
    last: dict[str, AuditEvent] = {}
    checked = 0
    result = session.scalars(query.execution_options(yield_per=500))
    try:
        for event in result:
            checked += 1
            problem = _problem_with(event, last.get(event.chain))
            if problem:
                return ChainReport(False, checked, describe(event), problem)
            last[event.chain] = event
    finally:
        result.close()
    for name, head in heads.items():
        tail = last.get(name)
        if tail is None or tail.seq != head.seq or tail.hash != head.hash:
            where = describe(tail) if tail else f"chain {name}"
            return ChainReport(
                False,
                checked,
                where,
                f"the chain should end at event {head.seq}; events after it were deleted",
            )
    orphans = sorted(set(last) - set(heads))
    if orphans:
        return ChainReport(
            False,
            checked,
            describe(last[orphans[0]]),
            "events exist for a chain that was never started",
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


def entry(event: AuditEvent, reference: str | None) -> AuditEntry:
    """The event as the plain value the service returns."""
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
