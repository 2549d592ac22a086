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
    """Run SQL behind the application's back, as a database superuser could (on PostgreSQL the
    append-only trigger is bypassed the only way it can be: session_replication_role, superusers only)."""
    with engine.database.bind.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        return connection.execute(text(statement), params)


def _seq(engine, reference, event_type, nth=1):
    case_id = _sql(
        engine, "SELECT id FROM review_case WHERE reference = :r", r=reference
    ).scalar_one()
    seqs = _sql(
        engine,
        "SELECT seq FROM audit_event WHERE case_id = :c AND type = :t ORDER BY seq",
        c=case_id,
        t=event_type,
    ).scalars()
    return list(seqs)[nth - 1]


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
    everything = engine.cases.history(users["auditor"], finished_case.reference)
    events = [e for e in everything if e.type not in ("task_offered", "task_cancelled")]
    assert [(e.type, e.actor) for e in events] == [
        ("case_started", "Beatrice Quinn"),
        ("service_task_ran", "system"),
        ("task_completed", "Carol Mitchell"),
        ("task_completed", "Paul Armitage"),
    ]
    offered = [e for e in everything if e.type == "task_offered"]
    completed = [e.data["task_id"] for e in events if e.type == "task_completed"]
    assert [e.data["task_id"] for e in offered][: len(completed)] == completed
    assert events[3].data["data"] == {"summary": "Two call-outs."}
    assert events[0].data["data"]["child_ref"] == "AB1234"
    assert engine.audit.verify_chain().ok


def test_an_edited_payload_is_detected_and_named(engine, users, finished_case):
    row = _event_id(engine, finished_case.reference, "task_completed")
    _sql(
        engine,
        'UPDATE audit_payload SET content = replace(content, \'"v":"scr"\', '
        '\'"v":"no_scr"\') WHERE event_id = :i',
        i=row,
    )
    report = engine.audit.verify_chain()
    seq = _seq(engine, finished_case.reference, "task_completed")
    assert not report.ok and f"#{seq} task_completed" in report.first_bad_event
    assert "data.decision was edited" in report.problem


def test_an_edited_event_is_detected_and_named(engine, users, finished_case):
    row = _event_id(engine, finished_case.reference, "task_completed")
    _sql(
        engine,
        "UPDATE audit_event SET data = replace(data, 'Decide', 'Skip') WHERE id = :i",
        i=row,
    )
    report = engine.audit.verify_chain()
    seq = _seq(engine, finished_case.reference, "task_completed")
    assert not report.ok and f"#{seq} task_completed" in report.first_bad_event
    assert "edited" in report.problem


def test_a_deleted_event_is_detected(engine, users, finished_case):
    row = _event_id(engine, finished_case.reference, "service_task_ran")
    seq = _seq(engine, finished_case.reference, "service_task_ran")
    _sql(engine, "DELETE FROM audit_payload WHERE event_id = :i", i=row)
    _sql(engine, "DELETE FROM audit_event WHERE id = :i", i=row)
    report = engine.audit.verify_chain()
    assert (
        not report.ok
        and f"#{seq + 1} " in report.first_bad_event
        and "missing" in report.problem
    )


def test_a_deleted_last_event_is_detected(engine, users, finished_case):
    case_id = _sql(
        engine,
        "SELECT id FROM review_case WHERE reference = :r",
        r=finished_case.reference,
    ).scalar_one()
    last = _sql(
        engine, "SELECT max(seq) FROM audit_event WHERE case_id = :c", c=case_id
    ).scalar_one()
    _sql(
        engine,
        "DELETE FROM audit_payload WHERE event_id IN "
        "(SELECT id FROM audit_event WHERE case_id = :c AND seq = :s)",
        c=case_id,
        s=last,
    )
    _sql(
        engine,
        "DELETE FROM audit_event WHERE case_id = :c AND seq = :s",
        c=case_id,
        s=last,
    )
    report = engine.audit.verify_chain()
    assert not report.ok and "events after it were deleted" in report.problem


def test_two_reordered_events_are_detected(engine, users, finished_case):
    case_id = _sql(
        engine,
        "SELECT id FROM review_case WHERE reference = :r",
        r=finished_case.reference,
    ).scalar_one()
    first = _seq(engine, finished_case.reference, "task_completed")
    second = _seq(engine, finished_case.reference, "task_completed", 2)
    for old, new in ((first, -1), (second, first), (-1, second)):
        _sql(
            engine,
            "UPDATE audit_event SET seq = :n WHERE case_id = :c AND seq = :o",
            c=case_id,
            o=old,
            n=new,
        )
    report = engine.audit.verify_chain()
    assert not report.ok and f"#{first} task_completed" in report.first_bad_event


def test_an_inserted_event_is_detected(engine, users, finished_case):
    case_id = _sql(
        engine,
        "SELECT id FROM review_case WHERE reference = :r",
        r=finished_case.reference,
    ).scalar_one()
    _sql(
        engine,
        "INSERT INTO audit_event (chain, seq, case_id, type, actor_id, actor_name, at, data, prev_hash, hash) "
        "SELECT chain, seq + 1, case_id, 'task_completed', actor_id, 'Mallory', at, '{}', hash, hash "
        "FROM audit_event WHERE case_id = :c ORDER BY seq DESC LIMIT 1",
        c=case_id,
    )
    report = engine.audit.verify_chain()
    assert not report.ok and "task_completed" in report.first_bad_event
    assert "Mallory" not in report.first_bad_event


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
