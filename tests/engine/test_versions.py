"""A case stays on the diagrams it started with; new cases use the newest deployment."""

from __future__ import annotations

import pytest

from engine import NotFound
from engine.services.deployments import replace_files
from tests.engine.helpers import mini_files
from tests.engine.helpers import only_task
from tests.engine.helpers import start_mini


def test_a_running_case_keeps_its_version_after_a_new_deployment(engine, users):
    old_case = start_mini(engine, users)
    changed = mini_files()
    changed["mini.bpmn"] = changed["mini.bpmn"].replace(
        b'name="Decide whether the criteria are met"',
        b'name="Recommend whether to hold an SCR"',
    )
    v2 = engine.deployments.deploy(
        users["owner"], changed, "renamed the committee task"
    )
    assert v2.created and v2.current
    new_case = engine.cases.start(
        users["bqam"],
        "Process_mini",
        {
            "child_ref": "CD5678",
            "incident_date": "2026-02-28",
            "incident_type": "death",
            "abuse_suspected": "yes",
            "agencies": ["police"],
        },
    )
    assert new_case.deployment_hash == v2.content_hash != old_case.deployment_hash
    names = {t.case_reference: t.name for t in engine.tasks.inbox(users["committee"])}
    assert names == {
        old_case.reference: "Decide whether the criteria are met",
        new_case.reference: "Recommend whether to hold an SCR",
    }
    # The old case carries on to the end on version 1.
    task = next(
        t
        for t in engine.tasks.inbox(users["committee"])
        if t.case_reference == old_case.reference
    )
    engine.tasks.complete(
        users["committee"], task.id, {"decision": "scr", "attendees": "3"}
    )
    assert (
        only_task(engine, users["police_author"]).case_reference == old_case.reference
    )
    assert engine.cases.view(users["bqam"], new_case.reference).data["advice"] == "must"


def test_cases_survive_a_restart_with_an_empty_parse_cache(
    engine, users, db_engine, clock, handlers, notify
):
    from engine import EngineSettings
    from engine import build_engine
    from engine.db.base import Database

    case = start_mini(engine, users)
    fresh = build_engine(
        EngineSettings(), clock=clock, handlers=handlers, database=Database(db_engine)
    )
    task = only_task(fresh, users["committee"])
    fresh.tasks.complete(
        users["committee"], task.id, {"decision": "no_scr", "attendees": "3"}
    )
    assert fresh.cases.view(users["bqam"], case.reference).summary.status == "completed"


def test_a_file_sent_without_its_folder_replaces_its_one_namesake_in_a_folder():
    current = {
        "loops/loop.bpmn": b"1",
        "mini.bpmn": b"1",
        "a/x.bpmn": b"1",
        "b/x.bpmn": b"1",
    }
    assert replace_files(current, {"loop.bpmn": b"2", "mini.bpmn": b"2"}) == {
        **current,
        "loops/loop.bpmn": b"2",
        "mini.bpmn": b"2",
    }
    # Two namesakes: which one is meant is unclear, so the file is added as sent.
    assert replace_files(current, {"x.bpmn": b"2"}) == {**current, "x.bpmn": b"2"}
    assert replace_files(current, {"new/loop.bpmn": b"2"})["new/loop.bpmn"] == b"2"


def test_a_deployment_serves_each_of_its_files_as_deployed(engine, users):
    files = mini_files()
    v1 = engine.deployments.deploy(users["owner"], files, "first")
    assert (
        engine.deployments.file(users["auditor"], v1.id, "mini.bpmn")
        == files["mini.bpmn"]
    )
    with pytest.raises(NotFound):
        engine.deployments.file(users["auditor"], v1.id, "nothing.bpmn")
    with pytest.raises(NotFound):
        engine.deployments.file(users["auditor"], 99, "mini.bpmn")
