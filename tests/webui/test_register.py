"""The register page: filters, the overdue flag, an agency lead's view, and the exports."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from engine import Engine
from engine import UserInfo
from engine.clock import FixedClock
from tests.engine.test_register import PHASES
from tests.engine.test_register import _record
from tests.process.conftest import BPMN_DIR
from tests.process.scenario import Scenario
from tests.process.scenario import london
from tests.webui.conftest import AuthActions
from tests.webui.html import read


@pytest.fixture
def one_case(engine: Engine, users: dict[str, UserInfo], clock: FixedClock) -> Scenario:
    from engine.cli import read_bundle

    engine.deployments.deploy(users["owner"], read_bundle(BPMN_DIR), note="register")
    s = Scenario(engine, users, clock)
    for phase in PHASES:
        phase(s)
    s.move_to(london(date(2026, 7, 20)))
    s.complete(
        "Set up the register of progress against the recommendations",
        as_="committee",
        recommendation_count="2",
    )
    _record(s, 1, "police", "2026-09-30", "Train response officers")
    _record(s, 2, "community_health", "2026-12-31", "Health visitor checklist")
    s.move_to(london(date(2026, 10, 5)))
    return s


def test_the_sub_group_filters_the_register_and_downloads_it(
    auth: AuthActions, one_case: Scenario
):
    auth.login("committee")
    page = read(auth.get("/register/"))
    actions = page.table().records()
    assert "Train response officers" in actions[0]["Action"]
    assert one_case.reference in actions[0]["Case"]
    assert len(actions) == 2
    assert "Overdue" in actions[0]["Due"]
    assert "Overdue" not in actions[1]["Due"]

    overdue = read(auth.get("/register/?overdue=yes")).table().records()
    assert [a["No."] for a in overdue] == ["1"]
    health = read(auth.get("/register/?agency=community_health")).table().records()
    assert [a["No."] for a in health] == ["2"]

    response = auth.get("/register/export.xlsx?overdue=yes")
    assert response.status_code == 200
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(
            values_only=True
        )
    )
    assert [r[6] for r in rows[1:]] == ["Train response officers"]
    csv = auth.get("/register/export.csv").get_data(as_text=True)
    assert "Health visitor checklist" in csv


def test_an_agency_lead_sees_only_their_agencys_actions(
    auth: AuthActions, one_case: Scenario
):
    auth.login("police_manager")
    actions = read(auth.get("/register/")).table().records()
    assert len(actions) == 1
    assert "Train response officers" in actions[0]["Action"]
    auth.logout()
    auth.login("reviewer")
    assert auth.get("/register/").status_code == 403
