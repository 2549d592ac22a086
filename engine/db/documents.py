"""The document table: files attached to a case or to one of its tasks."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.clock import as_utc
from engine.db.audit import case_chain
from engine.db.audit import data_of
from engine.db.models import AppUser
from engine.db.models import AuditEvent
from engine.db.models import Document
from engine.dto import DocumentInfo
from engine.errors import NotFound


def add(
    session: Session,
    *,
    case_id: int,
    task_id: str | None,
    filename: str,
    content_type: str,
    content: bytes,
    uploaded_by_id: int,
    now: datetime,
    agency_key: str | None = None,
) -> Document:
    document = Document(
        agency_key=agency_key,
        case_id=case_id,
        task_id=task_id,
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by_id=uploaded_by_id,
        uploaded_at=now,
    )
    session.add(document)
    session.flush()
    return document


def get(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"There is no document {document_id}.")
    return document


def of_case(
    session: Session,
    case_id: int,
    reference: str,
    readable: Callable[[Document], bool] | None = None,
) -> list[DocumentInfo]:
    """The case's documents, oldest first, with who uploaded them (one query); only the `readable`
    ones, if given (need to know: an agency's documents before the Panel accepted them)."""
    query = (
        select(Document, AppUser.display_name)
        .outerjoin(AppUser, AppUser.id == Document.uploaded_by_id)
        .where(Document.case_id == case_id)
        .order_by(Document.uploaded_at, Document.id)
    )
    return [
        info(d, reference, name)
        for d, name in session.execute(query)
        if readable is None or readable(d)
    ]


def share_agency(session: Session, case_id: int, agency: str, now: datetime) -> int:
    """Share the agency's documents of the case with everyone who sees it; how many were not yet."""
    query = (
        update(Document)
        .where(
            Document.case_id == case_id,
            Document.agency_key == agency,
            Document.shared_at.is_(None),
        )
        .values(shared_at=now)
    )
    return int(session.execute(query).rowcount or 0)


def shared_agencies(session: Session, case_id: int) -> set[str]:
    """The agencies whose report the Panel accepted in the case (`agency_documents_shared` events):
    their documents and their entries are the case's."""
    query = select(AuditEvent).where(
        AuditEvent.chain == case_chain(case_id),
        AuditEvent.type == "agency_documents_shared",
    )
    return {str(data_of(e).get("agency")) for e in session.scalars(query)}


def info_of(session: Session, document: Document, reference: str) -> DocumentInfo:
    uploader = session.get(AppUser, document.uploaded_by_id)
    return info(document, reference, uploader.display_name if uploader else None)


def info(document: Document, reference: str, uploader: str | None) -> DocumentInfo:
    return DocumentInfo(
        document.id,
        reference,
        document.task_id,
        document.filename,
        document.content_type,
        document.size,
        document.sha256,
        uploader or "?",
        as_utc(document.uploaded_at),
    )
