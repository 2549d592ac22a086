"""The notification_attachment table: the case documents an outbox message carries.

Which document goes is fixed when the message is queued (by id, file name and sha256), so a message
sent after a later upload still carries what the step that queued it saw. The bytes are read from the
document table only when the message is sent, and checked against the recorded sha256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Document
from engine.db.models import NotificationAttachment


@dataclass(frozen=True)
class Attachment:
    """One file to send: what the mail carries, and the digest the audit records."""

    filename: str
    content_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


class AttachmentChanged(Exception):
    """The document's bytes are no longer those recorded when the message was queued."""


def add(session: Session, notification_id: int, document: Document) -> None:
    session.add(
        NotificationAttachment(
            notification_id=notification_id,
            document_id=document.id,
            filename=document.filename,
            sha256=document.sha256,
        )
    )


def names_of(
    session: Session, notification_ids: Iterable[int]
) -> dict[int, tuple[str, ...]]:
    """The file names each message carries, in the order they were attached (one query)."""
    ids = list(notification_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(NotificationAttachment.notification_id, NotificationAttachment.filename)
        .where(NotificationAttachment.notification_id.in_(ids))
        .order_by(NotificationAttachment.id)
    )
    found: dict[int, list[str]] = {}
    for notification_id, filename in rows:
        found.setdefault(notification_id, []).append(filename)
    return {key: tuple(names) for key, names in found.items()}


def for_sending(session: Session, notification_id: int) -> list[Attachment]:
    """The files of one message with their bytes, each checked against the sha256 recorded at queueing.

    :raises AttachmentChanged: a document's bytes differ from those the message was queued with.
    """
    rows = session.execute(
        select(NotificationAttachment, Document)
        .join(Document, Document.id == NotificationAttachment.document_id)
        .where(NotificationAttachment.notification_id == notification_id)
        .order_by(NotificationAttachment.id)
    ).all()
    found = []
    for attached, document in rows:
        content = bytes(document.content)
        if hashlib.sha256(content).hexdigest() != attached.sha256:
            raise AttachmentChanged(
                f"The document {attached.filename} is not the one this message was queued "
                "with; the message was not sent."
            )
        found.append(
            Attachment(
                attached.filename, document.content_type, content, attached.sha256
            )
        )
    return found


def recorded(session: Session, notification_id: int) -> list[dict[str, str]]:
    """The files of one message as the audit records them: file name and sha256."""
    rows = session.execute(
        select(NotificationAttachment.filename, NotificationAttachment.sha256)
        .where(NotificationAttachment.notification_id == notification_id)
        .order_by(NotificationAttachment.id)
    )
    return [{"filename": name, "sha256": digest} for name, digest in rows]
