"""Sending one message over SMTP (plain, STARTTLS or TLS), after the step that queued it has committed."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from engine.settings import SmtpSettings

ERRORS = (OSError, smtplib.SMTPException)


def send_email(settings: SmtpSettings, row: Any) -> None:
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
