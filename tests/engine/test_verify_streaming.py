"""Verification streams the events in batches: a database holding more events than one batch verifies
as one holding fewer (it once failed past the first 1,000 events: the session was cleared under the
stream)."""

from __future__ import annotations

from engine.db import audit as audit_rows
from tests.engine.helpers import start_mini


def test_verification_streams_past_its_first_batch_of_events(
    engine, users, monkeypatch
):
    for _ in range(3):
        start_mini(engine, users)
    for task in engine.tasks.inbox(users["committee"]):
        engine.tasks.complete(
            users["committee"], task.id, {"decision": "no_scr", "attendees": "3"}
        )
    monkeypatch.setattr(audit_rows, "STREAM_BATCH", 3)  # many batches, several per case
    report = engine.audit.verify()
    assert report.ok, report
    assert report.cases == 3
