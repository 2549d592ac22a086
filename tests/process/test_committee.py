"""The SCR Committee's four outcomes (seed 002 §3.3) and its deadlines."""

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

ASSESS = "Assess the case against the SCR criteria"
RECOMMEND = "Make the Committee's recommendation"
SEND = "Send the recommendation, evidence and minutes to the Independent Chair"
REQUEST = "Request further information and reconvene the Committee"
COLLECT = "Collect the further information for the reconvened Committee"
REASSESS = "Assess the case again with the further information"
DECIDE = "Decide whether the criteria are met and what the Board commissions"


def _up_to_the_committee(s: Scenario) -> None:
    journey.notification(s)
    journey.information_gathering(s)
    s.new_notifications()  # what those phases sent is checked in test_notification.py


def test_criteria_met_the_committee_assesses_within_three_weeks_and_the_chair_has_it_the_next_working_day(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_committee(s)
    task = s.assert_offered(ASSESS, to=["committee"])
    # three weeks after the notification
    assert task.due_at == end_of(date(2026, 3, 23))
    journey.committee_assesses(s)
    assert s.data["scr_criteria_advice"] == "must"
    s.complete(
        RECOMMEND,
        as_="committee",
        committee_met_on="2026-03-23",
        committee_outcome="criteria_met",
        committee_dissent="no",
    )
    task = s.assert_offered(SEND, to=["committee"])
    assert task.due_at == end_of(date(2026, 3, 24))  # the next working day
    s.complete(SEND, as_="committee")
    assert s.new_notifications() == {"committee_recommendation": ["chair"]}
    s.assert_records_intact()


def test_criteria_met_late_committee_escalates_at_three_weeks_and_the_chair_is_told_the_next_working_day_after_easter(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_committee(s)
    s.assert_escalates_after(end_of(date(2026, 3, 23)), still_open=ASSESS)
    journey.committee_assesses(s, day=date(2026, 4, 2))  # Thursday before Good Friday
    s.complete(
        RECOMMEND,
        as_="committee",
        committee_outcome="criteria_met",
        committee_dissent="no",
    )
    task = s.assert_offered(SEND, to=["committee"], not_to=["chair", "bqam"])
    assert task.due_at == datetime(
        2026, 4, 7, 22, 59, 59, tzinfo=UTC
    )  # Tue after Easter
    assert s.new_notifications() == {}
    s.assert_escalates_after(end_of(date(2026, 4, 7)), still_open=SEND)
    s.complete(SEND, as_="committee")
    assert s.new_notifications() == {
        "committee_recommendation": ["chair"],
        # the month to tell the National Panel (2 April) is gone before the Chair has it
        "deadline_missed": ["bqam", "chair"],
    }
    s.assert_offered(DECIDE, to=["chair"], not_to=["committee", "bqam"])
    assert len(s.escalations()) == 3
    s.assert_records_intact()


def test_a_complex_case_brings_the_independent_chair_in_before_the_recommendation(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_committee(s)
    journey.committee_assesses(s)
    s.complete(
        RECOMMEND, as_="committee", committee_outcome="complex", committee_dissent="no"
    )
    assert s.new_notifications() == {"chair_consultation": ["chair"]}
    s.assert_offered(
        "Discuss the complex case with the Committee",
        to=["chair"],
        not_to=["committee"],
    )
    assert SEND not in s.open_tasks()
    s.complete("Discuss the complex case with the Committee", as_="chair")
    s.assert_offered(RECOMMEND, to=["committee"])
    form = s.engine.tasks.open(s.users["committee"], s.task(RECOMMEND, "committee").id)
    assert (
        form.values["scr_criteria_advice"] == "must"
    )  # the table's advice, still shown
    journey.committee_recommends(s, "criteria_met")
    s.assert_offered(DECIDE, to=["chair"])
    s.assert_records_intact()


def test_with_too_little_information_the_committee_asks_board_members_and_reconvenes(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_committee(s)
    journey.committee_assesses(s)
    s.complete(
        RECOMMEND,
        as_="committee",
        committee_outcome="insufficient_information",
        committee_dissent="no",
    )
    assert s.data["committee_minutes"]  # minuted whatever the outcome
    s.assert_offered(REQUEST, to=["secretariat"], not_to=["committee"])
    s.complete(REQUEST, as_="secretariat", committee_meeting_on="2026-03-27")
    assert s.new_notifications() == {"further_information_request": ["board"]}
    s.assert_offered(COLLECT, to=["secretariat"], not_to=["committee"])
    assert REASSESS not in s.open_tasks()
    s.move_to(london(date(2026, 3, 25)))
    s.complete(
        COLLECT,
        as_="secretariat",
        further_information_outstanding="Education has not replied.",
    )
    assert s.new_notifications() == {"further_information_circulated": ["committee"]}
    [mail] = [
        n for n in s.notifications() if n.template == "further_information_circulated"
    ]
    assert "meeting on 27 March 2026" in mail.body
    assert "Education has not replied." in mail.body
    s.assert_offered(REASSESS, to=["committee"])
    s.move_to(london(date(2026, 3, 27), 12))  # after the three weeks of 23 March
    assert s.escalations() == []  # the first assessment was in time
    s.complete(
        REASSESS,
        as_="committee",
        incident_type=s.data["incident_type"],
        abuse_or_neglect="suspected",
        concern_about_joint_working="yes",
        died_in_custody="no",
    )
    journey.committee_recommends(s, "criteria_met")
    assert s.escalations() == []  # the reconvened meeting is not a late one
    s.assert_offered(DECIDE, to=["chair"])
    s.assert_records_intact()


def test_a_late_committee_that_reconvenes_is_escalated_once(scenario: Scenario):
    s = scenario
    _up_to_the_committee(s)
    s.move_to(london(date(2026, 3, 25)))  # the three weeks ended on 23 March
    assert len(s.escalations()) == 1
    journey.committee_assesses(s, day=date(2026, 3, 25))
    s.complete(
        RECOMMEND,
        as_="committee",
        committee_outcome="insufficient_information",
        committee_dissent="no",
    )
    s.complete(REQUEST, as_="secretariat", committee_meeting_on="2026-03-30")
    s.complete(COLLECT, as_="secretariat")
    s.move_to(london(date(2026, 3, 30)))
    s.assert_offered(REASSESS, to=["committee"])
    assert len(s.escalations()) == 1  # reconvening does not escalate again
    s.assert_records_intact()


def test_criteria_not_met_goes_to_the_chair_with_the_minutes_to_agree_or_challenge(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_committee(s)
    journey.committee_assesses(s)
    s.complete(
        RECOMMEND,
        as_="committee",
        committee_outcome="criteria_not_met",
        committee_dissent="no",
        alternative_review_suggested="yes",
    )
    s.complete(SEND, as_="committee")
    assert s.new_notifications() == {"committee_recommendation": ["chair"]}
    form = s.engine.tasks.open(s.users["chair"], s.task(DECIDE, "chair").id)
    assert form.values["committee_recommendation"] == s.data["committee_recommendation"]
    s.assert_records_intact()
