"""Process versions: what changed between deployments, moving cases safely, undoing, rolling back."""

from __future__ import annotations

import pytest

from engine import MigrationRefused
from engine.errors import NotPermitted
from tests.engine.helpers import GOOD_START
from tests.engine.helpers import mini_files
from tests.engine.helpers import only_task
from tests.engine.helpers import start_mini


def version_2() -> dict[str, bytes]:
    """The committee task renamed, one form field relabelled and made required, the chair's timer longer."""
    files = mini_files()
    files["mini.bpmn"] = (
        files["mini.bpmn"]
        .replace(
            b'name="Decide whether the criteria are met"',
            b'name="Recommend whether to hold an SCR"',
        )
        .replace(
            b'label="Minutes" type="string">',
            b'label="Minutes of the meeting" type="string">',
        )
        .replace(
            b'<camunda:constraint name="maxlength" config="2000" />',
            b'<camunda:constraint name="required" /><camunda:constraint name="maxlength" config="2000" />',
        )
        .replace(b">P10D<", b">P14D<")
    )
    return files


def version_without_committee() -> dict[str, bytes]:
    files = mini_files()
    text = files["mini.bpmn"]
    for attribute in (b'id="', b'attachedToRef="', b'targetRef="', b'sourceRef="'):
        text = text.replace(
            attribute + b'Task_committee"', attribute + b'Task_recommendation"'
        )
    files["mini.bpmn"] = text
    return files


def test_the_diff_lists_a_changed_form_field_and_a_changed_timer(engine, users):
    v1 = engine.deployments.deploy(users["owner"], mini_files())
    v2 = engine.deployments.deploy(users["owner"], version_2())
    changes = {
        (c.element_id, c.kind): c.description
        for c in engine.deployments.diff(users["owner"], v1.id, v2.id)
    }
    assert changes[("Task_committee", "renamed")] == (
        "renamed from “Decide whether the criteria are met” to “Recommend whether to hold an SCR”"
    )
    assert "field minutes changed" in changes[("Task_committee", "form")]
    assert "Minutes of the meeting" in changes[("Task_committee", "form")]
    assert changes[("Timer_chair_lapsed", "timer")] == "timer: P10D → P14D"


def test_a_safe_migration_moves_a_case_mid_flight_and_the_next_form_comes_from_version_2(
    engine, users, clock
):
    case = start_mini(engine, users)
    task = only_task(engine, users["committee"])
    engine.tasks.claim(users["committee"], task.id)
    due_before = only_task(engine, users["committee"]).due_at
    v2 = engine.deployments.deploy(users["owner"], version_2())
    clock.advance(days=2)
    [plan] = engine.migrations.plan(users["owner"], v2.id)
    assert (
        plan.possible
        and plan.reference == case.reference
        and any("Task_committee" in c for c in plan.changes)
    )
    moved = engine.migrations.migrate_case(users["owner"], case.reference, v2.id)
    assert moved.migrated
    after = only_task(engine, users["committee"])
    assert (after.id, after.name, after.assignee, after.due_at) == (
        task.id,
        "Recommend whether to hold an SCR",
        "Carol Mitchell",
        due_before,
    )
    form = engine.tasks.open(users["committee"], after.id)
    assert (
        next(f for f in form.fields if f.id == "minutes").label
        == "Minutes of the meeting"
    )
    with pytest.raises(Exception, match="Minutes of the meeting"):
        engine.tasks.complete(
            users["committee"], after.id, {"decision": "scr", "attendees": "3"}
        )
    assert (
        engine.cases.view(users["bqam"], case.reference).summary.deployment_hash
        == v2.content_hash
    )
    assert "case_migrated" in [
        e.type for e in engine.cases.history(users["auditor"], case.reference)
    ]
    engine.tasks.complete(
        users["committee"],
        after.id,
        {"decision": "no_scr", "attendees": "3", "minutes": "Agreed."},
    )
    [replayed] = engine.audit.verify_replays(case.reference)
    assert replayed.ok, replayed.problem


def test_an_unsafe_migration_is_refused_with_the_reason(engine, users):
    case = start_mini(engine, users)
    v2 = engine.deployments.deploy(users["owner"], version_without_committee())
    [plan] = engine.migrations.plan(users["owner"], v2.id)
    assert not plan.possible
    assert plan.reasons == (
        "the active step “Decide whether the criteria are met” (Task_committee) "
        "does not exist in the new version of Process_mini",
    )
    with pytest.raises(MigrationRefused):
        engine.migrations.migrate_case(users["owner"], case.reference, v2.id)
    assert (
        only_task(engine, users["committee"]).name
        == "Decide whether the criteria are met"
    )


