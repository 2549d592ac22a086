"""The SCR Panel acts as a group (the Calderdale framework §4, §4.2, §4.4, Appendix 2).

Each Panel member serving on the case gets their own task and records their own view; the Panel
Chair sees every view, by name and agency, before recording the Panel's decision.
"""

from __future__ import annotations

from datetime import date

import pytest

from engine.errors import NotPermitted
from tests.process import journey
from tests.process.marks import branch_test
from tests.process.scenario import Scenario
from tests.process.scenario import london
from tests.process.scenario import named

pytestmark = branch_test

APPOINT = "Appoint the independent reviewer and overview author"
MEMBERS = ["health_panel", "police_panel"]  # Harriet Moss and Priya Lewis, by name
NOT_AWAITED = "panel_views_not_awaited"


def _panel_established(
    s: Scenario, members: str = "police_panel, health_panel"
) -> None:
    journey.notification(s)
    journey.information_gathering(s)
    journey.committee(s)
    journey.chair_decides(s, "yes")
    s.move_to(london(date(2026, 3, 27)))
    s.complete(
        "Establish the SCR Panel and nominate its chair",
        as_="bqam",
        panel_agencies=journey.PANEL_AGENCIES,
        panel_chair_user="panelchair",
        panel_member_users=members,
    )
    s.complete(
        "Approve the appointment of the SCR Panel Chair",
        as_="chair",
        panel_chair_approved="yes",
    )
    s.move_to(london(date(2026, 3, 30)))
    s.new_notifications()


def _shown(s: Scenario, name: str, as_: str) -> dict:
    return s.engine.tasks.open(s.users[as_], s.task(name, as_).id).values


def test_each_panel_member_gives_their_view_on_the_reviewer_and_the_panel_chair_decides(
    scenario: Scenario,
):
    s = scenario
    _panel_established(s)
    s.complete(
        APPOINT, as_="bqam", reviewer_names="Dr A Reviewer", reviewer_user="reviewer"
    )
    view = journey.REVIEWER_VIEW
    s.assert_offered(view, to=MEMBERS, not_to=["panelchair", "bqam"])
    for member in MEMBERS:  # each their own task, assigned to them
        task = s.task(view, as_=member)
        assert task.assignee == s.users[member].display_name
    assert _shown(s, view, "police_panel")["reviewer_names"] == "Dr A Reviewer"
    s.complete(
        view,
        as_="police_panel",
        reviewer_member_view="agrees",
        reviewer_member_comments="Independent of every agency.",
    )
    assert journey.AGREE_REVIEWER not in s.open_tasks()  # the Panel has not all spoken
    s.assert_offered(view, to=["health_panel"])
    s.complete(
        view,
        as_="health_panel",
        reviewer_member_view="does_not_agree",
        reviewer_member_comments="We need health visiting experience.",
    )
    shown = _shown(s, journey.AGREE_REVIEWER, "panelchair")
    assert shown["reviewer_member_views"] == (
        "Harriet Moss (Community health services): Does not agree — "
        "We need health visiting experience.\n"
        "Priya Lewis (West Yorkshire Police): Agrees — Independent of every agency."
    )
    s.complete(journey.AGREE_REVIEWER, as_="panelchair", reviewer_agreed_by_panel="no")
    assert s.new_notifications() == {}  # no names go out before the Panel agrees

    s.complete(APPOINT, as_="bqam", reviewer_names="Ms B Reviewer")
    s.assert_offered(view, to=MEMBERS)  # asked again, about the new appointment
    journey.members_give_views(s, view, reviewer_member_view="agrees")
    shown = _shown(s, journey.AGREE_REVIEWER, "panelchair")
    assert shown["reviewer_member_views"] == (
        "Harriet Moss (Community health services): Agrees\n"
        "Priya Lewis (West Yorkshire Police): Agrees"
    )
    s.complete(journey.AGREE_REVIEWER, as_="panelchair", reviewer_agreed_by_panel="yes")
    assert "national_panel_reviewers" in s.new_notifications()
    assert s.data["reviewer_agreed_by_panel"] is True
    s.assert_records_intact()


def test_the_panel_agrees_the_terms_of_reference_and_a_new_member_is_asked_next_time(
    scenario: Scenario,
):
    s = scenario
    _panel_established(s, members="police_panel")
    s.complete(APPOINT, as_="bqam", reviewer_user="reviewer")
    s.assert_offered(journey.REVIEWER_VIEW, to=["police_panel"])
    journey.members_give_views(s, journey.REVIEWER_VIEW, reviewer_member_view="agrees")
    s.complete(journey.AGREE_REVIEWER, as_="panelchair", reviewer_agreed_by_panel="yes")
    s.complete(
        "Decide the review methodology",
        as_="panelchair",
        methodology="traditional_imr",
        imrs_requested="yes",
    )
    journey.methodology_agreed(s)
    s.engine.case_teams.change(  # the BQAM adds the health member before the draft
        s.users["bqam"],
        s.reference,
        "panel_member",
        "police_panel, health_panel",
        reason="Community health joins the Panel.",
    )
    s.complete(journey.DRAFT_TERMS, as_="panelchair", **journey.TERMS_OF_REFERENCE)
    s.assert_offered(journey.TERMS_VIEW, to=MEMBERS)
    s.complete(journey.TERMS_VIEW, as_="police_panel", tor_member_view="agrees")
    s.complete(
        journey.TERMS_VIEW,
        as_="health_panel",
        tor_member_view="does_not_agree",
        tor_member_comments="Add the health visitor's records to the scope.",
    )
    shown = _shown(s, journey.AGREE_TERMS, "panelchair")
    assert (
        "Harriet Moss (Community health services): Does not agree"
        in (shown["tor_member_views"])
    )
    s.complete(journey.AGREE_TERMS, as_="panelchair", tor_agreed_by_panel="no")
    assert "board_members_scr_commissioned" not in s.new_notifications()
    journey.terms_of_reference_agreed(s)  # drafted again; both agree this time
    assert s.new_notifications()["board_members_scr_commissioned"] == ["board"]
    assert s.data["tor_agreed_by_panel"] is True
    s.assert_records_intact()


