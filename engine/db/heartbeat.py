"""The `worker_heartbeat` table: each worker's last cycle, so /readyz can tell whether one is alive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from engine.clock import as_utc
from engine.db.models import WorkerHeartbeat


def beat(
    session: Session, worker: str, started_at: datetime, now: datetime, summary: str
) -> None:
    """Record that `worker` finished a cycle now."""
    row = session.get(WorkerHeartbeat, worker)
    if row is None:
        row = WorkerHeartbeat(
            worker=worker, started_at=started_at, cycles=0, summary=""
        )
        session.add(row)
    row.beat_at, row.summary, row.stopped_at = now, summary[:2000], None
    row.cycles = (row.cycles or 0) + 1


def stopped(session: Session, worker: str, now: datetime) -> None:
    """Record that `worker` stopped cleanly."""
    row = session.get(WorkerHeartbeat, worker)
    if row is not None:
        row.stopped_at = now


def latest_beat(session: Session) -> datetime | None:
    """When any running worker last finished a cycle."""
    return as_utc(
        session.scalar(
            select(func.max(WorkerHeartbeat.beat_at)).where(
                WorkerHeartbeat.stopped_at.is_(None)
            )
        )
    )


def ping(session: Session) -> None:
    """A round trip to the database."""
    session.execute(text("SELECT 1"))
