"""An auditor in the browser: reads a case's record, steps through it on the diagrams, checks the
deadlines, prints the record, and is refused every change.

The case runs on the real diagrams and is built through the engine before the server starts: a child
died on Friday 27 February 2026 and the Business and QA Manager started the review on Monday 2 March;
the S&QA Service Manager considered notifying Ofsted only on Wednesday 11 March, after its deadline
(Monday 9 March), and the secretariat arranged the Committee the same day. The server's clock stands
at that moment.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import expect

from engine import EngineSettings
from engine import FixedClock
from engine import build_engine
from engine.cli import read_bundle
from engine.db.demo import DEMO_USERS
from tests.browser.people import serious_violations
from tests.browser.people import sign_in
from tests.conftest import ROOT
from tests.conftest import START
from tests.process.journey import LSCB_CHECK
from tests.process.journey import STANDARD_START
from tests.process.journey import THIS_BOARD_RESPONSIBLE
from tests.process.scenario import Scenario
from tests.process.scenario import london
from tests.webui.database import build_database

pytestmark = pytest.mark.browser
DECIDED_AT = london(date(2026, 3, 11), 14, 30)
OFSTED = "Consider notifying Ofsted of the serious incident"
OFSTED_TASK = "Task_consider_ofsted_notification"


@contextmanager
def running(database: Path, now: datetime) -> Iterator[str]:
    """The web UI over `database` in a process of its own, its clock at `now`; yields its address."""
    with (database.parent / "server.log").open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.browser.server",
                str(database),
                now.isoformat(),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            port = server.stdout.readline().strip()  # type: ignore[union-attr]
            assert port.isdigit(), f"the server did not start; see {log.name}"
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=10)
            server.stdout.close()  # type: ignore[union-attr]


def late_case(database: Path) -> str:
    """A review whose Ofsted decision came two days late; the Committee is being arranged."""
    clock = FixedClock(START)
    engine = build_engine(
        EngineSettings(database_url=f"sqlite:///{database}"), clock=clock
    )
    users = {name: engine.accounts.by_username(name) for name, *_ in DEMO_USERS}
    case = Scenario(engine, users, clock)
    reference = case.start(**STANDARD_START).reference
    case.complete(LSCB_CHECK, as_="bqam", **THIS_BOARD_RESPONSIBLE)
    case.move_to(DECIDED_AT)
    case.complete(
        OFSTED, as_="sqa", sin_child_death="yes", ofsted_notification_required="yes"
    )
    case.complete(
        "Arrange the SCR Committee meeting",
        as_="secretariat",
        committee_meeting_on="2026-03-23",
    )
    engine.dispose()
    return reference


@pytest.fixture(scope="module")
def case_reference(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("audited")
    build_database(folder / "scr.sqlite3", read_bundle(ROOT / "bpmn"))
    reference = late_case(folder / "scr.sqlite3")
    with running(folder / "scr.sqlite3", DECIDED_AT) as address:
        yield address, reference


@pytest.fixture(scope="module")
def live_server(case_reference: tuple[str, str]) -> str:
    return case_reference[0]


def marked(page: Page, marker: str, element_id: str) -> Locator:
    """The drawn elements with this id that carry the marker (app-done or app-active).

    Check them with `expect(...)`, which waits, and only after `drawn(page)`: until bpmn-js has
    imported the diagram there is nothing drawn, so no marker on anything.
    """
    return page.locator(f'.djs-element.{marker}[data-element-id="{element_id}"]')


def drawn(page: Page) -> None:
    """Wait until every diagram of the page is drawn with its markers.

    diagram.js sets data-rendered="true" on a diagram once bpmn-js has imported it and its markers are
    on; the state script comes after the last diagram, so once it is there every diagram is listed.
    """
    expect(page.locator("#diagram-state")).to_be_attached()
    diagrams = page.locator(".app-diagram")
    for index in range(diagrams.count()):
        expect(diagrams.nth(index)).to_have_attribute("data-rendered", "true")


def step(page: Page, direction: str) -> None:
    """Follow the Previous or Next link and wait for that event's page, its diagrams drawn.

    Until the heading changes the old page is still showing, drawn and marked as it was.
    """
    heading = page.get_by_role("heading", level=1)
    shown = heading.inner_text()
    page.get_by_role("link", name=re.compile(rf"^{direction}")).click()
    expect(heading).not_to_have_text(shown)
    drawn(page)


def test_an_auditor_steps_through_a_case_and_is_refused_every_change(
    page: Page, case_reference: tuple[str, str], screenshots: Path
) -> None:
    reference = case_reference[1]
    sign_in(page, "auditor")
    page.get_by_role("link", name="Audit", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Audit")).to_be_visible()
    expect(page.locator("#whole-record")).to_contain_text("intact")
    page.screenshot(path=screenshots / "audit-index.png", full_page=True)
    assert serious_violations(page) == []

    read_the_record(page, reference, screenshots)
    step_through(page, reference, screenshots)
    check_deadlines(page, screenshots)
    print_the_record(page, reference, screenshots)
    refused_every_change(page, reference)


def read_the_record(page: Page, reference: str, screenshots: Path) -> None:
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The record of the case")
    integrity = page.locator("#integrity")
    expect(integrity).to_contain_text("Intact")
    expect(integrity).to_contain_text("Matches")
    expect(page.locator("#timeline")).to_contain_text(
        "11 March 2026 14:30 — Sunil Qureshi, Safeguarding and Quality Assurance "
        f"Service Manager, completed “{OFSTED}”"
    )
    expect(page.locator("#timeline")).to_contain_text("Notify Ofsted (and the DfE)")
    page.screenshot(path=screenshots / "audit-timeline.png", full_page=True)
    assert serious_violations(page) == []


def step_through(page: Page, reference: str, screenshots: Path) -> None:
    """From the first event to the Ofsted decision, the markers move along the diagrams."""
    page.get_by_role("link", name="Step through the case on its diagram").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Event 1 of")
    )
    drawn(page)
    expect(marked(page, "app-active", OFSTED_TASK)).to_have_count(1)
    expect(marked(page, "app-done", OFSTED_TASK)).to_have_count(0)
    expect(marked(page, "app-done", "Task_notify_sqa_manager")).to_have_count(1)
    expect(marked(page, "app-active", "Task_arrange_committee")).to_have_count(0)
    page.screenshot(path=screenshots / "audit-step-first.png", full_page=True)
    event = page.locator("#event")
    for _ in range(12):
        if f"completed “{OFSTED}”" in event.inner_text():
            break
        step(page, "Next")
    expect(event).to_contain_text("Sunil Qureshi, Safeguarding and Quality Assurance")
    expect(marked(page, "app-done", OFSTED_TASK)).to_have_count(1)
    expect(marked(page, "app-active", OFSTED_TASK)).to_have_count(0)
    expect(marked(page, "app-active", "Task_arrange_committee")).to_have_count(1)
    expect(page.locator("main dl").first).to_contain_text("Notify Ofsted (and the DfE)")
    page.screenshot(path=screenshots / "audit-step-decided.png", full_page=True)
    assert serious_violations(page) == []
    step(page, "Previous")
    expect(event).to_contain_text("deadline passed")
    expect(marked(page, "app-active", OFSTED_TASK)).to_have_count(1)
    expect(marked(page, "app-done", OFSTED_TASK)).to_have_count(0)


def check_deadlines(page: Page, screenshots: Path) -> None:
    page.get_by_role("link", name="Audit", exact=True).click()
    page.get_by_role("link", name=re.compile("^Statutory timeliness")).click()
    table = page.locator("#deadlines")
    expect(table.locator("tbody tr")).to_have_count(
        4
    )  # the LSCB check, Ofsted, the Committee, the decision
    missed = table.locator("tbody tr[data-state=missed]")
    expect(missed).to_have_count(1)
    expect(missed).to_contain_text(OFSTED)
    expect(missed).to_contain_text("9 March 2026")
    expect(missed).to_contain_text("Sunil Qureshi")
    page.get_by_label(re.compile(r"^Missed")).check()
    page.get_by_role("button", name="Show deadlines").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"\?state=missed$"))
    page.screenshot(path=screenshots / "audit-timeliness.png", full_page=True)
    assert serious_violations(page) == []
    page.get_by_role("link", name="Show every deadline").click()
    expect(table.locator("tbody tr")).to_have_count(4)


def print_the_record(page: Page, reference: str, screenshots: Path) -> None:
    """On paper the menu, links and buttons are left off."""
    page.goto(f"/audit/cases/{reference}/print")
    expect(page.get_by_role("button", name="Print this record")).to_be_visible()
    expect(page.locator(".govuk-service-navigation")).to_be_visible()
    assert serious_violations(page) == []
    page.emulate_media(media="print")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.get_by_role("button", name="Print this record")).to_be_hidden()
    expect(page.get_by_text("Decisions and entries")).to_be_visible()
    page.screenshot(path=screenshots / "audit-print.png", full_page=True)
    page.emulate_media(media="screen")


def refused_every_change(page: Page, reference: str) -> None:
    """Even a well-formed form with a valid token changes nothing for an auditor."""
    page.goto(f"/cases/{reference}")
    task_url = page.locator('table a[href^="/tasks/"]').first.get_attribute("href")
    assert task_url
    page.goto(task_url)
    expect(page.get_by_role("button", name="Complete this task")).to_have_count(0)
    token = page.locator('input[name="csrf_token"]').first.input_value()
    page.goto(f"/audit/cases/{reference}")
    before = page.locator(".app-timeline__entry").count()
    attempts = {
        task_url: {"committee_meeting_on": "2026-03-20"},
        f"{task_url}/claim": {},
        f"{task_url}/release": {},
        "/cases/new/Process_scr_review": dict(STANDARD_START, agencies="police"),
        "/deployments/1/activate": {"note": "roll back"},
        f"/deployments/migrations/{reference}": {"to": "1"},
        f"/deployments/migrations/{reference}/undo": {},
        "/admin/users/new": {
            "username": "newcomer",
            "display_name": "New Comer",
            "password": "a-long-enough-password",
            "roles": "reviewer",
        },
    }
    statuses = {
        url: page.request.post(url, form={**data, "csrf_token": token}).status
        for url, data in attempts.items()
    }
    upload = page.request.post(
        f"/cases/{reference}/documents",
        multipart={
            "csrf_token": token,
            "document": {"name": "a.txt", "mimeType": "text/plain", "buffer": b"x"},
        },
    )
    statuses["documents"] = upload.status
    assert statuses == dict.fromkeys(statuses, 403)
    page.reload()
    expect(page.locator(".app-timeline__entry")).to_have_count(before)
