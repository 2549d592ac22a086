"""The audit trail: every command is recorded, hash-chained, and tampering is detected and located."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text

from tests.engine.helpers import only_task
from tests.engine.helpers import start_mini


@pytest.fixture
def finished_case(engine, users):
    case = start_mini(engine, users, agencies=["police"])
    engine.tasks.complete(
        users["committee"],
        only_task(engine, users["committee"]).id,
        {"decision": "scr", "attendees": "3"},
    )
    engine.tasks.complete(
        users["police_author"],
        only_task(engine, users["police_author"]).id,
        {"summary": "Two call-outs."},
    )
    return case


def _sql(engine, statement, **params):
    with engine.database.bind.begin() as connection:
        return connection.execute(text(statement), params)


def _event_id(engine, reference, event_type):
    case_id = _sql(
        engine, "SELECT id FROM review_case WHERE reference = :r", r=reference
    ).scalar_one()
    return _sql(
        engine,
        "SELECT id FROM audit_event WHERE case_id = :c AND type = :t ORDER BY seq LIMIT 1",
        c=case_id,
        t=event_type,
    ).scalar_one()


def test_every_step_is_recorded_with_actor_time_and_data(engine, users, finished_case):
    events = engine.cases.history(users["auditor"], finished_case.reference)
    assert [(e.type, e.actor) for e in events] == [
        ("case_started", "Beatrice Quinn"),
        ("service_task_ran", "system"),
        ("task_completed", "Carol Mitchell"),
        ("task_completed", "Paul Armitage"),
    ]
    assert events[3].data["data"] == {"summary": "Two call-outs."}
    assert events[0].data["data"]["child_ref"] == "AB1234"
    assert engine.audit.verify_chain().ok


def test_an_edited_payload_is_detected_and_named(engine, users, finished_case):
    row = _event_id(engine, finished_case.reference, "task_completed")
    _sql(
        engine,
        "UPDATE audit_event SET data = replace(data, 'scr', 'no_scr') WHERE id = :i",
        i=row,
    )
    report = engine.audit.verify_chain()
    assert (
        not report.ok
        and "#3 task_completed" in report.first_bad_event
        and "edited" in report.problem
    )


def test_a_deleted_event_is_detected(engine, users, finished_case):
    row = _event_id(engine, finished_case.reference, "service_task_ran")
    _sql(engine, "DELETE FROM audit_event WHERE id = :i", i=row)
    report = engine.audit.verify_chain()
    assert (
        not report.ok
        and "#3 task_completed" in report.first_bad_event
        and "missing" in report.problem
    )


def test_a_deleted_last_event_is_detected(engine, users, finished_case):
    case_id = _sql(
        engine,
        "SELECT id FROM review_case WHERE reference = :r",
        r=finished_case.reference,
    ).scalar_one()
    _sql(engine, "DELETE FROM audit_event WHERE case_id = :c AND seq = 4", c=case_id)
    report = engine.audit.verify_chain()
    assert not report.ok and "events after it were deleted" in report.problem


def test_two_reordered_events_are_detected(engine, users, finished_case):
    case_id = _sql(
        engine,
        "SELECT id FROM review_case WHERE reference = :r",
        r=finished_case.reference,
    ).scalar_one()
    _sql(
        engine,
        "UPDATE audit_event SET seq = -1 WHERE case_id = :c AND seq = 3",
        c=case_id,
    )
    _sql(
        engine,
        "UPDATE audit_event SET seq = 3 WHERE case_id = :c AND seq = 4",
        c=case_id,
    )
    _sql(
        engine,
        "UPDATE audit_event SET seq = 4 WHERE case_id = :c AND seq = -1",
        c=case_id,
    )
    report = engine.audit.verify_chain()
    assert not report.ok and "#3 task_completed" in report.first_bad_event


def test_an_inserted_event_is_detected(engine, users, finished_case):
    case_id = _sql(
        engine,
        "SELECT id FROM review_case WHERE reference = :r",
        r=finished_case.reference,
    ).scalar_one()
    _sql(
        engine,
        "INSERT INTO audit_event (chain, seq, case_id, type, actor_id, actor_name, at, data, prev_hash, hash) "
        "SELECT chain, 5, case_id, 'task_completed', actor_id, 'Mallory', at, '{}', hash, hash FROM audit_event WHERE case_id = :c AND seq = 4",
        c=case_id,
    )
    report = engine.audit.verify_chain()
    assert not report.ok and "#5 task_completed" in report.first_bad_event


def test_scr_audit_verify_exits_non_zero_naming_the_event(
    engine, users, finished_case, monkeypatch
):
    url = engine.database.bind.url.render_as_string(hide_password=False)
    env = {"SCR_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    ok = subprocess.run(
        [sys.executable, "-m", "engine.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "audit trail intact" in ok.stdout
    row = _event_id(engine, finished_case.reference, "case_started")
    _sql(
        engine,
        "UPDATE audit_event SET actor_name = 'Someone Else' WHERE id = :i",
        i=row,
    )
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine.cli",
            "audit",
            "verify",
            "--case",
            finished_case.reference,
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "#1 case_started" in bad.stderr and "edited" in bad.stderr
