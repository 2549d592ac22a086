"""Panel set-up (seed 002 §4) and the agency reports with their quality assurance (Appendix 2)."""

from __future__ import annotations

from datetime import date

import pytest

from engine.errors import FormInvalid
from tests.process import journey
from tests.process.marks import branch_test
from tests.process.scenario import Scenario
from tests.process.scenario import end_of
from tests.process.scenario import london

pytestmark = branch_test

ESTABLISH = "Establish the SCR Panel and nominate its chair"
APPROVE_CHAIR = "Approve the appointment of the SCR Panel Chair"
WRITE = journey.WRITE_REPORT
SIGN_OFF = journey.SIGN_OFF_REPORT
QA = journey.QA_REPORT
BRIEF = "Brief the authors and the managers who sign off the reports"
COMBINE = "Combine the agency chronologies into one multi-agency chronology"
METHODOLOGY = "Decide the review methodology"


def _up_to_the_panel(s: Scenario, **start) -> None:
    journey.notification(s, **start)
    journey.information_gathering(s)
    journey.committee(s)
    journey.chair_decides(s, "yes")
    s.new_notifications()  # what those phases sent is checked in their own tests


def test_the_panel_is_set_up_and_the_national_panel_ofsted_board_and_coroner_are_told(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_panel(s)
    s.move_to(london(date(2026, 3, 27)))
    s.assert_offered(ESTABLISH, to=["bqam"])
    s.complete(
        ESTABLISH,
        as_="bqam",
        panel_agencies=journey.PANEL_AGENCIES,
        **journey.PANEL_TEAM,
    )
    s.assert_offered(APPROVE_CHAIR, to=["chair"])
    s.complete(APPROVE_CHAIR, as_="chair", panel_chair_approved="yes")
    s.move_to(london(date(2026, 3, 30)))
    s.complete(
        "Appoint the independent reviewer and overview author",
        as_="bqam",
        reviewer_names="Dr A Reviewer",
        **journey.REVIEWER_TEAM,
    )
    journey.members_give_views(s, journey.REVIEWER_VIEW, reviewer_member_view="agrees")
    agree = s.assert_offered(journey.AGREE_REVIEWER, to=journey.PANEL)
    shown = s.engine.tasks.open(s.users["panelchair"], agree.id).values
    assert shown["reviewer_names"] == "Dr A Reviewer"
    s.complete(
        journey.AGREE_REVIEWER,
        as_="panelchair",
        reviewer_agreed_by_panel="no",
        reviewer_panel_view="We need a reviewer with health visiting experience.",
    )
    assert s.new_notifications() == {}  # no names go out before the Panel agrees
    s.complete(
        "Appoint the independent reviewer and overview author",
        as_="bqam",
        reviewer_names="Ms B Reviewer",
    )
    journey.members_give_views(s, journey.REVIEWER_VIEW, reviewer_member_view="agrees")
    s.complete(journey.AGREE_REVIEWER, as_="panelchair", reviewer_agreed_by_panel="yes")
    assert s.new_notifications() == {
        "national_panel_reviewers": ["contact:national_panel", "contact:ofsted"]
    }
    bodies = [
        n.body for n in s.notifications() if n.template == "national_panel_reviewers"
    ]
    assert len(bodies) == 2 and all("Ms B Reviewer" in body for body in bodies)
    s.assert_offered(METHODOLOGY, to=journey.PANEL)
    s.complete(
        METHODOLOGY,
        as_="panelchair",
        methodology="traditional_imr",
        imrs_requested="yes",
    )
    journey.methodology_agreed(s)
    journey.terms_of_reference_agreed(s)
    assert s.new_notifications() == {
        "board_members_scr_commissioned": ["board"],
        "coroner_scr_commissioned": ["contact:coroner"],  # the child died
    }
    assert s.open_tasks() == [journey.FAMILY_LETTER]  # set-up ends with the letter
    s.assert_records_intact()


def test_the_methodology_is_agreed_by_the_panel_chair_independent_chair_and_bqam(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_panel(s)
    s.move_to(london(date(2026, 3, 27)))
    s.complete(
        ESTABLISH,
        as_="bqam",
        panel_agencies=journey.PANEL_AGENCIES,
        **journey.PANEL_TEAM,
    )
    s.complete(APPROVE_CHAIR, as_="chair", panel_chair_approved="yes")
    s.complete(
        "Appoint the independent reviewer and overview author",
        as_="bqam",
        **journey.REVIEWER_TEAM,
    )
    journey.members_give_views(s, journey.REVIEWER_VIEW, reviewer_member_view="agrees")
    s.complete(journey.AGREE_REVIEWER, as_="panelchair", reviewer_agreed_by_panel="yes")
    s.complete(
        METHODOLOGY,
        as_="panelchair",
        methodology="root_cause_analysis",
        imrs_requested="no",
    )
    task = s.assert_offered(journey.AGREE_METHODOLOGY_AS["chair"], to=["chair"])
    shown = s.engine.tasks.open(s.users["chair"], task.id).values
    assert shown["methodology"] == "root_cause_analysis"
    s.complete(
        journey.AGREE_METHODOLOGY_AS["chair"],
        as_="chair",
        methodology_agreed_by_independent_chair="no",
        methodology_view_independent_chair="A systems approach suits this case.",
    )
    s.assert_offered(journey.AGREE_METHODOLOGY_AS["bqam"], to=["bqam"])  # in turn
    s.complete(
        journey.AGREE_METHODOLOGY_AS["bqam"],
        as_="bqam",
        methodology_agreed_by_bqam="yes",
    )
    task = s.assert_offered(METHODOLOGY, to=journey.PANEL)  # decided again
    shown = s.engine.tasks.open(s.users["panelchair"], task.id).values
    assert shown["methodology_view_independent_chair"] == (
        "A systems approach suits this case."
    )
    assert journey.DRAFT_TERMS not in s.open_tasks()
    s.complete(METHODOLOGY, as_="panelchair", methodology="silp", imrs_requested="no")
    journey.methodology_agreed(s)
    s.assert_offered(journey.DRAFT_TERMS, to=journey.PANEL)
    assert s.data["methodology"] == "silp"
    s.assert_records_intact()


def test_the_two_chairs_write_to_the_family_soon_after_commissioning_through_their_liaison(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_panel(s)  # the Chair decided on Wednesday 25 March
    s.move_to(london(date(2026, 3, 27)))
    s.complete(
        ESTABLISH,
        as_="bqam",
        panel_agencies=journey.PANEL_AGENCIES,
        **journey.PANEL_TEAM,
    )
    s.complete(APPROVE_CHAIR, as_="chair", panel_chair_approved="yes")
    # the letter is written beside the reviewer, methodology and terms of reference
    letter = s.assert_offered(journey.FAMILY_LETTER, to=journey.PANEL)
    assert "Appoint the independent reviewer and overview author" in s.open_tasks()
    # ten working days from 25 March, over Good Friday and Easter Monday: Friday 10 April
    assert letter.due_at == end_of(date(2026, 4, 10))
    missed = s.assert_escalates_after(
        end_of(date(2026, 4, 10)), still_open=journey.FAMILY_LETTER
    )
    assert missed.startswith("Letter to the family from the Panel Chair")
    s.move_to(london(date(2026, 4, 13)))
    s.complete(
        journey.FAMILY_LETTER,
        as_="panelchair",
        family_letter_route="PC Jones, the police family liaison officer",
        files={"family_letter": ("letter.txt", b"Dear Ms Lowe")},
    )
    assert s.new_notifications() == {}  # not sent before the Independent Chair signs
    s.assert_offered(journey.SIGN_FAMILY_LETTER, to=["chair"], not_to=["panelchair"])
    s.complete(journey.SIGN_FAMILY_LETTER, as_="chair")
    assert s.new_notifications() == {"family_letter": ["contact:family"]}
    [mail] = [n for n in s.notifications() if n.template == "family_letter"]
    assert "signed the letter on 13 April 2026" in mail.body
    assert "PC Jones, the police family liaison officer to deliver" in mail.body
    assert f"document {s.data['family_letter']}" in mail.body
    assert s.data["family_letter_signed_on"] == "2026-04-13"
    s.assert_records_intact()


def test_each_agency_report_is_written_signed_off_and_accepted_by_the_date_in_the_terms_of_reference(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_panel(s)
    journey.panel_setup(s)
    s.new_notifications()  # checked in the test above
    s.assert_offered(BRIEF, to=["bqam"])
    s.complete(BRIEF, as_="bqam")
    for agency in journey.AGENCIES:
        s.move_to(london(date(2026, 4, 20)))
        author = s.task(WRITE, as_=journey.AUTHOR_OF[agency])
        assert (author.agency, author.due_at) == (agency, end_of(date(2026, 4, 24)))
        s.complete(WRITE, as_=journey.AUTHOR_OF[agency], **journey.AUTHOR_INDEPENDENT)
        s.complete(
            SIGN_OFF, as_=journey.MANAGER_OF[agency], agency_report_signed_off="yes"
        )
        journey.members_give_views(
            s, journey.report_view(agency), agency_report_member_view="accept"
        )
    s.move_to(london(date(2026, 4, 23)))
    assert s.offered_to(QA) == journey.PANEL
    for agency in journey.AGENCIES:
        s.complete(QA, as_="panelchair", of_agency=agency, **journey.REPORT_ACCEPTED)
    s.move_to(london(date(2026, 4, 24)))
    s.complete(COMBINE, as_="secretariat")
    assert s.new_notifications() == {}
    s.assert_records_intact()


def test_a_panel_needs_four_agencies_and_a_chair_the_independent_chair_approves(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_panel(s, incident_type="serious_harm")
    with pytest.raises(FormInvalid) as refused:
        s.complete(ESTABLISH, as_="bqam", panel_agencies=journey.PANEL_AGENCIES[:3])
    assert "at least 4" in refused.value.errors["panel_agencies"]
    s.complete(
        ESTABLISH,
        as_="bqam",
        panel_agencies=journey.PANEL_AGENCIES,
        panel_chair_nominee="A Board member with line responsibility",
        **journey.PANEL_TEAM,
    )
    s.assert_offered(APPROVE_CHAIR, to=["chair"], not_to=["bqam"])
    s.complete(
        APPROVE_CHAIR,
        as_="chair",
        panel_chair_approved="no",
        panel_chair_approval_notes="Not independent of the case.",
    )
    s.assert_offered(ESTABLISH, to=["bqam"])  # nominate again
    s.complete(ESTABLISH, as_="bqam", panel_chair_nominee="An external chair")
    s.complete(APPROVE_CHAIR, as_="chair", panel_chair_approved="yes")
    s.complete(
        "Appoint the independent reviewer and overview author",
        as_="bqam",
        **journey.REVIEWER_TEAM,
    )
    journey.members_give_views(s, journey.REVIEWER_VIEW, reviewer_member_view="agrees")
    s.complete(journey.AGREE_REVIEWER, as_="panelchair", reviewer_agreed_by_panel="yes")
    s.complete(METHODOLOGY, as_="panelchair", methodology="silp", imrs_requested="no")
    journey.methodology_agreed(s)
    journey.terms_of_reference_agreed(s)
    assert s.new_notifications() == {  # the child survived: no message to the Coroner
        "national_panel_reviewers": ["contact:national_panel", "contact:ofsted"],
        "board_members_scr_commissioned": ["board"],
    }
    s.assert_offered(journey.FAMILY_LETTER, to=["panelchair"])
    s.assert_records_intact()


def test_each_agency_report_goes_to_its_author_and_a_rejected_one_comes_back_to_its_author(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_panel(s, agencies=["police", "community_health", "education"])
    journey.panel_setup(s)
    s.new_notifications()  # checked in test_the_panel_is_set_up_...
    s.complete(
        "Brief the authors and the managers who sign off the reports", as_="bqam"
    )
    for agency, author in [
        ("police", "police_author"),
        ("community_health", "health_author"),
        ("education", "education_author"),
    ]:
        task = s.assert_offered(
            WRITE,
            of_agency=agency,
            to=[author],
            not_to=[journey.MANAGER_OF.get(agency)],
        )
        assert task.due_at == end_of(
            date(2026, 4, 24)
        )  # the date in the terms of reference

    s.move_to(london(date(2026, 4, 20)))
    s.complete(WRITE, as_="health_author", **journey.AUTHOR_INDEPENDENT)
    s.complete(SIGN_OFF, as_="health_manager", agency_report_signed_off="yes")
    journey.members_give_views(
        s, journey.report_view("community_health"), agency_report_member_view="accept"
    )
    s.complete(WRITE, as_="education_author", **journey.AUTHOR_INDEPENDENT)
    s.complete(SIGN_OFF, as_="education_manager", agency_report_signed_off="yes")
    journey.members_give_views(
        s, journey.report_view("education"), agency_report_member_view="accept"
    )
    s.complete(
        WRITE,
        as_="police_author",
        agency_report="First police report",
        **journey.AUTHOR_INDEPENDENT,
    )
    s.assert_offered(
        SIGN_OFF, of_agency="police", to=["police_manager"], not_to=["health_manager"]
    )
    s.complete(
        SIGN_OFF,
        as_="police_manager",
        agency_report_signed_off="no",
        agency_signoff_comments="Analyse the missed appointments.",
    )
    form = s.engine.tasks.open(
        s.users["police_author"], s.task(WRITE, "police_author").id
    )
    assert form.values["agency_signoff_comments"] == "Analyse the missed appointments."
    s.move_to(london(date(2026, 4, 21)))
    s.complete(
        WRITE,
        as_="police_author",
        agency_report="Second police report",
        **journey.AUTHOR_INDEPENDENT,
    )
    s.complete(SIGN_OFF, as_="police_manager", agency_report_signed_off="yes")
    journey.members_give_views(
        s, journey.report_view("police"), agency_report_member_view="accept"
    )

    s.move_to(london(date(2026, 4, 22)))
    assert s.offered_to(QA) == ["panelchair"]
    qa = s.task(QA, "panelchair", of_agency="police")
    assert s.engine.tasks.open(s.users["panelchair"], qa.id).values[
        "agency_report"
    ] == ("Second police report")
    s.complete(
        QA,
        as_="panelchair",
        of_agency="police",
        agency_report_headings_followed="no",
        agency_report_accepted="yes",  # the headings decide: not accepted
        conduct_concerns_raised="no",
        agency_report_qa_feedback="Follow the IMR template headings.",
    )
    assert s.new_notifications() == {"agency_report_resubmission": ["police_author"]}
    s.assert_offered(WRITE, to=["police_author"])
    form = s.engine.tasks.open(
        s.users["police_author"], s.task(WRITE, "police_author").id
    )
    assert (
        form.values["agency_report_qa_feedback"] == "Follow the IMR template headings."
    )

    s.assert_escalates_after(end_of(date(2026, 4, 24)), still_open=WRITE)
    s.complete(
        WRITE,
        as_="police_author",
        agency_report="Third police report",
        **journey.AUTHOR_INDEPENDENT,
    )
    s.complete(SIGN_OFF, as_="police_manager", agency_report_signed_off="yes")
    journey.members_give_views(
        s, journey.report_view("police"), agency_report_member_view="accept"
    )
    for agency in ("police", "community_health", "education"):
        s.complete(QA, as_="panelchair", of_agency=agency, **journey.REPORT_ACCEPTED)
    s.assert_offered(
        "Combine the agency chronologies into one multi-agency chronology",
        to=["secretariat"],
    )
    assert len(s.escalations()) == 1
    s.assert_records_intact()


def test_the_panel_sends_conduct_concerns_to_the_agency_and_sees_the_author_is_independent(
    scenario: Scenario,
):
    s = scenario
    journey.through(s, "panel_setup")
    s.complete(
        "Brief the authors and the managers who sign off the reports", as_="bqam"
    )
    s.move_to(london(date(2026, 4, 20)))
    for agency in journey.AGENCIES:
        s.complete(WRITE, as_=journey.AUTHOR_OF[agency], **journey.AUTHOR_INDEPENDENT)
        s.complete(
            SIGN_OFF, as_=journey.MANAGER_OF[agency], agency_report_signed_off="yes"
        )
        journey.members_give_views(
            s, journey.report_view(agency), agency_report_member_view="accept"
        )
    qa = s.task(QA, "panelchair", of_agency="police")
    shown = s.engine.tasks.open(s.users["panelchair"], qa.id).values
    assert shown["author_independence_confirmed"] is True
    s.complete(
        QA,
        as_="panelchair",
        of_agency="police",
        agency_report_headings_followed="yes",
        agency_report_accepted="yes",
        conduct_concerns_raised="yes",
        conduct_concerns="The duty sergeant did not record the referral.",
    )
    act = "Act on the conduct concerns the Panel raised about {agency}"
    task = s.assert_offered(
        act, to=["police_manager"], not_to=["health_manager"], of_agency="police"
    )
    shown = s.engine.tasks.open(s.users["police_manager"], task.id).values
    assert shown["conduct_concerns"].startswith("The duty sergeant")
    s.complete(
        QA,
        as_="panelchair",
        of_agency="community_health",
        **journey.REPORT_ACCEPTED,
    )
    assert "Combine the agency chronologies into one multi-agency chronology" not in (
        s.open_tasks()
    )
    s.complete(act, as_="police_manager")
    s.assert_offered(
        "Combine the agency chronologies into one multi-agency chronology",
        to=["secretariat"],
    )
    s.assert_records_intact()


def test_a_rejected_report_is_sent_back_only_to_the_author_who_wrote_it(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_panel(s)
    journey.panel_setup(s)
    s.new_notifications()  # checked in test_the_panel_is_set_up_...
    s.complete(
        "Brief the authors and the managers who sign off the reports", as_="bqam"
    )
    for day, agency in [(20, "police"), (21, "community_health")]:
        s.move_to(london(date(2026, 4, day)))
        s.complete(WRITE, as_=journey.AUTHOR_OF[agency], **journey.AUTHOR_INDEPENDENT)
        s.complete(
            SIGN_OFF, as_=journey.MANAGER_OF[agency], agency_report_signed_off="yes"
        )
        journey.members_give_views(
            s, journey.report_view(agency), agency_report_member_view="accept"
        )
    s.complete(
        QA,
        as_="panelchair",
        of_agency="police",
        agency_report_headings_followed="yes",
        agency_report_accepted="no",
        conduct_concerns_raised="no",
    )
    assert s.new_notifications() == {"agency_report_resubmission": ["police_author"]}
