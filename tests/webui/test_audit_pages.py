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
from tests.webui.html import Page
from tests.webui.html import read
from webui.filters import timestamp

ROLES = sorted(ROLE_USERS)
BOARD_WIDE = {"bqam", "independent_chair", "auditor", "admin"}
COMMITTEE = "Decide whether the criteria are met"
CHAIR = "Decide whether to hold an SCR"


def complete(engine: Engine, user: UserInfo, reference: str, values: dict) -> None:
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


def diagram_state(page: Page) -> list[dict[str, list[str]]]:
    """What the diagram marks done and active, for each diagram of the case."""
    return page.json_data("diagram-state")


def step_links(page: Page) -> dict[str, str]:
    """The links to the previous and next events: "Previous" / "Next" → href."""
    links = page.region("Previous and next events").links()
    return {text.split()[0]: href for text, href in links}


def test_timeline_says_who_did_what_in_which_role_with_their_entries(
    auth: AuthActions, decided: str
) -> None:
    auth.login("auditor")
    page = read(auth.get(f"/audit/cases/{decided}"))
    assert (
        "12 March 2026 09:00 — Carol Mitchell, SCR Committee member, "
        f"completed “{COMMITTEE}”"
    ) in page.lines
    assert (
        "2 March 2026 09:00 — Beatrice Quinn, Business and Quality "
        "Assurance Manager, started the case"
    ) in page.lines
    assert "The system: queued “SCR-2026-0001: serious incident notified”" in page.text
    entries = page.definitions()
    assert ("Committee recommendation", "Undertake an SCR") in entries
    assert ("Minutes", "Agreed.\nUnanimous.") in entries  # on two lines, as entered
    assert ("Child's anonymised reference", "AB1234") in entries
    integrity = dict(entries)
    assert "Intact" in page.tags() and integrity["Audit chain"].startswith("Intact ")
    assert "match their hashes" in integrity["Audit chain"]
    assert "Matches" in page.tags() and integrity["Replay"].startswith("Matches ")
    assert "gives exactly the stored state" in integrity["Replay"]
    steps = f"/audit/cases/{decided}/steps/1"
    assert page.link("Step through the case on its diagram") == steps
    assert page.link("See the case at this step (event 1)") == steps
    record = f"/audit/cases/{decided}/record.json"
    assert ("Download the record as JSON", record) in page.downloads()


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
                "UPDATE audit_event SET data = replace(data, 'Decide', 'Skip') "
                "WHERE chain = 'case:1' AND seq = :s"
            ),
            {"s": seq},
        )
        connection.execute(  # the form answers live in the event's payload
            sql(
                "UPDATE audit_payload SET content = replace(content, 'Unanimous', 'Split') "
                "WHERE event_id = (SELECT id FROM audit_event WHERE chain = 'case:1' AND seq = :s)"
            ),
            {"s": seq},
        )
    auth.login("auditor")
    page = read(auth.get(f"/audit/cases/{decided}"))
    integrity = dict(page.definitions())
    assert "Broken" in page.tags() and integrity["Audit chain"].startswith("Broken ")
    assert f"Broken at case:1 #{seq} task_completed" in integrity["Audit chain"]
    assert (
        "its content does not match its hash; it was edited."
        in integrity["Audit chain"]
    )
    assert "Differs" in page.tags() and integrity["Replay"].startswith(
        "Differs Replaying the events does not give the stored"
    )
    assert "Broken" in read(auth.get("/audit/")).tags()


def test_step_through_shows_the_diagram_as_it_was_after_each_event(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    decided: str,
) -> None:
    at = steps(engine, users["auditor"], decided)
    base = f"/audit/cases/{decided}/steps"
    auth.login("auditor")
    first = read(auth.get(f"{base}/1"))
    [mini] = diagram_state(first)
    assert "Task_committee" in mini["active"] and "Task_committee" not in mini["done"]
    assert f"/cases/{decided}/diagrams/0.bpmn" in first.data("xml-url")
    assert step_links(first) == {"Next": f"{base}/2"}
    assert "Entered at this step" in first.headings()
    assert ("Child's anonymised reference", "AB1234") in first.definitions()
    assert COMMITTEE in first.section("Waiting at this point")

    page = read(auth.get(f"{base}/{at['committee']}"))
    [mini] = diagram_state(page)
    assert "Task_committee" in mini["done"] and mini["active"] == ["Task_agency_report"]
    assert ("Committee recommendation", "Undertake an SCR") in page.definitions()
    assert "Carol Mitchell, SCR Committee member, completed" in page.text
    assert step_links(page)["Previous"] == f"{base}/{at['committee'] - 1}"
    assert "Write the agency's involvement report" in page.section(
        "Waiting at this point"
    )

    last = engine.timeline.of_case(users["auditor"], decided)[-1].seq
    end = read(auth.get(f"{base}/{last}"))
    assert "Next" not in step_links(end) and end.heading == f"Event {last} of {last}"


