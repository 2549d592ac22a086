"""BPMN elements as Camunda 7 runs them (docs.camunda.org/manual/7.24/reference/bpmn20/...), and the
Camunda features we do not run, each refused at deploy with file, line, element and what to do instead."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from engine.errors import WorkflowFailed
from tests.diagrams.conformance.kit import Run
from tests.diagrams.conformance.kit import bpmn
from tests.diagrams.conformance.kit import deploy
from tests.diagrams.conformance.kit import refusals

MESSAGE = '<bpmn:message id="Msg" name="reply"/>'


def flow(flow_id: str, source: str, target: str, condition: str = "") -> str:
    inner = (
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>'
        if condition
        else ""
    )
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">{inner}</bpmn:sequenceFlow>'


def through(element: str, element_id: str = "T") -> bytes:
    """Start → element → end."""
    return bpmn(
        f'<bpmn:startEvent id="S"/>{element}<bpmn:endEvent id="E"/>'
        + flow("f1", "S", element_id)
        + flow("f2", element_id, "E")
    )


@pytest.mark.parametrize("tag", ["task", "manualTask"])
def test_plain_and_manual_tasks_pass_through(tag):
    """Reference > BPMN 2.0 > Tasks > Task / Manual Task: "the engine simply passes through" them."""
    run = Run({"p.bpmn": through(f'<bpmn:{tag} id="T" name="Talk to the family"/>')})
    assert run.case.is_completed() and "T" in run.done() and run.ready() == []


EVENT_GATEWAY = (
    '<bpmn:startEvent id="S"/><bpmn:eventBasedGateway id="G"/>'
    '<bpmn:intermediateCatchEvent id="C_msg"><bpmn:messageEventDefinition messageRef="Msg"/></bpmn:intermediateCatchEvent>'
    '<bpmn:intermediateCatchEvent id="C_timer"><bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P2D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
    '<bpmn:endEvent id="E_msg"/><bpmn:endEvent id="E_timer"/>'
    + flow("f1", "S", "G")
    + flow("f2", "G", "C_msg")
    + flow("f3", "G", "C_timer")
    + flow("f4", "C_msg", "E_msg")
    + flow("f5", "C_timer", "E_timer")
)


def test_event_based_gateway_timer_is_scheduled_and_wins_when_due():
    """Reference > Gateways > Event-based Gateway: the first event to occur (here the timer) is taken."""
    run = Run({"p.bpmn": bpmn(EVENT_GATEWAY, before=MESSAGE)})
    assert run.case.next_timer_at() is not None  # so the timer worker wakes the case
    run.later(days=3)
    assert (
        run.case.is_completed()
        and "E_timer" in run.done()
        and "E_msg" not in run.done()
    )


def test_event_based_gateway_message_is_delivered():
    """Reference > Gateways > Event-based Gateway: a message that arrives first takes its branch."""
    run = Run({"p.bpmn": bpmn(EVENT_GATEWAY, before=MESSAGE)})
    assert run.case.waiting_receivers("reply")
    run.case.deliver_message("reply", {"answer": "yes"})
    assert (
        run.case.is_completed()
        and "E_msg" in run.done()
        and "E_timer" not in run.done()
    )


def test_receive_task_waits_for_its_message():
    """Reference > Tasks > Receive Task: waits until the message arrives, then continues."""
    run = Run(
        {
            "p.bpmn": bpmn(
                through('<bpmn:receiveTask id="T" messageRef="Msg"/>')
                .decode()
                .split('isExecutable="true">\n', 1)[1]
                .rsplit("</bpmn:process>", 1)[0],
                before=MESSAGE,
            )
        }
    )
    assert not run.case.is_completed()
    run.case.deliver_message("reply", {"answer": "yes"})
    assert run.case.is_completed() and run.data["answer"] == "yes"


@pytest.mark.parametrize(
    ("kind", "code"), [("error", "errorCode"), ("escalation", "escalationCode")]
)
def test_errors_and_escalations_cross_call_activities(kind, code):
    """Reference > Events > Error Events / Escalation Events: an error or escalation end event in a
    called process is caught by the matching boundary event on the call activity (matched by code)."""
    child = bpmn(
        f'<bpmn:startEvent id="CS"/><bpmn:endEvent id="CE"><bpmn:{kind}EventDefinition {kind}Ref="Child_{kind}"/></bpmn:endEvent>'
        + flow("c1", "CS", "CE"),
        "Process_child",
        before=f'<bpmn:{kind} id="Child_{kind}" name="In child" {code}="E1"/>',
    )
    parent = bpmn(
        '<bpmn:startEvent id="S"/><bpmn:callActivity id="Call" calledElement="Process_child"/>'
        f'<bpmn:boundaryEvent id="B" attachedToRef="Call"><bpmn:{kind}EventDefinition {kind}Ref="Parent_{kind}"/></bpmn:boundaryEvent>'
        '<bpmn:endEvent id="E_ok"/><bpmn:endEvent id="E_caught"/>'
        + flow("f1", "S", "Call")
        + flow("f2", "Call", "E_ok")
        + flow("f3", "B", "E_caught"),
        before=f'<bpmn:{kind} id="Parent_{kind}" name="Caught" {code}="E1"/>',
    )
    run = Run({"p.bpmn": parent, "c.bpmn": child})
    assert (
        run.case.is_completed()
        and "E_caught" in run.done()
        and "E_ok" not in run.done()
    )


def test_call_activity_passes_all_variables_in_and_out():
    """Reference > Call Activity > Passing Variables: camunda:in/out variables="all" copies every variable."""
    child = bpmn(
        '<bpmn:startEvent id="CS"/><bpmn:scriptTask id="CT" scriptFormat="python"><bpmn:script>doubled = amount * 2</bpmn:script></bpmn:scriptTask><bpmn:endEvent id="CE"/>'
        + flow("c1", "CS", "CT")
        + flow("c2", "CT", "CE"),
        "Process_child",
    )
    call = (
        '<bpmn:callActivity id="T" calledElement="Process_child"><bpmn:extensionElements>'
        '<camunda:in variables="all"/><camunda:out variables="all"/></bpmn:extensionElements></bpmn:callActivity>'
    )
    run = Run({"p.bpmn": through(call), "c.bpmn": child}, amount=21)
    assert run.case.is_completed() and run.data["doubled"] == 42


@pytest.mark.parametrize(
    ("condition", "data", "taken"),
    [
        ("${!approved}", {"approved": False}, "yes"),
        ("${a &amp;&amp; b}", {"a": True, "b": False}, "no"),
        ("${a || b}", {"a": False, "b": True}, "yes"),
        ('${x.equals("y")}', {"x": "y"}, "yes"),
        ("${not empty x}", {"x": []}, "no"),
        ("${empty x}", {"x": None}, "yes"),
        ("${n gt 3 and n le 5}", {"n": 5}, "yes"),
        ("${n lt 3 or n ge 10}", {"n": 5}, "no"),
        ("${n eq 5 &amp;&amp; s ne 'a'}", {"n": 5, "s": "b"}, "yes"),
    ],
)
def test_juel_conditions(condition, data, taken):
    """User guide > Expression Language (JUEL operators: &&, ||, !, and, or, not, eq, ne, lt, gt, le, ge,
    empty; String.equals) on a gateway's conditions."""
    body = (
        '<bpmn:startEvent id="S"/><bpmn:exclusiveGateway id="G" default="f_no"/>'
        '<bpmn:endEvent id="E_yes"/><bpmn:endEvent id="E_no"/>'
        + flow("f1", "S", "G")
        + flow("f_yes", "G", "E_yes", condition)
        + flow("f_no", "G", "E_no")
    )
    run = Run({"p.bpmn": bpmn(body)}, **data)
    assert f"E_{taken}" in run.done()


