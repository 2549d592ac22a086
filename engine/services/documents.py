"""Documents of a case: upload (checked by type and size, hashed), list, download."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from engine import access
from engine.db import case_team as team_rows
from engine.db import cases as case_rows
from engine.db import documents as document_rows
from engine.db import tasks as task_rows
from engine.db.models import Document
from engine.dto import DocumentInfo
from engine.dto import Upload
from engine.dto import UserInfo
from engine.errors import NotFound
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
SAFE_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


class Documents:
    def __init__(self, transactions: Transactions, kit: Kit) -> None:
        self.transactions = transactions
        self.kit = kit

    def upload(
        self,
        actor: UserInfo,
        reference: str,
        filename: str,
        content: bytes,
        content_type: str | None = None,
        task_id: str | None = None,
    ) -> DocumentInfo:
        """Attach a file to a case (and a task). The stored content type comes from an allow-list.

        :raises ValueError: no file, too large, or of a type that cannot be uploaded.
        """
        upload = Upload(filename, content, content_type)
        _check(upload)

        def command(tx: UnitOfWork) -> DocumentInfo:
            tx.require("change")
            store = CaseStore(tx, self.kit)
            row = store.visible(reference)
            if task_id is not None:
                task = task_rows.find_in_case(tx.session, task_id, row.id)
                if task is None:
                    raise NotFound(f"There is no task {task_id} in case {reference}.")
                store.require_open(task)
                store.require_work(task)  # a file for a task comes with working on it
            document = store_document(tx, row, upload, task_id)
            return document_rows.info_of(tx.session, document, row.reference)

        return self.transactions.write(actor, command)

    def of_case(self, actor: UserInfo, reference: str) -> list[DocumentInfo]:
        """The case's documents, oldest first."""

        def query(tx: UnitOfWork) -> list[DocumentInfo]:
            row = CaseStore(tx, self.kit).visible(reference)
            return document_rows.of_case(
                tx.session, row.id, row.reference, readable_by(tx, row.id)
            )

        return self.transactions.read(actor, query)

    def get(self, actor: UserInfo, document_id: int) -> tuple[DocumentInfo, bytes]:
        """A document and its bytes, for someone who may see its case and read it (need to know)."""

        def query(tx: UnitOfWork) -> tuple[DocumentInfo, bytes]:
            document = document_rows.get(tx.session, document_id)
            row = case_rows.by_id(tx.session, document.case_id)
            CaseStore(tx, self.kit).require_may_see(row)
            if not readable_by(tx, row.id)(document):
                # need to know: another agency's report answers as an unknown document does
                raise NotFound(f"There is no document {document_id}.")
            return document_rows.info_of(
                tx.session, document, row.reference
            ), document.content

        return self.transactions.read(actor, query)


def _check(upload: Upload) -> tuple[str, str]:
    """The safe file name and stored content type, or ValueError saying what is wrong."""
    name = PurePosixPath(upload.filename.replace("\\", "/")).name.strip()
    suffix = PurePosixPath(name).suffix.lower()
    if not name:
        raise ValueError("Choose a file to upload.")
    if len(upload.content) > MAX_DOCUMENT_BYTES:
        raise ValueError(
            f"The file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB."
        )
    if suffix not in SAFE_CONTENT_TYPES:
        raise ValueError(
            f"Files of type {suffix or '(none)'} cannot be uploaded; use PDF, Word, ODT, "
            "Excel, CSV, text or an image."
        )
    return name, SAFE_CONTENT_TYPES[suffix]


def store_document(
    tx: UnitOfWork, row: Any, upload: Upload, task_id: str | None
) -> Document:
    """Store a checked file on a case in the command's transaction, and record it."""
    name, content_type = _check(upload)
    task = task_rows.find_in_case(tx.session, task_id, row.id) if task_id else None
    document = document_rows.add(
        tx.session,
        case_id=row.id,
        task_id=task_id,
        filename=name,
        content_type=content_type,
        content=upload.content,
        uploaded_by_id=tx.user.id,
        now=tx.now,
        agency_key=task.agency_key if task is not None else None,
    )
    tx.record(
        "document_uploaded",
        row,
        document=document.id,
        filename=name,
        sha256=document.sha256,
        size=document.size,
        task_id=task_id,
        agency=document.agency_key,
    )
    return document


def readable_by(tx: UnitOfWork, case_id: int) -> Callable[[Document], bool]:
    """Which of the case's documents the acting user may read (engine.access.may_read_document)."""
    user = tx.user
    case_roles = team_rows.roles_of(tx.session, case_id, user.id)

    def readable(document: Document) -> bool:
        return access.may_read_document(
            user, document.agency_key, document.shared_at is not None, case_roles
        )

    return readable


def entries_hidden_from(tx: UnitOfWork, case_id: int) -> Callable[[str], bool] | None:
    """Whose entries in the case the acting user may not read yet (None: nobody's): an agency's
    answers in its own part of the process follow its documents (`access.may_read_document`)."""
    user = tx.user
    if access.can(user, "read_unshared_documents"):
        return None
    case_roles = team_rows.roles_of(tx.session, case_id, user.id)
    shared = document_rows.shared_agencies(tx.session, case_id)

    def hidden(agency: str) -> bool:
        return not access.may_read_document(user, agency, agency in shared, case_roles)

    return hidden


def share_agency_documents(tx: UnitOfWork, row: Any, agency: str) -> None:
    """The Panel accepted the agency's report: its documents are the case's from now on (audited)."""
    shared = document_rows.share_agency(tx.session, row.id, agency, tx.now)
    tx.record("agency_documents_shared", row, agency=agency, documents=shared)
