"""Notify service tasks: rendered from the deployment's templates, queued with the step, sent over real SMTP."""

from __future__ import annotations

import threading
from datetime import UTC
from datetime import datetime

import pytest

from engine import EngineSettings
from engine.errors import DiagramInvalid
from engine.process.handlers import HandlerRegistry
from engine.settings import SmtpSettings
from tests.engine.helpers import DIAGRAMS
from tests.engine.helpers import GOOD_START
from tests.engine.helpers import only_task
from tests.smtp import SmtpServer


def bundle(**overrides: bytes) -> dict[str, bytes]:
    files = {
        p.relative_to(DIAGRAMS).as_posix(): p.read_bytes()
        for p in DIAGRAMS.rglob("*")
        if p.is_file()
    }
    files.update(overrides)
    return files


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def handlers() -> HandlerRegistry:
    """The real notify handler (the engine adds it to an empty registry)."""
    return HandlerRegistry()


@pytest.fixture
def engine_settings(smtp) -> EngineSettings:
    """The engine sends to the test's SMTP server."""
    return EngineSettings(smtp=SmtpSettings(port=smtp.port, timeout=3))


def start(engine, users):
    engine.deployments.deploy(users["owner"], bundle())
    return engine.cases.start(users["bqam"], "Process_mini", GOOD_START)


def test_the_notification_arrives_rendered_from_case_data(engine, users, smtp):
    case = start(engine, users)
    [queued] = engine.notifications.of_case(users["bqam"], case.reference)
    assert (queued.status, queued.recipient) == (
        "queued",
        "Irene Chalmers (Independent Chair of the Board)",
    )
    assert smtp.received == []  # nothing is sent inside the workflow step
    assert engine.notifications.deliver() == {"sent": 1, "retried": 0, "failed": 0}
    [mail] = smtp.received
    assert mail.recipients == ["chair@scr.example.org"]
    assert mail.subject == f"{case.reference}: serious incident notified"
    assert (
        "Child's anonymised reference: AB1234" in mail.body
        and "Agencies involved: police, community_health" in mail.body
    )
    [sent] = engine.notifications.of_case(users["chair"], case.reference)
    assert sent.status == "sent" and sent.sent_at is not None
    assert [m.subject for m in engine.notifications.mine(users["chair"])] == [
        mail.subject
    ]
    types = [e.type for e in engine.cases.history(users["auditor"], case.reference)]
    assert "notification_queued" in types and "notification_sent" in types
    assert engine.notifications.deliver() == {"sent": 0, "retried": 0, "failed": 0}


def test_a_mail_server_that_is_down_is_retried_and_the_message_delivered_once(
    engine, users, smtp, clock
):
    case = start(engine, users)
    smtp.stop()
    assert engine.notifications.deliver() == {"sent": 0, "retried": 1, "failed": 0}
    [waiting] = engine.notifications.of_case(users["bqam"], case.reference)
    assert (
        waiting.status == "queued"
        and waiting.attempts == 1
        and "Connection" in waiting.last_error
    )
    smtp.start()
    assert (
        engine.notifications.deliver()["sent"] == 0
    )  # not before the back-off has passed
    clock.advance(minutes=1)
    assert engine.notifications.deliver() == {"sent": 1, "retried": 0, "failed": 0}
    clock.advance(hours=1)
    engine.notifications.deliver()
    assert len(smtp.received) == 1


def test_two_workers_never_send_a_message_twice(engine, users, smtp):
    for _ in range(3):
        start(engine, users)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(engine.notifications.deliver()))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(r["sent"] for r in results) == 3
    assert len(smtp.received) == 3


def test_a_message_that_keeps_failing_ends_failed_and_the_manager_is_told(
    engine, users, smtp, clock
):
    case = start(engine, users)
    smtp.stop()
    for _ in range(6):
        engine.notifications.deliver()
        clock.advance(hours=7)
    statuses = {
        n.template: n.status
        for n in engine.notifications.of_case(users["bqam"], case.reference)
    }
    assert statuses == {"incident_notified": "failed", "notification_failed": "queued"}
    assert [n.subject for n in engine.notifications.failed(users["bqam"])][0].endswith(
        "serious incident notified"
    )
    smtp.start()
    clock.advance(hours=7)
    engine.notifications.deliver()
    [alert] = smtp.received
    assert (
        alert.recipients == ["bqam@scr.example.org"]
        and "could not be delivered" in alert.subject
    )
    assert "notification_failed" in [
        e.type for e in engine.cases.history(users["auditor"], case.reference)
    ]


def test_a_template_that_does_not_render_is_refused_at_deploy_with_file_and_line(
    engine, users
):
    broken = b"Subject: {{ case_reference }}\n\nLine one\n{% if child_ref %}\nno end\n"
    with pytest.raises(DiagramInvalid) as caught:
        engine.deployments.deploy(
            users["owner"], bundle(**{"templates/incident_notified.txt": broken})
        )
    [problem] = caught.value.problems
    assert "templates/incident_notified.txt line 4: Unexpected end of template" in str(
        problem
    ) and "Task_notify_chair" in str(problem)


def test_missing_templates_and_unknown_recipients_are_refused_at_deploy(engine, users):
    files = bundle()
    del files["templates/deadline_missed.txt"]
    files["mini.bpmn"] = files["mini.bpmn"].replace(
        b"role:independent_chair", b"contact:the_press, role:king"
    )
    with pytest.raises(DiagramInvalid) as caught:
        engine.deployments.deploy(users["owner"], files)
    found = " | ".join(str(p) for p in caught.value.problems)
    assert "template 'deadline_missed' is not in the deployment" in found
    assert "unknown contact 'the_press'" in found and "unknown role 'king'" in found


def test_reminders_come_two_working_days_before_the_due_date_and_overdue_notices_after(
    engine, users, smtp, clock
):
    reminder = b'Subject: {{ case_reference }}: "{{ task_name }}" is due on {{ due_date }}\n\nPlease complete it.\n'
    overdue = b'Subject: {{ case_reference }}: "{{ task_name }}" is overdue\n\nIt was due on {{ due_date }}.\n'
    engine.deployments.deploy(
        users["owner"],
        bundle(
            **{
                "templates/task_due_soon.txt": reminder,
                "templates/task_overdue.txt": overdue,
            }
        ),
    )
    clock.set(
        datetime(2026, 4, 2, 10, 0, tzinfo=UTC)
    )  # due Monday 13 April (Easter in between)
    engine.cases.start(users["bqam"], "Process_mini", GOOD_START)
    assert only_task(engine, users["committee"]).due_at == datetime(
        2026, 4, 13, 22, 59, 59, tzinfo=UTC
    )
    clock.set(datetime(2026, 4, 8, 22, 0, tzinfo=UTC))  # Wednesday evening: too early
    assert engine.notifications.queue_reminders() == 0
    clock.set(
        datetime(2026, 4, 9, 7, 0, tzinfo=UTC)
    )  # Thursday 9 April, two working days before
    assert engine.notifications.queue_reminders() == 1
    assert engine.notifications.queue_reminders() == 0
    clock.set(datetime(2026, 4, 14, 8, 0, tzinfo=UTC))
    assert engine.notifications.queue_reminders() == 1
    engine.notifications.deliver()
    by_subject = {m.subject: m.recipients for m in smtp.received}
    assert by_subject[
        'SCR-2026-0001: "Decide whether the criteria are met" is due on 13 April 2026'
    ] == ["committee@scr.example.org"]
    assert by_subject[
        'SCR-2026-0001: "Decide whether the criteria are met" is overdue'
    ] == ["bqam@scr.example.org"]
