"""Auditors replay a case from its events: every intermediate state, the stored end state, the deadlines."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC
from datetime import datetime

from sqlalchemy import text

from engine import export_csv
from engine.process.replay import first_difference
from tests.engine.helpers import only_task
from tests.engine.helpers import start_mini


def _stored(engine, reference):
    with engine.database.bind.connect() as connection:
        state = connection.execute(
            text("SELECT state, id FROM review_case WHERE reference = :r"),
            {"r": reference},
        ).one()
        last = connection.execute(
            text("SELECT max(seq) FROM audit_event WHERE case_id = :c"), {"c": state.id}
        ).scalar_one()
    return state.state, last


def test_replaying_to_every_event_gives_the_state_saved_at_that_point(
    engine, users, clock
):
    snapshots = []
    case = start_mini(engine, users)
    snapshots.append(_stored(engine, case.reference))
    clock.advance(days=3)
    engine.tasks.claim(users["committee"], only_task(engine, users["committee"]).id)
    snapshots.append(_stored(engine, case.reference))
    clock.advance(days=10)  # past the committee's five working days
    engine.timers.fire_due()
    snapshots.append(_stored(engine, case.reference))
    engine.tasks.complete(
        users["committee"],
        only_task(engine, users["committee"]).id,
        {"decision": "scr", "attendees": "4"},
    )
    snapshots.append(_stored(engine, case.reference))
    for author in ("police_author", "health_author"):
        clock.advance(hours=5)
        engine.tasks.complete(
            users[author],
            only_task(engine, users[author]).id,
            {"summary": f"{author} report"},
        )
        snapshots.append(_stored(engine, case.reference))
    engine.tasks.complete(
        users["chair"], only_task(engine, users["chair"]).id, {"chair_decision": "no"}
    )
    engine.cases.deliver_message(
        users["bqam"],
        case.reference,
        "proceedings_ended",
        {"outcome": "no further action"},
    )
    snapshots.append(_stored(engine, case.reference))
    for state, seq in snapshots:
        assert (
            first_difference(
                state,
                engine.audit.replayed_state(users["auditor"], case.reference, seq),
            )
            is None
        ), seq
    [report] = engine.audit.verify_replays(case.reference)
    assert report.ok and report.events >= 8
    view = engine.audit.replay(users["auditor"], case.reference, snapshots[2][1])
    assert view.event.type == "timer_fired"
    assert view.active_by_process["Process_mini"] == ("Task_committee",)
    assert view.open_tasks[0][1] == "Decide whether the criteria are met"


def test_a_state_changed_behind_the_applications_back_is_caught_by_replay(
    engine, users
):
    case = start_mini(engine, users)
    engine.tasks.complete(
        users["committee"],
        only_task(engine, users["committee"]).id,
        {"decision": "scr", "attendees": "4"},
    )
    state, _seq = _stored(engine, case.reference)
    forged = state.replace('"decision":"scr"', '"decision":"no_scr"')
    assert forged != state
    with engine.database.bind.begin() as connection:
        connection.execute(
            text("UPDATE review_case SET state = :s WHERE reference = :r"),
            {"s": forged, "r": case.reference},
        )
    assert engine.audit.verify_chain().ok  # the chain itself is intact...
    [report] = engine.audit.verify_replays(case.reference)
    assert (
        not report.ok and "does not give the stored state" in report.problem
    )  # ...but replay disagrees


def test_the_timeliness_table_shows_the_one_late_decision_as_missed(
    engine, users, clock
):
    case = start_mini(engine, users, agencies=["police"])
    clock.set(
        datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    )  # committee due Monday 9 March: met
    engine.tasks.complete(
        users["committee"],
        only_task(engine, users["committee"]).id,
        {"decision": "scr", "attendees": "4"},
    )
    engine.tasks.complete(
        users["police_author"],
        only_task(engine, users["police_author"]).id,
        {"summary": "s"},
    )
    clock.set(
        datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
    )  # chair due 10 calendar days after 9 March: missed
    engine.tasks.complete(
        users["chair"], only_task(engine, users["chair"]).id, {"chair_decision": "yes"}
    )
    table = engine.audit.timeliness(users["auditor"], case.reference)
    assert [(d.task, d.state) for d in table] == [
        ("Decide whether the criteria are met", "met"),
        ("Decide whether to hold an SCR", "missed"),
    ]
    assert (
        table[1].due_at == datetime(2026, 3, 19, 23, 59, 59, tzinfo=UTC)
        and table[1].done_by == "Irene Chalmers"
    )


def test_a_case_record_exports_as_json_and_csv_with_hashes(engine, users):
    case = start_mini(engine, users)
    record = engine.audit.export(users["auditor"], case.reference)
    assert record["chain_intact"] and record["case"]["reference"] == case.reference
    assert [e["type"] for e in record["events"]][:2] == [
        "case_started",
        "service_task_ran",
    ]
    json.dumps(record)  # plain JSON, no special types
    rows = list(csv.reader(io.StringIO(export_csv(record))))
    assert rows[0] == ["case", "seq", "at", "type", "actor", "data", "hash"]
    assert rows[1][3] == "case_started" and len(rows[1][6]) == 64


def test_the_timeline_tells_who_did_what_in_their_role_with_the_form_labels(
    engine, users, clock
):
    case = start_mini(engine, users)
    clock.advance(hours=1)
    engine.tasks.complete(
        users["committee"],
        only_task(engine, users["committee"]).id,
        {"decision": "no_scr", "attendees": "4", "minutes": "Not met."},
    )
    timeline = engine.timeline.of_case(users["auditor"], case.reference)
    started, _service_task, completed = timeline[0], timeline[1], timeline[2]
    assert (started.actor, started.actor_roles, started.summary) == (
        "Beatrice Quinn",
        ("Business and Quality Assurance Manager",),
        "started the case",
    )
    assert ("What happened", "The child was seriously harmed") in started.details
    assert ("Date of the incident", "27 February 2026") in started.details
    assert completed.summary == "completed “Decide whether the criteria are met”"
    assert completed.details == (
        ("Committee recommendation", "Criteria not met"),
        ("Minutes", "Not met."),
        ("Number of members present", "4"),
    )
    assert completed.at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert "case_started" in engine.audit.export_csv(users["auditor"], case.reference)
