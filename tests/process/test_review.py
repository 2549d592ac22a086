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
    s.complete(
        "Hold the first SCR Panel meeting", as_="panelchair", **journey.NO_REQUESTS
    )
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
    s.complete(FIRST_MEETING, as_="panelchair", **journey.NO_REQUESTS)
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
    [mail, *_] = [n for n in s.notifications() if n.template == "draft_overview_report"]
    assert "circulated a draft overview report on 1 June 2026." in mail.body
    assert MEETING not in s.open_tasks()
    s.move_to(london(date(2026, 6, 9)))  # five working days later: 2, 3, 4, 5, 8 June
    sections = ["introduction", "facts", "analysis", "conclusions"]
    s.complete(
        MEETING,
        as_="panelchair",
        final_draft_agreed="yes",
        draft_sections_covered=sections,
        **journey.NO_REQUESTS,
    )
    assert s.data["draft_sections_covered"] == sections
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
        **journey.NO_REQUESTS,
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
    s.complete(
        MEETING, as_="panelchair", final_draft_agreed="no", **journey.NO_REQUESTS
    )
    journey.circulate_draft(s, date(2026, 6, 15))
    s.move_to(london(date(2026, 6, 23)))
    s.complete(
        MEETING, as_="panelchair", final_draft_agreed="yes", **journey.NO_REQUESTS
    )
    s.assert_offered(
        "Finalise the overview report and action plan for the Board", to=["panelchair"]
    )
    assert s.escalations() == []
    s.assert_records_intact()


