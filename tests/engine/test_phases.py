"""The phases of a case (issue 15): each call activity of the real top-level diagram, in order, with
where it stands: completed, in progress, waiting until when for what, not started, not needed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import lxml.etree
import pytest

from engine import Engine
from engine import PhaseStatus
from engine.cli import read_bundle
from engine.clock import FixedClock
from engine.dto import UserInfo
from engine.process.handlers import HandlerRegistry
from tests.process import journey
from tests.process.marks import branch_test
from tests.process.scenario import Scenario
from tests.process.scenario import end_of
from tests.process.scenario import london

pytestmark = branch_test

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


@pytest.fixture
def handlers() -> HandlerRegistry:
    """The real notify handler, as the running system has it (the engine suite records instead)."""
    return HandlerRegistry()


@pytest.fixture
def scenario(engine: Engine, users: dict[str, UserInfo], clock: FixedClock) -> Scenario:
    engine.deployments.deploy(users["owner"], read_bundle(BPMN_DIR), note="phases")
    return Scenario(engine, users, clock)


def call_activities(inside_sub_process: bool) -> set[str]:
    """The names of the call activities of scr_review.bpmn, inside an embedded sub-process or not."""
    tree = lxml.etree.parse(BPMN_DIR / "scr_review.bpmn")
    return {
        element.get("name")
        for element in tree.iter(f"{BPMN}callActivity")
        if (element.getparent().tag == f"{BPMN}subProcess") == inside_sub_process
    }


def phases(s: Scenario) -> dict[str, PhaseStatus]:
    return {phase.name: phase for phase in s.view().phases}


def statuses(s: Scenario) -> dict[str, str]:
    return {name: phase.status for name, phase in phases(s).items()}


FIRST_PHASES = [
    "Notification",
    "Information gathering",
    "Committee recommendation",
    "Chair's decision",
]
NO_SCR = "Close the case without an SCR"


def test_a_case_just_notified_is_in_notification_and_no_later_phase_has_started(
    scenario: Scenario,
) -> None:
    scenario.start(**journey.STANDARD_START)

    found = statuses(scenario)
    assert list(found)[:4] == FIRST_PHASES
    assert set(found) == call_activities(False) | call_activities(True)
    assert found.pop("Notification") == "in_progress"
    assert set(found.values()) == {"not_started"}
    assert all(p.waiting_for is None for p in scenario.view().phases)


def test_after_the_chair_decides_no_scr_the_review_phases_are_not_needed(
    scenario: Scenario,
) -> None:
    journey.notification(scenario)
    journey.information_gathering(scenario)
    journey.committee(scenario)
    journey.chair_decides(scenario, "no")

    found = statuses(scenario)
    assert [found[name] for name in FIRST_PHASES] == ["completed"] * 4
    assert found[NO_SCR] == "in_progress"
    review_phases = call_activities(True)
    assert {found[name] for name in review_phases} == {"not_needed"}
    assert set(found) == {*FIRST_PHASES, NO_SCR, *review_phases}


def test_while_the_review_waits_for_the_next_panel_meeting_it_says_until_when_for_what(
    scenario: Scenario,
) -> None:
    journey.through(scenario, "agency_reports")
    s = scenario
    s.move_to(london(date(2026, 4, 28)))
    s.complete(
        "Hold the first SCR Panel meeting", as_="panelchair", **journey.NO_REQUESTS
    )
    s.move_to(london(date(2026, 5, 5)))
    s.complete(
        "Involve the family in the review", as_="panelchair", family_contributes="yes"
    )
    s.complete(
        "Run the practitioner learning events or structured conversations",
        as_="reviewer",
        learning_event_record_checked="yes",
    )
    journey.circulate_draft(s, date(2026, 6, 1))

    review = phases(s)["Review"]
    [meeting] = [w for w in s.view().waiting if w.until == end_of(date(2026, 6, 8))]
    assert (review.status, review.waiting_for) == ("waiting", meeting.reason)
    assert review.until == end_of(date(2026, 6, 8))
    found = statuses(s)
    assert found[NO_SCR] == "not_needed"
    assert found["Panel set-up"] == found["Agency reports"] == "completed"
    assert found["Approval"] == found["Publication"] == "not_started"


def test_a_completed_case_has_every_phase_completed_or_not_needed(
    scenario: Scenario,
) -> None:
    journey.through(scenario, "publication")
    assert statuses(scenario)["Publication"] == "completed"
    journey.learning(scenario)
    journey.a_year_on_the_website(scenario)

    view = scenario.view()
    assert view.summary.status == "completed"
    found = {p.name: p.status for p in view.phases}
    assert set(found.values()) == {"completed", "not_needed"}
    assert found[NO_SCR] == "not_needed"
    assert [found[name] for name in FIRST_PHASES] == ["completed"] * 4
    for name in ("Panel set-up", "Agency reports", "Review", "Approval", "Learning"):
        assert found[name] == "completed", name
