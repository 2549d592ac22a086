"""The audit_checkpoint table: signed statements of every chain head (copies of the files outside)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import AuditCheckpoint


def add(
    session: Session, at: datetime, body: str, signature: str, public_key: str
) -> AuditCheckpoint:
    row = AuditCheckpoint(at=at, body=body, signature=signature, public_key=public_key)
    session.add(row)
    session.flush()
    return row


def every(session: Session) -> Iterator[AuditCheckpoint]:
    """Every stored checkpoint, oldest first."""
    yield from session.scalars(
        select(AuditCheckpoint)
        .order_by(AuditCheckpoint.id)
        .execution_options(yield_per=100)
    )


def latest(session: Session) -> AuditCheckpoint | None:
    return session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    ).first()


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0