def test_a_panel_meeting_changes_the_terms_of_reference_with_the_board_and_asks_agencies(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_review(s)
    s.move_to(london(date(2026, 4, 28)))
    s.complete(
        FIRST_MEETING,
        as_="panelchair",
        tor_change_proposed="yes",
        tor_changes="Extend the period under review back to the birth of the sibling.",
        further_information_needed="no",
    )
    change = "Record the Board's decision on changing the terms of reference"
    task = s.assert_offered(change, to=["chair"], not_to=["panelchair"])
    shown = s.engine.tasks.open(s.users["chair"], task.id).values
    assert shown["tor_changes"].startswith("Extend the period under review")
    assert s.open_tasks() == [change]  # the review keeps to the approved terms
    s.move_to(london(date(2026, 5, 6)))
    s.complete(change, as_="chair", tor_change_approved="yes")
    assert s.data["tor_change_decided_on"] == "2026-05-06"
    s.complete(
        "Involve the family in the review", as_="panelchair", family_contributes="no"
    )
    s.complete(LEARNING_EVENTS, as_="reviewer", learning_event_record_checked="yes")
    journey.circulate_draft(s, date(2026, 6, 1))
    s.move_to(london(date(2026, 6, 9)))
    s.complete(
        MEETING,
        as_="panelchair",
        final_draft_agreed="no",
        tor_change_proposed="no",
        further_information_needed="yes",
        further_information_agencies=["police", "education"],
        further_information_request="The school's attendance records for 2025.",
    )
    give = "Give the SCR Panel the further information it asked for"
    s.assert_offered(give, to=["police_manager"], of_agency="police")
    s.assert_offered(give, to=["education_manager"], of_agency="education")
    assert "Write and circulate the draft overview report" not in s.open_tasks()
    s.complete(give, as_="police_manager")
    s.complete(give, as_="education_manager")
    s.assert_offered("Write and circulate the draft overview report", to=["reviewer"])
    steps = [step.name for step in s.view().completed_steps]
    assert steps.count(change) == 1  # nothing to approve after the second meeting
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
        s.deliver("parallel_proceedings_concluded", as_="bqam")
    with pytest.raises(NotPermitted):
        s.deliver("parallel_proceedings_started", as_="reviewer")
    with pytest.raises(
        NotPermitted
    ):  # a legal adviser who takes no part in this review yet
        s.deliver("parallel_proceedings_started", as_="legal")
    s.record(
        "parallel_proceedings_started", as_="bqam", on="2026-04-27", note="A trial."
    )
    assert s.data["parallel_proceedings_started"]["note"] == "A trial."
    s.engine.case_teams.change(
        s.users["bqam"], s.reference, "legal_adviser", "legal", "Advice on the trial."
    )
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
    s.record("parallel_proceedings_concluded", as_="legal", on="2026-05-11")
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


def test_a_second_set_of_proceedings_is_registered_while_the_first_goes_on(
    scenario: Scenario,
):
    """Camunda 7 keeps a non-interrupting boundary event listening while its activity runs: a
    coroner's inquest after a criminal trial gets its own planning with the Panel Chair."""
    s = scenario
    _up_to_the_review(s)
    s.move_to(london(date(2026, 4, 27)))
    s.record("parallel_proceedings_started", as_="bqam", on="2026-04-27", note="Trial")
    s.complete(
        AGREE_WORKING,
        as_="panelchair",
        proceedings_type="criminal",
        staff_interviews_deferred="The two officers who are witnesses.",
    )
    s.move_to(london(date(2026, 4, 29)))
    s.record(
        "parallel_proceedings_started",
        as_="panelchair",
        on="2026-04-29",
        note="Inquest",
    )
    s.assert_offered(AGREE_WORKING, to=["panelchair"])
    assert s.data["parallel_proceedings_started"]["note"] == "Inquest"
    s.complete(
        AGREE_WORKING,
        as_="panelchair",
        proceedings_type="coroner",
        staff_interviews_deferred="None.",
    )
    agreed = [
        step
        for step in s.view().completed_steps
        if step.name == AGREE_WORKING and step.completed_by == "Patrick Chen"
    ]
    assert len(agreed) == 2
    s.assert_records_intact()


PROPOSE = "Propose an extension of the review timescale"
AGREE_AS_PANEL_CHAIR = "Agree the extension of the review timescale as Panel Chair"
AGREE_AS_CHAIR = "Agree the extension of the review timescale as Independent Chair"
EXTENSION_TOLD = sorted(
    ["panelchair", "health_panel", "police_panel", "reviewer", "bqam"]
)


def agree_extension(s: Scenario, to: str, as_: str = "bqam") -> None:
    """§4.3 A: asked for by the BQAM or the Panel Chair; the three named people each agree."""
    s.deliver("review_extension_requested", as_=as_)
    s.assert_offered(PROPOSE, to=["bqam"], not_to=["chair", "panelchair"])
    s.complete(
        PROPOSE,
        as_="bqam",
        review_extended_to=to,
        review_extension_reason="The criminal trial delays the staff interviews.",
        extension_agreed_by_bqam="yes",
    )
    s.assert_offered(AGREE_AS_PANEL_CHAIR, to=["panelchair"], not_to=["bqam"])
    s.assert_offered(AGREE_AS_CHAIR, to=["chair"], not_to=["bqam"])
    s.complete(
        AGREE_AS_PANEL_CHAIR, as_="panelchair", extension_agreed_by_panel_chair="yes"
    )
    s.complete(AGREE_AS_CHAIR, as_="chair", extension_agreed_by_independent_chair="yes")


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
    assert "six months" in s.escalations()[-1]
    assert WRITE_DRAFT in s.open_tasks()  # the review goes on
    s.move_to(london(date(2026, 9, 28)))
    agree_extension(s, to="2026-11-30")
    assert s.new_notifications() == {"review_extension_agreed": EXTENSION_TOLD}
    assert s.data["review_due"].startswith(
        "2026-11-30"
    )  # the agreed date is the target
    assert s.open_tasks() == [
        WRITE_DRAFT
    ]  # no box to tick: the Board's approval ends the clock
    s.move_to(end_of(date(2026, 11, 30)))
    assert s.new_notifications() == {}
    s.move_to(london(date(2026, 12, 1), 0, 0, 0))
    assert s.new_notifications() == {"deadline_missed": ["bqam", "chair"]}
    assert "extended date" in s.escalations()[-1]
    assert s.open_tasks() == [WRITE_DRAFT]
    s.assert_records_intact()


def test_an_extension_agreed_before_the_target_moves_it_and_can_be_agreed_again(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_review(s)
    s.move_to(london(date(2026, 9, 1)))
    agree_extension(s, to="2026-10-30", as_="panelchair")
    assert s.new_notifications() == {"review_extension_agreed": EXTENSION_TOLD}
    s.move_to(london(date(2026, 9, 26), 0, 0, 0))  # the old target has passed: nothing
    assert s.new_notifications() == {}
    s.move_to(london(date(2026, 10, 20)))
    agree_extension(s, to="2026-12-18")
    s.move_to(london(date(2026, 10, 31)))
    assert s.new_notifications() == {"review_extension_agreed": EXTENSION_TOLD}
    s.move_to(end_of(date(2026, 12, 18)))
    assert s.escalations() == []
    s.move_to(london(date(2026, 12, 19)))
    assert s.new_notifications() == {"deadline_missed": ["bqam", "chair"]}


def test_an_extension_one_of_the_three_refuses_leaves_the_target_as_it_was(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_review(s)
    s.move_to(london(date(2026, 9, 1)))
    s.deliver("review_extension_requested", as_="bqam")
    s.complete(
        PROPOSE,
        as_="bqam",
        review_extended_to="2026-12-18",
        extension_agreed_by_bqam="yes",
    )
    s.complete(
        AGREE_AS_PANEL_CHAIR, as_="panelchair", extension_agreed_by_panel_chair="yes"
    )
    s.complete(AGREE_AS_CHAIR, as_="chair", extension_agreed_by_independent_chair="no")
    assert s.new_notifications() == {}
    assert s.data["review_due"].startswith("2026-09-25")
    s.move_to(london(date(2026, 9, 26)))
    assert s.new_notifications() == {"deadline_missed": ["bqam", "chair"]}


def test_the_six_month_clock_runs_from_the_decision_through_the_agency_reports(
    scenario: Scenario,
):
    s = scenario
    journey.through(s, "panel_setup")
    s.move_to(london(date(2026, 9, 26)))  # agency reports still not in
    assert s.new_notifications()["deadline_missed"] == ["bqam", "chair"]
    assert "six months" in s.escalations()[-1]


def test_the_board_approving_while_an_extension_is_being_agreed_ends_the_clock(
    scenario: Scenario,
):
    """The extension has nothing left to extend: its tasks go and the case still completes."""
    s = scenario
    journey.through(s, "review")
    s.move_to(london(date(2026, 6, 11)))
    s.deliver("review_extension_requested", as_="panelchair")
    s.complete(
        PROPOSE,
        as_="bqam",
        review_extended_to="2026-12-18",
        review_extension_reason="The Board may want further work.",
        extension_agreed_by_bqam="yes",
    )
    s.complete(
        AGREE_AS_PANEL_CHAIR, as_="panelchair", extension_agreed_by_panel_chair="yes"
    )
    assert AGREE_AS_CHAIR in s.open_tasks()
    journey.approval(s)
    assert AGREE_AS_CHAIR not in s.open_tasks()
    assert s.offered_to(AGREE_AS_CHAIR) == []
    assert s.data["review_due"].startswith("2026-09-25")  # never extended
    with pytest.raises(NotFound):  # no clock left to extend
        s.deliver("review_extension_requested", as_="panelchair")
    journey.publication(s)
    s.move_to(london(date(2026, 9, 26)))
    assert s.escalations() == []  # the Board approved in time: no clock left to run
    journey.learning(s)
    journey.a_year_on_the_website(s)
    assert s.view().summary.status == "completed"
    s.assert_records_intact()


def test_an_extension_agreed_during_panel_set_up_survives_the_phases_after_it(
    scenario: Scenario,
):
    """One source for the target: no phase sets `review_due` again when it returns."""
    s = scenario
    journey.through(s, "chair_decides")
    assert s.data["review_due"].startswith("2026-09-25")
    s.deliver("review_extension_requested", as_="bqam")
    s.complete(
        PROPOSE,
        as_="bqam",
        review_extended_to="2026-12-18",
        review_extension_reason="The criminal trial delays the staff interviews.",
        extension_agreed_by_bqam="yes",
    )
    # this review has no Panel Chair yet: their answer waits for the one the set-up appoints
    assert s.offered_to(AGREE_AS_PANEL_CHAIR) == []
    assert AGREE_AS_PANEL_CHAIR in s.open_tasks()
    s.complete(AGREE_AS_CHAIR, as_="chair", extension_agreed_by_independent_chair="yes")
    journey.panel_setup(s)
    s.complete(
        AGREE_AS_PANEL_CHAIR, as_="panelchair", extension_agreed_by_panel_chair="yes"
    )
    journey.agency_reports(s)
    journey.review(s)
    assert s.data["review_due"].startswith("2026-12-18")
    s.move_to(london(date(2026, 9, 26)))
    assert s.escalations() == []
