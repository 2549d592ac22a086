"""A whole Serious Case Review, from the notification to the last signed-off action, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from engine import EngineSettings
from engine.process.replay import first_difference
from engine.settings import SmtpSettings
from tests.process import journey
from tests.process.scenario import Scenario
from tests.process.scenario import end_of
from tests.process.scenario import london
from tests.smtp import SmtpServer

STANDARD_MESSAGES = {  # each message of the standard case, to whom, in the order sent
    "independent_chair_incident": ["chair"],
    "sqa_manager_incident": ["sqa"],
    "ofsted_serious_incident": ["contact:ofsted"],
    "dfe_serious_incident": ["contact:dfe"],
    "sub_group_chair_incident": ["subgroup"],
    "designated_nurse_incident": ["nurse"],
    "ccg_nhs_england_incident": ["contact:ccg", "contact:nhs_england"],
    "board_members_incident": ["board"],
    "committee_papers": ["committee"],
    "committee_recommendation": ["chair"],
    "chair_decision": ["bqam", "committee", "subgroup"],
    "national_panel_scr_decision": ["contact:national_panel"],
    "ofsted_scr_decision": ["contact:ofsted"],
    "dfe_scr_decision": ["contact:dfe"],
    "national_panel_reviewers": ["contact:national_panel", "contact:ofsted"],
    "board_members_scr_commissioned": ["board"],
    "coroner_scr_commissioned": ["contact:coroner"],
    "family_letter": ["contact:family"],
    "draft_overview_report": ["health_panel", "panelchair", "police_panel"],
    "board_overview_report": ["board", "chair"],
    "national_panel_report_before_publication": ["contact:national_panel"],
    "family_report_sharing": ["contact:family"],
    "staff_report_sharing": ["health_panel", "police_panel"],
}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def engine_settings(smtp: SmtpServer) -> EngineSettings:
    """The engine sends to the test's SMTP server."""
    return EngineSettings(smtp=SmtpSettings(port=smtp.port, timeout=5))


def test_a_review_runs_from_notification_to_the_last_signed_off_action(
    scenario: Scenario, smtp: SmtpServer
):
    s = scenario
    saved = s.keep_snapshots()
    journey.notification(s)
    assert s.view().summary.phase == "Information gathering"
    journey.information_gathering(s)
    journey.committee(s)
    journey.chair_decides(s, "yes")
    assert s.data["review_due"].startswith(
        "2026-09-25"
    )  # six months after the decision
    journey.panel_setup(s)
    journey.agency_reports(s)
    journey.review(s)
    journey.approval(s)
    journey.publication(s)
    journey.learning_register(s, {1: "police", 2: "community_health"})

    police = s.assert_offered(journey.progress(1), to=["police_manager"])
    health = s.assert_offered(journey.progress(2), to=["health_manager"])
    assert (police.agency, health.agency) == ("police", "community_health")
    assert police.due_at == health.due_at == end_of(date(2026, 11, 30))
    s.move_to(london(date(2026, 9, 1)))
    s.complete("Disseminate the learning", as_="committee", procedures_updated="Yes")
    s.move_to(london(date(2026, 11, 20)))
    for number, manager in ((1, "police_manager"), (2, "health_manager")):
        s.complete(journey.progress(number), as_=manager, action_complete="yes")
    assert s.offered_to(journey.review_progress(1)) == ["committee"]
    s.complete(journey.review_progress(1), as_="committee", action_signed_off="yes")
    assert "Sign off the completed action plan" not in s.open_tasks()
    s.complete(journey.review_progress(2), as_="committee", action_signed_off="yes")
    s.move_to(london(date(2026, 12, 1)))
    s.assert_offered("Sign off the completed action plan", to=["subgroup"])
    s.complete("Sign off the completed action plan", as_="subgroup")
    s.complete(journey.ANNUAL_REPORT, as_="committee", annual_report_year="2026-27")

    assert s.open_tasks() == [] and s.view().summary.status == "active"
    s.move_to(end_of(date(2027, 7, 14)))  # twelve months on the website
    assert s.open_tasks() == []
    s.move_to(london(date(2027, 7, 15)))
    s.assert_offered("Decide whether the report stays on the website", to=["bqam"])
    s.complete(
        "Decide whether the report stays on the website",
        as_="bqam",
        publication_after_12_months="on_request",
    )
    assert s.view().summary.status == "completed"
    assert s.escalations() == []  # every deadline was met
    assert list(s.sent()) == list(STANDARD_MESSAGES)  # in the order sent
    assert s.sent() == STANDARD_MESSAGES  # to these people, once; nothing else
    deliver_everything_over_smtp(s, smtp)
    s.assert_records_intact()
    replay_to_every_saved_point(s, saved)


def replay_to_every_saved_point(s: Scenario, saved: list[tuple[int, str]]) -> None:
    """Rebuilt from the events alone (one replay), the case at each saved point is what was stored then."""
    assert s.reference is not None
    assert len(saved) > 50
    replayed = s.engine.audit.replayed_states(
        s.users["auditor"], s.reference, [seq for seq, _state in saved]
    )
    for seq, state in saved:
        difference = first_difference(state, replayed[seq])
        assert difference is None, (seq, difference)


def deliver_everything_over_smtp(s: Scenario, server: SmtpServer) -> None:
    """Every queued message reaches a real SMTP server once, addressed as queued, subject rendered.

    (Those queued before the report went to the National Panel were delivered then, the worker's way
    with the mail server left out: tests/process/mail.py.)"""
    queued = [n for n in s.notifications() if n.address and n.status == "queued"]
    assert s.engine.notifications.deliver() == {
        "sent": len(queued),
        "retried": 0,
        "failed": 0,
    }
    received = sorted((m.recipients[0], m.subject) for m in server.received)
    assert received == sorted((n.address, n.subject) for n in queued)
    names = [s.data["child_family_name"], s.data["child_given_name"]]
    assert not [
        subject for _to, subject in received if any(name in subject for name in names)
    ]
    assert {n.status for n in s.notifications()} == {"sent"}


