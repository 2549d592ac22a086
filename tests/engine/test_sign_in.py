"""Signing in and the sessions it starts; who may read the audit record; who read which case.

Sessions end everywhere at once (signing out, a new password, deactivation). Failed sign-ins slow
down the client that made them, never an account. The audit services refuse everyone but auditors
and board-wide roles, and a case's tasks answer as unknown ids to anyone who may not see the case.
"""

from __future__ import annotations

import pytest

from engine.db import accounts as account_rows
from engine.db.demo import DEMO_PASSWORD
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.errors import NotSignedIn
from engine.errors import SignInThrottled
from tests.engine.helpers import only_task
from tests.engine.helpers import start_mini


def test_signing_out_ends_every_session_of_the_user(engine, users):
    _info, first = engine.accounts.start_session("bqam", DEMO_PASSWORD, "10.0.0.1")
    _info, second = engine.accounts.start_session("bqam", DEMO_PASSWORD, "10.0.0.2")
    assert first == second  # one key per account until its sessions are ended
    assert engine.accounts.find_session(first) == users["bqam"]
    engine.accounts.sign_out(users["bqam"])
    assert engine.accounts.find_session(first) is None
    _info, third = engine.accounts.start_session("bqam", DEMO_PASSWORD, "10.0.0.1")
    assert third != first and engine.accounts.find_session(third) == users["bqam"]
    assert engine.accounts.find_session("not-a-key") is None


def test_a_new_password_and_deactivation_end_every_session(engine, users):
    _info, key = engine.accounts.start_session("committee", DEMO_PASSWORD)
    engine.directory.set_password(users["admin"], "committee", "a-brand-new-password")
    assert engine.accounts.find_session(key) is None
    _info, key = engine.accounts.start_session("committee", "a-brand-new-password")
    engine.directory.deactivate_user(users["admin"], users["committee"].id)
    engine.directory.reactivate_user(users["admin"], "committee")
    assert engine.accounts.find_session(key) is None  # reactivation revives nothing


def test_unknown_inactive_and_wrong_password_take_the_same_work_and_words(
    engine, users, monkeypatch
):
    engine.directory.deactivate_user(users["admin"], users["legal"].id)
    compared = []
    real = account_rows.check_password_hash
    monkeypatch.setattr(
        account_rows,
        "check_password_hash",
        lambda stored, given: compared.append(stored) or real(stored, given),
    )
    messages = []
    for name, password in (
        ("nobody-at-all", DEMO_PASSWORD),
        ("legal", DEMO_PASSWORD),
        ("committee", "not-the-password"),
    ):
        with pytest.raises(NotSignedIn) as refused:
            engine.accounts.sign_in(name, password, "10.0.0.1")
        messages.append(str(refused.value))
    assert len(compared) == 3  # one password hash compared on every path
    assert len(set(messages)) == 1


def test_fifty_failures_throttle_the_client_not_the_account(engine, users, clock):
    for _ in range(account_rows.MAX_FAILURES_PER_CLIENT):
        with pytest.raises(NotSignedIn):
            engine.accounts.sign_in("committee", "wrong-guess!", "203.0.113.9")
    with pytest.raises(SignInThrottled) as throttled:
        engine.accounts.sign_in("committee", DEMO_PASSWORD, "203.0.113.9")
    assert throttled.value.minutes == 15
    assert "Try again in 15 minutes." in str(throttled.value)
    with pytest.raises(SignInThrottled):  # any name: it says nothing about accounts
        engine.accounts.sign_in("nobody-at-all", "whatever", "203.0.113.9")
    owner = engine.accounts.sign_in("committee", DEMO_PASSWORD, "198.51.100.7")
    assert owner == users["committee"]
    clock.advance(minutes=15)
    engine.accounts.sign_in("committee", DEMO_PASSWORD, "203.0.113.9")


def test_an_administrator_lifts_the_throttle_where_a_name_was_tried(engine, users):
    for _ in range(account_rows.MAX_FAILURES_PER_CLIENT):
        with pytest.raises(NotSignedIn):
            engine.accounts.sign_in("committee", "wrong-guess!", "203.0.113.9")
    with pytest.raises(NotPermitted):
        engine.directory.unlock_user(users["bqam"], "committee")
    engine.directory.unlock_user(users["admin"], "committee")
    engine.accounts.sign_in("committee", DEMO_PASSWORD, "203.0.113.9")


AUDIT_READS = {
    "timeline": lambda e, u, ref: e.timeline.of_case(u, ref),
    "replay": lambda e, u, ref: e.audit.replay(u, ref, 1),
    "replayed state": lambda e, u, ref: e.audit.replayed_state(u, ref),
    "timeliness of the case": lambda e, u, ref: e.audit.timeliness(u, ref),
    "timeliness of every case": lambda e, u, ref: e.audit.timeliness(u),
    "export": lambda e, u, ref: e.audit.export(u, ref),
    "export as CSV": lambda e, u, ref: e.audit.export_csv(u, ref),
    "checkpoints": lambda e, u, ref: e.audit.checkpoint_status(u),
    "who read the case": lambda e, u, ref: e.audit.case_readings(u, ref),
}


@pytest.mark.parametrize("read", sorted(AUDIT_READS))
def test_only_auditors_and_board_wide_roles_read_the_audit_record(engine, users, read):
    case = start_mini(engine, users)
    AUDIT_READS[read](engine, users["auditor"], case.reference)
    AUDIT_READS[read](engine, users["bqam"], case.reference)
    with pytest.raises(NotPermitted, match="read the audit pages"):
        AUDIT_READS[read](engine, users["committee"], case.reference)  # takes part


def test_a_task_of_a_case_you_cannot_see_is_not_found_even_when_completed(
    engine, users
):
    start_mini(engine, users)
    task = only_task(engine, users["committee"])
    decision = {"decision": "scr", "attendees": "4", "minutes": "Agreed."}
    engine.tasks.complete(users["committee"], task.id, decision)
    for attempt in (
        lambda: engine.tasks.open(users["reviewer"], task.id),
        lambda: engine.tasks.page(users["reviewer"], task.id),
        lambda: engine.tasks.complete(users["reviewer"], task.id, decision),
        lambda: engine.tasks.claim(users["reviewer"], task.id),
        lambda: engine.tasks.release(users["reviewer"], task.id),
    ):
        with pytest.raises(NotFound, match=f"^There is no task {task.id}.$"):
            attempt()


def test_reading_a_case_is_recorded_for_auditors_and_the_record_still_verifies(
    engine, users, clock
):
    case = start_mini(engine, users)
    engine.cases.page(users["committee"], case.reference)
    first = clock.now()
    clock.advance(minutes=5)
    engine.cases.page(users["auditor"], case.reference)
    readings = engine.audit.case_readings(users["auditor"], case.reference)
    assert [(r.username, r.at) for r in readings] == [
        ("auditor", clock.now()),
        ("committee", first),
    ]
    with pytest.raises(NotPermitted):
        engine.cases.page(users["reviewer"], case.reference)
    assert engine.audit.verify().ok
