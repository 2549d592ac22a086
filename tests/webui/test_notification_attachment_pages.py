"""The case page's notifications and the development mail view name the files a message carries."""

from __future__ import annotations

import pytest
from flask import Flask

from engine import Engine
from engine.dto import Upload
from tests.engine.helpers import only_task
from tests.engine.test_notification_attachments import bundle
from tests.process.mail import report_pdf
from webui import create_app


@pytest.fixture
def app(engine: Engine) -> Flask:
    return create_app(
        {"TESTING": True, "ENGINE": engine, "SECRET_KEY": "test", "MAIL_VIEW": True}
    )


def test_a_message_with_the_report_says_so_by_file_name(engine, users, auth):
    engine.deployments.deploy(users["owner"], bundle())
    case = engine.cases.start(users["bqam"], "Process_attach", {})
    task = only_task(engine, users["bqam"], "Upload the report")
    engine.tasks.complete(
        users["bqam"], task.id, {}, {"report": Upload("report.pdf", report_pdf())}
    )
    auth.login_as_role("bqam")
    page = auth.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "with attachment: report.pdf" in page
    mail = auth.get("/dev/mail/").get_data(as_text=True)
    assert "With attachment: report.pdf" in mail