def test_a_migration_can_be_undone_until_the_case_moves_on(engine, users):
    case = start_mini(engine, users)
    v1_hash = engine.cases.view(users["bqam"], case.reference).summary.deployment_hash
    v2 = engine.deployments.deploy(users["owner"], version_2())
    engine.migrations.migrate_case(users["owner"], case.reference, v2.id)
    engine.migrations.undo(users["owner"], case.reference)
    assert (
        engine.cases.view(users["bqam"], case.reference).summary.deployment_hash
        == v1_hash
    )
    assert (
        only_task(engine, users["committee"]).name
        == "Decide whether the criteria are met"
    )
    assert engine.audit.verify_replays(case.reference)[0].ok
    engine.migrations.migrate_case(users["owner"], case.reference, v2.id)
    task = only_task(engine, users["committee"])
    engine.tasks.complete(
        users["committee"],
        task.id,
        {"decision": "scr", "attendees": "3", "minutes": "m"},
    )
    with pytest.raises(NotPermitted, match="moved on"):
        engine.migrations.undo(users["owner"], case.reference)
    assert engine.audit.verify_replays(case.reference)[0].ok


def version_without_chair_task() -> dict[str, bytes]:
    files = mini_files()
    text = files["mini.bpmn"]
    for attribute in (b'id="', b'attachedToRef="', b'targetRef="', b'sourceRef="'):
        text = text.replace(
            attribute + b'Task_chair_decision"', attribute + b'Task_chair_decides"'
        )
    files["mini.bpmn"] = text
    return files


def test_migrating_a_whole_deployment_moves_the_safe_cases_and_reports_the_rest(
    engine, users
):
    """A case that has not reached the renamed step moves; one that went through it keeps its version."""
    early = start_mini(engine, users, agencies=["police"])
    late = engine.cases.start(
        users["bqam"], "Process_mini", {**GOOD_START, "agencies": ["police"]}
    )
    for task in [
        t
        for t in engine.tasks.inbox(users["committee"])
        if t.case_reference == late.reference
    ]:
        engine.tasks.complete(
            users["committee"], task.id, {"decision": "scr", "attendees": "3"}
        )
    engine.tasks.complete(
        users["police_author"],
        only_task(engine, users["police_author"]).id,
        {"summary": "s"},
    )
    engine.tasks.complete(
        users["chair"], only_task(engine, users["chair"]).id, {"chair_decision": "yes"}
    )
    v1 = engine.deployments.index(users["owner"])[0]
    v2 = engine.deployments.deploy(users["owner"], version_without_chair_task())
    results = {
        r.reference: r
        for r in engine.migrations.migrate_cases(users["owner"], v1.id, v2.id)
    }
    assert results[early.reference].migrated
    assert not results[late.reference].migrated
    assert "Task_chair_decision" in results[late.reference].reasons[0]
    assert "has been through" in results[late.reference].reasons[0]
    assert [m.reference for m in engine.migrations.pending(users["owner"], v2.id)] == [
        early.reference
    ]
    # the moved case carries on to the renamed step, and both cases replay to their stored state
    engine.tasks.complete(
        users["committee"],
        only_task(engine, users["committee"]).id,
        {"decision": "scr", "attendees": "3"},
    )
    engine.tasks.complete(
        users["police_author"],
        only_task(engine, users["police_author"]).id,
        {"summary": "s"},
    )
    assert only_task(engine, users["chair"]).case_reference == early.reference
    assert all(r.ok for r in engine.audit.verify_replays())


def test_rolling_back_makes_an_earlier_version_current_for_new_cases(engine, users):
    v1 = engine.deployments.deploy(users["owner"], mini_files())
    v2 = engine.deployments.deploy(users["owner"], version_2())
    engine.deployments.activate(users["owner"], v1.id, "v2 confused the committee")
    case = engine.cases.start(users["bqam"], "Process_mini", GOOD_START)
    assert case.deployment_hash == v1.content_hash
    assert [d.id for d in engine.deployments.index(users["owner"]) if d.current] == [
        v1.id
    ]
    with pytest.raises(NotPermitted):
        engine.deployments.activate(users["committee"], v2.id)
