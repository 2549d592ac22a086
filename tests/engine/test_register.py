"""The recommendations register (issue 13): two cases driven to the learning phase through the real
diagrams; the register is the cross-case read of what the action plan's tasks recorded."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from engine import Engine
from engine import NotPermitted
from engine.clock import FixedClock
from engine.dto import UserInfo
from engine.process.handlers import HandlerRegistry
from engine.services.register import RegisterFilter
from tests.process import journey
from tests.process.conftest import BPMN_DIR
from tests.process.scenario import Scenario
from tests.process.scenario import london

RECORD = "Record the recommendation and its SMART action"
PROGRESS = "Report progress on recommendation 2 with evidence"  # the health action
REVIEW = "Review the progress on recommendation 2"
PHASES = [
    journey.notification,
    journey.information_gathering,
    journey.committee,
    lambda s: journey.chair_decides(s, "yes"),
    journey.panel_setup,
    journey.agency_reports,
    journey.review,
    journey.approval,
    journey.publication,
]


@pytest.fixture
def handlers() -> HandlerRegistry:
    """The real notify handler (the diagrams' notify tasks queue real outbox rows)."""
    return HandlerRegistry()


def _record(s: Scenario, number: int, agency: str, due: str, action: str) -> None:
    s.complete(
        RECORD,
        as_="committee",
        any_one=True,
        recommendation_number=str(number),
        recommendation_text=f"Recommendation {number} of {s.reference}",
        multi_agency_recommendation="no",
        action_agency=agency,
        action_responsible_officer="Head of safeguarding",
        action_description=action,
        action_outcome_measure="Audit shows the checklist used in 9 of 10 cases",
        action_due_on=due,
    )


@pytest.fixture
def two_cases(engine: Engine, users: dict[str, UserInfo], clock: FixedClock):
    """Two cases run side by side, phase by phase, to the learning phase, and their action plans."""
    from engine.cli import read_bundle

    engine.deployments.deploy(users["owner"], read_bundle(BPMN_DIR), note="register")
    first, second = Scenario(engine, users, clock), Scenario(engine, users, clock)
    for phase in PHASES:
        phase(first)
        phase(second)
    for s in (first, second):
        s.move_to(london(date(2026, 7, 20)))
        s.complete(
            "Set up the register of progress against the recommendations",
            as_="committee",
            recommendation_count="2",
        )
    _record(first, 1, "police", "2026-09-30", "Train response officers")
    _record(first, 2, "community_health", "2026-12-31", "Health visitor checklist")
    _record(second, 1, "police", "2026-12-31", "Audit missing-child reports")
    _record(second, 2, "education", "2026-12-31", "Attendance follow-up")
    return first, second


def test_the_register_reads_every_cases_actions_and_shows_each_agency_its_own(
    two_cases: tuple[Scenario, Scenario], engine: Engine, users: dict[str, UserInfo]
):
    first, second = two_cases
    first.move_to(london(date(2026, 9, 1)))
    first.complete(
        PROGRESS,
        as_="health_manager",
        action_progress="Checklist drafted.",
        action_evidence="Draft checklist v1",
        action_complete="yes",
    )
    first.complete(REVIEW, as_="committee", action_signed_off="yes")
    first.move_to(
        london(date(2026, 10, 5))
    )  # the police action of the first case is overdue

    page = engine.register.page(users["committee"], RegisterFilter())
    assert page.whole
    assert [(e.case_reference, e.number, e.agency_key) for e in page.entries] == [
        (first.reference, 1, "police"),
        (first.reference, 2, "community_health"),
        (second.reference, 1, "police"),
        (second.reference, 2, "education"),
    ]
    health = page.entries[1]
    assert health.status == "signed_off"
    assert health.signed_off_by == "Carol Mitchell"
    assert [r.kind for r in health.reports] == ["progress", "review"]
    assert health.reports[0].evidence == "Draft checklist v1"
    assert health.outcome_measure.startswith("Audit shows")
    assert [e.overdue for e in page.entries] == [True, False, False, False]

    overdue = engine.register.page(users["bqam"], RegisterFilter(overdue=True))
    assert [(e.case_reference, e.action) for e in overdue.entries] == [
        (first.reference, "Train response officers")
    ]
    police = engine.register.page(users["police_manager"], RegisterFilter())
    assert not police.whole
    assert {e.agency_key for e in police.entries} == {"police"}
    assert {e.case_reference for e in police.entries} == {
        first.reference,
        second.reference,
    }
    with pytest.raises(NotPermitted):
        engine.register.page(users["reviewer"], RegisterFilter())

    exported = engine.register.export(users["committee"], RegisterFilter(), "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Case", "Recommendation")
    assert [(r[0], r[1], r[6]) for r in rows[1:]] == [
        (first.reference, 1, "Train response officers"),
        (first.reference, 2, "Health visitor checklist"),
        (second.reference, 1, "Audit missing-child reports"),
        (second.reference, 2, "Attendance follow-up"),
    ]
    assert rows[1][10] == "Yes"  # overdue
    csv_text = engine.register.export(
        users["police_manager"], RegisterFilter(), "csv"
    ).content.decode("utf-8-sig")
    assert "Health visitor checklist" not in csv_text
    assert "Audit missing-child reports" in csv_text
    first.assert_records_intact()  # the register reads the record; it changes nothing of it
