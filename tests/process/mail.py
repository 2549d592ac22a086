"""The worker's outbox delivery in a process test, with the mail server replaced by a recorder.

`send_outbox(s)` does what `scr worker` does with the outbox (`engine.notifications.deliver`): each due
message is built as it would be sent (its attachments and their size limit too), marked sent, and a
case waiting for the delivery of one (a `delivered_message`) moves on. Only the SMTP conversation is
left out, so process tests need no mail server; tests/ops and tests/engine send over a real one.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from pypdf import PdfWriter

from engine.notify import smtp
from engine.settings import SmtpSettings
from tests.process.scenario import Scenario


def report_pdf(pages: int = 1) -> bytes:
    """A small real PDF (blank pages: the name check finds nobody in it)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def send_outbox(s: Scenario, refused: str | None = None) -> list[EmailMessage]:
    """Deliver every due message the way the worker does; return the e-mails as they were built.

    `refused`: the mail server refuses every message for good with this answer.
    """
    built: list[EmailMessage] = []
    notifications = s.engine.notifications

    def record(settings: SmtpSettings, row: Any, files: Sequence[Any] = ()) -> None:
        built.append(smtp.build(settings, row, files))
        if refused:
            raise smtp.DeliveryFailed(refused, permanent=True)

    real = notifications.transport
    notifications.transport = record
    try:
        notifications.deliver()
    finally:
        notifications.transport = real
    s._snapshot()
    return built
