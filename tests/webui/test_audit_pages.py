"""Auditors' pages: the record of a case in plain language, replayed step by step, its deadlines met or
missed, its exports; read-only for everyone, and each case only for the people who may see it.

The decided case: started by the Business and QA Manager on Monday 2 March 2026; the committee
decided ten days later (its five-working-day deadline missed). The reviewed case goes on: both
agencies reported and the chair decided the same day (within her ten days); it waits for a message.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import text as sql

from engine import CaseSummary
from engine import Engine
from engine import FixedClock
from engine import UserInfo
from tests.engine.helpers import GOOD_START
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.database import ROLE_USERS

ROLES = sorted(ROLE_USERS)
BOARD_WIDE = {"bqam", "independent_chair", "auditor", "admin"}
CASE_VIEWERS = BOARD_WIDE | {"scr_committee"}
COMMITTEE = "Decide whether the criteria are met"
CHAIR = "Decide whether to hold an SCR"
DATA_STATE = re.compile(r'data-state="(\w+)"')
STATE = re.compile(r'<script type="application/json" id="diagram-state">(.*?)</script>')


def complete(
    engine: Engine, user: UserInfo, reference: str, values: dict
) -> None:
    task = next(t for t in engine.tasks.inbox(user) if t.case_reference == reference)
    engine.tasks.complete(user, task.id, values)


@pytest.fixture
def decided(
    engine: Engine,
    users: dict[str, UserInfo],
    clock: FixedClock,
    case: CaseSummary,
) -> str:
    """The mini case, its committee decision taken late; the agencies' reports are now due."""
    task = engine.tasks.inbox(users["committee"])[0]
    engine.tasks.claim(users["committee"], task.id)
    clock.advance(days=10)  # Thursday 12 March: the committee's deadline was 9 March
    decision = {"decision": "scr", "attendees": "4", "minutes": "Agreed.\nUnanimous."}
    complete(engine, users["committee"], case.reference, decision)
    return case.reference


@pytest.fixture
def reviewed(engine: Engine, users: dict[str, UserInfo], decided: str) -> str:
    """The decided case, on: both agencies reported, and the chair decided within her ten days."""
    for author in ("police_author", "health_author"):
        complete(engine, users[author], decided, {"summary": f"{author} saw it."})
    complete(engine, users["chair"], decided, {"chair_decision": "true"})
    return decided


def steps(engine: Engine, user: UserInfo, reference: str) -> dict[str, int]:
    """The event number of each kind of step: 'claimed', 'committee', 'chair'."""
    found = {}
    for entry in engine.timeline.of_case(user, reference):
        if entry.type == "task_claimed":
            found["claimed"] = entry.seq
        if entry.type == "task_completed" and COMMITTEE in entry.summary:
            found["committee"] = entry.seq
        if entry.type == "task_completed" and CHAIR in entry.summary:
            found["chair"] = entry.seq
    return found


def diagram_state(page: str) -> list[dict[str, list[str]]]:
    match = STATE.search(page)
    assert match, "no diagram state on the page"
    return json.loads(match.group(1))


