"""What the audit record promises where people meet it: stored state is never executed, and a lawful
redaction shows "[redacted]" on every page while the record still verifies and says who redacted what."""

from __future__ import annotations

import builtins
import html
import json

import pytest
from sqlalchemy import text as sql

from engine import NotPermitted
from tests.engine.helpers import only_task

# SpiffWorkflow's migration from serializer version 1.1 passes a timer's dateTime through eval().
EVIL = "__import__('os').system('touch /tmp/scr-pwned')"


def _finish(engine, users, case):
    engine.tasks.complete(
        users["committee"],
        only_task(engine, users["committee"]).id,
        {"decision": "no_scr", "attendees": "4"},
    )


def test_a_stored_workflow_in_an_old_format_is_refused_and_nothing_runs(
    engine, users, case, auth, db_engine, monkeypatch
):
    with db_engine.begin() as connection:
        state = json.loads(
            connection.execute(
                sql("SELECT state FROM review_case WHERE reference = :r"),
                {"r": case.reference},
            ).scalar_one()
        )
        state["serializer_version"] = "1.1"
        state["spec"] = {
            "task_specs": {
                "Timer": {
                    "name": "Timer",
                    "typename": "IntermediateCatchEvent",
                    "event_definition": {
                        "typename": "TimerEventDefinition",
                        "label": "Timer",
                        "dateTime": EVIL,
                    },
                }
            }
        }
        connection.execute(
            sql("UPDATE review_case SET state = :s WHERE reference = :r"),
            {"s": json.dumps(state), "r": case.reference},
        )
    evaluated = []
    real_eval = builtins.eval
    monkeypatch.setattr(
        builtins, "eval", lambda *a, **k: evaluated.append(a) or real_eval(*a, **k)
    )
    auth.login("bqam")
    page = auth.get(f"/cases/{case.reference}")
    body = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 400
    assert f"Case {case.reference} cannot be opened" in body and "'1.1'" in body
    assert "Traceback" not in body
    assert evaluated == []
    report = engine.audit.verify(case.reference)
    assert not report.ok and report.findings[0].kind == "state"


def test_a_redacted_child_reference_reads_redacted_and_the_record_still_verifies(
    engine, users, case, auth
):
    _finish(engine, users, case)
    assert (
        engine.cases.view(users["bqam"], case.reference).summary.status == "completed"
    )
    result = engine.redactions.redact(
        users["bqam"],
        users["chair"],
        case.reference,
        ["child_ref"],
        "Data protection request, legal advice of 3 March 2026",
    )
    assert result.payload_fields >= 2  # the start form and the start data
    auth.login("auditor")
    for path in (
        f"/cases/{case.reference}",
        f"/audit/cases/{case.reference}",
        f"/audit/cases/{case.reference}/steps/1",
        f"/audit/cases/{case.reference}/record.json",
    ):
        body = html.unescape(auth.get(path).get_data(as_text=True))
        assert "AB1234" not in body, path
        assert "[redacted]" in body, path
    page = auth.get(f"/audit/cases/{case.reference}").get_data(as_text=True)
    assert "Intact" in page and "Differs" not in page
    assert "asked for by Beatrice Quinn and approved by Irene Chalmers" in page
    report = engine.audit.verify()
    assert report.ok, report.findings
    [note] = report.redactions
    assert note.fields == ("child_ref",) and note.approved_by == "Irene Chalmers"
    assert note.reason.startswith("Data protection request")


@pytest.mark.parametrize(
    ("requester", "approver"),
    [("bqam", "bqam"), ("chair", "bqam"), ("auditor", "chair"), ("bqam", "admin")],
)
def test_a_redaction_needs_the_bqam_and_the_independent_chair(
    engine, users, case, requester, approver
):
    with pytest.raises(NotPermitted):
        engine.redactions.redact(
            users[requester], users[approver], case.reference, ["child_ref"], "why"
        )
    assert engine.audit.verify().ok
