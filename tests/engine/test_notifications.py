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
from tests.smtp import _Collector


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


class _RefusingCollector(_Collector):
    """A mail server that refuses one mailbox for good (550), as a real one does for a typo."""

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address.startswith("refused@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _queue_extra(engine, case_reference: str, address: str, subject: str) -> None:
    """Queue one more message for the case, as a notify task would (straight into the outbox)."""
    from sqlalchemy import select

    from engine.db import outbox
    from engine.db.models import ReviewCase

    with engine.database.transaction(write=True) as session:
        case_id = session.scalar(
            select(ReviewCase.id).where(ReviewCase.reference == case_reference)
        )
        outbox.queue(
            session, case_id, None, "extra", subject, "Body.",
            outbox.Recipient(f"Someone <{address}>", None, address), engine.clock.now(),
        )  # fmt: skip


def test_one_bad_message_fails_alone_and_visibly_while_the_others_go_out(
    engine, users, smtp
):
    smtp.stop()
    smtp.collector = _RefusingCollector()
    smtp.start()
    case = start(engine, users)
    _queue_extra(engine, case.reference, "not an address", "Bad address")
    _queue_extra(engine, case.reference, "refused@scr.example.org", "Refused")
    _queue_extra(
        engine, case.reference, "ok@scr.example.org", "Line\nBcc: x@evil.example"
    )
    _queue_extra(engine, case.reference, "ok@scr.example.org", "Good one")
    # The two good messages, and the manager told of each of the three bad ones.
    assert engine.notifications.deliver() == {"sent": 5, "retried": 0, "failed": 3}
    received = [m.subject for m in smtp.received]
    assert sorted(s for s in received if "could not be delivered" not in s) == sorted(
        ["Good one", f"{case.reference}: serious incident notified"]
    )
    assert "A notification could not be delivered: Line Bcc: x@evil.example" in received
    by_subject = {
        n.subject: n
        for n in engine.notifications.of_case(users["bqam"], case.reference)
    }
    assert by_subject["Good one"].status == "sent"
    assert "not a valid email address" in by_subject["Bad address"].last_error
    assert "refused the recipient" in by_subject["Refused"].last_error
    assert "header injection" in by_subject["Line\nBcc: x@evil.example"].last_error
    failed = {n.subject for n in engine.notifications.failed(users["bqam"])}
    assert {"Bad address", "Refused", "Line\nBcc: x@evil.example"} <= failed
    for subject in ("Bad address", "Refused"):
        assert (
            by_subject[subject].status == "failed" and by_subject[subject].attempts == 1
        )


def test_a_message_to_someone_with_no_address_is_undeliverable_never_sent(
    engine, users, smtp
):
    engine.directory.create_user(
        users["admin"], "chair2", "Charlie Noemail", None, "a-long-password",
        ["independent_chair"], None,
    )  # fmt: skip
    case = start(engine, users)
    assert engine.notifications.deliver() == {"sent": 1, "retried": 0, "failed": 0}
    by_recipient = {
        n.recipient: n
        for n in engine.notifications.of_case(users["bqam"], case.reference)
    }
    lost = by_recipient["Charlie Noemail (Independent Chair of the Board)"]
    assert lost.status == "undeliverable" and lost.sent_at is None
    assert "has no email address" in lost.last_error
    assert [m.recipients for m in smtp.received] == [["chair@scr.example.org"]]
    assert lost.subject in {
        n.subject for n in engine.notifications.failed(users["bqam"])
    }
    chair2 = engine.accounts.by_username("chair2")
    assert [m.status for m in engine.notifications.mine(chair2)] == ["undeliverable"]


def test_each_notification_has_one_stable_message_id(engine, users, smtp):
    from engine.db import outbox
    from engine.notify.smtp import message_id

    case = start(engine, users)
    engine.notifications.deliver()
    [mail] = smtp.received
    [sent] = engine.notifications.of_case(users["bqam"], case.reference)
    with engine.database.transaction(write=False) as session:
        row = outbox.get(session, sent.id)
        assert mail.message["Message-ID"] == message_id(row, SmtpSettings().sender)
    # A resend (after a crash between sending and recording it) carries the same id.
    smtp.received.clear()
    with engine.database.transaction(write=True) as session:
        row = outbox.get(session, sent.id)
        row.status, row.next_attempt_at = "queued", row.queued_at
    engine.notifications.deliver()
    assert smtp.received[0].message["Message-ID"] == mail.message["Message-ID"]
