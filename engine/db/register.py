"""The recommendations register (`register_entry`, `register_update`): finding, writing, listing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from engine.db.models import Agency
from engine.db.models import Document
from engine.db.models import RegisterEntry
from engine.db.models import RegisterUpdate
from engine.db.models import ReviewCase


def entry(session: Session, case_id: int, number: int, now: datetime) -> RegisterEntry:
    """The case's entry for recommendation `number`, added (not yet reported on) if it is new."""
    found = session.scalar(
        select(RegisterEntry).where(
            RegisterEntry.case_id == case_id,
            RegisterEntry.recommendation_number == number,
        )
    )
    if found is None:
        found = RegisterEntry(
            case_id=case_id,
            recommendation_number=number,
            source="",
            agency_key="",
            status="not_started",
            recorded_at=now,
            updated_at=now,
        )
        session.add(found)
    return found


def add_update(session: Session, row: RegisterEntry, **values: Any) -> RegisterUpdate:
    update = RegisterUpdate(**values)
    row.updates.append(update)
    session.flush()
    return update


def document_ids_of_task(session: Session, task_id: str) -> list[int]:
    """The documents uploaded with one task (the evidence a progress report attached)."""
    return list(
        session.scalars(
            select(Document.id).where(Document.task_id == task_id).order_by(Document.id)
        )
    )


def documents(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Document id → file name, for the ids given."""
    if not ids:
        return {}
    query = select(Document.id, Document.filename).where(Document.id.in_(ids))
    return {doc_id: name for doc_id, name in session.execute(query)}


def listing(
    agency: str | None = None, case_reference: str | None = None
) -> Select[tuple[RegisterEntry, str, str | None]]:
    """Entries with their case reference and agency name, by case then recommendation number."""
    query = (
        select(RegisterEntry, ReviewCase.reference, Agency.name)
        .join(ReviewCase, ReviewCase.id == RegisterEntry.case_id)
        .outerjoin(Agency, Agency.key == RegisterEntry.agency_key)
        .options(selectinload(RegisterEntry.updates))
        .order_by(ReviewCase.reference, RegisterEntry.recommendation_number)
    )
    if agency is not None:
        query = query.where(RegisterEntry.agency_key == agency)
    if case_reference is not None:
        query = query.where(ReviewCase.reference == case_reference)
    return query


def ids_in(update: RegisterUpdate) -> list[int]:
    return [int(i) for i in json.loads(update.document_ids or "[]")]


def agency_names(session: Session) -> dict[str, str]:
    query = select(Agency.key, Agency.name).order_by(Agency.name)
    return {key: name for key, name in session.execute(query)}
