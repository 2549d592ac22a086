"""The case at a glance (issue 15), in a browser: what a case waits for and until when, read by visible
text only, while it waits a week before publication and a year on the website; then its outcome."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import lxml.etree
import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from engine import Engine
from engine import EngineSettings
from engine import FixedClock
from engine import build_engine
from engine.cli import read_bundle
from engine.db.demo import DEMO_USERS
from tests.browser.people import sign_in
from tests.browser.test_auditor import running
from tests.browser.test_form_components import every_violation
from tests.conftest import ROOT
from tests.conftest import START
from tests.process import journey
from tests.process.mail import report_pdf
from tests.process.mail import send_outbox
from tests.process.scenario import Scenario
from tests.process.scenario import end_of
from tests.process.scenario import london

pytestmark = pytest.mark.browser
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def timer_name(file_name: str, element_id: str) -> str:
    """The name the diagram gives a timer: what the page must say the case waits for."""
    tree = lxml.etree.parse(ROOT / "bpmn" / file_name)
    for element in tree.iter(f"{BPMN}intermediateCatchEvent"):
        if element.get("id") == element_id:
            return element.get("name")
    raise LookupError(element_id)


@dataclass
class Walk:
    """One standard case, moved on by the engine while the browser reads its page."""

    address: str
    scenario: Scenario
    engine: Engine

    @property
    def reference(self) -> str:
        assert self.scenario.reference is not None
        return self.scenario.reference


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    from tests.webui.database import build_database

    database = tmp_path_factory.mktemp("glance") / "scr.sqlite3"
    build_database(database, read_bundle(ROOT / "bpmn"))
    clock = FixedClock(START)
    engine = build_engine(
        EngineSettings(database_url=f"sqlite:///{database}"), clock=clock
    )
    users = {name: engine.accounts.by_username(name) for name, *_ in DEMO_USERS}
    scenario = Scenario(engine, users, clock)
    journey.through(scenario, "agency_reports")
    try:
        with running(database, london(date(2026, 7, 8))) as address:
            yield Walk(address, scenario, engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def live_server(walk: Walk) -> str:
    return walk.address


def about(page: Page, key: str) -> str:
    """The text shown against `key` in the case's summary."""
    term = page.get_by_role("term").filter(has_text=re.compile(f"^{key}$")).first
    return term.locator("xpath=following-sibling::dd[1]").inner_text().strip()


def phase_status(page: Page, name: str) -> str:
    """The status the task list of phases shows against the phase called `name`."""
    phases = page.get_by_role("list", name="Phases")
    item = phases.get_by_role("listitem").filter(has=page.get_by_text(name, exact=True))
    shown, status = item.inner_text().strip().split("\n", 1)
    assert shown == name
    return status.strip()


def test_a_waiting_case_says_what_it_waits_for_until_when_then_its_outcome(
    page: Page, walk: Walk, screenshots: Path
) -> None:
    s = walk.scenario
    sign_in(page, "bqam")
    until_the_draft_is_circulated(s)
    page.goto(f"/cases/{walk.reference}")
    draft = timer_name("phase_07_review.bpmn", "Timer_next_meeting_earliest")
    assert about(page, "Now") == f"Waiting until 8 June 2026 for {draft}"
    assert about(page, "Phase") != "Serious Case Review"
    assert phase_status(page, "Review") == f"Waiting until 8 June 2026 for {draft}"
    page.screenshot(path=screenshots / "case-waiting-for-the-meeting.png")
    assert every_violation(page) == []

    s.move_to(london(date(2026, 6, 9)))
    s.complete(
        journey.MEETING_ON_DRAFT,
        as_="panelchair",
        final_draft_agreed="yes",
        **journey.NO_REQUESTS,
    )
    s.move_to(london(date(2026, 6, 10)))
    s.complete(
        "Finalise the overview report and action plan for the Board",
        as_="panelchair",
    )
    journey.approval(s)
    s.move_to(london(date(2026, 7, 2)))
    s.complete(
        "Decide whether to publish the overview report",
        as_="chair",
        publish_decision="publish",
        publication_held_for_proceedings="no",
    )
    s.move_to(london(date(2026, 7, 6)))
    s.complete(
        "Prepare the report for publication",
        as_="bqam",
        executive_summary_positions_only="no",
        files={"publication_document": ("report.pdf", report_pdf())},
    )
    s.complete(journey.SEND_TO_NATIONAL_PANEL, as_="chair")
    send_outbox(s)  # the worker e-mails the report; the week counts from its delivery
    s.move_to(london(date(2026, 7, 7)))
    s.complete(
        "Agree the media strategy for publication",
        as_="chair",
        media_strategy_meeting_held="yes",
    )
    journey.members_give_views(
        s, journey.SHARING_ADVICE, staff_sharing_member_advice="panel_members"
    )
    s.complete(
        "Agree how the report is shared with the family and staff",
        as_="panelchair",
        staff_sharing_method="panel_members",
    )
    page.goto(f"/cases/{walk.reference}")
    week = timer_name("phase_09_publication.bpmn", "Timer_national_panel_week")
    assert about(page, "Now") == f"1 open task; waiting until 13 July 2026 for {week}"
    page.screenshot(path=screenshots / "case-waiting-a-week.png", full_page=False)
    assert every_violation(page) == []

    s.move_to(end_of(date(2026, 7, 13)))
    s.move_to(london(date(2026, 7, 14)))
    s.complete("Publish the report on the Board website", as_="bqam")
    journey.learning(s)
    page.goto(f"/cases/{walk.reference}")
    year = timer_name("scr_review.bpmn", "Timer_publication_12_months")
    waiting = f"Waiting until 14 July 2027 for {year}"
    expect(page.get_by_role("heading", level=1)).to_contain_text(walk.reference)
    assert about(page, "Now") == waiting
    assert about(page, "Next deadline") == "No open task has a due date"
    expect(page.get_by_text(f"{waiting}.", exact=True)).to_be_visible()
    expect(page.get_by_text("There is nothing open in this case.")).to_have_count(0)
    page.screenshot(path=screenshots / "case-waiting-a-year.png", full_page=False)
    assert every_violation(page) == []

    journey.a_year_on_the_website(s)
    page.goto(f"/cases/{walk.reference}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Completed")
    assert about(page, "Outcome") == "SCR complete on 15 July 2027"
    expect(page.get_by_text("Phase", exact=True)).to_have_count(0)
    expect(page.get_by_text("Nothing is open: the case is completed.")).to_be_visible()
    assert phase_status(page, "Publication") == "Completed"
    page.screenshot(path=screenshots / "case-completed.png", full_page=False)
    assert every_violation(page) == []


def until_the_draft_is_circulated(s: Scenario) -> None:
    """The review phase up to the draft: the next Panel meeting waits five working days for it."""
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
