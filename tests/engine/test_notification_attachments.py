"""A notify task that attaches the case's documents, sent over real SMTP, and the wait for its delivery.

A small diagram: the Business and QA Manager uploads a report; a notify task e-mails it to the National
Panel (`attach`) and the case waits for the delivery (`delivered_message`) before the next step.
"""

from __future__ import annotations

import hashlib

import pytest

from engine import EngineSettings
from engine.db.reference import DEFAULT_CONTACTS
from engine.dto import Upload
from engine.errors import DiagramInvalid
from engine.errors import WorkflowFailed
from engine.process.handlers import HandlerRegistry
from engine.settings import SmtpSettings
from tests.engine.helpers import only_task
from tests.process.mail import report_pdf
from tests.smtp import SmtpServer

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_attach"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:message id="Message_report_delivered" name="report_delivered" />
  <bpmn:process id="Process_attach" name="Report" isExecutable="true"
      camunda:candidateStarterGroups="bqam">
    <bpmn:startEvent id="Start_attach"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_upload" name="Upload the report" camunda:candidateGroups="bqam">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="report" label="The overview report" type="string">
          <camunda:properties><camunda:property id="upload" value="true" /></camunda:properties>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:serviceTask id="Task_send" name="Send the report" camunda:type="external"
        camunda:topic="notify">
      <bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="template">report_sent</camunda:inputParameter>
        <camunda:inputParameter name="recipients">contact:national_panel</camunda:inputParameter>
        <camunda:inputParameter name="attach">ATTACH</camunda:inputParameter>
        <camunda:inputParameter name="delivered_message">MESSAGE</camunda:inputParameter>
      </camunda:inputOutput></bpmn:extensionElements>
      <bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:intermediateCatchEvent id="Event_delivered" name="Report delivered">
      <bpmn:incoming>F3</bpmn:incoming><bpmn:outgoing>F4</bpmn:outgoing>
      <bpmn:messageEventDefinition id="Def_delivered" messageRef="Message_report_delivered" />
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="Script_sent_on" name="Record the day" scriptFormat="python">
      <bpmn:incoming>F4</bpmn:incoming><bpmn:outgoing>F5</bpmn:outgoing>
      <bpmn:script>report_sent_on = report_delivered["sent_on"]</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="Task_publish" name="Publish the report" camunda:candidateGroups="bqam">
      <bpmn:incoming>F5</bpmn:incoming><bpmn:outgoing>F6</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End_attach"><bpmn:incoming>F6</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start_attach" targetRef="Task_upload" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_upload" targetRef="Task_send" />
    <bpmn:sequenceFlow id="F3" sourceRef="Task_send" targetRef="Event_delivered" />
    <bpmn:sequenceFlow id="F4" sourceRef="Event_delivered" targetRef="Script_sent_on" />
    <bpmn:sequenceFlow id="F5" sourceRef="Script_sent_on" targetRef="Task_publish" />
    <bpmn:sequenceFlow id="F6" sourceRef="Task_publish" targetRef="End_attach" />
  </bpmn:process>
</bpmn:definitions>
"""
TEMPLATE = b"Subject: {{ case_reference }}: the report\n\nThe report is attached: {{ attachments | join(', ') }}.\n"
LIMIT = 50_000


def bundle(
    attach: str = "report", message: str = "report_delivered"
) -> dict[str, bytes]:
    diagram = DIAGRAM.replace("ATTACH", attach).replace("MESSAGE", message)
    return {"attach.bpmn": diagram.encode(), "templates/report_sent.txt": TEMPLATE}


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
    """The engine sends to the test's SMTP server; attachments may weigh 50 kB together."""
    return EngineSettings(
        smtp=SmtpSettings(port=smtp.port, timeout=3, max_attachments_bytes=LIMIT)
    )


def uploaded(engine, users, content: bytes, filename: str = "report.pdf"):
    engine.deployments.deploy(users["owner"], bundle())
    case = engine.cases.start(users["bqam"], "Process_attach", {})
    task = only_task(engine, users["bqam"], "Upload the report")
    engine.tasks.complete(
        users["bqam"], task.id, {}, {"report": Upload(filename, content)}
    )
    return case


