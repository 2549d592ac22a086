"""`scr worker` on PostgreSQL e-mails a case's report, attached, to a real SMTP server; the case moves on.

The system goes live with the CLI (`scr db upgrade`, accounts, `scr deploy`); the Business and QA
Manager uploads a report through the engine; one `scr worker --once` cycle sends it; the received
e-mail's attachment is the uploaded file byte for byte, and the case has heard of the delivery.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import EngineSettings
from engine import build_engine
from engine.dto import Upload
from engine.settings import SmtpSettings
from tests.engine.helpers import only_task
from tests.engine.test_notification_attachments import bundle
from tests.ops.conftest import PASSWORD
from tests.ops.conftest import Scr
from tests.process.mail import report_pdf
from tests.smtp import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def go_live(scr: Scr, folder: Path) -> None:
    scr.ok("db", "upgrade")
    for username, role in (("ada", None), ("owner", "process_owner"), ("bqam", "bqam")):
        scr.ok(
            "user", "create", username, "--display-name", username.title(),
            "--email", f"{username}@board.example.org",
            *(("--role", role, "--as", "ada") if role else ("--admin",)),
            stdin=PASSWORD + "\n",
        )  # fmt: skip
    folder.mkdir()
    for name, content in bundle().items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(content)
    scr.ok("deploy", str(folder), "--as", "owner")


def test_the_worker_sends_the_report_attached_and_the_case_hears_it_went(
    pg_url, scr, smtp, tmp_path, monkeypatch
):
    monkeypatch.setenv("SCR_DATABASE_URL", pg_url)
    monkeypatch.setenv("SCR_SMTP_PORT", str(smtp.port))
    go_live(scr, tmp_path / "bpmn")
    engine = build_engine(
        EngineSettings(database_url=pg_url, smtp=SmtpSettings(port=smtp.port))
    )
    bqam = engine.accounts.by_username("bqam")
    case = engine.cases.start(bqam, "Process_attach", {})
    report = report_pdf(pages=2)
    task = only_task(engine, bqam, "Upload the report")
    engine.tasks.complete(bqam, task.id, {}, {"report": Upload("report.pdf", report)})
    assert smtp.received == []  # nothing is sent inside the step

    out = scr.ok("worker", "--once")
    assert "messages sent: 1" in out
    [mail] = smtp.received
    [attached] = list(mail.message.iter_attachments())
    assert (attached.get_filename(), attached.get_content_type()) == (
        "report.pdf",
        "application/pdf",
    )
    assert attached.get_content() == report
    only_task(engine, bqam, "Publish the report")  # the case moved on from the delivery
    view = engine.cases.view(bqam, case.reference)
    assert view.data["report_delivered"]["attachments"] == "report.pdf"
    engine.database.bind.dispose()
