"""A diagram that asks for unbounded work at run time: the case it happens in becomes a visible incident
(recorded, its managers told, retried later), and the other cases carry on."""

from __future__ import annotations

from pathlib import Path

from tests.engine.helpers import DIAGRAMS

LIMIT = DIAGRAMS / "incidents" / "limit.bpmn"


def test_a_case_that_hits_a_limit_is_an_incident_and_other_cases_carry_on(
    engine, users, clock
):
    bqam = users["bqam"]
    engine.deployments.deploy(users["owner"], {"limit.bpmn": Path(LIMIT).read_bytes()})
    stuck = engine.cases.start(bqam, "Process_limit", {"days": "1000000"})
    fine = engine.cases.start(bqam, "Process_limit", {"days": "3"})
    clock.advance(hours=2)
    assert engine.timers.fire_due() == 1  # only the case that could go on moved
    assert [t.case_reference for t in engine.tasks.inbox(bqam)] == [fine.reference]
    history = engine.cases.history(users["auditor"], stuck.reference)
    [incident] = [e for e in history if e.type == "timers_failed"]
    assert "1,000,000 working days is not a deadline" in incident.data["error"]
    told = engine.notifications.of_case(bqam, stuck.reference)
    assert any("could not be processed" in n.subject for n in told)
    assert engine.cases.view(bqam, stuck.reference).summary.status == "active"
    assert engine.audit.verify().ok


def test_an_element_with_an_id_the_engine_reserves_is_refused_at_deploy(engine, users):
    """Camunda Modeler lets a process owner name a start event "Start"; SpiffWorkflow names its own
    internal task so, and every case of such a diagram failed to start. Refused, saying what to do."""
    import pytest

    from engine.errors import DiagramInvalid

    diagram = Path(LIMIT).read_bytes().replace(b'"StartEvent_limit"', b'"Start"')
    with pytest.raises(DiagramInvalid) as refused:
        engine.deployments.deploy(users["owner"], {"limit.bpmn": diagram})
    assert "the id 'Start' is reserved" in str(refused.value)


def test_a_message_template_asking_for_300_mb_stops_the_step_quickly_and_saves_nothing(
    engine, users, handlers
):
    """Issue 14's example of a 300 MB string in a message template: the step that would send it stops
    with a clear error within 2 s and 100 MB, and nothing of it is kept (no case half-started)."""
    import time
    import tracemalloc

    import pytest

    from engine.errors import WorkflowFailed
    from engine.notify.handler import NotifyHandler
    from tests.conftest import read_folder
    from tests.engine.helpers import GOOD_START

    handlers.register(
        "notify", NotifyHandler(engine.database)
    )  # the real one, rendering
    files = {
        name: content
        for name, content in read_folder(DIAGRAMS).items()
        if "/" not in name or name.startswith("templates/")
    }
    files["templates/incident_notified.txt"] = (
        b'Subject: Incident\n\n{{ "x" * 300000000 }}\n'
    )
    engine.deployments.deploy(users["owner"], files)
    tracemalloc.start()
    began = time.monotonic()
    try:
        with pytest.raises(
            WorkflowFailed, match="more than 100,000 items is not allowed"
        ):
            engine.cases.start(users["bqam"], "Process_mini", GOOD_START)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.monotonic() - began < 2 and peak < 100_000_000
    assert engine.cases.index(users["bqam"]) == []
