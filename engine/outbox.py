"""Delivering the outbox over SMTP, after the workflow step that queued the messages has committed.

Each worker claims a batch of due rows (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a time)
and marks them `sending` with a lease before it talks to the mail server, so two workers never send the
same message. A failed attempt is retried with growing delays; after the last one the message is
`failed`, which the case page shows and the Business and QA Manager is told about.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Notification
from engine.settings import SmtpSettings

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=10)


def claim_due(session: Session, now: datetime, limit: int = 50) -> list[Notification]:
    """Due rows (queued, or `sending` with an expired lease), marked `sending` under a new lease."""
    query = (
        select(Notification)
        .where(
            Notification.status.in_(("queued", "sending")),
            Notification.next_attempt_at <= now,
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    for row in rows:
        row.status = "sending"
        row.attempts += 1
        row.next_attempt_at = now + LEASE
    return rows


def send_email(settings: SmtpSettings, row: Notification) -> None:
    """One SMTP conversation for one message; raises on any failure."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = row.address
    message["Subject"] = row.subject
    message["Message-ID"] = make_msgid(idstring=f"scr-{row.id}")
    message.set_content(row.body)
    if settings.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)


def next_attempt(row: Notification, now: datetime) -> datetime | None:
    """When to try again after a failure, or None when the attempts are used up."""
    if row.attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