def rows(page: str, table_id: str) -> list[str]:
    table = page[page.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    return table.split('<tr class="govuk-table__row"')[2:]  # after the header


def test_timeline_says_who_did_what_in_which_role_with_their_entries(
    auth: AuthActions, decided: str
) -> None:
    auth.login("auditor")
    page = text(auth.get(f"/audit/cases/{decided}"))
    assert (
        "<strong>12 March 2026 09:00</strong> — Carol Mitchell, SCR Committee member, "
        f"completed “{COMMITTEE}”"
    ) in page
    assert (
        "<strong>2 March 2026 09:00</strong> — Beatrice Quinn, Business and Quality "
        "Assurance Manager, started the case"
    ) in page
    assert "The system: queued “SCR-2026-0001: serious incident notified”" in page
    assert "Committee recommendation</dt>" in page and ">Undertake an SCR</dd>" in page
    assert "Agreed.\nUnanimous.</dd>" in page
    assert "Child&#39;s anonymised reference</dt>" in page and ">AB1234</dd>" in page
    assert "Intact" in page and "match their hashes" in page
    assert "Matches" in page and "gives exactly the stored state" in page
    assert f'href="/audit/cases/{decided}/steps/1"' in page
    assert f'href="/audit/cases/{decided}/record.json"' in page


def test_a_tampered_record_shows_where_the_chain_breaks_and_the_replay_parts(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    decided: str,
) -> None:
    seq = steps(engine, users["auditor"], decided)["committee"]
    with engine.database.bind.begin() as connection:
        connection.execute(
            sql(
                "UPDATE audit_event SET data = replace(data, 'Unanimous', 'Split') "
                "WHERE chain = 'case:1' AND seq = :s"
            ),
            {"s": seq},
        )
    auth.login("auditor")
    page = text(auth.get(f"/audit/cases/{decided}"))
    assert "Broken" in page
    assert f"Broken at case:1 #{seq} task_completed" in page
    assert "its content does not match its hash; it was edited." in page
    assert "Differs" in page and "Replaying the events does not give the stored" in page
    assert "Broken" in text(auth.get("/audit/"))


def test_step_through_shows_the_diagram_as_it_was_after_each_event(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    decided: str,
) -> None:
    at = steps(engine, users["auditor"], decided)
    base = f"/audit/cases/{decided}/steps"
    auth.login("auditor")
    first = text(auth.get(f"{base}/1"))
    [mini] = diagram_state(first)
    assert "Task_committee" in mini["active"] and "Task_committee" not in mini["done"]
    assert f'data-xml-url="/cases/{decided}/diagrams/0.bpmn"' in first
    assert 'rel="prev"' not in first and f'href="{base}/2" rel="next"' in first
    assert "Entered at this step" in first and "AB1234</dd>" in first
    assert f"<li>{COMMITTEE}</li>" in first

    page = text(auth.get(f"{base}/{at['committee']}"))
    [mini] = diagram_state(page)
    assert "Task_committee" in mini["done"] and mini["active"] == ["Task_agency_report"]
    assert "Committee recommendation</dt>" in page and "Undertake an SCR" in page
    assert "Carol Mitchell, SCR Committee member, completed" in page
    assert f'href="{base}/{at["committee"] - 1}" rel="prev"' in page
    assert "<li>Write the agency&#39;s involvement report</li>" in page

    last = engine.timeline.of_case(users["auditor"], decided)[-1].seq
    end = text(auth.get(f"{base}/{last}"))
    assert 'rel="next"' not in end and f"Event {last} of {last}" in end


def test_the_timeliness_of_a_case_with_one_late_decision_shows_exactly_that_one_missed(
    auth: AuthActions, reviewed: str
) -> None:
    auth.login("auditor")
    page = text(auth.get(f"/audit/cases/{reviewed}/timeliness"))
    found = rows(page, "deadlines")
    assert len(found) == 2
    missed = [r for r in found if 'data-state="missed"' in r]
    assert len(missed) == 1 and COMMITTEE in missed[0]
    assert "9 March 2026" in missed[0] and "12 March 2026" in missed[0]
    assert "Carol Mitchell" in missed[0] and ">Missed</strong>" in missed[0]
    [met] = [r for r in found if 'data-state="met"' in r]
    assert CHAIR in met and "Irene Chalmers" in met and "22 March 2026" in met


def test_timeliness_across_cases_can_be_filtered_by_state(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    reviewed: str,
) -> None:
    waiting = engine.cases.start(users["bqam"], "Process_mini", GOOD_START).reference
    auth.login("auditor")
    page = text(auth.get("/audit/timeliness"))
    assert len(rows(page, "deadlines")) == 3
    assert f">{reviewed}</a>" in page and f">{waiting}</a>" in page
    assert 'value="missed" checked' not in page and "Missed (1)" in page
    missed = text(auth.get("/audit/timeliness?state=missed"))
    [row] = rows(missed, "deadlines")
    assert reviewed in row and COMMITTEE in row
    assert (
        'value="missed" checked' in missed and 'href="?">Show every deadline' in missed
    )
    both = rows(text(auth.get("/audit/timeliness?state=open&state=met")), "deadlines")
    assert sorted(DATA_STATE.search(r).group(1) for r in both) == ["met", "open"]
    assert (
        len(rows(text(auth.get("/audit/timeliness?state=nonsense")), "deadlines")) == 3
    )
    assert "No deadline is overdue." in text(
        auth.get("/audit/timeliness?state=overdue")
    )


def test_the_timeline_of_a_case_past_a_task_done_once_per_agency(
    auth: AuthActions, reviewed: str
) -> None:
    auth.login("auditor")
    page = text(auth.get(f"/audit/cases/{reviewed}"))
    assert "Paul Armitage, Agency report author, completed" in page


def test_people_see_the_deadlines_of_their_own_cases_only(
    auth: AuthActions, reviewed: str
) -> None:
    auth.login("police_author")  # reported on the reviewed case
    assert reviewed in text(auth.get("/audit/timeliness"))
    auth.logout()
    auth.login("education_author")  # never took part
    page = text(auth.get("/audit/timeliness"))
    assert reviewed not in page and "Every deadline (0)" in page


def test_the_record_downloads_as_json_with_every_event_and_hash(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    reviewed: str,
) -> None:
    auth.login("auditor")
    response = auth.get(f"/audit/cases/{reviewed}/record.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename={reviewed}.json"
    )
    record = json.loads(response.get_data(as_text=True))
    history = engine.cases.history(users["auditor"], reviewed)
    assert record["case"]["reference"] == reviewed and record["chain_intact"] is True
    assert [e["hash"] for e in record["events"]] == [e.hash for e in history]
    assert record["events"][0]["type"] == "case_started"
    assert sorted(d["state"] for d in record["deadlines"]) == ["met", "missed"]


def test_the_events_download_as_csv_with_their_hashes(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    reviewed: str,
) -> None:
    auth.login("bqam")
    response = auth.get(f"/audit/cases/{reviewed}/record.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename={reviewed}.csv"
    )
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0] == ["case", "seq", "at", "type", "actor", "data", "hash"]
    history = engine.cases.history(users["auditor"], reviewed)
    assert [row[6] for row in table[1:]] == [e.hash for e in history]
    assert table[1][:2] == [reviewed, "1"] and table[1][3] == "case_started"