def test_a_review_held_for_a_criminal_trial_is_extended_sent_back_and_published_without_names(
    scenario: Scenario,
):
    """Proceedings during the agency reports; extension before the target; further work; names."""
    s = scenario
    journey.notification(s, child_family_name="Lowe", child_given_name="Aiden")
    journey.information_gathering(s)
    journey.committee(s)
    journey.chair_decides(s, "yes")
    journey.panel_setup(s)
    s.move_to(london(date(2026, 4, 10)))  # agency reports under way: a criminal trial
    s.record(  # on the case page: the police told the Panel Chair
        "parallel_proceedings_started",
        as_="panelchair",
        on="2026-04-09",
        note="A man is charged; the trial is listed for January.",
    )
    s.complete(
        "Agree with the police and CPS what the review can do meanwhile",
        as_="panelchair",
        proceedings_type="criminal",
        staff_interviews_deferred="The health visitor, until she has given evidence.",
    )
    journey.agency_reports(s)
    s.move_to(london(date(2026, 9, 1)))  # before the six-month target of 25 September
    s.record("review_extension_requested", as_="panelchair", on="2026-09-01")
    s.complete(
        "Propose an extension of the review timescale",
        as_="bqam",
        review_extended_to="2026-12-18",
        extension_agreed_by_bqam="yes",
    )
    s.complete(
        "Agree the extension of the review timescale as Panel Chair",
        as_="panelchair",
        extension_agreed_by_panel_chair="yes",
    )
    s.complete(
        "Agree the extension of the review timescale as Independent Chair",
        as_="chair",
        extension_agreed_by_independent_chair="yes",
    )
    assert s.data["review_due"].startswith("2026-12-18")
    s.move_to(london(date(2026, 9, 28)))
    assert s.escalations() == []  # the old target passed without an escalation
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
    journey.circulate_draft(s, date(2026, 10, 1))
    s.move_to(london(date(2026, 10, 9)))
    s.complete(
        journey.MEETING_ON_DRAFT,
        as_="panelchair",
        final_draft_agreed="yes",
        **journey.NO_REQUESTS,
    )
    s.complete(
        "Finalise the overview report and action plan for the Board", as_="panelchair"
    )
    s.move_to(london(date(2026, 10, 12)))
    legal = (
        "Check the report complies with data protection and publication restrictions"
    )
    board = "Record the Board's decision on the overview report"
    s.complete(legal, as_="legal", legal_report_compliant="yes")
    s.move_to(london(date(2026, 10, 14)))
    s.complete(
        board,
        as_="chair",
        board_decision="further_work",
        board_further_work="Add the family's response to the findings.",
        **journey.AIDE_MEMOIR,
    )
    s.complete("Reinstate the SCR Panel and agree the further work", as_="panelchair")
    s.complete("Revise the overview report", as_="reviewer")
    s.complete(
        "Agree the revised report is ready for the Board",
        as_="panelchair",
        revised_report_ready="yes",
    )
    s.complete(legal, as_="legal", legal_report_compliant="yes")
    s.move_to(london(date(2026, 11, 4)))
    s.complete(board, as_="chair", board_decision="approved", **journey.AIDE_MEMOIR)
    s.move_to(london(date(2026, 11, 5)))
    s.complete(
        "Decide whether to publish the overview report",
        as_="chair",
        publish_decision="publish",
        publication_held_for_proceedings="yes",
    )
    # publication waits for the trial; the action plan is monitored meanwhile
    journey.learning_register(s, {1: "police"}, due="2027-01-29")
    assert "Prepare the report for publication" not in s.open_tasks()
    s.move_to(end_of(date(2026, 12, 18)))
    assert s.escalations() == []  # the Board approved the report within the extension
    s.move_to(london(date(2027, 1, 20)))
    s.complete(journey.progress(1), as_="police_manager", action_complete="yes")
    s.complete(journey.review_progress(1), as_="committee", action_signed_off="yes")
    s.move_to(london(date(2027, 2, 1)))
    s.record("parallel_proceedings_concluded", as_="bqam", on="2027-01-29")
    s.complete(
        "Resume the parts of the review that waited",
        as_="panelchair",
        proceedings_findings="The carer was convicted.",
    )
    named = f"The review of {s.data['child_given_name']} {s.data['child_family_name']}."
    s.complete(
        "Prepare the report for publication",
        as_="bqam",
        executive_summary_positions_only="yes",
        files={"publication_document": ("report.txt", named.encode())},
    )
    resolve = "Remove the names found in the report"
    s.assert_offered(resolve, to=["chair"])
    assert "national_panel_report_before_publication" not in s.sent()
    form = s.engine.tasks.open(s.users["chair"], s.task(resolve, "chair").id)
    assert s.data["child_family_name"] in form.values["name_check_hits"]
    s.complete(
        resolve,
        as_="chair",
        files={"publication_document": ("report.txt", b"The review of Child A.")},
    )
    assert resolve not in s.open_tasks()
    s.assert_offered(journey.SEND_TO_NATIONAL_PANEL, to=["chair"])
    assert "national_panel_report_before_publication" not in s.sent()
    s.complete(journey.SEND_TO_NATIONAL_PANEL, as_="chair")
    assert "national_panel_report_before_publication" in s.sent()
    s.assert_records_intact()
