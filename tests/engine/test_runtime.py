"""A case of the test diagram driven through every mechanism of the engine, as the named people."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from engine.errors import FormInvalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.errors import TaskAlreadyCompleted
from tests.engine.helpers import GOOD_START
from tests.engine.helpers import mini_files
from tests.engine.helpers import only_task
from tests.engine.helpers import start_mini

COMMITTEE = "Decide whether the criteria are met"
AGENCY = "Write the agency's involvement report"
CHAIR = "Decide whether to hold an SCR"


def test_start_form_errors_are_returned_and_nothing_is_started(engine, users):
    engine.deployments.deploy(users["owner"], mini_files())
    with pytest.raises(FormInvalid) as caught:
        engine.cases.start(
            users["bqam"],
            "Process_mini",
            {**GOOD_START, "child_ref": "Jane Doe", "incident_date": "31/02/2026"},
        )
    assert set(caught.value.errors) == {"child_ref", "incident_date"}
    assert caught.value.submitted["child_ref"] == "Jane Doe"
    assert engine.cases.index(users["bqam"]) == []


def test_only_the_roles_the_diagram_names_may_start_a_case(engine, users):
    engine.deployments.deploy(users["owner"], mini_files())
    assert [f.process_id for f in engine.cases.start_forms(users["secretariat"])] == [
        "Process_mini"
    ]
    assert engine.cases.start_forms(users["chair"]) == []
    with pytest.raises(NotPermitted):
        engine.cases.start(users["chair"], "Process_mini", GOOD_START)


def test_a_case_runs_through_service_task_decision_table_gateway_and_one_task_per_agency(
    engine, users, notify
):
    case = start_mini(engine, users)
    assert case.reference == "SCR-2026-0001" and case.status == "active"
    assert [(c.topic, c.params) for c in notify.calls] == [
        (
            "notify",
            {
                "template": "incident_notified",
                "recipients": "role:independent_chair",
                "about": "SCR-2026-0001",
            },
        )
    ]
    committee_task = only_task(engine, users["committee"])
    assert committee_task.name == COMMITTEE and committee_task.due_at is not None
    form = engine.tasks.open(users["committee"], committee_task.id)
    assert [f.id for f in form.fields] == ["decision", "minutes", "attendees"]
    assert form.documentation == "The criteria table advises; the committee decides."
    # The DMN advice (FEEL cells: "injury","other" and >= 2 agencies) is there for the committee to see.
    assert (
        engine.cases.view(users["committee"], case.reference).data["advice"] == "should"
    )

    with pytest.raises(FormInvalid) as caught:
        engine.tasks.complete(
            users["committee"],
            committee_task.id,
            {"decision": "maybe", "attendees": "2"},
        )
    assert caught.value.errors == {
        "decision": "Select one of the listed options for “Committee recommendation”",
        "attendees": "“Number of members present” must be 3 or more",
    }
    assert only_task(engine, users["committee"]).id == committee_task.id

    engine.tasks.complete(
        users["committee"],
        committee_task.id,
        {"decision": "scr", "attendees": "5", "minutes": "Met."},
    )
    police = only_task(engine, users["police_author"])
    health = only_task(engine, users["health_author"])
    assert (police.name, police.agency, health.agency) == (
        AGENCY,
        "police",
        "community_health",
    )
    assert engine.tasks.inbox(users["education_author"]) == []
    with pytest.raises(NotPermitted):
        engine.tasks.complete(
            users["health_author"], police.id, {"summary": "not ours"}
        )

    engine.tasks.complete(
        users["police_author"], police.id, {"summary": "Two call-outs."}
    )
    assert engine.tasks.inbox(users["chair"]) == []  # waits for every agency
    engine.tasks.complete(
        users["health_author"], health.id, {"summary": "Health visitor saw the child."}
    )
    chair_task = only_task(engine, users["chair"])
    engine.tasks.complete(users["chair"], chair_task.id, {"chair_decision": "yes"})
    assert (
        engine.cases.view(users["bqam"], case.reference).summary.phase == "Mini review"
    )

    with pytest.raises(NotPermitted):
        engine.cases.deliver_message(
            users["committee"], case.reference, "proceedings_ended", {}
        )
    engine.cases.deliver_message(
        users["bqam"], case.reference, "proceedings_ended", {"outcome": "conviction"}
    )
    view = engine.cases.view(users["auditor"], case.reference)
    assert view.summary.status == "completed"
    assert view.data["agencies"] == ["police", "community_health"]
    assert view.data["agency_count"] == 2 and view.data["reviewed"] is True
    assert view.data["proceedings_ended"] == {"outcome": "conviction"}
    assert [s.completed_by for s in view.completed_steps] == [
        "Carol Mitchell",
        "Paul Armitage",
        "Hannah Aziz",
        "Irene Chalmers",
    ]
    assert (
        "Task_committee" in view.done_elements and "End_reviewed" in view.done_elements
    )
    with pytest.raises(NotFound):
        engine.cases.deliver_message(
            users["bqam"], case.reference, "proceedings_ended", {}
        )


def test_the_gateway_default_ends_the_case_when_criteria_are_not_met(engine, users):
    case = start_mini(engine, users)
    task = only_task(engine, users["committee"])
    engine.tasks.complete(
        users["committee"], task.id, {"decision": "no_scr", "attendees": "4"}
    )
    view = engine.cases.view(users["bqam"], case.reference)
    assert view.summary.status == "completed" and "End_no_scr" in view.done_elements
    assert engine.tasks.inbox(users["police_author"]) == []


def test_a_working_day_timer_across_easter_escalates_without_stopping_the_work(
    engine, users, clock, notify
):
    clock.set(datetime(2026, 4, 2, 10, 0, tzinfo=UTC))  # Thursday before Good Friday
    start_mini(engine, users)
    task = only_task(engine, users["committee"])
    # Five working days: 7, 8, 9, 10 and 13 April (3 and 6 April are bank holidays).
    assert task.due_at == datetime(2026, 4, 13, 22, 59, 59, tzinfo=UTC)
    clock.set(datetime(2026, 4, 13, 21, 0, tzinfo=UTC))
    assert engine.timers.fire_due() == 0
    assert [c.params["template"] for c in notify.calls] == ["incident_notified"]
    clock.set(datetime(2026, 4, 13, 23, 30, tzinfo=UTC))
    assert engine.timers.fire_due() == 1
    assert [(c.params["template"], c.params["recipients"]) for c in notify.calls][
        -1
    ] == ("deadline_missed", "role:bqam")
    assert only_task(engine, users["committee"]).id == task.id  # still there to be done
    assert engine.timers.fire_due() == 0


def test_an_interrupting_timer_cancels_the_task(engine, users, clock):
    case = start_mini(engine, users, agencies=["police"])
    engine.tasks.complete(
        users["committee"],
        only_task(engine, users["committee"]).id,
        {"decision": "scr", "attendees": "3"},
    )
    engine.tasks.complete(
        users["police_author"],
        only_task(engine, users["police_author"]).id,
        {"summary": "x"},
    )
    chair_task = only_task(engine, users["chair"])
    clock.advance(days=10, minutes=1)
    engine.timers.fire_due()
    assert engine.tasks.inbox(users["chair"]) == []
    assert (
        "End_lapsed" in engine.cases.view(users["bqam"], case.reference).done_elements
    )
    with pytest.raises(Exception) as caught:
        engine.tasks.complete(users["chair"], chair_task.id, {"chair_decision": "yes"})
    assert "cancelled" in str(caught.value)


def test_completing_a_task_twice_says_who_completed_it_and_when(engine, users, clock):
    start_mini(engine, users)
    task = only_task(engine, users["committee"])
    engine.tasks.complete(
        users["committee"], task.id, {"decision": "no_scr", "attendees": "4"}
    )
    clock.advance(minutes=5)
    with pytest.raises(TaskAlreadyCompleted) as caught:
        engine.tasks.complete(
            users["committee"], task.id, {"decision": "scr", "attendees": "9"}
        )
    assert caught.value.completed_by == "Carol Mitchell"
    assert caught.value.completed_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_claimed_tasks_belong_to_the_claimer_until_released(engine, users):
    from engine.db.accounts import create_user  # a second committee member

    start_mini(engine, users)
    with engine.database.write() as session, session.begin():
        create_user(
            session,
            username="committee2",
            display_name="Cy Two",
            password="long enough pw",
            roles=["scr_committee"],
        )
    other = engine.accounts.by_username("committee2")
    task = only_task(engine, users["committee"])
    claimed = engine.tasks.claim(users["committee"], task.id)
    assert claimed.assignee == "Carol Mitchell"
    assert engine.tasks.inbox(other) == []
    with pytest.raises(NotPermitted, match="claimed"):
        engine.tasks.complete(other, task.id, {"decision": "scr", "attendees": "3"})
    with pytest.raises(NotPermitted):
        engine.tasks.release(other, task.id)
    engine.tasks.release(users["committee"], task.id)
    assert [t.id for t in engine.tasks.inbox(other)] == [task.id]


def test_auditors_read_everything_and_change_nothing(engine, users):
    case = start_mini(engine, users)
    task = only_task(engine, users["committee"])
    assert (
        engine.cases.view(users["auditor"], case.reference).summary.reference
        == case.reference
    )
    assert [e.type for e in engine.cases.history(users["auditor"], case.reference)][
        :2
    ] == ["case_started", "service_task_ran"]
    for attempt in (
        lambda: engine.tasks.complete(
            users["auditor"], task.id, {"decision": "scr", "attendees": "3"}
        ),
        lambda: engine.tasks.claim(users["auditor"], task.id),
        lambda: engine.cases.start(users["auditor"], "Process_mini", GOOD_START),
        lambda: engine.deployments.deploy(users["auditor"], mini_files()),
        lambda: engine.cases.deliver_message(
            users["auditor"], case.reference, "proceedings_ended", {}
        ),
    ):
        with pytest.raises(NotPermitted):
            attempt()


def test_people_outside_a_case_cannot_see_it(engine, users):
    case = start_mini(engine, users)
    with pytest.raises(NotPermitted):
        engine.cases.view(users["legal"], case.reference)
    assert engine.cases.index(users["legal"]) == []
    assert [c.reference for c in engine.cases.index(users["committee"])] == [
        case.reference
    ]
    with pytest.raises(NotFound):
        engine.cases.view(users["bqam"], "SCR-1999-0001")


def test_a_case_whose_timer_cannot_run_does_not_stop_the_others(engine, users, clock):
    """An escalation whose parameter fails at run time: that case is reported and retried, the rest carry on."""
    broken = mini_files()
    broken["mini.bpmn"] = broken["mini.bpmn"].replace(
        b'<camunda:inputParameter name="recipients">role:bqam</camunda:inputParameter>',
        b'<camunda:inputParameter name="recipients">${no_such_field}</camunda:inputParameter>',
    )
    good = start_mini(engine, users)
    engine.deployments.deploy(users["owner"], broken)
    bad = engine.cases.start(users["bqam"], "Process_mini", GOOD_START)
    clock.advance(days=10)
    assert engine.timers.fire_due() == 1
    assert "timer_fired" in [
        e.type for e in engine.cases.history(users["auditor"], good.reference)
    ]
    failed = [
        e
        for e in engine.cases.history(users["auditor"], bad.reference)
        if e.type == "timers_failed"
    ]
    assert len(failed) == 1 and "no_such_field" in failed[0].data["error"]
    [alert] = [
        n
        for n in engine.notifications.of_case(users["bqam"], bad.reference)
        if n.template == "timers_failed"
    ]
    assert alert.recipient.startswith("Beatrice Quinn")
    assert engine.timers.fire_due() == 0  # not again until the hour has passed
    clock.advance(hours=1, minutes=1)
    assert engine.timers.fire_due() == 0
    assert (
        len(
            [
                e
                for e in engine.cases.history(users["auditor"], bad.reference)
                if e.type == "timers_failed"
            ]
        )
        == 2
    )
