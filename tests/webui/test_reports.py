"""The case page shows the statutory clock; the Board's report page draws timeliness with its table."""

from __future__ import annotations

from datetime import date

import pytest

from engine import Engine
from engine import UserInfo
from engine.clock import FixedClock
from tests.process import journey
from tests.process.conftest import BPMN_DIR
from tests.process.scenario import Scenario
from tests.process.scenario import london
from tests.webui.conftest import AuthActions
from tests.webui.html import read


@pytest.fixture
def published(engine: Engine, users: dict[str, UserInfo], clock: FixedClock) -> str:
    from engine.cli import read_bundle

    engine.deployments.deploy(users["owner"], read_bundle(BPMN_DIR), note="reports")
    s = Scenario(engine, users, clock)
    journey.through(s, "publication")
    s.move_to(london(date(2026, 7, 20)))
    assert s.reference is not None
    return s.reference


def test_the_case_page_shows_the_clock_with_its_table(
    auth: AuthActions, published: str
):
    auth.login("bqam")
    page = read(auth.get(f"/cases/{published}"))
    clock = page.table(
        f"The statutory clock of case {published} (today is 20 July 2026)"
    )
    rows = {r["Deadline"]: r for r in clock.records()}
    assert rows["SCR Committee meets"]["State"] == "Met"
    assert rows["Report on the Board's website"]["State"] == "Open"
    assert rows["Report on the Board's website"]["Due"] == "14 July 2027"


def test_the_board_report_has_the_timeliness_numbers(auth: AuthActions, published: str):
    auth.login("committee")
    page = read(auth.get("/reports/"))
    table = page.table("Timeliness by deadline and quarter").records()
    committee = [r for r in table if r["Deadline"] == "Committee: 3 weeks"]
    assert committee == [
        {
            "Deadline": "Committee: 3 weeks",
            "Quarter due": "2026 Q1",
            "Met": "1",
            "Missed": "0",
            "Open": "0",
        }
    ]
    auth.logout()
    auth.login("police_author")
    assert auth.get("/reports/").status_code == 403


def test_a_case_without_a_notification_date_says_when_its_clock_starts(
    auth: AuthActions, case
):
    auth.login("bqam")
    page = read(auth.get(f"/cases/{case.reference}"))
    assert (
        "The clock starts when the case records the date the incident was notified."
        in page.text
    )
