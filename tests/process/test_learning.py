"""Implementing the learning (seed 002 §9): one action per recommendation, monitored until signed off."""

from __future__ import annotations

from datetime import date

from tests.process import journey
from tests.process.marks import branch_test
from tests.process.scenario import Scenario
from tests.process.scenario import end_of
from tests.process.scenario import london

pytestmark = branch_test

PROGRESS = [journey.progress(n) for n in (1, 2, 3)]  # named for their recommendations
SIGN_OFF_PLAN = "Sign off the completed action plan"
REGISTER = "Set up the register of progress against the recommendations"
RECORD = "Record the recommendation and its SMART action"


def _up_to_learning(s: Scenario) -> None:
    journey.through(s, "publication")
    s.new_notifications()  # what those phases sent is checked in their own tests


def test_each_recommendation_gets_one_action_signed_off_and_the_impact_goes_in_the_annual_report(
    scenario: Scenario,
):
    s = scenario
    _up_to_learning(s)
    s.move_to(london(date(2026, 7, 20)))
    s.assert_offered(REGISTER, to=["committee"])
    s.complete(REGISTER, as_="committee", recommendation_count="3")
    assert s.open_tasks().count(RECORD) == 3
    for number, agency in [(1, "police"), (2, "community_health"), (3, "police")]:
        s.complete(
            RECORD,
            as_="committee",
            any_one=True,
            recommendation_number=str(number),
            multi_agency_recommendation="no",
            action_agency=agency,
            action_due_on="2026-10-30",
        )
    assert s.offered_to(journey.progress(1)) == ["police_manager"]
    assert s.offered_to(journey.progress(2)) == ["health_manager"]
    assert sorted(t for t in s.open_tasks() if t in PROGRESS) == PROGRESS
    assert {t.due_at for t in s.view().open_tasks if t.name in PROGRESS} == {
        end_of(date(2026, 10, 30))
    }

    s.move_to(london(date(2026, 9, 1)))
    s.complete("Disseminate the learning", as_="committee")
    s.move_to(london(date(2026, 10, 1)))
    s.complete(
        journey.progress(2),
        as_="health_manager",
        action_progress="Health visitors trained.",
        action_complete="yes",
    )
    review = journey.review_progress(2)
    s.assert_offered(review, to=["committee"], not_to=["health_manager"])
    s.complete(
        review,
        as_="committee",
        action_signed_off="no",
        action_review_comments="Show the audit of the new checklist.",
        challenge_event_needed="yes",
    )
    task = s.assert_offered(
        journey.progress(2), to=["health_manager"], of_agency="community_health"
    )
    form = s.engine.tasks.open(s.users["health_manager"], task.id)
    assert (
        form.values["action_review_comments"] == "Show the audit of the new checklist."
    )

    # the police have not reported on either action: both escalate when the date passes
    s.move_to(end_of(date(2026, 10, 30)))
    assert s.new_notifications() == {}
    s.move_to(london(date(2026, 10, 31), 0, 0, 0))
    escalated = [n for n in s.notifications() if n.template == "deadline_missed"]
    assert sorted(n.address.split("@")[0] for n in escalated) == [
        "bqam",
        "bqam",
        "bqam",
        "chair",
        "chair",
        "chair",
    ]  # the health action, back with its manager after the due date, too
    assert sorted(t for t in s.open_tasks() if t in PROGRESS) == PROGRESS

    s.move_to(london(date(2026, 11, 9)))
    for number, manager in (
        (1, "police_manager"),
        (3, "police_manager"),
        (2, "health_manager"),
    ):
        s.complete(journey.progress(number), as_=manager, action_complete="yes")
    for number in (1, 2, 3):
        assert SIGN_OFF_PLAN not in s.open_tasks()
        s.complete(
            journey.review_progress(number), as_="committee", action_signed_off="yes"
        )
    # §9: the Case Review Sub Group signs off the completed plan, through its Chair
    s.assert_offered(SIGN_OFF_PLAN, to=["subgroup"], not_to=["committee"])
    s.complete(SIGN_OFF_PLAN, as_="subgroup", learning_impact="Fewer missed visits.")
    task = s.assert_offered(journey.ANNUAL_REPORT, to=["committee"])
    shown = s.engine.tasks.open(s.users["committee"], task.id).values
    assert shown["learning_impact"] == "Fewer missed visits."
    s.complete(
        journey.ANNUAL_REPORT,
        as_="committee",
        annual_report_year="2026-27",
        annual_report_contribution="Health visiting now escalates missed visits.",
    )
    assert s.open_tasks() == []  # only the twelve months on the website are left
    s.assert_records_intact()
