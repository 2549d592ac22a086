"""The chronology pages: the template, a refused upload with its rows, the merged readings, exports."""

from __future__ import annotations

import io

import openpyxl
import pytest

from engine import Engine
from engine import UserInfo
from engine.clock import FixedClock
from tests.engine.test_chronology import HEALTH_CORRECTED
from tests.engine.test_chronology import HEALTH_WITH_ERRORS
from tests.engine.test_chronology import POLICE
from tests.engine.test_chronology import _csv
from tests.engine.test_chronology import _xlsx
from tests.process import journey
from tests.process.conftest import BPMN_DIR
from tests.process.scenario import Scenario
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.html import read


@pytest.fixture
def reviewed(engine: Engine, users: dict[str, UserInfo], clock: FixedClock) -> str:
    from engine.cli import read_bundle

    engine.deployments.deploy(users["owner"], read_bundle(BPMN_DIR), note="chronology")
    s = Scenario(engine, users, clock)
    journey.notification(s, child_given_name="Amy", child_family_name="Smith")
    for phase in (
        journey.information_gathering,
        journey.committee,
        lambda s: journey.chair_decides(s, "yes"),
        journey.panel_setup,
        journey.agency_reports,
        journey.review,
    ):
        phase(s)
    assert s.reference is not None
    return s.reference


def _upload(auth: AuthActions, ref: str, name: str, content: bytes):
    return auth.post(
        f"/chronology/{ref}/",
        data={"chronology": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_agencies_upload_and_the_reviewer_reads_it_without_names(
    auth: AuthActions, reviewed: str
):
    auth.login("health_author")
    template = auth.get("/chronology/template.xlsx")
    headings = next(
        openpyxl.load_workbook(io.BytesIO(template.data)).active.iter_rows(
            values_only=True
        )
    )
    assert headings[:2] == ("Date", "Time")

    refused = _upload(auth, reviewed, "health.xlsx", _xlsx(HEALTH_WITH_ERRORS))
    assert refused.status_code == 400
    page = read(refused)
    assert [e.message for e in page.error_summary()][0] == (
        "row 3: the date 31/02/2026 is not a real date"
    )
    assert "row 5: “Practitioner role” is empty" in [
        e.message for e in page.error_summary()
    ]
    accepted = _upload(auth, reviewed, "health.xlsx", _xlsx(HEALTH_CORRECTED))
    assert accepted.status_code == 302
    auth.logout()
    auth.login("police_author")
    assert _upload(auth, reviewed, "police.csv", _csv(POLICE)).status_code == 302
    auth.logout()

    auth.login("reviewer")
    page = read(auth.get(f"/chronology/{reviewed}/"))
    rows = page.table(f"Merged chronology of case {reviewed} (anonymised)").records()
    assert [r["Date"][:10] for r in rows] == [
        "03/01/2026",
        "14/01/2026",
        "03/02/2026",
        "05/02/2026",
        "20/02/2026",
    ]
    shown = text(auth.get(f"/chronology/{reviewed}/"))
    for name in ("Jane Smith", "Amy", "Jo Bloggs", "Ravi Patel", "Kim Lee"):
        assert name not in shown
    assert auth.get(f"/chronology/{reviewed}/?view=named").status_code == 403
    xlsx = auth.get(f"/chronology/{reviewed}/export.xlsx")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)
    )
    assert len(rows) == 6
    printed = read(auth.get(f"/chronology/{reviewed}/print?person=Child"))
    assert len(printed.table().records()) == 2
    auth.logout()

    auth.login("panelchair")
    named = read(auth.get(f"/chronology/{reviewed}/"))
    assert "Jane Smith (Mother)" in named.text
