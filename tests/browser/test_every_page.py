"""Every kind of page, as the people who use it see it, checked by axe: no violation of any impact.

One case is started through the browser (the notification form) so the case, task, audit, chronology
and report pages have something to show; each role then opens the pages of its work.
"""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.people import sign_in
from tests.browser.people import sign_out
from tests.browser.test_review_journey import notify_incident

_axe = Axe()

PUBLIC = ["/sign-in", "/accessibility-statement", "/privacy", "/cookies"]
BY_ROLE = {
    "bqam": [
        "/tasks/",
        "/cases/",
        "/cases/new",
        "/cases/new/Process_scr_review",
        "/cases/{ref}",
        "/cases/{ref}/history",
        "/cases/{ref}/team",
        "/chronology/{ref}/",
        "/messages/",
        "/register/",
        "/reports/",
        "/reports/cases/{ref}",
        "/admin/contacts/",
        "/deployments/",
        "/deployments/1",
        "/deployments/changes",
    ],
    "auditor": [
        "/audit/",
        "/audit/cases/{ref}",
        "/audit/cases/{ref}/steps/1",
        "/audit/timeliness",
        "/audit/cases/{ref}/timeliness",
        "/admin/users",
    ],
    "admin": ["/admin/users/new", "/admin/users/1"],
    "owner": ["/deployments/migrations"],
}


def violations(page: Page) -> list[str]:
    """Every axe finding on the page, whatever its impact, one line each."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in _axe.run(page).response["violations"]
    ]


def test_every_page_type_has_no_accessibility_violation(page: Page) -> None:
    found: dict[str, list[str]] = {}
    for path in PUBLIC:
        page.goto(path)
        found[path] = violations(page)
    reference = notify_incident(page)
    for role, paths in BY_ROLE.items():
        sign_in(page, role)
        for path in paths:
            answer = page.goto(path.format(ref=reference))
            assert answer is not None and answer.status == 200, (role, path)
            expect(page.locator("main")).to_be_visible()
            found[f"{role} {path}"] = violations(page)
        sign_out(page)
    sign_in(
        page, "sqa"
    )  # the first task of the case is the Safeguarding and QA manager's
    page.goto("/tasks/")
    page.locator("main a[href^='/tasks/']").first.click()
    expect(page).to_have_url(re.compile(r"/tasks/[0-9a-f-]{36}$"))
    found["sqa a task's form"] = violations(page)
    assert {where: v for where, v in found.items() if v} == {}
