"""A Serious Case Review in the browser, through the real diagrams: notified, information gathered,
the Committee's recommendation and the Independent Chair's decision, each form filled in by the person
whose role the diagram names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.people import attach
from tests.browser.people import choose
from tests.browser.people import complete
from tests.browser.people import enter_date
from tests.browser.people import open_task
from tests.browser.people import pick
from tests.browser.people import serious_violations
from tests.browser.people import sign_in
from tests.browser.people import sign_out
from tests.browser.people import tick
from tests.browser.people import write
from tests.webui.database import ROLE_USERS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("papers") / "committee-papers.pdf"
    path.write_bytes(b"%PDF-1.4\n% committee papers\n%%EOF\n")
    return path


DECIDE = "Decide whether the criteria are met and what the Board commissions"

# Roles whose pages differ in more than the tasks listed: their pages are also checked with axe.
AXE_ROLES = {"bqam", "auditor", "admin", "process_owner", "agency_author"}


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_each_role_signs_in_sees_their_tasks_and_signs_out(
    page: Page, role: str
) -> None:
    sign_in(page, ROLE_USERS[role])
    expect(page.get_by_role("heading", name="Offered to my roles")).to_be_visible()
    if role in AXE_ROLES:
        assert serious_violations(page) == []
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Cases")).to_be_visible()
    page.get_by_role("link", name="Messages").click()
    expect(page.get_by_role("heading", level=1, name="Messages")).to_be_visible()
    sign_out(page)


def test_forms_work_without_javascript(browser, live_server: str) -> None:
    """Everything but the diagram works with JavaScript turned off: here, starting a case."""
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "secretariat")
    page.goto("/cases/new")
    page.get_by_role("link", name="Serious Case Review").click()
    page.get_by_role("button", name="Start the case").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    enter_date(page, "Date the incident was notified to the Board", 2, 3, 2026)
    pick(page, "Agency that notified the incident", "Schools and education")
    choose(page, "Has the child died", "The child has died")
    enter_date(page, "Date of death or incident", 1, 3, 2026)
    write(page, "What is known about the incident", "Found unresponsive at home.")
    write(page, "Child: family name", "Roe")
    write(page, "Child: given name", "Sam")
    write(page, "Child: home address", "2 Low Street")
    choose(page, "Child's status", "Child in Need")
    tick(page, "Agencies involved with the child or family", "Schools and education")
    page.get_by_role("button", name="Start the case").click()
    expect(page.get_by_text("has started.")).to_be_visible()
    expect(page.get_by_text("The diagram needs JavaScript.").first).to_be_visible()
    sign_out(page)
    context.close()


def test_case_runs_through_notification_and_decision_phases(
    page: Page, paper: Path, screenshots: Path
) -> None:
    reference = notify_incident(page)
    gather_information(page, reference, paper)
    recommend(page, reference, paper)
    decide(page, reference, screenshots)
    check_case_page(page, reference, screenshots)


def notify_incident(page: Page) -> str:
    """The Business and QA Manager records the incident; a first try without answers shows every error."""
    sign_in(page, "bqam")
    page.get_by_role("button", name="Start a case").click()
    page.get_by_role("link", name="Serious Case Review").click()
    page.get_by_role("button", name="Start the case").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(10)
    assert serious_violations(page) == []
    enter_date(page, "Date the incident was notified to the Board", 2, 3, 2026)
    pick(page, "Agency that notified the incident", "West Yorkshire Police")
    choose(page, "Has the child died", "The child has been seriously harmed")
    enter_date(page, "Date of death or incident", 27, 2, 2026)
    write(
        page, "What is known about the incident", "Admitted to hospital with injuries."
    )
    write(page, "Child: family name", "Doe")
    write(page, "Child: given name", "Jamie <b>J</b>")
    write(page, "Child: home address", "1 High Street\nHalifax HX1 1AA")
    choose(page, "Child's status", "Child Protection registration")
    tick(
        page,
        "Agencies involved with the child or family",
        "West Yorkshire Police",  # the Board's agencies, as the admin named them
        "Community health services",
    )
    page.get_by_role("button", name="Start the case").click()
    heading = page.get_by_role("heading", level=1, name=re.compile(r"^Case SCR-"))
    expect(heading).to_be_visible()
    reference = re.search(r"SCR-\d{4}-\d{4}", heading.inner_text()).group(0)
    check = "Check that the child normally lives in the Board's area"
    open_task(page, check, reference)
    write(page, "Local authority area where the child normally lives", "Calderdale")
    choose(page, "Is this Board the LSCB for that area?", "Yes")
    complete(page, check)
    sign_out(page)
    return reference


def gather_information(page: Page, reference: str, paper: Path) -> None:
    sign_in(page, "sqa")
    open_task(page, "Consider notifying Ofsted of the serious incident", reference)
    choose(page, "It is serious enough that it may lead to an SCR", "Yes")
    choose(page, "Notify Ofsted (and the DfE)", "Yes")
    complete(page, "Consider notifying Ofsted of the serious incident")
    sign_out(page)

    sign_in(page, "secretariat")
    open_task(page, "Arrange the SCR Committee meeting", reference)
    enter_date(page, "Date of the SCR Committee meeting", 23, 3, 2026)
    complete(page, "Arrange the SCR Committee meeting")
    sign_out(page)

    for author, agency in (
        ("police_author", "West Yorkshire Police"),
        ("health_author", "Community health services"),
    ):
        sign_in(page, author)
        name = f"Secure the files of {agency} and report its involvement"
        open_task(page, name, reference)
        choose(page, "All files about the child and family are secured", "Yes")
        write(
            page,
            "Brief report of the agency's involvement",
            f"{author}: two contacts in 2025.",
        )
        complete(page, name)
        sign_out(page)

    sign_in(page, "secretariat")
    open_task(page, "Collate the agency information for the Committee", reference)
    attach(page, "Collated agency information for the Committee", paper)
    complete(page, "Collate the agency information for the Committee")
    sign_out(page)


def recommend(page: Page, reference: str, paper: Path) -> None:
    sign_in(page, "committee")
    open_task(page, "Assess the case against the SCR criteria", reference)
    choose(page, "Is abuse or neglect of the child known or suspected?", "Suspected")
    choose(page, "Is there cause for concern about how", "Yes")
    choose(page, "Did the child die in custody", "No")
    write(
        page,
        "Evidence from the agencies on each criterion",
        "Both agencies saw bruising.",
    )
    complete(page, "Assess the case against the SCR criteria")

    open_task(page, "Make the Committee's recommendation", reference)
    enter_date(page, "Date of the SCR Committee meeting", 23, 3, 2026)
    choose(page, "The Committee's conclusion", "The criteria for an SCR are met")
    write(page, "Recommendation to the Independent Chair", "Undertake an SCR.")
    choose(page, "Does any Committee member dissent", "No")
    attach(page, "Minutes of the Committee meeting", paper)
    complete(page, "Make the Committee's recommendation")

    name = "Send the recommendation, evidence and minutes to the Independent Chair"
    open_task(page, name, reference)
    attach(page, "Written evidence for the recommendation", paper)
    complete(page, name)
    sign_out(page)


def decide(page: Page, reference: str, screenshots: Path) -> None:
    sign_in(page, "chair")
    open_task(page, DECIDE, reference)
    page.screenshot(path=screenshots / "task-page.png", full_page=True)
    page.get_by_role("button", name="Complete this task").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    page.screenshot(path=screenshots / "task-page-errors.png", full_page=True)
    choose(page, "Are the criteria for a Serious Case Review met?", "Yes")
    choose(page, "What the Board commissions", "A Serious Case Review")
    write(
        page,
        "Rationale on which the decision is based",
        "Criteria met: serious harm, neglect suspected.",
    )
    enter_date(page, "Date of the decision", 25, 3, 2026)
    assert serious_violations(page) == []
    complete(page, DECIDE)

    open_task(page, "Record the peer review with another LSCB Chair", reference)
    enter_date(page, "Date of the advice, support or challenge", 26, 3, 2026)
    write(
        page,
        "Source of the advice, support or challenge",
        "Chair of a neighbouring LSCB",
    )
    write(page, "Nature of the peer advice", "Agreed with the decision.")
    choose(page, "Does your decision stand after the peer review?", "Yes")
    complete(page, "Record the peer review with another LSCB Chair")


def check_case_page(page: Page, reference: str, screenshots: Path) -> None:
    """The case is now in panel set-up; its diagrams show what is done and what waits."""
    page.goto(f"/cases/{reference}")
    expect(
        page.get_by_role("heading", level=1, name=re.compile(reference))
    ).to_be_visible()
    expect(page.get_by_text("Panel set-up").first).to_be_visible()
    expect(page.get_by_role("cell", name=DECIDE)).to_be_visible()
    shown = page.locator(".app-diagram:visible")
    expect(shown).to_have_count(2)  # the whole review and the phase it is in
    for index in range(2):
        expect(shown.nth(index)).to_have_attribute("data-rendered", "true")
    first = shown.first
    assert first.locator(".djs-element.app-done").count() > 3
    assert first.locator(".djs-element.app-active").count() >= 1
    expect(page.locator(".bjs-powered-by").first).to_be_visible()
    expect(page.get_by_role("link", name="committee-papers.pdf").first).to_be_visible()
    page.screenshot(path=screenshots / "case-page.png", full_page=True)
    assert serious_violations(page) == []
    page.get_by_text("Diagrams of the phases already done").click()
    done = page.locator("details .app-diagram")
    expect(done).to_have_count(4)
    for index in range(4):
        expect(done.nth(index)).to_have_attribute("data-rendered", "true")
    assert done.first.locator(".djs-element.app-active").count() == 0
