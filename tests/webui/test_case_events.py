"""Recording on the case page what happened outside the system (the messages a case waits for).

The case page lists, for each person, only what they may record; the form asks the day it happened
(not in the future) and a note; a refused form keeps the note; a page gone stale (recorded meanwhile)
says so and changes nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine import Engine
from engine import UserInfo
from engine.cli import read_bundle
from engine.clock import FixedClock
from tests.process import journey
from tests.process.scenario import Scenario
from tests.process.scenario import london
from tests.webui.conftest import AuthActions
from tests.webui.html import read

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
STARTED = "parallel_proceedings_started"
AGREE_WORKING = "Agree with the police and CPS what the review can do meanwhile"


@pytest.fixture
def scenario(engine: Engine, users: dict[str, UserInfo], clock: FixedClock) -> Scenario:
    engine.deployments.deploy(users["owner"], read_bundle(BPMN_DIR), note="events")
    s = Scenario(engine, users, clock)
    journey.through(s, "panel_setup")
    s.move_to(london(date(2026, 4, 10)))
    return s


def _events(auth: AuthActions, reference: str) -> list[str]:
    """What the case page offers the user to record (no section at all when nothing)."""
    page = read(auth.get(f"/cases/{reference}"))
    if "Record what has happened" not in page.headings():
        return []
    return page.section("Record what has happened")


def test_the_panel_chair_records_parallel_proceedings_on_the_case_page(
    auth: AuthActions, scenario: Scenario
) -> None:
    s = scenario
    auth.login("panelchair")
    listed = _events(auth, s.reference)
    assert "Parallel proceedings started" in listed
    url = f"/cases/{s.reference}/events/{STARTED}"
    form = read(auth.get(url))
    assert form.heading == "Parallel proceedings started"
    note = "A man is charged; the trial is listed for January.\x00"
    refused = auth.post(
        url,
        data={"on-day": "11", "on-month": "4", "on-year": "2026", "note": note},
    )
    assert refused.status_code == 400
    page = read(refused)
    assert page.error_summary() == [
        ("“The day it happened” must be today or in the past", "on-day")
    ]
    assert str(page.form_values()["note"]).startswith("A man is charged")
    assert AGREE_WORKING not in s.open_tasks()  # nothing happened
    done = auth.post(
        url,
        data={"on-day": "9", "on-month": "4", "on-year": "2026", "note": note[:-1]},
    )
    assert done.status_code == 302
    shown = read(auth.get(f"/cases/{s.reference}"))
    assert "You recorded “Parallel proceedings started”" in shown.text
    assert AGREE_WORKING in s.open_tasks()
    offered = shown.table("Open tasks of case").records()
    [agree] = [row for row in offered if row["Task"] == AGREE_WORKING]
    assert (
        agree["Offered to"] == "SCR Panel chair of this case"
    )  # never "case:panel_chair"
    assert s.data[STARTED] == {"on": "2026-04-09", "note": note[:-1]}
    history = read(auth.get(f"/cases/{s.reference}/history")).text
    assert "Patrick Chen" in history
    s.assert_records_intact()


def test_only_those_the_diagram_names_see_what_they_may_record(
    auth: AuthActions, scenario: Scenario
) -> None:
    s = scenario
    for username, expected in (
        ("bqam", True),
        ("panelchair", True),
        ("auditor", False),  # reads every case, records nothing
        ("police_author", False),  # takes part, but the diagram does not name them
    ):
        auth.login(username)
        assert ("Parallel proceedings started" in _events(auth, s.reference)) == (
            expected
        ), username
    auth.login("auditor")
    assert auth.get(f"/cases/{s.reference}/events/{STARTED}").status_code == 404
    posted = auth.post(
        f"/cases/{s.reference}/events/{STARTED}",
        data={"on-day": "9", "on-month": "4", "on-year": "2026"},
    )
    assert posted.status_code in (302, 403, 404)
    assert AGREE_WORKING not in s.open_tasks()


def test_a_stale_page_says_it_was_recorded_already_and_changes_nothing(
    auth: AuthActions, scenario: Scenario
) -> None:
    s = scenario
    auth.login("bqam")
    concluded = f"/cases/{s.reference}/events/parallel_proceedings_concluded"
    before = s.open_tasks()
    answer = auth.post(
        concluded, data={"on-day": "9", "on-month": "4", "on-year": "2026"}
    )
    assert answer.status_code == 302
    page = read(auth.get(f"/cases/{s.reference}"))
    assert "is not waiting for" in page.text and "any more" in page.text
    assert s.open_tasks() == before
