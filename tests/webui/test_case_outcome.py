"""A finished case says on its page how it ended, in the words of the diagram's end event."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine import Engine
from engine import UserInfo
from engine.cli import read_bundle
from engine.clock import FixedClock
from tests.process import journey
from tests.process.scenario import Scenario
from tests.process.scenario import london
from tests.webui.conftest import AuthActions
from tests.webui.html import read

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.fixture
def scenario(engine: Engine, users: dict[str, UserInfo], clock: FixedClock) -> Scenario:
    """A case on the real diagrams."""
    engine.deployments.deploy(users["owner"], read_bundle(BPMN_DIR), note="outcome")
    return Scenario(engine, users, clock)


def test_a_case_referred_to_another_lscb_shows_that_outcome_on_its_page_and_in_the_list(
    auth: AuthActions, scenario: Scenario
) -> None:
    s = scenario
    s.start(**journey.STANDARD_START)
    s.complete(
        journey.LSCB_CHECK,
        as_="bqam",
        child_normally_lives_in="Kirklees",
        board_responsible="no",
    )
    s.move_to(london(date(2026, 3, 4)))
    s.complete(
        "Consider notifying Ofsted of the serious incident",
        as_="sqa",
        ofsted_notification_required="no",
    )
    s.complete(
        "Refer the case to the responsible LSCB",
        as_="bqam",
        responsible_lscb="Kirklees Safeguarding Children Board",
        responsible_lscb_contact="scr@kirklees.example.org",
        lscb_referral_sent_on="2026-03-04",
    )
    auth.login("bqam")

    page = read(auth.get(f"/cases/{s.reference}"))
    about = dict(page.definitions())
    assert about["Outcome"] == "Referred to the responsible LSCB on 4 March 2026"
    assert "Phase" not in about and "Now" not in about
    listing = read(auth.get("/cases/"))
    assert "Referred to the responsible LSCB" in listing.text
