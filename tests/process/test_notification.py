"""Notification and information gathering (seed 002 §3.1, §3.2): who is told, who reports, by when."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from engine import NotPermitted
from tests.process import journey
from tests.process.marks import branch_test
from tests.process.scenario import Scenario
from tests.process.scenario import end_of
from tests.process.scenario import london

pytestmark = branch_test

CONSIDER_OFSTED = "Consider notifying Ofsted of the serious incident"
POLICE = "Secure the files of West Yorkshire Police and report its involvement"
HEALTH = "Secure the files of Community health services and report its involvement"
PAPERS = "Collate the agency information for the Committee"
LSCB_CHECK = journey.LSCB_CHECK
REFER = "Refer the case to the responsible LSCB"


def test_everyone_is_told_of_the_incident_and_each_agency_reports_before_the_committee_papers_go_out(
    scenario: Scenario,
):
    s = scenario
    s.start(**journey.STANDARD_START)
    s.complete(LSCB_CHECK, as_="bqam", **journey.THIS_BOARD_RESPONSIBLE)
    s.new_notifications()  # the Chair and the S&QA Service Manager: see the next test
    s.move_to(london(date(2026, 3, 4)))
    s.complete(
        CONSIDER_OFSTED,
        as_="sqa",
        sin_child_death="yes",
        ofsted_notification_required="yes",
    )
    assert s.new_notifications() == {
        "ofsted_serious_incident": ["contact:ofsted"],
        "dfe_serious_incident": ["contact:dfe"],
        "sub_group_chair_incident": ["subgroup"],
        "designated_nurse_incident": ["nurse"],
        "ccg_nhs_england_incident": ["contact:ccg", "contact:nhs_england"],
        "board_members_incident": ["board"],
    }
    s.assert_offered("Arrange the SCR Committee meeting", to=["secretariat"])
    agencies = journey.STANDARD_START["agencies"]
    for agency in agencies:  # each report is named for its agency
        assert s.offered_to(journey.involvement(agency)) == sorted(
            [journey.AUTHOR_OF[agency], journey.MANAGER_OF[agency]]
        )
    reports = [journey.involvement(a) for a in agencies]
    assert [t.due_at for t in s.view().open_tasks if t.name in reports] == [
        end_of(date(2026, 3, 16))
    ] * len(agencies)  # two weeks after the notification

    s.move_to(london(date(2026, 3, 5)))
    s.complete(
        "Arrange the SCR Committee meeting",
        as_="secretariat",
        committee_meeting_on="2026-03-23",
    )
    s.move_to(london(date(2026, 3, 10)))
    s.complete(POLICE, as_="police_author", agency_files_secured="yes")
    s.complete(HEALTH, as_="health_manager", agency_files_secured="yes")
    papers = s.assert_offered(PAPERS, to=["secretariat"])
    assert papers.due_at == end_of(date(2026, 3, 18))  # 3 working days before the 23rd
    s.move_to(london(date(2026, 3, 17)))
    s.complete(PAPERS, as_="secretariat")
    assert s.new_notifications() == {"committee_papers": ["committee"]}
    s.assert_records_intact()


def test_a_late_ofsted_decision_escalates_the_moment_five_working_days_pass_and_work_goes_on(
    scenario: Scenario,
):
    s = scenario
    s.start(**journey.STANDARD_START)
    assert s.new_notifications() == {
        "independent_chair_incident": ["chair"],
        "sqa_manager_incident": ["sqa"],
    }
    task = s.assert_offered(CONSIDER_OFSTED, to=["sqa"], not_to=["bqam", "chair"])
    assert task.due_at == end_of(date(2026, 3, 9))  # Mon 2 March + 5 working days
    s.complete(LSCB_CHECK, as_="bqam", **journey.THIS_BOARD_RESPONSIBLE)

    s.move_to(london(date(2026, 3, 9), 17))
    assert s.new_notifications() == {}
    s.assert_escalates_after(end_of(date(2026, 3, 9)), still_open=CONSIDER_OFSTED)

    s.move_to(london(date(2026, 3, 10)))
    s.complete(CONSIDER_OFSTED, as_="sqa", ofsted_notification_required="no")
    assert s.new_notifications() == {  # no Ofsted, so no DfE either
        "sub_group_chair_incident": ["subgroup"],
        "designated_nurse_incident": ["nurse"],
        "ccg_nhs_england_incident": ["contact:ccg", "contact:nhs_england"],
        "board_members_incident": ["board"],
    }
    s.move_to(london(date(2026, 3, 16), 23))
    assert s.new_notifications() == {}  # escalated once, not again
    s.assert_records_intact()


def test_an_escalation_names_the_deadline_that_was_missed(scenario: Scenario):
    scenario.start(**journey.STANDARD_START)
    scenario.move_to(london(date(2026, 3, 10)))
    assert scenario.escalations() == [
        "Notifications within five working days of the notification of the incident "
        "(the Calderdale framework §3.1)"
    ]


def test_over_easter_the_five_working_days_skip_good_friday_and_easter_monday(
    scenario: Scenario,
):
    s = scenario
    s.clock.set(london(date(2026, 4, 2), 11))  # Thursday before Good Friday
    s.start(**{**journey.STANDARD_START, "incident_notified_on": "2026-04-02"})
    s.complete(LSCB_CHECK, as_="bqam", **journey.THIS_BOARD_RESPONSIBLE)
    s.new_notifications()
    task = s.assert_offered(CONSIDER_OFSTED, to=["sqa"])
    # Tue 7, Wed 8, Thu 9, Fri 10, Mon 13 April: the fifth working day, in British Summer Time.
    assert task.due_at == datetime(2026, 4, 13, 22, 59, 59, tzinfo=UTC)

    s.move_to(london(date(2026, 4, 8), 23))
    assert (
        s.engine.notifications.queue_reminders() == 0
    )  # not yet two working days before
    s.move_to(london(date(2026, 4, 9), 8))
    assert s.engine.notifications.queue_reminders() == 1
    assert s.new_notifications() == {"task_due_soon": ["sqa"]}

    s.move_to(london(date(2026, 4, 10), 17))
    assert s.new_notifications() == {}
    s.assert_escalates_after(end_of(date(2026, 4, 13)), still_open=CONSIDER_OFSTED)

    s.complete(CONSIDER_OFSTED, as_="sqa", ofsted_notification_required="yes")
    assert set(s.new_notifications()) >= {"ofsted_serious_incident"}
    # calendar days, unlike working days, ignore Easter: agency reports 14 days, Committee 21
    assert s.data["agency_reports_due"].startswith("2026-04-16")
    assert s.data["committee_due"].startswith("2026-04-23")
    s.assert_records_intact()


def test_each_agency_named_at_notification_reports_to_its_own_people_and_late_reports_escalate(
    scenario: Scenario,
):
    s = scenario
    journey.notification(
        s, agencies=["police", "community_health", "childrens_social_care"]
    )
    assert s.new_notifications()["board_members_incident"] == ["board"]
    s.assert_offered(
        POLICE,
        of_agency="police",
        to=["police_author", "police_manager"],
        not_to=["health_author", "csc_author", "education_author"],
    )
    s.assert_offered(
        HEALTH,
        of_agency="community_health",
        to=["health_author", "health_manager"],
    )
    csc = s.assert_offered(
        journey.involvement("childrens_social_care"),
        of_agency="childrens_social_care",
        to=["csc_author", "csc_manager"],
        not_to=["sqa"],  # in Children's Social Care, but not an author or manager
    )
    assert csc.due_at == end_of(date(2026, 3, 16))  # two weeks after the notification
    assert s.offered_to(journey.involvement("education")) == []

    s.move_to(london(date(2026, 3, 13)))
    s.complete(POLICE, as_="police_author", agency_files_secured="yes")
    s.complete(HEALTH, as_="health_author", agency_files_secured="yes")
    csc_report = journey.involvement("childrens_social_care")
    s.assert_escalates_after(end_of(date(2026, 3, 16)), still_open=csc_report)
    s.complete(csc_report, as_="csc_manager", agency_files_secured="yes")
    assert s.open_tasks() == ["Arrange the SCR Committee meeting"]
    s.assert_records_intact()


def test_the_incident_mails_show_words_not_stored_codes(scenario: Scenario):
    s = scenario
    journey.notification(s)
    journey.information_gathering(s)
    journey.committee(s)
    bodies = {n.template: n.body for n in s.notifications()}
    assert (
        "Child's status: Child Protection registration"
        in (bodies["ofsted_serious_incident"])
    )
    recommendation = bodies["committee_recommendation"]
    assert "Conclusion: the criteria for an SCR are met" in recommendation
    assert "criteria_met" not in recommendation
    assert not [
        template
        for template, body in bodies.items()
        if "seed 00" in body.lower() or "child_protection" in body
    ]


def test_one_missing_agency_report_does_not_hold_up_the_committee_papers(
    scenario: Scenario,
):
    s = scenario
    journey.notification(s)
    s.move_to(london(date(2026, 3, 5)))
    s.complete(
        "Arrange the SCR Committee meeting",
        as_="secretariat",
        committee_meeting_on="2026-03-23",
    )
    s.complete(POLICE, as_="police_author", agency_files_secured="yes")
    s.move_to(london(date(2026, 3, 17)))  # community health has not reported
    assert PAPERS not in s.open_tasks()
    s.new_notifications()
    s.deliver("committee_papers_without_missing_reports", as_="secretariat")
    assert HEALTH not in s.open_tasks()  # the missing report is withdrawn
    s.assert_offered(PAPERS, to=["secretariat"])
    s.complete(
        PAPERS,
        as_="secretariat",
        agencies_not_reported="Community health services: no reply by 17 March.",
    )
    assert s.new_notifications() == {"committee_papers": ["committee"]}
    [papers] = [n for n in s.notifications() if n.template == "committee_papers"]
    assert "no reply by 17 March" in papers.body
    s.assert_records_intact()


def test_committee_papers_are_due_three_working_days_before_the_meeting_counted_back_over_easter(
    scenario: Scenario,
):
    s = scenario
    journey.notification(s)
    s.new_notifications()
    s.complete(
        "Arrange the SCR Committee meeting",
        as_="secretariat",
        committee_meeting_on="2026-04-07",  # the Tuesday after Easter Monday
    )
    for report, author in ((POLICE, "police_author"), (HEALTH, "health_author")):
        s.complete(report, as_=author, agency_files_secured="yes")
    papers = s.assert_offered(PAPERS, to=["secretariat"])
    # Mon 6 and Fri 3 April are bank holidays: Thu 2, Wed 1, Tue 31 March.
    assert papers.due_at == datetime(2026, 3, 31, 22, 59, 59, tzinfo=UTC)
    s.move_to(london(date(2026, 3, 23)))  # the three-week Committee target passes too
    assert s.new_notifications() == {}
    s.assert_escalates_after(end_of(date(2026, 3, 31)), still_open=PAPERS)
    s.complete(PAPERS, as_="secretariat")
    assert (
        s.new_notifications()
        == {  # the Committee meets after its three weeks: escalated
            "committee_papers": ["committee"],
            "deadline_missed": ["bqam", "chair"],
        }
    )
    s.assert_offered("Assess the case against the SCR criteria", to=["committee"])
    s.assert_records_intact()


def test_the_chair_of_the_case_review_sub_group_is_told_and_only_then_reads_the_case(
    scenario: Scenario,
):
    """§3.1: the BQAM notifies the Chair of the Case Review Sub Group (not every Committee member);
    the Sub Group Chair reads a case they were told of, never one they have no part in."""
    s = scenario
    s.start(**journey.STANDARD_START)
    subgroup = s.users["subgroup"]
    with pytest.raises(NotPermitted):
        s.engine.cases.view(subgroup, s.reference)
    assert s.reference not in [c.reference for c in s.engine.cases.index(subgroup)]

    s.complete(LSCB_CHECK, as_="bqam", **journey.THIS_BOARD_RESPONSIBLE)
    s.complete(CONSIDER_OFSTED, as_="sqa", ofsted_notification_required="no")
    assert s.sent()["sub_group_chair_incident"] == ["subgroup"]
    assert s.engine.cases.view(subgroup, s.reference).summary.reference == s.reference
    assert s.reference in [c.reference for c in s.engine.cases.index(subgroup)]

    other = Scenario(s.engine, s.users, s.clock)
    other.start(**journey.STANDARD_START)  # told of nothing yet
    with pytest.raises(NotPermitted):
        s.engine.cases.view(subgroup, other.reference)


def test_a_child_living_in_another_area_is_referred_to_that_lscb_and_the_case_ends_so(
    scenario: Scenario,
):
    """Appendix 5: the LSCB for the area where the child normally lives decides. The BQAM records
    the referral (this system only mails the Board's own contacts) and the case ends with it."""
    s = scenario
    s.start(**journey.STANDARD_START)
    s.new_notifications()
    s.complete(
        LSCB_CHECK,
        as_="bqam",
        child_normally_lives_in="Kirklees",
        board_responsible="no",
    )
    # the notifications of the incident go on meanwhile
    assert REFER not in s.open_tasks()
    s.move_to(london(date(2026, 3, 4)))
    s.complete(CONSIDER_OFSTED, as_="sqa", ofsted_notification_required="yes")
    assert "board_members_incident" not in s.new_notifications()
    task = s.assert_offered(REFER, to=["bqam"], not_to=["chair", "secretariat"])
    form = s.engine.tasks.open(s.users["bqam"], task.id)
    assert form.values["child_normally_lives_in"] == "Kirklees"

    s.complete(
        REFER,
        as_="bqam",
        responsible_lscb="Kirklees Safeguarding Children Board",
        responsible_lscb_contact="scr@kirklees.example.org",
        lscb_referral_sent_on="2026-03-04",
    )
    assert s.new_notifications() == {"case_referred_to_lscb": ["chair", "subgroup"]}
    mail = next(n for n in s.notifications() if n.template == "case_referred_to_lscb")
    assert "Referred to: Kirklees Safeguarding Children Board" in mail.body
    assert "Referral sent on: 4 March 2026" in mail.body
    view = s.view()
    assert view.summary.status == "completed"
    assert view.summary.phase == "Referred to the responsible LSCB"
    assert view.open_tasks == ()
    phases = {p.name: p.status for p in view.phases}
    assert phases.pop("Notification") == "completed"
    assert set(phases.values()) == {"not_needed"}
    s.assert_records_intact()
