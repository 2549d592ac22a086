"""The Independent Chair's Yes / No / Inconclusive (seed 002 §3.4, Appendix 5) and what follows a No."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

from tests.process import journey
from tests.process.marks import branch_test
from tests.process.scenario import Scenario
from tests.process.scenario import end_of
from tests.process.scenario import london

pytestmark = branch_test

DECIDE = "Decide whether the criteria are met and what the Board commissions"
CLOSE_ALTERNATIVE = "Record the alternative review's findings and close it"
PEER_REVIEW = "Record the peer review with another LSCB Chair"
EXPLAIN = "Prepare the explanation for the National Panel"
LESSONS = "Send the single-agency lessons to the agencies concerned"
SIN = {"serious_incident_notification": ("sin.pdf", b"%PDF-1.4 notification")}
ADDRESS_LESSONS = "Address the lessons for West Yorkshire Police"


def _up_to_the_chair(s: Scenario, outcome: str = "criteria_met", **start) -> None:
    journey.notification(s, **start)
    journey.information_gathering(s)
    journey.committee_assesses(s)
    journey.committee_recommends(s, outcome)
    s.new_notifications()  # what those phases sent is checked in their own tests


def test_chair_yes_commissions_the_review_and_tells_the_national_panel_ofsted_and_dfe(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_chair(s)
    journey.chair_decides(s, "yes", chair_guidance_to_panel="Consider SILP.")
    assert s.new_notifications() == {
        "chair_decision": ["bqam", "committee", "subgroup"],
        "national_panel_scr_decision": ["contact:national_panel"],
        "ofsted_scr_decision": ["contact:ofsted"],
        "dfe_scr_decision": ["contact:dfe"],
    }
    # §3.3: the Chair of the Case Review Sub Group is given the decision and its reasons in writing
    [to_sub_group] = [
        n
        for n in s.notifications()
        if n.template == "chair_decision" and n.address.startswith("subgroup@")
    ]
    assert "The Board commissions: a Serious Case Review" in to_sub_group.body
    assert f"Rationale:\n{s.data['chair_rationale']}" in to_sub_group.body
    journey.panel_setup(s)
    advised = ("sub_group", "national_panel", "ofsted", "dfe")
    assert {s.data[f"{body}_advised_on"] for body in advised} == {"2026-03-25"}
    s.assert_records_intact()


def test_a_late_decision_escalates_after_five_working_days_and_again_at_one_month(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_chair(s)
    task = s.assert_offered(DECIDE, to=["chair"])
    # sent Mon 23 March; five working days end on Mon 30 March, in British Summer Time
    assert task.due_at == datetime(2026, 3, 30, 22, 59, 59, tzinfo=UTC)
    form = s.engine.tasks.open(s.users["chair"], task.id)
    assert form.values["chair_decision_due"].startswith("2026-03-30")
    assert form.values["national_panel_due"].startswith("2026-04-02")  # Appendix 5
    s.assert_escalates_after(end_of(date(2026, 3, 30)), still_open=DECIDE)
    s.assert_escalates_after(end_of(date(2026, 4, 2)), still_open=DECIDE)
    assert len(s.escalations()) == 2
    journey.chair_decides(s, "yes", day=date(2026, 4, 3))
    assert "chair_decision" in s.new_notifications()
    s.assert_records_intact()


def test_the_month_to_tell_the_national_panel_runs_over_the_peer_review_and_escalates_once(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_chair(s)
    s.move_to(london(date(2026, 4, 1)))  # after the five working days (escalated)
    s.complete(DECIDE, as_="chair", scr_criteria_met="yes", scr_decision="yes")
    assert len(s.escalations()) == 1
    s.new_notifications()
    # the decision is made, but the National Panel is not told until it stands
    s.assert_escalates_after(end_of(date(2026, 4, 2)), still_open=PEER_REVIEW)
    s.move_to(london(date(2026, 4, 6)))
    s.complete(
        PEER_REVIEW,
        as_="chair",
        peer_review_source="Chair of a neighbouring LSCB",
        decision_confirmed="no",
    )
    s.complete(DECIDE, as_="chair", scr_criteria_met="yes", scr_decision="yes")
    s.complete(PEER_REVIEW, as_="chair", decision_confirmed="yes")
    # back to the decision after both deadlines passed: neither escalates again
    assert s.escalations() == [
        "Independent Chair's decision within five working days of the recommendation"
        " (the Calderdale framework §3.4)",
        "National Panel and Ofsted told of the decision within one month of the"
        " notification (the Calderdale framework §3.2, Appendix 5)",
    ]
    assert s.new_notifications()["national_panel_scr_decision"] == [
        "contact:national_panel"
    ]
    assert s.data["national_panel_advised_on"] == "2026-04-06"
    s.assert_records_intact()


def test_dissent_is_put_before_the_chair_and_the_peer_review_can_send_the_decision_back(
    scenario: Scenario,
):
    s = scenario
    journey.notification(s)
    journey.information_gathering(s)
    journey.committee_assesses(s)
    journey.committee_recommends(
        s, "criteria_met", dissent="The health member thinks a SILP is enough."
    )
    s.new_notifications()  # what those phases sent is checked in their own tests
    form = s.engine.tasks.open(s.users["chair"], s.task(DECIDE, "chair").id)
    assert form.values["committee_dissent"] is True
    assert form.values["committee_dissent_detail"] == (
        "The health member thinks a SILP is enough."
    )
    s.move_to(london(date(2026, 3, 25)))
    s.complete(
        DECIDE,
        as_="chair",
        scr_criteria_met="yes",
        scr_decision="alternative_review",
        dissent_consideration="Met the health member on 24 March.",
        alternative_learning_methodology="silp",
    )
    s.assert_offered(PEER_REVIEW, to=["chair"])
    s.complete(
        PEER_REVIEW,
        as_="chair",
        peer_review_source="Chair of a neighbouring LSCB",
        decision_confirmed="no",
    )
    assert s.new_notifications() == {}  # nobody is told a decision that does not stand
    s.assert_offered(DECIDE, to=["chair"])
    s.complete(
        DECIDE,
        as_="chair",
        scr_criteria_met="yes",
        scr_decision="yes",
        chair_decided_on="2026-03-26",
    )
    s.complete(PEER_REVIEW, as_="chair", decision_confirmed="yes")
    assert s.new_notifications()["chair_decision"] == ["bqam", "committee", "subgroup"]
    assert s.data["scr_decision"] == "yes"
    assert s.data["dissent_consideration"] == "Met the health member on 24 March."
    s.assert_offered("Establish the SCR Panel and nominate its chair", to=["bqam"])
    s.assert_records_intact()


def test_chair_inconclusive_sends_the_case_back_to_the_committee(scenario: Scenario):
    s = scenario
    _up_to_the_chair(s)
    journey.chair_decides(s, "inconclusive", chair_enquiries="Ask for the GP records.")
    assert s.new_notifications() == {
        "chair_decision": ["bqam", "committee", "subgroup"],
        # the Committee sits again after its three weeks (23 March): escalated at once
        "deadline_missed": ["bqam", "chair"],
    }
    s.assert_offered("Assess the case against the SCR criteria", to=["committee"])
    s.move_to(london(date(2026, 3, 27)))
    s.complete(
        "Assess the case against the SCR criteria",
        as_="committee",
        incident_type="death",
        abuse_or_neglect="known",
        concern_about_joint_working="yes",
        died_in_custody="no",
    )
    journey.committee_recommends(s, "criteria_met")
    task = s.assert_offered(DECIDE, to=["chair"])
    # five working days from Fri 27 March: 30, 31 March, 1, 2 April, then Easter, 7 April
    assert task.due_at == end_of(date(2026, 4, 7))
    s.move_to(london(date(2026, 3, 30)))
    s.complete(DECIDE, as_="chair", scr_criteria_met="yes", scr_decision="yes")
    s.complete(PEER_REVIEW, as_="chair", decision_confirmed="yes")
    assert "national_panel_scr_decision" in s.new_notifications()
    s.assert_records_intact()


def test_chair_no_tells_the_national_panel_and_ofsted_in_time_and_sets_off_review_lessons_and_cdop(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_chair(s, "criteria_not_met")
    journey.chair_decides(
        s,
        "alternative_review",
        alternative_learning_methodology="learning_review",
        chair_rationale="Agencies worked well together; learning review instead.",
    )
    assert s.new_notifications() == {
        "chair_decision": ["bqam", "committee", "subgroup"]
    }
    explain = s.assert_offered(EXPLAIN, to=["bqam"])
    # 14 days after Wed 25 March is 8 April, but a month from the notification of
    # 2 March comes first: the National Panel is told by Thursday 2 April
    assert explain.due_at == end_of(date(2026, 4, 2))
    form = s.engine.tasks.open(s.users["bqam"], explain.id)
    assert form.values["chair_rationale"] == (
        "Agencies worked well together; learning review instead."
    )
    missed = s.assert_escalates_after(end_of(date(2026, 4, 2)), still_open=EXPLAIN)
    assert "within 14 days of it and one month of the notification" in missed
    s.move_to(london(date(2026, 4, 9)))
    s.complete(
        EXPLAIN,
        as_="bqam",
        files={"serious_incident_notification": ("sin.txt", b"Notification.")},
    )
    assert s.new_notifications() == {
        "national_panel_no_scr": ["contact:national_panel"],
        "ofsted_no_scr": ["contact:ofsted"],
    }
    advised = (s.data["national_panel_advised_on"], s.data["ofsted_advised_on"])
    assert advised == ("2026-04-09", "2026-04-09")
    [panel_mail] = [
        n for n in s.notifications() if n.template == "national_panel_no_scr"
    ]
    assert panel_mail.attachments == ("sin.txt",)  # the notification goes with it
    assert "Serious Incident Notification is attached (sin.txt)" in panel_mail.body
    [ofsted_mail] = [n for n in s.notifications() if n.template == "ofsted_no_scr"]
    assert "What the Board commissions instead: an alternative review" in (
        ofsted_mail.body
    )
    assert sorted(s.open_tasks()) == sorted(
        [
            "Commission the alternative review",
            "Refer the case to the Child Death Overview Panel",
            LESSONS,
        ]
    )
    s.assert_offered("Commission the alternative review", to=["bqam"])
    s.assert_offered("Refer the case to the Child Death Overview Panel", to=["bqam"])
    s.assert_offered(LESSONS, to=["committee"])
    form = s.engine.tasks.open(
        s.users["bqam"], s.task("Commission the alternative review", "bqam").id
    )
    assert form.values["alternative_learning_methodology"] == "learning_review"
    s.complete(
        "Commission the alternative review",
        as_="bqam",
        alternative_learning_methodology="learning_review",
    )
    s.complete("Refer the case to the Child Death Overview Panel", as_="bqam")
    s.complete(LESSONS, as_="committee", single_agency_lessons_agencies=["police"])
    s.assert_offered(
        ADDRESS_LESSONS,
        to=["police_manager"],
        not_to=["health_manager", "police_author"],
    )
    s.complete(ADDRESS_LESSONS, as_="police_manager")
    assert s.open_tasks() == [CLOSE_ALTERNATIVE]  # not closed until the review reports
    s.move_to(london(date(2026, 9, 14)))
    s.assert_offered(CLOSE_ALTERNATIVE, to=["bqam"])
    s.complete(CLOSE_ALTERNATIVE, as_="bqam")
    case = s.view()
    assert case.summary.status == "completed"
    assert "Call_panel_setup" not in case.done_elements
    s.assert_records_intact()


def test_chair_no_for_a_child_who_survived_has_no_cdop_referral(scenario: Scenario):
    s = scenario
    _up_to_the_chair(s, "criteria_not_met", incident_type="serious_harm")
    journey.chair_decides(s, "no")
    s.complete(EXPLAIN, as_="bqam", files=SIN)
    assert s.open_tasks() == [LESSONS]  # no alternative review, no CDOP
    s.complete(LESSONS, as_="committee", single_agency_lessons_agencies=[])
    assert s.view().summary.status == "completed"
    s.assert_records_intact()


def test_a_discretionary_scr_records_that_the_criteria_are_not_met(scenario: Scenario):
    """The Board may commission an SCR where the criteria are not met, and the record says so."""
    s = scenario
    _up_to_the_chair(s, "criteria_not_met")
    journey.chair_decides(
        s, "yes", scr_criteria_met="no", chair_rationale="Significant learning."
    )
    assert (s.data["scr_criteria_met"], s.data["scr_decision"]) == ("no", "yes")
    s.assert_offered("Establish the SCR Panel and nominate its chair", to=["bqam"])


def test_learning_from_good_practice_is_commissioned_followed_up_and_closed(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_chair(s, "criteria_not_met", incident_type="serious_harm")
    journey.chair_decides(
        s,
        "good_practice",
        alternative_learning_methodology="scie_learning_together",
    )
    s.complete(EXPLAIN, as_="bqam", files=SIN)
    s.complete(LESSONS, as_="committee", single_agency_lessons_agencies=[])
    s.complete(
        "Commission the alternative review",
        as_="bqam",
        alternative_review_scope="What went well in the joint working.",
    )
    assert s.view().summary.status == "active"
    s.complete(
        CLOSE_ALTERNATIVE,
        as_="bqam",
        alternative_review_findings="Early help and police shared information well.",
    )
    assert s.view().summary.status == "completed"
    s.assert_records_intact()


def test_the_decision_mail_shows_words_and_long_dates_not_codes(scenario: Scenario):
    s = scenario
    _up_to_the_chair(s, "criteria_not_met")
    journey.chair_decides(s, "yes", scr_criteria_met="no")
    [mail] = [
        n
        for n in s.notifications()
        if n.template == "chair_decision" and n.address.startswith("bqam")
    ]
    assert "Criteria for a Serious Case Review met: No" in mail.body
    assert "The Board commissions: a Serious Case Review" in mail.body
    assert "Date of the decision: 25 March 2026" in mail.body
    assert "2026-03-25" not in mail.body