def test_the_timeliness_of_a_case_with_one_late_decision_shows_exactly_that_one_missed(
    auth: AuthActions, reviewed: str
) -> None:
    auth.login("auditor")
    page = read(auth.get(f"/audit/cases/{reviewed}/timeliness"))
    found = page.table().records()
    assert len(found) == 2
    missed = [r for r in found if r["State"] == "Missed"]
    assert len(missed) == 1 and missed[0]["Step"].startswith(COMMITTEE)
    assert missed[0]["Due"] == "9 March 2026" and missed[0]["Done"] == "12 March 2026"
    assert missed[0]["By"] == "Carol Mitchell" and "Missed" in page.tags()
    [met] = [r for r in found if r["State"] == "Met"]
    assert met["Step"].startswith(CHAIR) and met["By"] == "Irene Chalmers"
    assert met["Due"] == "22 March 2026"


def test_timeliness_across_cases_can_be_filtered_by_state(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    reviewed: str,
) -> None:
    waiting = engine.cases.start(users["bqam"], "Process_mini", GOOD_START).reference
    auth.login("auditor")
    page = read(auth.get("/audit/timeliness"))
    assert len(page.table()) == 3
    assert page.link(reviewed) == f"/audit/cases/{reviewed}/timeliness"
    assert page.link(waiting) == f"/audit/cases/{waiting}/timeliness"
    assert page.form_values()["state"] == []  # nothing ticked
    assert ("missed", "Missed (1)") in page.field("state").options
    missed = read(auth.get("/audit/timeliness?state=missed"))
    [row] = missed.table().records()
    assert row["Case"] == reviewed and row["Step"].startswith(COMMITTEE)
    assert missed.form_values()["state"] == ["missed"]
    assert missed.link("Show every deadline") == "?"
    both = read(auth.get("/audit/timeliness?state=open&state=met")).table()
    assert sorted(both.column("State")) == ["Met", "Open"]
    assert len(read(auth.get("/audit/timeliness?state=nonsense")).table()) == 3
    assert (
        "No deadline is overdue."
        in read(auth.get("/audit/timeliness?state=overdue")).text
    )


def test_the_timeline_of_a_case_past_a_task_done_once_per_agency(
    auth: AuthActions, reviewed: str
) -> None:
    auth.login("auditor")
    page = read(auth.get(f"/audit/cases/{reviewed}"))
    assert "Paul Armitage, Agency report author, completed" in page.text


def test_people_who_took_part_but_are_not_board_wide_are_refused_the_audit_pages(
    auth: AuthActions, reviewed: str
) -> None:
    auth.login("police_author")  # reported on the reviewed case
    for url in (
        "/audit/",
        "/audit/timeliness",
        f"/audit/cases/{reviewed}",
        f"/audit/cases/{reviewed}/record.json",
        f"/audit/cases/{reviewed}/record.csv",
    ):
        response = auth.get(url)
        assert response.status_code == 403, url
        page = read(response)
        assert page.heading == "You cannot do that"
        assert "may read the audit pages and exports" in page.text
        assert reviewed not in text(response)