REFUSED = [
    (
        '<bpmn:userTask id="T" camunda:candidateGroups="bqam"><bpmn:extensionElements><camunda:taskListener class="a.B" event="create"/></bpmn:extensionElements></bpmn:userTask>',
        "task listeners are not run",
    ),
    (
        '<bpmn:task id="T"><bpmn:extensionElements><camunda:executionListener expression="${x}" event="start"/></bpmn:extensionElements></bpmn:task>',
        "execution listeners are not run",
    ),
    ('<bpmn:serviceTask id="T" camunda:class="org.acme.Mail"/>', "Java classes"),
    (
        '<bpmn:serviceTask id="T" camunda:delegateExpression="${mailer}"/>',
        "delegate expressions",
    ),
    (
        '<bpmn:serviceTask id="T" camunda:expression="${mailer.send()}"/>',
        "camunda:expression",
    ),
    (
        '<bpmn:serviceTask id="T"><bpmn:extensionElements><camunda:connector><camunda:connectorId>mail-send</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>',
        "connectors",
    ),
    (
        '<bpmn:scriptTask id="T" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>',
        "groovy scripts",
    ),
    (
        '<bpmn:scriptTask id="T" scriptFormat="javascript"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>',
        "javascript scripts",
    ),
    (
        '<bpmn:scriptTask id="T" scriptFormat="python"><bpmn:script/></bpmn:scriptTask>',
        "the script is empty",
    ),
    (
        '<bpmn:userTask id="T" camunda:candidateGroups="bqam" camunda:formKey="embedded:app:forms/a.html"/>',
        "camunda:formKey",
    ),
    (
        '<bpmn:userTask id="T" camunda:candidateGroups="bqam"><bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name="a">1</camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>',
        "camunda:inputOutput is only run on external service tasks",
    ),
    (
        '<bpmn:serviceTask id="T" camunda:type="external" camunda:topic="notify"><bpmn:extensionElements><camunda:inputOutput><camunda:outputParameter name="a">${b}</camunda:outputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:serviceTask>',
        "output parameters are not mapped",
    ),
    (
        '<bpmn:callActivity id="T" calledElement="Process_1"><bpmn:extensionElements><camunda:in source="a" target="b"/></bpmn:extensionElements></bpmn:callActivity>',
        'camunda:in may only be variables="all"',
    ),
]