def test_with_no_panel_members_nobody_is_asked_and_the_panel_chair_decides(
    scenario: Scenario,
):
    s = scenario
    _panel_established(s)
    s.engine.case_teams.change(
        s.users["bqam"],
        s.reference,
        "panel_member",
        "",
        reason="The members have not been confirmed yet.",
    )
    s.complete(APPOINT, as_="bqam", reviewer_user="reviewer")
    assert journey.REVIEWER_VIEW not in s.open_tasks()
    shown = _shown(s, journey.AGREE_REVIEWER, "panelchair")
    assert shown["reviewer_member_views"].startswith("Nobody was asked")
    s.complete(journey.AGREE_REVIEWER, as_="panelchair", reviewer_agreed_by_panel="yes")
    s.assert_offered("Decide the review methodology", to=journey.PANEL)
    s.assert_records_intact()


def test_two_panel_members_quality_assure_one_agency_report_round_a_return(
    scenario: Scenario,
):
    s = scenario
    journey.through(s, "panel_setup")
    s.complete(
        "Brief the authors and the managers who sign off the reports", as_="bqam"
    )
    s.move_to(london(date(2026, 4, 20)))
    view = journey.report_view("police")
    for round_, (first, second) in enumerate(
        [("return", "accept"), ("accept", "accept")]
    ):
        s.complete(
            journey.WRITE_REPORT, as_="police_author", **journey.AUTHOR_INDEPENDENT
        )
        s.complete(
            journey.SIGN_OFF_REPORT,
            as_="police_manager",
            agency_report_signed_off="yes",
        )
        s.assert_offered(view, to=MEMBERS, not_to=["panelchair", "police_author"])
        s.complete(
            view,
            as_="police_panel",
            agency_report_member_view=first,
            agency_report_member_comments=f"Round {round_ + 1}: the analysis is thin.",
        )
        assert not [
            t for t in s.tasks("panelchair") if t.name == journey.QA_REPORT
        ]  # not before every member has given their view
        s.complete(view, as_="health_panel", agency_report_member_view=second)
        qa = s.task(journey.QA_REPORT, "panelchair", of_agency="police")
        shown = s.engine.tasks.open(s.users["panelchair"], qa.id).values
        expected = {"return": "Return it to the author", "accept": "Accept"}
        assert shown["agency_report_member_views"] == (
            f"Harriet Moss (Community health services): {expected[second]}\n"
            f"Priya Lewis (West Yorkshire Police): {expected[first]} — "
            f"Round {round_ + 1}: the analysis is thin."
        )  # this round's views only, though the first round's were pruned away
        decision = (
            journey.REPORT_ACCEPTED
            if round_
            else {
                **journey.REPORT_ACCEPTED,
                "agency_report_accepted": "no",
            }
        )
        s.complete(journey.QA_REPORT, as_="panelchair", of_agency="police", **decision)
    assert not [
        t for t in s.tasks("police_author") if named(t.name, journey.WRITE_REPORT)
    ]  # accepted the second time
    s.assert_records_intact()


def test_a_member_who_leaves_mid_way_holds_the_panel_up_only_until_its_chair_says(
    scenario: Scenario,
):
    s = scenario
    _panel_established(s)
    s.complete(APPOINT, as_="bqam", reviewer_user="reviewer")  # Monday 30 March
    s.engine.case_teams.change(
        s.users["bqam"],
        s.reference,
        "panel_member",
        "police_panel",
        reason="Harriet Moss has left the health trust.",
    )
    s.assert_offered(journey.REVIEWER_VIEW, to=MEMBERS)  # she keeps the task she had
    s.complete(journey.REVIEWER_VIEW, as_="police_panel", reviewer_member_view="agrees")
    s.move_to(london(date(2026, 4, 30)))  # a deadline never stops the work
    assert journey.AGREE_REVIEWER not in s.open_tasks()
    with pytest.raises(NotPermitted):  # the Panel Chair's decision, or the BQAM's
        s.deliver(NOT_AWAITED, as_="police_panel")
    s.deliver(NOT_AWAITED, as_="panelchair")
    assert journey.REVIEWER_VIEW not in s.open_tasks()  # her view is withdrawn
    shown = _shown(s, journey.AGREE_REVIEWER, "panelchair")
    assert shown["reviewer_member_views"] == (
        "Harriet Moss (Community health services): No view given\n"
        "Priya Lewis (West Yorkshire Police): Agrees"
    )
    s.complete(journey.AGREE_REVIEWER, as_="panelchair", reviewer_agreed_by_panel="yes")
    s.assert_offered("Decide the review methodology", to=journey.PANEL)
    s.assert_records_intact()
