"""Task names rendered from the case's data, as Camunda 7 renders `${...}` in a user task's name."""

from __future__ import annotations

import pytest

from engine import Engine
from engine.dto import UserInfo
from engine.errors import DiagramInvalid
from tests.engine import agency_work


def test_each_agency_sees_its_task_named_for_it_in_its_inbox(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    case = agency_work.start(engine, users)
    agency_work.plan(engine, users, case.reference)
    police = agency_work.tasks_of(engine, users["police_manager"], case.reference)
    health = agency_work.tasks_of(engine, users["health_manager"], case.reference)
    assert [t.name for t in police] == [
        "Quality-assure the West Yorkshire Police report"
    ]
    assert [t.name for t in health] == [
        "Quality-assure the Community health services report"
    ]
    page = engine.tasks.page(users["police_manager"], police[0].id)
    assert page.form.task.name == "Quality-assure the West Yorkshire Police report"
    assert "Quality-assure the West Yorkshire Police report" in [
        t.name for t in engine.cases.view(users["bqam"], case.reference).open_tasks
    ]


def test_a_part_that_cannot_be_filled_in_is_left_out_cleanly(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    case = agency_work.start(engine, users)
    [task] = agency_work.tasks_of(engine, users["bqam"], case.reference)
    assert (
        task.name == "Plan the review"
    )  # ${no_such_value}: never "${", never a failure


def test_the_record_keeps_the_name_people_saw_and_the_replay_agrees(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    case = agency_work.start(engine, users)
    agency_work.plan(engine, users, case.reference)
    [task] = agency_work.tasks_of(engine, users["police_manager"], case.reference)
    engine.tasks.complete(users["police_manager"], task.id, {"report_accepted": "yes"})
    events = engine.cases.history(users["bqam"], case.reference)
    completed = [e for e in events if e.type == "task_completed"]
    assert (
        completed[-1].data["name"] == "Quality-assure the West Yorkshire Police report"
    )
    report = engine.audit.verify(case.reference)
    assert report.ok, report.findings


def test_a_name_whose_expression_does_not_parse_is_refused_at_deploy(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    broken = agency_work.source().replace(
        "Quality-assure the ${agency_name(agency)} report",
        "Quality-assure the ${agency_name(agency) report",
    )
    with pytest.raises(DiagramInvalid) as refused:
        engine.deployments.deploy(users["owner"], agency_work.files(broken))
    [problem] = refused.value.problems
    assert problem.file == "agency_work.bpmn"
    assert problem.element_id == "Task_quality_assure"
    assert "the task's name cannot be shown" in problem.message
    assert "${agency_name(agency)}" in problem.message  # what to write instead


def test_a_name_may_call_only_the_functions_diagrams_may_call(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    broken = agency_work.source().replace(
        "Plan the review ${no_such_value}", "Plan the review ${open('x')}"
    )
    with pytest.raises(DiagramInvalid) as refused:
        engine.deployments.deploy(users["owner"], agency_work.files(broken))
    [problem] = refused.value.problems
    assert problem.element_id == "Task_plan"
    assert "open() is not a function diagrams may call" in problem.message


def test_renaming_an_agency_later_keeps_the_names_given_and_the_proof(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    case = agency_work.start(engine, users)
    agency_work.plan(engine, users, case.reference)
    engine.directory.add_agencies(users["admin"], [("police", "Police Scotland")])
    [task] = agency_work.tasks_of(engine, users["police_manager"], case.reference)
    assert task.name == "Quality-assure the West Yorkshire Police report"
    report = engine.audit.verify(case.reference)
    assert report.ok, report.findings
