"""Sending one message over SMTP (plain, STARTTLS or TLS), after the step that queued it has committed.

A failure is either *permanent* (a malformed address, a header that would inject another header, a
recipient the server refuses with a 5xx code, attachments larger than the mail may carry): trying again
cannot help, so the message fails at once and alone. Or it is *transient* (the server is down, a 4xx
answer): the outbox tries again later.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from email.utils import parseaddr
from typing import Protocol

from engine.settings import MEGABYTE
from engine.settings import SmtpSecurity
from engine.settings import SmtpSettings

# One address, nothing else: local part, @, a domain with a dot. No spaces, commas or line breaks.
ADDRESS = re.compile(
    r"[^@\s,;<>\"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,}"
)


class Outgoing(Protocol):
    id: int
    address: str | None
    subject: str
    body: str
    queued_at: datetime


class File(Protocol):
    filename: str
    content_type: str
    content: bytes


class DeliveryFailed(Exception):
    """One message could not be delivered; `permanent` says whether trying again could help."""

    def __init__(self, message: str, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def message_id(row: Outgoing, sender: str) -> str:
    """A Message-ID that stays the same on every attempt, so a resend after a crash is recognisable."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    stamp = int(row.queued_at.timestamp())
    return f"<scr-notification-{row.id}-{stamp}@{domain}>"


def build(
    settings: SmtpSettings, row: Outgoing, files: Sequence[File] = ()
) -> EmailMessage:
    """The message for one outbox row, with its files attached.

    :raises DeliveryFailed: (permanent) the address or a header is malformed, or the files are too large.
    """
    _require_size(settings, files)
    address = (row.address or "").strip()
    if not ADDRESS.fullmatch(address):
        raise DeliveryFailed(
            f"The address {address!r} is not a valid email address; correct it and send again.",
            permanent=True,
        )
    if "\r" in row.subject or "\n" in row.subject:
        raise DeliveryFailed(
            "The subject contains a line break (a header injection); the message was not sent.",
            permanent=True,
        )
    message = EmailMessage()
    try:
        message["From"] = settings.sender
        message["To"] = Address(addr_spec=address)
        message["Subject"] = row.subject
        message["Message-ID"] = message_id(row, settings.sender)
        message["Date"] = format_datetime(row.queued_at)
        message.set_content(row.body)
        for file in files:
            maintype, _, subtype = (file.content_type or "").partition("/")
            if not (maintype and subtype):
                maintype, subtype = "application", "octet-stream"
            message.add_attachment(
                file.content,
                maintype=maintype,
                subtype=subtype,
                filename=file.filename,
            )
    except (ValueError, TypeError, IndexError) as err:
        raise DeliveryFailed(
            f"The message is malformed: {err}", permanent=True
        ) from err
    return message


def _require_size(settings: SmtpSettings, files: Sequence[File]) -> None:
    total = sum(len(f.content) for f in files)
    if total > settings.max_attachments_bytes:
        names = ", ".join(f.filename for f in files)
        raise DeliveryFailed(
            f"The attachments ({names}, {_megabytes(total)}) are larger than the "
            f"{_megabytes(settings.max_attachments_bytes)} a message may carry, so it was not "
            "sent. Send the document another way, or ask an administrator to raise "
            "SCR_SMTP_MAX_ATTACHMENTS_MB if the mail server accepts larger messages.",
            permanent=True,
        )


def _megabytes(size: int) -> str:
    if size < MEGABYTE:
        return f"{-(-size // 1024)} kB"
    return f"{size / MEGABYTE:.1f} MB"


def send_email(
    settings: SmtpSettings, row: Outgoing, files: Sequence[File] = ()
) -> None:
    """One SMTP conversation for one message.

    :raises DeliveryFailed: with `permanent` set when trying again cannot help.
    """
    message = build(settings, row, files)
    try:
        _send(settings, message)
    except smtplib.SMTPRecipientsRefused as err:
        codes = [code for code, _text in err.recipients.values()]
        raise DeliveryFailed(
            f"The mail server refused the recipient: {_refusals(err)}",
            permanent=all(code >= 500 for code in codes),
        ) from err
    except smtplib.SMTPResponseException as err:
        text = (
            err.smtp_error.decode("utf-8", "replace")
            if isinstance(err.smtp_error, bytes)
            else err.smtp_error
        )
        raise DeliveryFailed(
            f"The mail server answered {err.smtp_code} {text}",
            permanent=500 <= err.smtp_code < 600
            and not isinstance(err, smtplib.SMTPAuthenticationError),
        ) from err
    except (OSError, smtplib.SMTPException) as err:
        raise DeliveryFailed(f"{type(err).__name__}: {err}", permanent=False) from err


def _send(settings: SmtpSettings, message: EmailMessage) -> None:
    if settings.security is SmtpSecurity.SSL:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.security is SmtpSecurity.STARTTLS:
            # Raises SMTPNotSupportedError if the server cannot: never falls back to plain text.
            client.starttls(context=ssl.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password_value)
        client.send_message(message)


def _refusals(err: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(
        f"{address}: {code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
        for address, (code, text) in err.recipients.items()
    )