def test_the_printable_record_holds_the_decisions_deadlines_and_every_event(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    decided: str,
) -> None:
    auth.login("chair")
    page = text(auth.get(f"/audit/cases/{decided}/print"))
    assert '<h1 class="govuk-heading-l">Record of case SCR-2026-0001</h1>' in page
    assert "Decisions and entries" in page and ">Undertake an SCR</dd>" in page
    assert ">Missed</strong>" in page and "9 March 2026" in page
    assert "Printed</dt>" in page and "by Irene Chalmers" in page
    assert "data-app-print hidden" in page and "app-no-print" in page
    history = engine.cases.history(users["auditor"], decided)
    assert all(f"<code>{e.hash[:16]}</code>" in page for e in history)


def test_the_case_page_links_to_its_audit_record(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("committee")
    page = text(auth.get(f"/cases/{case.reference}"))
    for path in (
        "",
        "/steps/1",
        "/timeliness",
        "/print",
        "/record.json",
        "/record.csv",
    ):
        assert f'href="/audit/cases/{case.reference}{path}"' in page


@pytest.mark.parametrize("role", ROLES)
def test_the_audit_pages_answer_each_role_as_the_engine_allows(
    auth: AuthActions, case: CaseSummary, role: str
) -> None:
    """A case is open to board-wide roles and those who take part; the menu shows Audit to the first."""
    auth.login_as_role(role)
    ref = case.reference
    status = 200 if role in CASE_VIEWERS else 403
    expected = {
        "/audit/": 200,
        "/audit/timeliness": 200,
        f"/audit/cases/{ref}": status,
        f"/audit/cases/{ref}/steps/1": status,
        f"/audit/cases/{ref}/timeliness": status,
        f"/audit/cases/{ref}/record.json": status,
        f"/audit/cases/{ref}/record.csv": status,
        f"/audit/cases/{ref}/print": status,
        "/audit/cases/SCR-1999-0001": 404,
        "/audit/cases/SCR-1999-0001/steps/1": 404,
        "/audit/cases/SCR-1999-0001/timeliness": 404,
        "/audit/cases/SCR-1999-0001/record.json": 404,
        "/audit/cases/SCR-1999-0001/record.csv": 404,
        "/audit/cases/SCR-1999-0001/print": 404,
        f"/audit/cases/{ref}/steps/0": 404,  # events are numbered from 1
        f"/audit/cases/{ref}/steps/99": 404 if status == 200 else 403,
    }
    met = {url: auth.get(url).status_code for url in expected}
    assert met == expected
    menu = text(auth.get("/tasks/")).split('id="navigation"')[1].split("</ul>")[0]
    assert ('href="/audit/"' in menu) == (role in BOARD_WIDE)


def test_the_audit_pages_change_nothing_and_take_no_posts(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    decided: str,
) -> None:
    before = engine.cases.history(users["auditor"], decided)
    auth.login("auditor")
    for path in ("", "/steps/1", "/timeliness", "/print", "/record.json"):
        assert auth.get(f"/audit/cases/{decided}{path}").status_code == 200
        assert auth.post(f"/audit/cases/{decided}{path}").status_code == 405
    assert auth.post("/audit/timeliness").status_code == 405
    page = text(auth.get(f"/audit/cases/{decided}/steps/1"))
    assert page.count("<form") == 1  # signing out
    assert engine.cases.history(users["auditor"], decided) == before
