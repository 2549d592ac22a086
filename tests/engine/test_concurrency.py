"""Two people, or two workers, at the same moment: exactly one wins and nothing of the other is kept."""

from __future__ import annotations

import threading
from datetime import UTC
from datetime import datetime

import pytest

from engine.accounts import create_user
from engine.errors import TaskAlreadyCompleted
from engine.runtime import CaseRun
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
    service, users
):
    case = start_mini(service, users)
    with service.sessions.write() as session, session.begin():
        create_user(
            session,
            username="committee2",
            display_name="Cy Two",
            password="long enough pw",
            roles=["scr_committee"],
        )
    other = service.user_for_cli("committee2")
    task = only_task(service, users["committee"])
    results = _race(
        [
            lambda: service.complete_task(
                users["committee"],
                task.id,
                {"decision": "scr", "attendees": "5", "minutes": "A"},
            ),
            lambda: service.complete_task(
                other, task.id, {"decision": "no_scr", "attendees": "7", "minutes": "B"}
            ),
        ]
    )
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(losers) == 1 and isinstance(losers[0], TaskAlreadyCompleted), results
    winner_minutes = "A" if losers[0].completed_by == "Cy Two" else "B"
    winner_minutes = {"Carol Mitchell": "A", "Cy Two": "B"}[losers[0].completed_by]
    data = service.get_case(users["bqam"], case.reference).data
    assert data["minutes"] == winner_minutes
    completions = [
        e
        for e in service.case_history(users["auditor"], case.reference)
        if e.type == "task_completed"
    ]
    assert (
        len(completions) == 1
        and completions[0].data["data"]["minutes"] == winner_minutes
    )
    assert service.verify_audit().ok


def test_two_agencies_submitting_at_once_both_get_through(service, users):
    case = start_mini(service, users)
    service.complete_task(
        users["committee"],
        only_task(service, users["committee"]).id,
        {"decision": "scr", "attendees": "3"},
    )
    police = only_task(service, users["police_author"])
    health = only_task(service, users["health_author"])
    results = _race(
        [
            lambda: service.complete_task(
                users["police_author"], police.id, {"summary": "police"}
            ),
            lambda: service.complete_task(
                users["health_author"], health.id, {"summary": "health"}
            ),
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert only_task(service, users["chair"]).case_reference == case.reference


def test_two_timer_workers_never_fire_one_timer_twice(service, users, clock, notify):
    clock.set(datetime(2026, 4, 2, 10, 0, tzinfo=UTC))
    case = start_mini(service, users)
    clock.set(datetime(2026, 4, 14, 9, 0, tzinfo=UTC))
    results = _race([service.fire_due_timers, service.fire_due_timers])
    assert sorted(results) == [0, 1], results
    fired = [
        e
        for e in service.case_history(users["auditor"], case.reference)
        if e.type == "timer_fired"
    ]
    assert len(fired) == 1
    assert [c.params["template"] for c in notify.calls].count("deadline_missed") == 1


@pytest.mark.parametrize("attempts", [3])
def test_a_stale_second_save_is_retried_from_scratch(service, users, attempts):
    """A claim racing a completion: the claim is retried on the new state and refused cleanly."""
    start_mini(service, users)
    task = only_task(service, users["committee"])
    results = _race(
        [
            lambda: service.complete_task(
                users["committee"], task.id, {"decision": "no_scr", "attendees": "4"}
            ),
            lambda: service.claim_task(users["committee"], task.id),
        ]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) <= 1 and all(
        isinstance(e, TaskAlreadyCompleted) for e in errors
    ), results
