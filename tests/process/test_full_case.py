"""A whole Serious Case Review, from the notification to the last signed-off action, on both databases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from engine.process.replay import first_difference
from engine.settings import SmtpSettings
from tests.process import journey
from tests.process.scenario import Scenario
from tests.process.scenario import end_of
from tests.process.scenario import london
from tests.smtp import SmtpServer

PROGRESS = "Report progress on the action with evidence"
REVIEW_PROGRESS = "Review the progress and evidence"


def test_a_review_runs_from_notification_to_the_last_signed_off_action(
    scenario: Scenario,
):
    s = scenario
    saved = snapshot_every_change(s)
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
    assert s.new_notifications() == {}
    assert list(s.sent()) == [  # each message of the standard case, in the order sent
        "independent_chair_incident",
        "sqa_manager_incident",
        "ofsted_serious_incident",
        "dfe_serious_incident",
        "sub_group_chair_incident",
        "designated_nurse_incident",
        "ccg_nhs_england_incident",
        "board_members_incident",
        "committee_papers",
        "committee_recommendation",
        "chair_decision",
        "national_panel_scr_decision",
        "ofsted_scr_decision",
        "dfe_scr_decision",
        "national_panel_reviewers",
        "board_members_scr_commissioned",
        "coroner_scr_commissioned",
        "family_letter",
        "draft_overview_report",
        "board_overview_report",
        "national_panel_report_before_publication",
        "family_report_sharing",
        "staff_report_sharing",
    ]
    deliver_everything_over_smtp(s)
    s.assert_records_intact()
    replay_to_every_saved_point(s, saved)


def snapshot_every_change(s: Scenario) -> list[tuple[int, str]]:
    """(last event number, stored workflow state) after every command that changed the case."""
    saved: list[tuple[int, str]] = []
    write = s.engine._write

    def write_and_snapshot(command):  # type: ignore[no-untyped-def]
        result = write(command)
        with s.engine.database.bind.connect() as connection:
            row = connection.execute(
                text("SELECT id, state FROM review_case ORDER BY id LIMIT 1")
            ).first()
            if row is not None:
                seq = connection.execute(
                    text("SELECT max(seq) FROM audit_event WHERE case_id = :c"),
                    {"c": row.id},
                ).scalar_one()
                if not saved or saved[-1] != (seq, row.state):
                    saved.append((seq, row.state))
        return result

    s.engine._write = write_and_snapshot  # type: ignore[method-assign]
    return saved


def replay_to_every_saved_point(s: Scenario, saved: list[tuple[int, str]]) -> None:
    """Rebuilt from the events alone, the case at each saved point is exactly what was stored then."""
    auditor = s.users["auditor"]
    assert len(saved) > 50
    for seq, state in saved:
        difference = first_difference(
            state, s.engine.audit.replayed_state(auditor, s.reference, seq)
        )
        assert difference is None, (seq, difference)


def deliver_everything_over_smtp(s: Scenario) -> None:
    """Every queued message reaches a real SMTP server once, addressed as queued, subject rendered."""
    server = SmtpServer()
    server.start()
    try:
        s.engine.smtp = SmtpSettings(port=server.port, timeout=5)
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
            subject
            for _to, subject in received
            if any(name in subject for name in names)
        ]
        assert {n.status for n in s.notifications()} == {"sent"}
    finally:
        server.stop()
