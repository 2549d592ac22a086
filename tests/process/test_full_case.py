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

PROGRESS = "Report progress on the action with evidence"
REVIEW_PROGRESS = "Review the progress and evidence"
STANDARD_MESSAGES = {  # each message of the standard case, to whom, in the order sent
    "independent_chair_incident": ["chair"],
    "sqa_manager_incident": ["sqa"],
    "ofsted_serious_incident": ["contact:ofsted"],
    "dfe_serious_incident": ["contact:dfe"],
    "sub_group_chair_incident": ["committee"],
    "designated_nurse_incident": ["nurse"],
    "ccg_nhs_england_incident": ["contact:ccg", "contact:nhs_england"],
    "board_members_incident": ["board"],
    "committee_papers": ["committee"],
    "committee_recommendation": ["chair"],
    "chair_decision": ["bqam", "committee"],
    "national_panel_scr_decision": ["contact:national_panel"],
    "ofsted_scr_decision": ["contact:ofsted"],
    "dfe_scr_decision": ["contact:dfe"],
    "national_panel_reviewers": ["contact:national_panel"],
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

    police = s.assert_offered(PROGRESS, to=["police_manager"], of_agency="police")
    health = s.assert_offered(
        PROGRESS, to=["health_manager"], of_agency="community_health"
    )
    assert (police.agency, health.agency) == ("police", "community_health")
    assert police.due_at == health.due_at == end_of(date(2026, 11, 30))
    s.move_to(london(date(2026, 9, 1)))
    s.complete("Disseminate the learning", as_="committee", procedures_updated="Yes")
    s.move_to(london(date(2026, 11, 20)))
    for manager in ("police_manager", "health_manager"):
        s.complete(PROGRESS, as_=manager, action_complete="yes")
    assert s.offered_to(REVIEW_PROGRESS) == ["committee"]
    s.complete(REVIEW_PROGRESS, as_="committee", any_one=True, action_signed_off="yes")
    assert "Sign off the completed action plan" not in s.open_tasks()
    s.complete(REVIEW_PROGRESS, as_="committee", action_signed_off="yes")
    s.move_to(london(date(2026, 12, 1)))
    s.assert_offered("Sign off the completed action plan", to=["committee"])
    s.complete("Sign off the completed action plan", as_="committee")

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
    """Every queued message reaches a real SMTP server once, addressed as queued, subject rendered."""
    queued = [n for n in s.notifications() if n.address]
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
