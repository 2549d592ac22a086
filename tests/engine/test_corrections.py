"""Corrections (issue 15): the person who completed a task, or the BQAM, corrects an answer with a reason;
both values are in the record, the case's data follows, replay still gives the stored state, and an
answer that already chose the path is refused with the steps it decided."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import CorrectionRefused
from engine import Engine
from engine import FormInvalid
from engine import NotFound
from engine import NotPermitted
from engine import UserInfo
from engine.process import corrections as workflow_corrections
from tests.engine.helpers import only_task

DIAGRAM = Path(__file__).parent / "diagrams" / "corrections" / "corrections.bpmn"
MEETING = "Record the strategy meeting"


def start_meeting(
    engine: Engine, users: dict[str, UserInfo], review_needed: str = "yes"
) -> tuple[str, str]:
    """A case whose meeting was recorded by the secretariat: (case reference, the task's id)."""
    engine.deployments.deploy(
        users["owner"], {"corrections.bpmn": DIAGRAM.read_bytes()}
    )
    case = engine.cases.start(users["bqam"], "Process_corrections", {"case_title": "A"})
    task = only_task(engine, users["secretariat"], MEETING)
    engine.tasks.complete(
        users["secretariat"],
        task.id,
        {
            "meeting_date": "2026-03-03",
            "attended": "Police, health",
            "review_needed": review_needed,
        },
    )
    return case.reference, task.id


def timeline_entry(engine: Engine, users: dict[str, UserInfo], ref: str, type_: str):
    entries = [
        e for e in engine.timeline.of_case(users["auditor"], ref) if e.type == type_
    ]
    assert len(entries) == 1, entries
    return entries[0]


def test_a_corrected_date_shows_both_values_and_the_reason_and_verify_stays_green(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    reference, task_id = start_meeting(engine, users)
    done = engine.corrections.correct(
        users["secretariat"],
        task_id,
        "meeting_date",
        {
            "meeting_date-day": "5",
            "meeting_date-month": "3",
            "meeting_date-year": "2026",
        },
        "The meeting was moved to Thursday.",
    )
    assert (done.before, done.after, done.record_only) == (
        "3 March 2026",
        "5 March 2026",
        False,
    )
    corrected = timeline_entry(engine, users, reference, "task_answer_corrected")
    assert corrected.summary == f"corrected “Date of the meeting” in “{MEETING}”"
    assert dict(corrected.details) == {
        "Before": "3 March 2026",
        "After": "5 March 2026",
        "Reason": "The meeting was moved to Thursday.",
    }
    original = timeline_entry(engine, users, reference, "task_completed")
    assert ("Date of the meeting", "3 March 2026") in original.details
    assert engine.cases.view(users["bqam"], reference).data["meeting_date"] == (
        "2026-03-05"
    )
    assert engine.audit.verify().ok
    # The next step sees the corrected date, and the case still verifies once it has moved on.
    review = only_task(engine, users["bqam"], "Review the meeting's outcome")
    assert engine.tasks.open(users["bqam"], review.id).values["outcome"] is None
    engine.tasks.complete(users["bqam"], review.id, {"outcome": "Fine"})
    assert engine.cases.view(users["bqam"], reference).data["meeting_date"] == (
        "2026-03-05"
    )
    assert engine.audit.verify().ok


def test_a_correction_of_a_correction_starts_from_the_corrected_value(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    reference, task_id = start_meeting(engine, users)
    engine.corrections.correct(
        users["secretariat"], task_id, "attended", "Police", "Health sent apologies."
    )
    done = engine.corrections.correct(
        users["bqam"], task_id, "attended", "Police, education", "Education came late."
    )
    assert (done.before, done.after) == ("Police", "Police, education")
    preview = engine.corrections.preview(users["bqam"], task_id)
    shown = {a.field.id: a.shown for a in preview.answers}
    assert shown["attended"] == "Police, education"
    assert engine.audit.verify().ok


def test_a_routing_answer_is_refused_naming_the_step_it_decided(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    reference, task_id = start_meeting(engine, users)
    before = len(engine.cases.history(users["bqam"], reference))
    with pytest.raises(CorrectionRefused) as refused:
        engine.corrections.correct(
            users["secretariat"], task_id, "review_needed", "no", "Typed the wrong one."
        )
    assert refused.value.affected == ("Review needed?",)
    assert "used to choose the path at “Review needed?”" in str(refused.value)
    assert "Ask the Business and Quality Assurance Manager" in str(refused.value)
    assert len(engine.cases.history(users["bqam"], reference)) == before
    preview = engine.corrections.preview(users["secretariat"], task_id)
    answers = {a.field.id: a for a in preview.answers}
    assert answers["review_needed"].correctable is False
    assert answers["review_needed"].affected == ("Review needed?",)
    assert answers["meeting_date"].correctable and answers["attended"].correctable
    assert preview.may_correct_record_only is False


def test_the_bqam_corrects_a_routing_answer_in_the_record_only(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    reference, task_id = start_meeting(engine, users)
    with pytest.raises(NotPermitted):
        engine.corrections.correct(
            users["secretariat"], task_id, "review_needed", "no", "Wrong", True
        )
    done = engine.corrections.correct(
        users["bqam"], task_id, "review_needed", "no", "Wrong option chosen.", True
    )
    assert done.record_only and done.affected == ("Review needed?",)
    corrected = timeline_entry(engine, users, reference, "task_answer_corrected")
    details = dict(corrected.details)
    assert details["Before"] == "Yes, a review is needed"
    assert details["After"] == "No review is needed"
    assert details["Note"].startswith(
        "Record corrected; the path taken was not changed"
    )
    # The path stays: the review is still waiting.
    only_task(engine, users["bqam"], "Review the meeting's outcome")
    assert engine.audit.verify().ok


def test_nobody_else_may_correct_and_an_auditor_may_not(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    _reference, task_id = start_meeting(engine, users)
    # The Chair and auditors see the case; somebody outside it is told there is no such task.
    refusals = {"chair": NotPermitted, "auditor": NotPermitted, "committee": NotFound}
    for name, error in refusals.items():
        with pytest.raises(error):
            engine.corrections.correct(
                users[name], task_id, "meeting_date", "2026-03-04", "Typo"
            )
        with pytest.raises(error):
            engine.corrections.preview(users[name], task_id)


def test_a_new_value_is_checked_by_the_fields_rules_and_a_reason_is_needed(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    _reference, task_id = start_meeting(engine, users)
    with pytest.raises(FormInvalid) as invalid:
        engine.corrections.correct(
            users["secretariat"], task_id, "meeting_date", "2026-02-31", " "
        )
    assert set(invalid.value.errors) == {"meeting_date", "reason"}
    with pytest.raises(FormInvalid) as same:
        engine.corrections.correct(
            users["secretariat"], task_id, "meeting_date", "2026-03-03", "Typo"
        )
    assert "different" in same.value.errors["meeting_date"]


def test_a_completed_case_may_not_be_corrected(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    reference, task_id = start_meeting(engine, users, review_needed="no")
    close = only_task(engine, users["bqam"], "Close the record")
    engine.tasks.complete(users["bqam"], close.id, {"closing_note": "Done"})
    assert engine.cases.view(users["bqam"], reference).summary.status == "completed"
    with pytest.raises(NotPermitted) as refused:
        engine.corrections.correct(
            users["bqam"], task_id, "meeting_date", "2026-03-04", "Typo"
        )
    assert "closed" in str(refused.value)


def test_names_read_finds_data_names_not_words_in_text() -> None:
    assert workflow_corrections.names_read('${review_needed == "yes"}') == {
        "review_needed"
    }
    assert workflow_corrections.names_read("${working_days(5)}") == set()
    assert workflow_corrections.names_read("P10D") == set()
    assert workflow_corrections.names_read("${a && !empty(b)}") >= {"a", "b"}


def test_an_answer_read_after_a_called_process_ends_is_refused_with_those_steps(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    called = DIAGRAM.parent / "called.bpmn"
    engine.deployments.deploy(users["owner"], {"called.bpmn": called.read_bytes()})
    case = engine.cases.start(
        users["bqam"], "Process_correction_parent", {"case_title": "Plan"}
    )
    task = only_task(engine, users["secretariat"], "Agree the plan")
    values = {"plan_date": "2026-06-01", "urgent": "no", "plan_note": "Draft"}
    engine.tasks.complete(users["secretariat"], task.id, values)
    only_task(engine, users["bqam"], "Follow up the plan")
    secretary = users["secretariat"]
    for field_id, value, step in (
        ("urgent", "yes", "Urgent?"),
        ("plan_date", "2026-06-02", "Follow up the plan"),
    ):
        with pytest.raises(CorrectionRefused) as refused:
            engine.corrections.correct(secretary, task.id, field_id, value, "Typo")
        assert refused.value.affected == (step,)
    engine.corrections.correct(secretary, task.id, "plan_note", "Final", "Typo")
    engine.corrections.correct(
        users["bqam"], task.id, "plan_date", "2026-06-02", "Typo", record_only=True
    )
    data = engine.cases.view(users["bqam"], case.reference).data
    assert (data["plan_note"], data["plan_date"]) == ("Final", "2026-06-02")
    assert engine.audit.verify().ok
