"""The Board's pictures in a browser (issue 13): the case page's statutory clock and the timeliness
chart, photographed, checked with axe, and their tables compared with the data the pictures drew."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from engine import EngineSettings
from engine import FixedClock
from engine import Upload
from engine import build_engine
from engine.cli import read_bundle
from engine.db.demo import DEMO_USERS
from tests.browser.people import serious_violations
from tests.browser.people import sign_in
from tests.browser.test_auditor import running
from tests.conftest import ROOT
from tests.conftest import START
from tests.engine.test_chronology import HEALTH_CORRECTED
from tests.engine.test_chronology import POLICE
from tests.engine.test_chronology import _csv
from tests.engine.test_register import _record
from tests.process import journey
from tests.process.scenario import Scenario
from tests.process.scenario import london

pytestmark = pytest.mark.browser
TODAY = london(date(2026, 7, 20))


def two_cases(database: Path) -> str:
    """A case published on 14 July 2026, and one whose Committee never met (its clock ran out)."""
    clock = FixedClock(START)
    engine = build_engine(
        EngineSettings(database_url=f"sqlite:///{database}"), clock=clock
    )
    users = {name: engine.accounts.by_username(name) for name, *_ in DEMO_USERS}
    stalled, published = Scenario(engine, users, clock), Scenario(engine, users, clock)
    journey.notification(stalled)
    journey.through(published, "publication")
    published.complete(  # when it was published: the plan is monitored from approval
        "Set up the register of progress against the recommendations",
        as_="committee",
        recommendation_count="2",
    )
    _record(published, 1, "police", "2026-07-17", "Train response officers")
    _record(published, 2, "community_health", "2026-12-31", "Health visitor checklist")
    published.move_to(TODAY)  # the police action is overdue
    for author, rows in (
        ("police_author", POLICE),
        ("health_author", HEALTH_CORRECTED),
    ):
        engine.chronology.submit(
            users[author], published.reference, None, Upload("c.csv", _csv(rows))
        )
    engine.dispose()
    assert published.reference is not None
    return published.reference


@pytest.fixture(scope="module")
def case_reference(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str]]:
    from tests.webui.database import build_database

    folder = tmp_path_factory.mktemp("reports")
    build_database(folder / "scr.sqlite3", read_bundle(ROOT / "bpmn"))
    reference = two_cases(folder / "scr.sqlite3")
    with running(folder / "scr.sqlite3", TODAY) as address:
        yield address, reference


@pytest.fixture(scope="module")
def live_server(case_reference: tuple[str, str]) -> str:
    return case_reference[0]


def test_the_case_clock_and_the_timeliness_chart_match_their_tables(
    page: Page, case_reference: tuple[str, str], screenshots: Path
):
    _address, reference = case_reference
    sign_in(page, "bqam")

    page.goto(f"/cases/{reference}")
    clock = page.locator("svg#case-clock")
    expect(clock).to_be_visible()
    expect(
        page.get_by_role("img", name=f"Statutory clock of case {reference}")
    ).to_be_visible()
    clock.screenshot(path=screenshots / "case-clock.png")
    assert serious_violations(page) == []
    drawn = [
        (g.get_attribute("data-key"), g.get_attribute("data-state"))
        for g in clock.locator("g[data-state]").all()
    ]
    table = page.locator("#case-clock-table tbody tr")
    states = [row.locator("td").last.inner_text() for row in table.all()]
    labels = {
        "met": "Met",
        "missed": "Missed",
        "open": "Open",
        "not_yet": "Not reached yet",
    }
    assert [labels[state] for _key, state in drawn] == states
    assert len(drawn) == 8
    assert dict(drawn)["Committee: 3 weeks"] == "met"
    expect(clock.get_by_text("Today", exact=True)).to_be_visible()

    page.goto("/reports/")
    chart = page.locator("svg#timeliness-chart")
    expect(chart).to_be_visible()
    chart.screenshot(path=screenshots / "timeliness-chart.png")
    page.screenshot(path=screenshots / "board-reports.png", full_page=True)
    assert serious_violations(page) == []
    drawn_counts: dict[str, dict[str, int]] = {}
    for rect in chart.locator("rect[data-state]").all():
        label = rect.get_attribute("data-label") or ""
        state = rect.get_attribute("data-state") or ""
        drawn_counts.setdefault(label, {})[state] = int(
            rect.get_attribute("data-count") or 0
        )
    tabled: dict[str, dict[str, int]] = {}
    for row in page.locator("#timeliness-table tbody tr").all():
        met, missed, open_ = (int(c) for c in row.locator("td").all_inner_texts()[1:])
        counts = {"met": met, "missed": missed, "open": open_}
        tabled[row.get_attribute("data-label") or ""] = {
            k: v for k, v in counts.items() if v
        }
    assert tabled == drawn_counts
    assert tabled["Committee: 3 weeks, 2026 Q1"] == {"met": 1, "missed": 1}


def test_the_register_and_the_chronology_pages_pass_axe(
    page: Page, case_reference: tuple[str, str], screenshots: Path
):
    _address, reference = case_reference
    sign_in(page, "committee")
    page.goto("/register/")
    expect(
        page.get_by_role("heading", level=1, name="Recommendations register")
    ).to_be_visible()
    expect(page.get_by_text("Overdue", exact=True)).to_be_visible()
    page.screenshot(path=screenshots / "register.png", full_page=True)
    assert serious_violations(page) == []
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Filter the register").click()
    expect(
        page.get_by_role("cell", name="Train response officers", exact=False)
    ).to_be_visible()
    expect(page.get_by_text("Health visitor checklist")).to_have_count(0)

    page.goto(f"/chronology/{reference}/")
    expect(
        page.get_by_role("heading", level=1, name="Multi-agency chronology")
    ).to_be_visible()
    page.screenshot(path=screenshots / "chronology-anonymised.png", full_page=True)
    assert serious_violations(page) == []
    expect(page.get_by_text("Jane Smith")).to_have_count(0)
