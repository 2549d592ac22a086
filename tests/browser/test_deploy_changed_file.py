"""A process owner deploys the one diagram they changed in Camunda Modeler, from the browser: the real
bpmn/ is deployed; they upload only phase_01_notification.bpmn with a new required field on the SQA
manager's Ofsted task, check the change listed and marked on the diagram BEFORE anything is deployed
("Check your changes"), deploy it, and a new case asks for it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.people import open_task
from tests.browser.people import serious_violations
from tests.browser.people import sign_in
from tests.browser.people import sign_out
from tests.browser.test_review_journey import notify_incident
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

FILE = "phase_01_notification.bpmn"
TASK = "Consider notifying Ofsted of the serious incident"
TASK_ID = "Task_consider_ofsted_notification"
NEW_FIELD = "Name of the Ofsted officer consulted"


@pytest.fixture
def changed_file(tmp_path: Path) -> Path:
    """phase_01_notification.bpmn as the owner saved it: a new required field on the Ofsted task."""
    xml = (ROOT / "bpmn" / FILE).read_text(encoding="utf-8")
    task = xml.index(f'id="{TASK_ID}"')
    end = xml.index("</camunda:formData>", task)
    field = (
        f'<camunda:formField id="ofsted_officer" label="{NEW_FIELD}" type="string">'
        '<camunda:validation><camunda:constraint name="required" /></camunda:validation>'
        "</camunda:formField>\n        "
    )
    path = tmp_path / FILE
    path.write_text(xml[:end] + field + xml[end:], encoding="utf-8")
    return path


def test_a_process_owner_checks_one_changed_file_deploys_it_and_a_new_case_asks_the_new_question(
    page: Page, changed_file: Path, screenshots: Path
) -> None:
    sign_in(page, "owner")
    upload_the_one_file(page, changed_file)
    see_the_new_required_field_before_deploying(page, screenshots)
    deploy_what_was_checked(page)
    sign_out(page)

    reference = notify_incident(page)  # a new case, started by the BQAM
    sign_in(page, "sqa")
    open_task(page, TASK, reference)
    expect(page.get_by_label(NEW_FIELD)).to_be_visible()
    page.get_by_role("button", name="Complete this task").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(NEW_FIELD)


def upload_the_one_file(page: Page, path: Path) -> None:
    page.get_by_role("link", name="Deployments", exact=True).click()
    page.get_by_label("Diagram files").set_input_files(path)
    expect(
        page.get_by_label(re.compile("^The chosen files replace those"))
    ).to_be_checked()
    page.get_by_label(re.compile("^What changed and why")).fill(
        "The SQA manager records the Ofsted officer consulted"
    )
    page.get_by_role("button", name="Check the changes").click()


def see_the_new_required_field_before_deploying(page: Page, screenshots: Path) -> None:
    """The check page: the change listed and marked on the diagram as sent and as it is now."""
    expect(page.get_by_role("heading", name="Check your changes")).to_be_visible()
    expect(
        page.get_by_role(
            "heading", name="What changes from deployment 1, the current one"
        )
    ).to_be_visible()
    row = page.locator("#process-Process_notification tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(
        f"form field ofsted_officer (“{NEW_FIELD}”, string, required) added"
    )
    expect(row).to_contain_text(TASK)
    key = page.locator("#diagram-key")
    for label in ("Added", "Changed", "Removed"):
        expect(key).to_contain_text(label)
    after = page.get_by_role("figure", name=f"{FILE}, as you sent it")
    before = page.get_by_role("figure", name=f"{FILE}, as it is now in deployment 1")
    for figure in (after, before):
        expect(figure.locator(".app-diagram")).to_have_attribute(
            "data-rendered", "true"
        )
        task = figure.locator(f'.djs-element[data-element-id="{TASK_ID}"]')
        expect(task).to_have_class(re.compile(r"\bapp-changed\b"))
        expect(figure).to_contain_text(f"Changed: {TASK}")  # for screen readers
    expect(page.locator(".app-added, .app-removed")).to_have_count(0)
    expect(page.get_by_role("link", name="Cancel")).to_be_visible()
    page.screenshot(path=screenshots / "deploy-one-file-check.png", full_page=True)
    assert serious_violations(page) == []


def deploy_what_was_checked(page: Page) -> None:
    page.get_by_role("button", name="Deploy these changes").click()
    expect(
        page.get_by_text("Deployment 2 is live: new cases start on it.")
    ).to_be_visible()
    files = page.get_by_role("definition").filter(has_text=FILE)
    expect(files).to_contain_text("scr_review.bpmn")  # the other files stayed
    page.get_by_role("link", name="See what changed in this deployment").click()
    row = page.locator("#process-Process_notification tbody tr")
    expect(row).to_contain_text(
        f"form field ofsted_officer (“{NEW_FIELD}”, string, required) added"
    )
