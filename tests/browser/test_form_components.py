"""GOV.UK form components in a browser: the character count, the password input's show and hide, and
the session-timeout warning (the page's clock is fast-forwarded; the server's session stays real)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from playwright.sync_api import expect

from engine import EngineSettings
from engine import FixedClock
from engine import build_engine
from engine.db.demo import DEMO_PASSWORD
from tests.browser.people import serious_violations
from tests.browser.people import sign_in
from tests.browser.test_auditor import running
from tests.conftest import START

pytestmark = pytest.mark.browser
_axe = Axe()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web tests' diagrams (forms.bpmn has a long text with a limit), one forms case started."""
    from tests.webui.database import build_database
    from tests.webui.database import diagram_files

    database = tmp_path_factory.mktemp("components") / "scr.sqlite3"
    build_database(database, diagram_files())
    engine = build_engine(
        EngineSettings(database_url=f"sqlite:///{database}"), clock=FixedClock(START)
    )
    engine.cases.start(
        engine.accounts.by_username("bqam"), "Process_forms", {"case_title": "Forms"}
    )
    engine.dispose()
    with running(database, START) as address:
        yield address


def test_long_text_counts_the_characters_left(page: Page, screenshots: Path) -> None:
    sign_in(page, "bqam")
    page.get_by_role("link", name="Fill in every kind of field").first.click()
    notes = page.get_by_label("Notes (optional)")
    notes.fill("Met the family at home.")
    # GOV.UK's character count says it twice: on screen, and (after a pause) for screen readers.
    expect(page.get_by_text("You have 477 characters remaining").first).to_be_visible()
    notes.fill("x" * 510)
    expect(page.get_by_text("You have 10 characters too many").first).to_be_visible()
    page.screenshot(path=screenshots / "long-form.png", full_page=True)
    assert serious_violations(page) == []


def test_the_password_can_be_shown_and_hidden(page: Page, screenshots: Path) -> None:
    page.goto("/sign-in")
    password = page.get_by_label("Password", exact=True)
    password.fill(DEMO_PASSWORD)
    expect(password).to_have_attribute("type", "password")
    page.get_by_role("button", name="Show password").click()
    expect(password).to_have_attribute("type", "text")
    page.screenshot(path=screenshots / "sign-in-password-shown.png")
    page.get_by_role("button", name="Hide password").click()
    expect(password).to_have_attribute("type", "password")
    assert serious_violations(page) == []


def test_a_warning_comes_before_the_session_ends_and_staying_signed_in_works(
    page: Page, screenshots: Path
) -> None:
    page.clock.install()
    sign_in(page, "chair")
    page.wait_for_load_state("load")  # app.js has run: the warning waits, hidden
    warning = page.get_by_role("dialog", name="You will be signed out soon")
    page.clock.fast_forward("07:50:00")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("05:01")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("we will sign you out in 5 minutes")
    page.screenshot(path=screenshots / "session-timeout-warning.png")
    assert serious_violations(page) == []
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    page.clock.fast_forward("07:50:00")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("05:01")
    expect(warning).to_be_visible()
    warning.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


@pytest.mark.parametrize(
    "name", ["Accessibility statement", "Privacy", "Cookies", "feedback"]
)
def test_the_public_pages_open_from_the_sign_in_page_and_pass_axe(
    page: Page, name: str
) -> None:
    page.goto("/sign-in")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("Beta", exact=True)).to_be_visible()
    assert every_violation(page) == []


def every_violation(page: Page) -> list[str]:
    """axe-core's findings of every impact (landmarks included), one line each."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in _axe.run(page).response["violations"]
    ]


def test_doing_nothing_after_the_warning_leads_to_the_sign_in_page(
    page: Page,
) -> None:
    page.clock.install()
    sign_in(page, "chair")
    page.wait_for_load_state("load")
    page.clock.fast_forward("07:55:01")
    expect(page.get_by_role("dialog")).to_contain_text("You will be signed out soon")
    page.clock.fast_forward("05:00")
    expect(
        page.get_by_role("heading", level=1, name="Sign in to SCR Workflow")
    ).to_be_visible()
    assert page.url.endswith("/sign-in?next=%2Ftasks%2F")