def test_auditors_see_who_read_a_case_and_when(
    auth: AuthActions, clock: FixedClock, decided: str
) -> None:
    auth.login("committee")
    assert auth.get(f"/cases/{decided}").status_code == 200
    auth.logout()
    auth.login("education_author")  # never took part: refused, and nothing is recorded
    assert auth.get(f"/cases/{decided}").status_code == 403
    auth.logout()
    auth.login("auditor")
    page = read(auth.get(f"/audit/cases/{decided}"))
    readings = page.table("Who read the case, newest first")
    assert readings.column("Who") == ["Carol Mitchell (committee)"]
    assert readings.column("When") == [timestamp(clock.now())]
    auth.get(f"/cases/{decided}")  # the auditor's own reading is recorded too
    again = read(auth.get(f"/audit/cases/{decided}"))
    assert again.table("Who read the case, newest first").column("Who") == [
        "Aidan Ross (auditor)",
        "Carol Mitchell (committee)",
    ]


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
    page = read(auth.get(f"/audit/cases/{decided}/print"))
    assert page.heading == "Record of case SCR-2026-0001"
    assert "Decisions and entries" in page.headings()
    assert ("Committee recommendation", "Undertake an SCR") in page.definitions()
    [deadline] = page.table(f"Deadlines of case {decided}").records()
    assert (deadline["Due"], deadline["State"]) == ("9 March 2026", "Missed")
    assert "Missed" in page.tags()
    assert dict(page.definitions())["Printed"].endswith("by Irene Chalmers")
    # The print button needs JavaScript; the paper has the record, not the instructions.
    assert "Print this record" not in page.buttons()
    assert "Print this record" in page.with_javascript().buttons()
    printed = page.printed()
    assert printed.heading == "Record of case SCR-2026-0001"
    assert "This page is laid out for printing" in page.text
    assert "This page is laid out for printing" not in printed.text
    assert printed.with_javascript().buttons() == []
    history = engine.cases.history(users["auditor"], decided)
    events = printed.table(f"Every event recorded for case {decided}")
    shown = [e for e in history if e.type not in ("task_offered", "task_cancelled")]
    assert events.column("Hash") == [e.hash[:16] for e in shown]


def test_the_case_page_links_to_its_audit_record_for_auditors_only(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("committee")
    page = read(auth.get(f"/cases/{case.reference}"))
    assert "Audit record" not in page.headings()
    assert not [link for link in page.links() if link.href.startswith("/audit/")]
    auth.logout()
    auth.login("auditor")
    links = [link.href for link in read(auth.get(f"/cases/{case.reference}")).links()]
    for path in (
        "",
        "/steps/1",
        "/timeliness",
        "/print",
        "/record.json",
        "/record.csv",
    ):
        assert f"/audit/cases/{case.reference}{path}" in links


AUDIT_PAGES = (
    "",
    "/steps/1",
    "/timeliness",
    "/record.json",
    "/record.csv",
    "/print",
)


@pytest.mark.parametrize("role", ROLES)
def test_the_audit_pages_answer_each_role_as_the_engine_allows(
    auth: AuthActions, case: CaseSummary, role: str
) -> None:
    """Auditors and board-wide roles only (rule see_audit, enforced by the engine); the menu agrees."""
    auth.login_as_role(role)
    ref = case.reference
    allowed = role in BOARD_WIDE
    status = 200 if allowed else 403
    unknown = 404 if allowed else 403  # refused before anything is looked up
    expected = {
        "/audit/": status,
        "/audit/timeliness": status,
        **{f"/audit/cases/{ref}{path}": status for path in AUDIT_PAGES},
        **{f"/audit/cases/SCR-1999-0001{path}": unknown for path in AUDIT_PAGES},
        f"/audit/cases/{ref}/steps/0": 404,  # events are numbered from 1
        f"/audit/cases/{ref}/steps/99": unknown,
    }
    met = {url: auth.get(url).status_code for url in expected}
    assert met == expected
    menu = read(auth.get("/tasks/")).region("Menu").links()
    assert (("Audit", "/audit/") in menu) == allowed


def test_the_audit_pages_send_anonymous_visitors_to_sign_in(
    auth: AuthActions, case: CaseSummary
) -> None:
    for path in ("/audit/", "/audit/timeliness"):
        response = auth.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")
    for path in AUDIT_PAGES:
        response = auth.get(f"/audit/cases/{case.reference}{path}")
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/sign-in?next=")


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
    page = read(auth.get(f"/audit/cases/{decided}/steps/1"))
    assert [form.action for form in page.forms()] == ["/sign-out"]
    assert engine.cases.history(users["auditor"], decided) == before