def test_the_report_arrives_attached_byte_for_byte_and_the_case_moves_on_when_it_went(
    engine, users, smtp, clock
):
    report = report_pdf(pages=3)
    case = uploaded(engine, users, report)
    [queued] = engine.notifications.of_case(users["bqam"], case.reference)
    assert queued.attachments == ("report.pdf",) and queued.status == "queued"
    assert engine.tasks.inbox(users["bqam"]) == []  # the case waits for the delivery
    cycle = engine.worker.cycle()  # what `scr worker` does every few seconds
    assert (cycle.sent, cycle.failed, cycle.problems) == (1, 0, ())
    [mail] = smtp.received
    assert mail.recipients == [DEFAULT_CONTACTS["national_panel"][1]]
    text = mail.message.get_body(("plain",)).get_content()
    assert "The report is attached: report.pdf." in text
    [attached] = list(mail.message.iter_attachments())
    assert attached.get_filename() == "report.pdf"
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_content() == report
    view = engine.cases.view(users["bqam"], case.reference)
    assert view.data["report_sent_on"] == clock.now().date().isoformat()
    only_task(engine, users["bqam"], "Publish the report")
    history = engine.cases.history(users["auditor"], case.reference)
    [sent] = [e for e in history if e.type == "notification_sent"]
    assert sent.data["attachments"] == [
        {"filename": "report.pdf", "sha256": hashlib.sha256(report).hexdigest()}
    ]
    [delivered] = [e for e in history if e.type == "message_received"]
    assert delivered.data["message"] == "report_delivered"
    assert delivered.data["payload"]["attachments"] == "report.pdf"
    [report_check] = engine.audit.verify_replays(case.reference)
    assert report_check.ok, report_check.problem


def test_a_report_too_large_to_mail_is_not_sent_says_why_and_the_case_waits(
    engine, users, smtp, clock
):
    report = report_pdf() + b"%" * LIMIT  # a PDF padded past the limit
    case = uploaded(engine, users, report)
    # not sent, at once (trying again cannot help); the manager's alert goes out
    assert engine.notifications.deliver() == {"sent": 1, "retried": 0, "failed": 1}
    rows = engine.notifications.of_case(users["bqam"], case.reference)
    [failed] = [n for n in rows if n.template == "report_sent"]
    assert failed.status == "failed" and failed.attachments == ("report.pdf",)
    assert "The attachments (report.pdf, 50 kB) are larger than the 49 kB" in (
        failed.last_error or ""
    )
    assert "so it was not sent" in failed.last_error
    [alert] = [n for n in rows if n.template == "notification_failed"]
    assert alert.address == "bqam@scr.example.org"
    assert "The case waits until this message has been delivered." in alert.body
    assert [m.recipients for m in smtp.received] == [["bqam@scr.example.org"]]
    assert engine.tasks.inbox(users["bqam"]) == []  # still waiting, nothing moved on
    [document] = engine.documents.of_case(users["bqam"], case.reference)
    assert document.sha256 == hashlib.sha256(report).hexdigest()  # nothing lost
    assert [n.subject for n in engine.notifications.failed(users["bqam"])][0] == (
        failed.subject
    )


def test_attachments_and_delivered_messages_are_checked_at_deploy(engine, users):
    for files, expected in (
        (bundle(attach="board_minutes"), "'attach' names 'board_minutes'"),
        (bundle(attach="${report}"), "not an expression"),
        (bundle(message="report_sent"), "'delivered_message' names 'report_sent'"),
    ):
        with pytest.raises(DiagramInvalid) as caught:
            engine.deployments.deploy(users["owner"], files)
        [problem] = caught.value.problems
        assert expected in str(problem) and "Task_send" in str(problem)


def test_a_step_whose_document_is_missing_stops_and_nothing_is_saved(engine, users):
    engine.deployments.deploy(users["owner"], bundle())
    case = engine.cases.start(users["bqam"], "Process_attach", {})
    task = only_task(engine, users["bqam"], "Upload the report")
    with pytest.raises(WorkflowFailed) as caught:
        engine.tasks.complete(users["bqam"], task.id, {})
    assert "must carry “The overview report”" in str(caught.value)
    assert "Upload the document in “Upload the report”" in str(caught.value)
    assert engine.notifications.of_case(users["bqam"], case.reference) == []
    assert only_task(engine, users["bqam"], "Upload the report").id == task.id
