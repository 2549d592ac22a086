"""Correcting an answer (issue 15) in a browser: the secretary corrects the date of a meeting she
recorded, the auditor reads both dates and the reason in the timeline, the record still verifies; her
answer that chose the path is refused with the step it decided. axe finds nothing on these pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from engine import EngineSettings
from engine import FixedClock
from engine import build_engine
from tests.browser.people import enter_date
from tests.browser.people import sign_in
from tests.browser.people import sign_out
from tests.browser.test_auditor import running
from tests.browser.test_form_components import every_violation
from tests.conftest import START
from tests.engine.test_corrections import MEETING
from tests.engine.test_corrections import start_meeting

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Meeting:
    address: str
    database: Path
    reference: str


@pytest.fixture(scope="module")
def meeting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Meeting]:
    """A case whose strategy meeting the secretary recorded (3 March 2026; a review is needed)."""
    from tests.webui.database import build_database
    from tests.webui.database import diagram_files

    database = tmp_path_factory.mktemp("corrections") / "scr.sqlite3"
    build_database(database, diagram_files())
    engine = build_engine(
        EngineSettings(database_url=f"sqlite:///{database}"), clock=FixedClock(START)
    )
    users = {
        name: engine.accounts.by_username(name)
        for name in ("owner", "bqam", "secretariat")
    }
    reference, _task_id = start_meeting(engine, users)
    engine.dispose()
    with running(database, START) as address:
        yield Meeting(address, database, reference)


@pytest.fixture
def live_server(meeting: Meeting) -> str:
    return meeting.address


def open_answers(page: Page, reference: str) -> None:
    page.goto(f"/cases/{reference}")
    page.get_by_role("link", name=f"Correct an answer in “{MEETING}”").click()
    heading = f"Correct an answer in “{MEETING}”"
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    assert every_violation(page) == []


def test_a_corrected_date_shows_both_dates_and_the_reason_in_the_timeline(
    page: Page, meeting: Meeting, screenshots: Path
) -> None:
    sign_in(page, "secretariat")
    open_answers(page, meeting.reference)
    page.get_by_role("link", name="Correct Date of the meeting").click()
    expect(page.get_by_text("3 March 2026")).to_be_visible()
    assert every_violation(page) == []
    enter_date(page, "Date of the meeting", 5, 3, 2026)
    page.get_by_label("Reason for the correction").fill("The meeting was on Thursday.")
    page.screenshot(path=screenshots / "correction-form.png", full_page=True)
    page.get_by_role("button", name="Correct the answer").click()
    expect(
        page.get_by_role("heading", level=1, name="Answer corrected")
    ).to_be_visible()
    assert every_violation(page) == []
    sign_out(page)

    sign_in(page, "auditor")
    page.goto(f"/audit/cases/{meeting.reference}")
    entry = page.get_by_role("listitem").filter(
        has_text="corrected “Date of the meeting”"
    )
    expect(entry).to_contain_text("Before")
    expect(entry).to_contain_text("3 March 2026")
    expect(entry).to_contain_text("After")
    expect(entry).to_contain_text("5 March 2026")
    expect(entry).to_contain_text("The meeting was on Thursday.")
    page.screenshot(path=screenshots / "correction-timeline.png", full_page=True)

    engine = build_engine(
        EngineSettings(database_url=f"sqlite:///{meeting.database}"),
        clock=FixedClock(START),
    )
    try:
        assert engine.audit.verify().ok
    finally:
        engine.dispose()


def test_a_routing_answer_is_refused_with_the_steps_it_decided(
    page: Page, meeting: Meeting
) -> None:
    sign_in(page, "secretariat")
    open_answers(page, meeting.reference)
    page.get_by_role("link", name="Correct Is a review needed?").click()
    expect(
        page.get_by_text("used to choose the path at “Review needed?”")
    ).to_be_visible()
    steps = page.locator("#affected-steps").get_by_role("listitem")
    expect(steps).to_have_text(["Review needed?"])
    expect(page.get_by_role("button", name="Correct the answer")).to_have_count(0)
    assert every_violation(page) == []
