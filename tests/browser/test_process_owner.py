"""A process owner changes the diagrams under a case in flight, all from the browser: checks and deploys
a version 2, sees what changed, checks and moves the case, the committee then gets version 2's form; the owner
undoes the move and makes version 1 current again.

The server starts over the test bundle (the engine's mini review, deployment 1) with one case started
on it by the Business and QA Manager, waiting for the SCR Committee.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from engine import EngineSettings
from engine import FixedClock
from engine import build_engine
from tests.browser.people import open_task
from tests.browser.people import serious_violations
from tests.browser.people import sign_in
from tests.browser.people import sign_out
from tests.browser.test_auditor import running
from tests.conftest import START
from tests.engine.helpers import GOOD_START
from tests.webui.database import build_database
from tests.webui.database import diagram_files
from tests.webui.test_version_pages import COMMITTEE_V1
from tests.webui.test_version_pages import COMMITTEE_V2
from tests.webui.test_version_pages import version_2

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def case_reference(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("versions")
    database = folder / "scr.sqlite3"
    build_database(database, diagram_files())
    engine = build_engine(
        EngineSettings(database_url=f"sqlite:///{database}"), clock=FixedClock(START)
    )
    bqam = engine.accounts.by_username("bqam")
    reference = engine.cases.start(bqam, "Process_mini", GOOD_START).reference
    engine.dispose()
    with running(database, START) as address:
        yield address, reference


@pytest.fixture(scope="module")
def live_server(case_reference: tuple[str, str]) -> str:
    return case_reference[0]


@pytest.fixture
def version_2_files(tmp_path: Path) -> list[Path]:
    """Version 2 as the owner has it on disk after editing it in Camunda Modeler."""
    paths = []
    for name, data in version_2().items():
        path = tmp_path / Path(name).name
        path.write_bytes(data)
        paths.append(path)
    return paths


def test_a_process_owner_moves_a_case_to_version_2_undoes_it_and_rolls_back(
    page: Page,
    case_reference: tuple[str, str],
    version_2_files: list[Path],
    screenshots: Path,
) -> None:
    reference = case_reference[1]
    sign_in(page, "owner")
    deploy_version_2(page, version_2_files)
    see_what_changed(page, screenshots)
    move_the_case(page, reference, screenshots)
    sign_out(page)

    sign_in(page, "committee")
    open_task(page, COMMITTEE_V2, reference)
    expect(page.get_by_label("Minutes of the meeting")).to_be_visible()
    page.screenshot(path=screenshots / "versions-task-v2.png", full_page=True)
    sign_out(page)

    sign_in(page, "owner")
    undo_the_move(page, reference)
    roll_back(page, screenshots)
    sign_out(page)

    sign_in(page, "committee")  # the case is back on version 1, as it was
    open_task(page, COMMITTEE_V1, reference)
    expect(page.get_by_label(re.compile("^Minutes"))).to_be_visible()
    expect(page.get_by_label("Minutes of the meeting")).to_have_count(0)


def deploy_version_2(page: Page, files: list[Path]) -> None:
    page.get_by_role("link", name="Deployments", exact=True).click()
    page.get_by_label("Diagram files").set_input_files(files)
    page.get_by_label(re.compile("^What changed and why")).fill(
        "Clearer committee task"
    )
    page.get_by_role("button", name="Check the changes").click()
    expect(page.get_by_role("heading", name="Check your changes")).to_be_visible()
    page.get_by_role("button", name="Deploy these changes").click()
    expect(
        page.get_by_text("Deployment 2 is live: new cases start on it.")
    ).to_be_visible()


def see_what_changed(page: Page, screenshots: Path) -> None:
    """A changed form field and a changed timer, under the process they belong to."""
    page.get_by_role("link", name="See what changed in this deployment").click()
    expect(
        page.get_by_role("heading", name="From deployment 1 to deployment 2")
    ).to_be_visible()
    changes = page.locator("#process-Process_mini")
    expect(changes.locator("tbody tr")).to_have_count(3)
    expect(changes.locator("tr[data-kind=form]")).to_contain_text(
        "Minutes of the meeting"
    )
    expect(changes.locator("tr[data-kind=timer]")).to_contain_text("timer: P10D → P14D")
    expect(changes.locator("tr[data-kind=renamed]")).to_contain_text(COMMITTEE_V2)
    page.screenshot(path=screenshots / "versions-diff.png", full_page=True)
    assert serious_violations(page) == []


def move_the_case(page: Page, reference: str, screenshots: Path) -> None:
    page.get_by_role("link", name="Deployments", exact=True).click()
    page.get_by_role("link", name="Move cases in flight to another version").click()
    row = page.locator(f"#check-{reference}")
    expect(row).to_contain_text("Yes")
    expect(row).to_contain_text(f"becomes “{COMMITTEE_V2}”")
    page.screenshot(path=screenshots / "versions-dry-run.png", full_page=True)
    assert serious_violations(page) == []
    row.get_by_role("button", name=f"Move case {reference}").click()
    expect(
        page.get_by_text(f"Case {reference} moved from deployment 1 to 2")
    ).to_be_visible()
    expect(page.locator(f"#case-{reference}")).to_be_visible()
    expect(page.locator("#checks")).to_have_count(0)  # no case left on another version


def undo_the_move(page: Page, reference: str) -> None:
    page.get_by_role("link", name="Deployments", exact=True).click()
    page.get_by_role("link", name="Move cases in flight to another version").click()
    page.locator(f"#case-{reference}").get_by_role(
        "button", name=re.compile("^Undo")
    ).click()
    expect(page.get_by_text(f"Case {reference} is back on the version")).to_be_visible()
    expect(page.locator(f"#check-{reference}")).to_contain_text("Deployment 1")


def roll_back(page: Page, screenshots: Path) -> None:
    page.get_by_role("link", name="Deployments", exact=True).click()
    page.get_by_label(re.compile("^Reason for making deployment 1 current")).fill(
        "Version 2 confused the committee"
    )
    page.get_by_role("button", name="Make current deployment 1").click()
    expect(page.get_by_text("Deployment 1 is now current")).to_be_visible()
    first = page.get_by_role("row").filter(has_text="Deployment 1")
    expect(first).to_contain_text("Current")
    expect(first).to_contain_text("New cases start on it")
    page.screenshot(path=screenshots / "versions-rolled-back.png", full_page=True)
    assert serious_violations(page) == []
