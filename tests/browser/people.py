"""What a person does in the browser: sign in, find a task, answer questions by their labels, check a page."""

from __future__ import annotations

import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from playwright.sync_api import expect

from engine.db.demo import DEMO_PASSWORD

_axe = Axe()


def starts(text: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(text))


def sign_in(page: Page, username: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="My tasks")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name=starts("Sign out")).click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def open_task(page: Page, name: str, reference: str) -> None:
    """From My tasks, follow the link of the task `name` of case `reference`."""
    page.goto("/tasks/")
    row = page.get_by_role("row").filter(has_text=reference)
    row.get_by_role("link", name=name, exact=True).first.click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def write(page: Page, label: str, text: str) -> None:
    page.get_by_label(starts(label)).fill(text)


def choose(page: Page, question: str, option: str) -> None:
    page.get_by_role("group", name=starts(question)).get_by_label(
        option, exact=True
    ).check()


def tick(page: Page, question: str, *options: str) -> None:
    group = page.get_by_role("group", name=starts(question))
    for option in options:
        group.get_by_label(option, exact=True).check()


def pick(page: Page, label: str, option: str) -> None:
    page.get_by_label(starts(label)).select_option(label=option)


def enter_date(page: Page, question: str, day: int, month: int, year: int) -> None:
    group = page.get_by_role("group", name=starts(question))
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def attach(page: Page, label: str, path: Path) -> None:
    page.get_by_label(starts(label)).set_input_files(path)


def complete(page: Page, name: str) -> None:
    page.get_by_role("button", name="Complete this task").click()
    expect(page.get_by_text(f"You completed “{name}”")).to_be_visible()


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    results = _axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
