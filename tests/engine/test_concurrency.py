"""Two people, or two workers, at the same moment: exactly one wins and nothing of the other is kept."""

from __future__ import annotations

import threading
from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import text

from engine.db import cases as case_rows
from engine.db.accounts import create_user
from engine.errors import ConcurrentUpdate
from engine.errors import TaskAlreadyCompleted
from engine.process.run import CaseRun
from engine.services.unit_of_work import RETRIES
from tests.engine.helpers import only_task
from tests.engine.helpers import start_mini


def _race(calls):
    """Run the calls in two threads that both load the case before either saves (where the database allows)."""
    barrier = threading.Barrier(len(calls), timeout=0.5)
    original = CaseRun.load.__func__

    def load_then_wait(cls, *args, **kwargs):
        run = original(cls, *args, **kwargs)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # SQLite lets only one writer in at a time: the other waits at BEGIN instead
        return run

    results: list[object] = [None] * len(calls)

    def worker(index, call):
        try:
            results[index] = call()
        except Exception as err:  # noqa: BLE001 - the outcome is what we assert on
            results[index] = err

    CaseRun.load = classmethod(load_then_wait)
    try:
        threads = [
            threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        CaseRun.load = classmethod(original)
    return results


def test_two_people_completing_one_task_at_once_one_wins_and_the_other_is_told(
    engine, users
):
    case = start_mini(engine, users)
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
    results = _race(
        [
            lambda: engine.tasks.complete(
                users["committee"],
                task.id,
                {"decision": "scr", "attendees": "5", "minutes": "A"},
            ),
            lambda: engine.tasks.complete(
                other, task.id, {"decision": "no_scr", "attendees": "7", "minutes": "B"}
            ),
        ]
    )
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(losers) == 1 and isinstance(losers[0], TaskAlreadyCompleted), results
    winner_minutes = "A" if losers[0].completed_by == "Cy Two" else "B"
    winner_minutes = {"Carol Mitchell": "A", "Cy Two": "B"}[losers[0].completed_by]
    data = engine.cases.view(users["bqam"], case.reference).data
    assert data["minutes"] == winner_minutes
    completions = [
        e
        for e in engine.cases.history(users["auditor"], case.reference)
        if e.type == "task_completed"
    ]
    assert (
        len(completions) == 1
        and completions[0].data["data"]["minutes"] == winner_minutes
    )
    assert engine.audit.verify_chain().ok


def test_two_agencies_submitting_at_once_both_get_through(engine, users):
    case = start_mini(engine, users)
    engine.tasks.complete(
        users["committee"],
        only_task(engine, users["committee"]).id,
        {"decision": "scr", "attendees": "3"},
    )
    police = only_task(engine, users["police_author"])
    health = only_task(engine, users["health_author"])
    results = _race(
        [
            lambda: engine.tasks.complete(
                users["police_author"], police.id, {"summary": "police"}
            ),
            lambda: engine.tasks.complete(
                users["health_author"], health.id, {"summary": "health"}
            ),
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert only_task(engine, users["chair"]).case_reference == case.reference


def test_two_timer_workers_never_fire_one_timer_twice(engine, users, clock, notify):
    clock.set(datetime(2026, 4, 2, 10, 0, tzinfo=UTC))
    case = start_mini(engine, users)
    clock.set(datetime(2026, 4, 14, 9, 0, tzinfo=UTC))
    results = _race([engine.timers.fire_due, engine.timers.fire_due])
    assert sorted(results) == [0, 1], results
    fired = [
        e
        for e in engine.cases.history(users["auditor"], case.reference)
        if e.type == "timer_fired"
    ]
    assert len(fired) == 1
    assert [c.params["template"] for c in notify.calls].count("deadline_missed") == 1


def test_a_claim_racing_a_completion_is_refused_cleanly(engine, users):
    """A claim racing a completion: the claim is retried on the new state and refused cleanly."""
    start_mini(engine, users)
    task = only_task(engine, users["committee"])
    results = _race(
        [
            lambda: engine.tasks.complete(
                users["committee"], task.id, {"decision": "no_scr", "attendees": "4"}
            ),
            lambda: engine.tasks.claim(users["committee"], task.id),
        ]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) <= 1 and all(
        isinstance(e, TaskAlreadyCompleted) for e in errors
    ), results


def _bump_version_behind_the_command(engine, reference):
    """Another writer commits a change to the case row (as a second web worker would)."""
    with engine.database.bind.connect() as other:
        other.execute(
            text("UPDATE review_case SET version = version + 1 WHERE reference = :r"),
            {"r": reference},
        )
        other.commit()


def _skip_on_sqlite(db_engine):
    if db_engine.dialect.name == "sqlite":
        pytest.skip(
            "SQLite lets one writer in at a time (BEGIN IMMEDIATE): no race to lose"
        )


def test_a_command_that_loses_a_race_is_run_again_from_scratch(
    engine, users, db_engine
):
    _skip_on_sqlite(db_engine)
    case = start_mini(engine, users)
    attempts = []

    def command(tx):
        attempts.append(tx.now)
        row = case_rows.get(tx.session, case.reference)
        if len(attempts) == 1:
            _bump_version_behind_the_command(engine, case.reference)
        row.phase = f"attempt {len(attempts)}"
        tx.session.flush()
        return row.phase

    assert engine.tasks.transactions.write(users["bqam"], command) == "attempt 2"
    assert len(attempts) == 2


def test_a_command_that_loses_every_race_says_so_and_keeps_nothing(
    engine, users, db_engine
):
    _skip_on_sqlite(db_engine)
    case = start_mini(engine, users)
    attempts = []

    def command(tx):
        attempts.append(tx.now)
        row = case_rows.get(tx.session, case.reference)
        _bump_version_behind_the_command(engine, case.reference)
        row.phase = "never saved"
        tx.session.flush()

    with pytest.raises(ConcurrentUpdate):
        engine.tasks.transactions.write(users["bqam"], command)
    assert len(attempts) == RETRIES
    assert (
        engine.cases.view(users["bqam"], case.reference).summary.phase != "never saved"
    )
