"""On the real clock, as people meet it: every command of a case runs at its own moment, and the record
still replays to exactly the stored state (each command sees one frozen `now`, SpiffWorkflow included)."""

from __future__ import annotations

import pytest

from engine.clock import SystemClock
from tests.engine.helpers import only_task
from tests.engine.helpers import start_mini


@pytest.fixture
def clock() -> SystemClock:
    return SystemClock()


def test_a_case_worked_on_the_system_clock_verifies(engine, users):
    case = start_mini(engine, users)
    task = only_task(engine, users["committee"])
    engine.tasks.claim(users["committee"], task.id)
    engine.tasks.release(users["committee"], task.id)
    engine.tasks.complete(
        users["committee"], task.id, {"decision": "scr", "attendees": "5"}
    )
    for author in ("police_author", "health_author"):
        mine = only_task(engine, users[author])
        engine.tasks.complete(users[author], mine.id, {"summary": "Seen twice."})
    history = engine.cases.history(users["auditor"], case.reference)
    assert (
        len({e.at for e in history}) > 1
    )  # the commands really ran at different moments
    assert engine.audit.verify_chain().ok
    [report] = engine.audit.verify_replays(case.reference)
    assert report.ok, report.problem
    assert report.events > 5
