"""The case page's task list of phases (issue 15), read by visible text as a person reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine
from engine import UserInfo
from engine.cli import read_bundle
from engine.clock import FixedClock
from tests.process import journey
from tests.process.scenario import Scenario
from tests.webui.conftest import AuthActions
from tests.webui.html import Page
from tests.webui.html import read

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
FIRST_PHASES = [
    "Notification",
    "Information gathering",
    "Committee recommendation",
    "Chair's decision",
]
NO_SCR = "Close the case without an SCR"


@pytest.fixture
def scenario(engine: Engine, users: dict[str, UserInfo], clock: FixedClock) -> Scenario:
    """A case on the real diagrams."""
    engine.deployments.deploy(users["owner"], read_bundle(BPMN_DIR), note="phases")
    return Scenario(engine, users, clock)


def phases(page: Page) -> list[tuple[str, str]]:
    """Each phase's name and its status, as the lines under the heading "Phases" read."""
    lines = page.section("Phases")
    return list(zip(lines[::2], lines[1::2], strict=True))


def test_a_new_case_shows_its_phases_with_notification_in_progress(
    auth: AuthActions, scenario: Scenario
) -> None:
    scenario.start(**journey.STANDARD_START)
    auth.login("bqam")

    page = read(auth.get(f"/cases/{scenario.reference}"))

    found = phases(page)
    assert [name for name, _ in found][:4] == FIRST_PHASES
    assert found[0] == ("Notification", "In progress")
    assert {status for _, status in found[1:]} == {"Not started"}
    assert "In progress" in page.tags()


def test_after_a_no_scr_decision_the_review_phases_read_not_needed(
    auth: AuthActions, scenario: Scenario
) -> None:
    journey.notification(scenario)
    journey.information_gathering(scenario)
    journey.committee(scenario)
    journey.chair_decides(scenario, "no")
    auth.login("bqam")

    found = dict(phases(read(auth.get(f"/cases/{scenario.reference}"))))

    assert [found.pop(name) for name in FIRST_PHASES] == ["Completed"] * 4
    assert found.pop(NO_SCR) == "In progress"
    assert found and set(found.values()) == {"Not needed"}
