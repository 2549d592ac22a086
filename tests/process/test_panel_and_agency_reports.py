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
SIGN_OFF = "Sign off the agency report"
QA = journey.QA_REPORT
BRIEF = "Brief the authors and the managers who sign off the reports"
COMBINE = "Combine the agency chronologies into one multi-agency chronology"


def _up_to_the_panel(s: Scenario, **start) -> None:
    journey.notification(s, **start)
    journey.information_gathering(s)
    journey.committee(s)
    journey.chair_decides(s, "yes")
    s.new_notifications()  # what those phases sent is checked in their own tests


def test_the_panel_is_set_up_and_the_national_panel_board_coroner_and_family_are_told(
    scenario: Scenario,
):
    s = scenario
    _up_to_the_panel(s)
    s.move_to(london(date(2026, 3, 27)))
    s.assert_offered(ESTABLISH, to=["bqam"])
    s.complete(ESTABLISH, as_="bqam", panel_agencies=journey.PANEL_AGENCIES)
    s.assert_offered(APPROVE_CHAIR, to=["chair"])
    s.complete(APPROVE_CHAIR, as_="chair", panel_chair_approved="yes")
    s.move_to(london(date(2026, 3, 30)))
    s.complete("Appoint the independent reviewer and overview author", as_="bqam")
    assert s.new_notifications() == {
        "national_panel_reviewers": ["contact:national_panel"]
    }
    s.assert_offered("Decide the review methodology", to=journey.PANEL)
    s.complete(
        "Decide the review methodology",
        as_="panelchair",
        methodology="traditional_imr",
        imrs_requested="yes",
    )
    s.complete(
        "Agree the terms of reference", as_="panelchair", **journey.TERMS_OF_REFERENCE
    )
    assert s.new_notifications() == {
        "board_members_scr_commissioned": ["board"],
        "coroner_scr_commissioned": ["contact:coroner"],  # the child died
    }
    s.move_to(london(date(2026, 4, 1)))
    s.complete("Agree the letter to the family", as_="panelchair")
    assert s.new_notifications() == {"family_letter": ["contact:family"]}
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
        s.complete(WRITE, as_=journey.AUTHOR_OF[agency])
        s.complete(
            SIGN_OFF, as_=journey.MANAGER_OF[agency], agency_report_signed_off="yes"
        )
    s.move_to(london(date(2026, 4, 23)))
    assert s.offered_to(QA) == journey.PANEL
    for agency in journey.AGENCIES:
        s.complete(QA, as_="panelchair", of_agency=agency, agency_report_accepted="yes")
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
    s.complete("Appoint the independent reviewer and overview author", as_="bqam")
    s.complete(
        "Decide the review methodology",
        as_="panelchair",
        methodology="silp",
        imrs_requested="no",
    )
    s.complete(
        "Agree the terms of reference", as_="panelchair", **journey.TERMS_OF_REFERENCE
    )
    assert s.new_notifications() == {  # the child survived: no message to the Coroner
        "national_panel_reviewers": ["contact:national_panel"],
        "board_members_scr_commissioned": ["board"],
    }
    s.assert_offered("Agree the letter to the family", to=["panelchair"])
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
    s.complete(WRITE, as_="health_author")
    s.complete(SIGN_OFF, as_="health_manager", agency_report_signed_off="yes")
    s.complete(WRITE, as_="education_author")
    s.complete(SIGN_OFF, as_="education_manager", agency_report_signed_off="yes")
    s.complete(WRITE, as_="police_author", agency_report="First police report")
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
    s.complete(WRITE, as_="police_author", agency_report="Second police report")
    s.complete(SIGN_OFF, as_="police_manager", agency_report_signed_off="yes")

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
        agency_report_accepted="no",
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
    s.complete(WRITE, as_="police_author", agency_report="Third police report")
    s.complete(SIGN_OFF, as_="police_manager", agency_report_signed_off="yes")
    for agency in ("police", "community_health", "education"):
        s.complete(QA, as_="panelchair", of_agency=agency, agency_report_accepted="yes")
    s.assert_offered(
        "Combine the agency chronologies into one multi-agency chronology",
        to=["secretariat"],
    )
    assert len(s.escalations()) == 1
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
        s.complete(WRITE, as_=journey.AUTHOR_OF[agency])
        s.complete(
            SIGN_OFF, as_=journey.MANAGER_OF[agency], agency_report_signed_off="yes"
        )
    s.complete(QA, as_="panelchair", of_agency="police", agency_report_accepted="no")
    assert s.new_notifications() == {"agency_report_resubmission": ["police_author"]}
