"""Legal review, the Board's approval (seed 002 §8.2, §8.4) and publication (§8, §8.5 to §8.7)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.process import journey
from tests.process.marks import branch_test
from tests.process.scenario import Scenario
from tests.process.scenario import end_of
from tests.process.scenario import london

pytestmark = branch_test

LEGAL = "Check the report complies with data protection and publication restrictions"
REVISE = "Revise the overview report"
BOARD = "Record the Board's decision on the overview report"
REINSTATE = "Reinstate the SCR Panel and agree the further work"
PUBLISH_DECISION = "Decide whether to publish the overview report"
ADVICE = "Record the National Panel's advice and decide what to publish"
PREPARE = "Prepare the report for publication"
SHARING = "Agree how the report is shared with the family and staff"
PUBLISH = "Publish the report on the Board website"


def _up_to_approval(s: Scenario) -> None:
    journey.through(s, "review")
    s.new_notifications()  # what those phases sent is checked in their own tests


def test_a_report_that_fails_legal_review_is_revised_before_the_board_sees_it(
    scenario: Scenario,
):
    s = scenario
    _up_to_approval(s)
    s.move_to(london(date(2026, 6, 15)))
    s.complete(
        LEGAL,
        as_="legal",
        legal_report_compliant="no",
        legal_advice="Section 4 names a teacher; anonymise it.",
    )
    assert s.new_notifications() == {}  # the Board does not get a report that fails
    s.assert_offered(REVISE, to=["reviewer"], not_to=["legal", "panelchair"])
    form = s.engine.tasks.open(s.users["reviewer"], s.task(REVISE, "reviewer").id)
    assert form.values["legal_advice"] == "Section 4 names a teacher; anonymise it."
    s.complete(REVISE, as_="reviewer")
    s.assert_offered(LEGAL, to=["legal"])
    journey.approval(s)
    s.assert_offered(PUBLISH_DECISION, to=["chair"])
    s.assert_records_intact()


def test_the_board_sends_the_report_back_to_a_reinstated_panel_as_often_as_it_needs(
    scenario: Scenario,
):
    s = scenario
    _up_to_approval(s)
    s.move_to(london(date(2026, 6, 15)))
    s.assert_offered(LEGAL, to=["legal"])
    s.complete(LEGAL, as_="legal", legal_report_compliant="yes")
    assert s.new_notifications() == {"board_overview_report": ["board", "chair"]}
    s.assert_offered(BOARD, to=["chair"])
    for meeting, further_work in [
        (date(2026, 7, 1), "Say how the agencies will check the changes."),
        (date(2026, 9, 2), "Add the family's response to the findings."),
    ]:
        s.move_to(london(meeting))
        s.complete(
            BOARD,
            as_="chair",
            board_decision="further_work",
            board_further_work=further_work,
            **journey.AIDE_MEMOIR,
        )
        assert s.new_notifications() == {
            "national_panel_board_delay": ["contact:national_panel"]
        }
        s.assert_offered(REINSTATE, to=["panelchair"], not_to=["chair", "reviewer"])
        form = s.engine.tasks.open(
            s.users["panelchair"], s.task(REINSTATE, "panelchair").id
        )
        assert form.values["board_further_work"] == further_work
        s.complete(REINSTATE, as_="panelchair")
        s.complete(REVISE, as_="reviewer")
        s.complete(LEGAL, as_="legal", legal_report_compliant="yes")
        assert s.new_notifications() == {"board_overview_report": ["board", "chair"]}
        s.assert_offered(BOARD, to=["chair"])
    s.move_to(london(date(2026, 11, 4)))
    s.complete(BOARD, as_="chair", board_decision="approved", **journey.AIDE_MEMOIR)
    s.assert_offered(PUBLISH_DECISION, to=["chair"])
    steps = [step.name for step in s.view().completed_steps]
    assert (steps.count(REINSTATE), steps.count(BOARD)) == (2, 3)
    s.assert_records_intact()


@pytest.mark.parametrize("form", ["redacted_report", "lessons_learned_report"])
def test_not_publishing_asks_the_national_panel_and_publishes_a_redacted_or_lessons_learned_report(
    scenario: Scenario, form: str
):
    s = scenario
    _up_to_approval(s)
    journey.approval(s)
    s.new_notifications()  # checked in test_the_report_is_published_...
    s.move_to(london(date(2026, 7, 2)))
    s.complete(
        PUBLISH_DECISION,
        as_="chair",
        publish_decision="do_not_publish",
        non_publication_reasons="Publication would harm the surviving sibling.",
    )
    assert s.new_notifications() == {
        "national_panel_non_publication": ["contact:national_panel"]
    }
    s.assert_offered(ADVICE, to=["chair"], not_to=["bqam"])
    s.complete(ADVICE, as_="chair", publication_form=form)
    prepare = s.task("Prepare the report for publication", "bqam")
    shown = s.engine.tasks.open(s.users["bqam"], prepare.id).values
    assert shown["publication_form"] == form
    journey.prepare_and_publish(s)
    assert s.data["publication_form"] == form
    s.assert_records_intact()


def test_the_report_is_published_a_week_after_the_national_panel_has_it_and_shared_with_family_and_staff(
    scenario: Scenario,
):
    s = scenario
    _up_to_approval(s)
    journey.approval(s)
    assert s.new_notifications() == {"board_overview_report": ["board", "chair"]}
    s.move_to(london(date(2026, 7, 2)))
    s.assert_offered(PUBLISH_DECISION, to=["chair"])
    s.complete(PUBLISH_DECISION, as_="chair", publish_decision="publish")
    s.move_to(london(date(2026, 7, 6)))
    s.assert_offered(PREPARE, to=["bqam"])
    s.complete(PREPARE, as_="bqam", executive_summary_positions_only="no")
    assert s.new_notifications() == {
        "national_panel_report_before_publication": ["contact:national_panel"]
    }
    s.move_to(london(date(2026, 7, 7)))
    s.complete(
        "Agree the media strategy for publication",
        as_="chair",
        media_strategy_meeting_held="yes",
    )
    s.assert_offered(SHARING, to=journey.PANEL)
    s.complete(SHARING, as_="panelchair", staff_sharing_method="panel_members")
    assert s.new_notifications() == {
        "family_report_sharing": ["contact:family"],
        "staff_report_sharing": journey.PANEL_MEMBERS,
    }
    s.move_to(end_of(date(2026, 7, 13)))  # a week after the report went to the Panel
    assert s.open_tasks() == []
    s.move_to(london(date(2026, 7, 14)))
    s.assert_offered(PUBLISH, to=["bqam"])
    s.complete(PUBLISH, as_="bqam")
    assert s.data["published_on"] == "2026-07-14"
    assert s.new_notifications() == {}
    s.assert_records_intact()


def test_publishing_waits_a_week_after_the_report_reaches_the_national_panel(
    scenario: Scenario,
):
    s = scenario
    _up_to_approval(s)
    journey.approval(s)
    s.move_to(london(date(2026, 7, 2)))
    s.complete(PUBLISH_DECISION, as_="chair", publish_decision="publish")
    s.move_to(london(date(2026, 7, 8), 16))  # Wednesday
    s.complete(
        "Prepare the report for publication",
        as_="bqam",
        executive_summary_positions_only="yes",
    )
    assert "national_panel_report_before_publication" in s.new_notifications()
    s.complete(
        "Agree the media strategy for publication",
        as_="chair",
        media_strategy_meeting_held="yes",
    )
    s.complete(
        "Agree how the report is shared with the family and staff",
        as_="panelchair",
        staff_sharing_method="briefing",
    )
    assert s.new_notifications() == {
        "family_report_sharing": ["contact:family"],
        "staff_report_sharing": journey.PANEL_MEMBERS,
    }
    s.move_to(end_of(date(2026, 7, 15)))  # the following Wednesday, last second
    assert s.open_tasks() == []
    s.move_to(london(date(2026, 7, 16), 0, 0, 1))
    s.assert_offered("Publish the report on the Board website", to=["bqam"])
    assert s.data["publication_form"] == "full_report"
    s.assert_records_intact()