@pytest.mark.parametrize(("element", "says"), REFUSED, ids=[s for _, s in REFUSED])
def test_camunda_features_we_do_not_run_are_refused_with_what_to_do(element, says):
    """User guide > Delegation Code, Scripting, Connectors, Forms, Input/Output Variable Mapping: features
    of a Java engine. Refused at deploy, naming file, line and element, never ignored."""
    found = refusals({"p.bpmn": through(element)})
    assert any(
        says in p and p.startswith("p.bpmn, line ") and ", T" in p for p in found
    ), found
    if "Java" in says or "listener" in says or "connector" in says or "scripts" in says:
        assert any("external service task" in p for p in found), found


def test_utf16_diagrams_are_stored_as_utf8():
    """Robust XML: a UTF-16 file (with its BOM and declaration) deploys and is kept as UTF-8."""
    text = (
        through('<bpmn:task id="T" name="Café"/>')
        .decode()
        .replace('encoding="UTF-8"', 'encoding="UTF-16"')
    )
    bundle = deploy({"p.bpmn": text.encode("utf-16")})
    assert bundle.files["p.bpmn"].startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "Café".encode() in bundle.files["p.bpmn"]


def test_an_internal_entity_in_a_utf16_file_is_refused():
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'
    [problem] = refusals({"p.bpmn": text.encode("utf-16")})
    assert "DOCTYPE and ENTITY declarations are not allowed" in problem


def test_a_30000_term_condition_is_refused_quickly():
    condition = " + ".join(["1"] * 30000) + " &gt; 0"
    body = (
        '<bpmn:startEvent id="S"/><bpmn:exclusiveGateway id="G" default="f_no"/><bpmn:endEvent id="E1"/><bpmn:endEvent id="E2"/>'
        + flow("f1", "S", "G")
        + flow("f_yes", "G", "E1", condition)
        + flow("f_no", "G", "E2")
    )
    started = time.monotonic()
    found = refusals({"p.bpmn": bpmn(body)})
    assert time.monotonic() - started < 2
    assert any("f_yes" in p and "characters long; the limit is" in p for p in found), (
        found
    )


UNBOUNDED = [
    (
        "condition",
        '${"%0300000000d" % 1 == ""}',
        "deploy",
        "%-formatting of text is not allowed",
    ),
    ("script", "x = 3\n" + "x = x * x\n" * 40, "run", "larger than 256 bits"),
    (
        "script",
        "deadline = working_days(1000000)",
        "run",
        "1,000,000 working days is not a deadline",
    ),
    ("script", 'big = "x" * 300000000', "run", "more than 100,000 items"),
]


@pytest.mark.parametrize(("where", "text", "stage", "says"), UNBOUNDED)
def test_unbounded_work_is_refused_or_stopped_within_2_s_and_100_mb(
    where, text, stage, says
):
    """Each example of unbounded work in issue 14: refused at deploy, or the case stops with an incident
    (WorkflowFailed) within 2 s and 100 MB."""
    if where == "condition":
        body = (
            '<bpmn:startEvent id="S"/><bpmn:exclusiveGateway id="G" default="f_no"/><bpmn:endEvent id="E1"/><bpmn:endEvent id="E2"/>'
            + flow("f1", "S", "G")
            + flow("f_yes", "G", "E1", text)
            + flow("f_no", "G", "E2")
        )
        files = {"p.bpmn": bpmn(body)}
    else:
        files = {
            "p.bpmn": through(
                f'<bpmn:scriptTask id="T" scriptFormat="python"><bpmn:script>{text}</bpmn:script></bpmn:scriptTask>'
            )
        }
    tracemalloc.start()
    started = time.monotonic()
    try:
        if stage == "deploy":
            assert any(says in p for p in refusals(files))
        else:
            with pytest.raises(WorkflowFailed, match=says):
                Run(files)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.monotonic() - started < 2
    assert peak < 100_000_000


def test_a_catastrophic_form_pattern_runs_in_linear_time():
    """A pattern such as (a+)+b takes exponential time in Python's re; ours run on RE2 (linear)."""
    from engine.dto import FieldSpec
    from engine.process import forms

    field = FieldSpec(id="code", label="Code", type="string", pattern="(a+)+b")
    started = time.monotonic()
    _, errors = forms.validate([field], {"code": "a" * 5000 + "c"})
    assert errors and time.monotonic() - started < 0.5
    assert (
        forms.pattern_problem(r"(a)\1") is not None
    )  # backreferences are refused at deploy
