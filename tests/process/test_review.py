"""The review (seed 002 §4.3, §5, §8.3): drafts and Panel meetings, parallel proceedings, six months."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from engine.errors import NotFound
from engine.errors import NotPermitted
from tests.process import journey
from tests.process.marks import branch_test
from tests.process.scenario import Scenario
from tests.process.scenario import end_of
from tests.process.scenario import london

pytestmark = branch_test

MEETING = journey.MEETING_ON_DRAFT
WRITE_DRAFT = "Write and circulate the draft overview report"
AGREE_WORKING = "Agree with the police and CPS what the review can do meanwhile"
RESUME = "Resume the parts of the review that waited"
FIRST_MEETING = "Hold the first SCR Panel meeting"
LEARNING_EVENTS = "Run the practitioner learning events or structured conversations"
FINALISE = "Finalise the overview report and action plan for the Board"


def _up_to_the_review(s: Scenario) -> None:
    journey.through(s, "agency_reports")
    s.new_notifications()  # what those phases sent is checked in their own tests


def _first_meeting_and_learning(s: Scenario) -> None:
    s.move_to(london(date(2026, 4, 28)))
    s.complete("Hold the first SCR Panel meeting", as_="panelchair")
    s.complete(
        "Involve the family in the review", as_="panelchair", family_contributes="no"
    )
    s.complete(
        "Run the practitioner learning events or structured conversations",
        as_="reviewer",
        learning_event_record_checked="yes",
    )


def test_the_panel_meets_hears_the_family_and_practitioners_and_agrees_a_draft_five_working_days_after_it_goes_out(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_review(s)
    s.move_to(london(date(2026, 4, 28)))
    s.assert_offered(FIRST_MEETING, to=journey.PANEL)
    s.complete(FIRST_MEETING, as_="panelchair")
    s.move_to(london(date(2026, 5, 5)))
    s.complete(
        "Involve the family in the review", as_="panelchair", family_contributes="yes"
    )
    s.assert_offered(LEARNING_EVENTS, to=["reviewer"])
    s.complete(LEARNING_EVENTS, as_="reviewer", learning_event_record_checked="yes")
    s.move_to(london(date(2026, 6, 1)))
    s.assert_offered(WRITE_DRAFT, to=["reviewer"])
    s.complete(WRITE_DRAFT, as_="reviewer")
    assert s.new_notifications() == {
        "draft_overview_report": sorted(journey.PANEL + journey.PANEL_MEMBERS)
    }
    assert MEETING not in s.open_tasks()
    s.move_to(london(date(2026, 6, 9)))  # five working days later: 2, 3, 4, 5, 8 June
    s.complete(MEETING, as_="panelchair", final_draft_agreed="yes")
    s.move_to(london(date(2026, 6, 10)))
    s.assert_offered(FINALISE, to=journey.PANEL)
    s.complete(FINALISE, as_="panelchair")
    assert s.new_notifications() == {}  # the Board has it after the legal review
    s.assert_records_intact()


def test_panel_meetings_follow_each_draft_by_five_working_days_until_the_final_draft_is_agreed(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_review(s)
    _first_meeting_and_learning(s)
    journey.circulate_draft(
        s, date(2026, 5, 21)
    )  # Thursday before the Spring bank holiday
    # Fri 22, (Mon 25 May is a bank holiday), Tue 26, Wed 27, Thu 28, Fri 29 May
    s.move_to(end_of(date(2026, 5, 29)))
    assert MEETING not in s.open_tasks()
    s.move_to(datetime(2026, 5, 29, 23, 0, 0, tzinfo=UTC))  # Saturday 00:00 in London
    s.assert_offered(MEETING, to=["panelchair"], not_to=["reviewer", "police_panel"])
    s.move_to(london(date(2026, 6, 1)))
    s.complete(
        MEETING,
        as_="panelchair",
        final_draft_agreed="no",
        draft_changes_required="Say more about the missed health visits.",
    )
    s.assert_offered(WRITE_DRAFT, to=["reviewer"])
    form = s.engine.tasks.open(s.users["reviewer"], s.task(WRITE_DRAFT, "reviewer").id)
    assert form.values["draft_changes_required"] == (
        "Say more about the missed health visits."
    )
    journey.circulate_draft(s, date(2026, 6, 3))
    s.move_to(london(date(2026, 6, 10), 12))  # Thu 4 ... Wed 10 June is the fifth day
    assert MEETING not in s.open_tasks()
    s.move_to(london(date(2026, 6, 11)))
    s.complete(MEETING, as_="panelchair", final_draft_agreed="no")
    journey.circulate_draft(s, date(2026, 6, 15))
    s.move_to(london(date(2026, 6, 23)))
    s.complete(MEETING, as_="panelchair", final_draft_agreed="yes")
    s.assert_offered(
        "Finalise the overview report and action plan for the Board", to=["panelchair"]
    )
    assert s.escalations() == []
    s.assert_records_intact()


def test_parallel_proceedings_let_the_panel_chair_agree_what_waits_and_resume_it_when_they_end(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_review(s)
    s.move_to(london(date(2026, 4, 27)))
    with pytest.raises(
        NotFound
    ):  # nothing waits for the end of proceedings not started
        s.deliver("parallel_proceedings_concluded", as_="legal")
    with pytest.raises(NotPermitted):
        s.deliver("parallel_proceedings_started", as_="reviewer")
    s.deliver("parallel_proceedings_started", as_="bqam", proceedings="criminal trial")
    s.assert_offered(AGREE_WORKING, to=["panelchair"], not_to=["bqam", "legal"])
    assert "Hold the first SCR Panel meeting" in s.open_tasks()  # the review goes on
    s.complete(
        AGREE_WORKING,
        as_="panelchair",
        proceedings_type="criminal",
        staff_interviews_deferred="The two officers who are witnesses.",
    )
    _first_meeting_and_learning(s)
    assert s.open_tasks() == [WRITE_DRAFT]
    s.move_to(london(date(2026, 5, 12)))
    s.deliver("parallel_proceedings_concluded", as_="legal", outcome="verdict")
    s.assert_offered(RESUME, to=["panelchair"])
    s.complete(RESUME, as_="panelchair")
    assert s.open_tasks() == [WRITE_DRAFT]
    done = {(step.name, step.completed_by) for step in s.view().completed_steps}
    assert {(AGREE_WORKING, "Patrick Chen"), (RESUME, "Patrick Chen")} <= done
    messages = [
        e.data["message"]
        for e in s.engine.cases.history(s.users["auditor"], s.reference)
        if e.type == "message_received"
    ]
    assert messages == [
        "parallel_proceedings_started",
        "parallel_proceedings_concluded",
    ]
    s.assert_records_intact()


def test_a_review_not_finished_in_six_months_escalates_and_an_extension_is_agreed(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_review(s)
    _first_meeting_and_learning(s)
    assert s.data["review_due"].startswith("2026-09-25")  # six months after 25 March
    s.move_to(end_of(date(2026, 9, 25)))
    assert s.new_notifications() == {}
    s.move_to(london(date(2026, 9, 26), 0, 0, 0))
    assert s.new_notifications() == {"deadline_missed": ["bqam", "chair"]}
    assert WRITE_DRAFT in s.open_tasks()  # the review goes on
    agree = "Agree an extension of the review timescale with the Panel Chair"
    s.assert_offered(agree, to=["bqam"], not_to=["chair", "panelchair"])
    s.move_to(london(date(2026, 9, 28)))
    s.complete(
        agree,
        as_="bqam",
        review_extended_to="2026-11-30",
        review_extension_reason="The criminal trial delays the staff interviews.",
        extension_agreed_by_panel_chair="yes",
    )
    approve = "Agree the extension of the review timescale"
    s.assert_offered(approve, to=["chair"], not_to=["bqam"])
    s.complete(approve, as_="chair", extension_agreed_by_independent_chair="yes")
    assert s.new_notifications() == {
        "review_extension_agreed": sorted(
            ["panelchair", "health_panel", "police_panel", "reviewer", "bqam"]
        )
    }
    confirm = "Confirm the review was completed within the extended timescale"
    assert sorted(s.open_tasks()) == sorted([WRITE_DRAFT, confirm])
    task = s.assert_offered(confirm, to=["bqam"])
    assert task.due_at == end_of(
        date(2026, 11, 30)
    )  # the agreed date is now the deadline
    s.move_to(end_of(date(2026, 11, 30)))
    assert s.new_notifications() == {}
    s.move_to(london(date(2026, 12, 1), 0, 0, 0))
    assert s.new_notifications() == {"deadline_missed": ["bqam", "chair"]}
    assert "the extended date" in s.escalations()[-1]
    assert (
        confirm in s.open_tasks()
    )  # still to be confirmed, escalated without stopping the work
    s.complete(confirm, as_="bqam", review_completed_on="2026-12-04")
    assert s.open_tasks() == [WRITE_DRAFT]
    s.assert_records_intact()
