"""Starting a case, the case page, its history, its diagrams, its documents; my messages."""

from __future__ import annotations

import io
from pathlib import Path

from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse
from werkzeug.test import encode_multipart

from engine import CaseSummary
from engine import Engine
from engine import UserInfo
from tests.engine.helpers import GOOD_START
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.html import read

LOOPS = Path(__file__).parents[1] / "engine" / "diagrams" / "loops"
WAITING = Path(__file__).parent / "diagrams" / "waiting.bpmn"


def test_start_page_lists_what_i_may_start(auth: AuthActions) -> None:
    auth.login("bqam")
    links = read(auth.get("/cases/new")).links()
    assert ("Mini review", "/cases/new/Process_mini") in links
    assert ("Every kind of field", "/cases/new/Process_forms") in links
    auth.logout()
    auth.login("secretariat")
    response = auth.get("/cases/new")
    assert ("Mini review", "/cases/new/Process_mini") in read(response).links()
    assert "Every kind of field" not in text(response)
    auth.logout()
    auth.login("board")
    assert (
        "None of your roles (Board member) can start a case"
        in read(auth.get("/cases/new")).text
    )
    tasks = read(auth.get("/tasks/"))
    assert "Start a case" not in tasks.buttons() and "Start a case" not in tasks.text
    assert "Start a case" not in [link.text for link in tasks.links()]


def test_start_form_errors_keep_the_entries(auth: AuthActions) -> None:
    auth.login("bqam")
    response = auth.post(
        "/cases/new/Process_mini",
        data={"child_ref": "ab12", "incident_date-day": "27", "agencies": ["police"]},
    )
    assert response.status_code == 400
    page = read(response)
    summary = page.error_summary()
    assert (
        "“Child's anonymised reference” is not in the expected format "
        "(Two letters and four digits, like AB1234)",
        "child_ref",
    ) in summary
    assert (
        "“Date of the incident” must include a month and year",
        "incident_date-day",
    ) in summary
    assert page.form_values()["child_ref"] == "ab12"
    assert page.form_values()["agencies"] == ["police"]


def test_starting_a_case_shows_its_page(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    auth.login("bqam")
    data = {k: v for k, v in GOOD_START.items() if k != "incident_date"}
    data |= {"incident_date-day": "27"}
    data |= {"incident_date-month": "2", "incident_date-year": "2026"}
    response = auth.post("/cases/new/Process_mini", data=data)
    assert response.status_code == 302
    reference = engine.cases.index(users["bqam"])[0].reference
    assert response.headers["Location"] == f"/cases/{reference}"
    page = read(auth.get(response.headers["Location"]))
    assert f"Case {reference} has started." in page.text
    assert (
        engine.cases.view(users["bqam"], reference).data["incident_date"]
        == "2026-02-27"
    )


def test_case_page_shows_phase_deadlines_steps_people_and_documents(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    task = engine.tasks.inbox(users["committee"])[0]
    engine.tasks.claim(users["committee"], task.id)
    engine.documents.upload(
        users["bqam"], case.reference, "referral.pdf", b"%PDF", None
    )
    auth.login("chair")
    page = read(auth.get(f"/cases/{case.reference}"))
    assert (
        page.heading == f"Case {case.reference} Active" and "Mini review" in page.text
    )
    assert "Active" in page.tags() and page.tag_colour("Active") == "blue"
    assert "Open tasks and deadlines" in page.headings()
    open_tasks = page.table(f"Open tasks of case {case.reference}")
    assert [
        "Decide whether the criteria are met",
        "SCR Committee member",
        "Carol Mitchell",
        "9 March 2026",
    ] in open_tasks
    assert "Beatrice Quinn" in page.text
    assert ("referral.pdf", "/documents/1") in page.downloads()
    # the notification to the Chair
    notifications = page.table(f"Messages sent about case {case.reference}")
    subjects = notifications.column("Subject")
    assert f"{case.reference}: serious incident notified" in subjects
    assert (
        page.link("See the history of this case") == f"/cases/{case.reference}/history"
    )
    assert page.data("xml-url") == [f"/cases/{case.reference}/diagrams/0.bpmn"]
    [mini] = page.json_data("diagram-state")
    assert "Task_committee" in mini["active"]
    assert "The diagram needs JavaScript" in page.text
    assert "/static/diagram.js" in page.scripts()
    assert "Upload" in page.buttons()


def test_completed_steps_say_who_and_when(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    task = engine.tasks.inbox(users["committee"])[0]
    engine.tasks.complete(
        users["committee"], task.id, {"decision": "no_scr", "attendees": "3"}
    )
    auth.login("bqam")
    page = read(auth.get(f"/cases/{case.reference}"))
    steps = page.table(f"Completed steps of case {case.reference}")
    assert [
        "Decide whether the criteria are met",
        "Carol Mitchell",
        "2 March 2026 at 9:00am",
    ] in steps
    assert "Completed" in page.tags() and page.tag_colour("Completed") == "green"
    assert "Nothing is open: the case is completed." in page.text
    assert ("Outcome", "Completed on 2 March 2026") in page.definitions()
    assert "Phase" not in dict(page.definitions())


def test_a_long_case_shows_its_latest_steps_and_links_to_all_of_them(
    auth: AuthActions, engine: Engine, users, clock
) -> None:
    loop = LOOPS / "loop.bpmn"
    engine.deployments.deploy(users["owner"], {loop.name: loop.read_bytes()})
    bqam = users["bqam"]
    case = engine.cases.start(bqam, "Process_loop", {"plan": "monthly reports"})
    for _ in range(25):
        clock.advance(days=1)
        [task] = engine.tasks.inbox(bqam)
        engine.tasks.complete(bqam, task.id, {"more": "true"})
    auth.login("bqam")
    page = read(auth.get(f"/cases/{case.reference}"))
    steps = page.table(f"Completed steps of case {case.reference}")
    assert len(steps) == 20
    assert steps.column("When")[0] == "8 March 2026 at 9:00am"  # the 6th of 25
    assert steps.column("When")[-1] == "27 March 2026 at 9:00am"  # the 25th
    assert "The latest 20 of 25 steps, oldest first." in page.text
    assert (
        page.link("See every step in the history of this case")
        == f"/cases/{case.reference}/history"
    )
    task_page = read(auth.get(f"/tasks/{engine.tasks.inbox(bqam)[0].id}"))
    assert task_page.link("see them all") == f"/cases/{case.reference}/history"


def test_history_lists_every_event(auth: AuthActions, case: CaseSummary) -> None:
    auth.login("auditor")
    events = read(auth.get(f"/cases/{case.reference}/history")).table()
    started = [event for event in events.records() if event["What"] == "Case started"]
    assert [event["Who"] for event in started] == ["Beatrice Quinn"]
    assert "Service task ran" in events.column("What")


def test_diagram_xml_is_served_as_data_only(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("bqam")
    response = auth.get(f"/cases/{case.reference}/diagrams/0.bpmn")
    assert response.mimetype == "application/xml"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b'<bpmn:process id="Process_mini"' in response.data


def test_documents_upload_and_download_safely(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("bqam")
    response = auth.post(
        f"/cases/{case.reference}/documents",
        data={"document": (io.BytesIO(b"a,b\n1,2\n"), "../../etc/Ünïcode notes.csv")},
    )
    assert response.status_code == 302
    page = read(auth.get(f"/cases/{case.reference}"))
    assert "was added to case" in page.text
    assert ("Ünïcode notes.csv", "/documents/1") in page.downloads()
    download = auth.get("/documents/1")
    assert download.status_code == 200
    assert download.data == b"a,b\n1,2\n"
    assert download.mimetype == "text/csv"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%C3%9Cn%C3%AFcode%20notes.csv" in disposition
    assert "/" not in disposition
    download.close()


def test_a_document_of_a_refused_type_is_an_error_on_the_case_page(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("bqam")
    response = auth.post(
        f"/cases/{case.reference}/documents",
        data={"document": (io.BytesIO(b"<script>"), "page.html")},
    )
    assert response.status_code == 400
    page = read(response)
    refused = "Files of type .html cannot be uploaded; use PDF, Word, ODT, Excel, CSV, text or an image."
    assert page.error_summary() == [(refused, "document")]
    assert page.title.startswith(f"Error: Case {case.reference}")
    assert page.field_error("document") == refused
    assert "document" in page.fields_in_error()
    response = auth.post(f"/cases/{case.reference}/documents", data={})
    assert response.status_code == 400
    assert read(response).error_summary() == [("Choose a file to upload", "document")]


def _big_upload(auth: AuthActions, reference: str, size: int) -> TestResponse:
    """POST a file of `size` bytes, encoded in memory (the test client would spool it to a file)."""
    document = FileStorage(io.BytesIO(b"0" * size), "big.pdf")
    boundary, body = encode_multipart({"document": document, "csrf_token": auth.token})
    return auth.client.post(
        f"/cases/{reference}/documents",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_a_document_over_the_size_limit_is_refused(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("bqam")
    response = _big_upload(auth, case.reference, 11 * 1024 * 1024 + 1)
    assert response.status_code == 413
    assert "Upload files of up to 10 MB." in read(response).text
    response = _big_upload(auth, case.reference, 10 * 1024 * 1024 + 1)
    assert response.status_code == 400
    assert "The file is larger than 10 MB." in read(response).text


def test_cases_list_shows_only_my_cases_unless_board_wide(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("committee")
    assert case.reference in read(auth.get("/cases/")).table().column("Reference")
    auth.logout()
    auth.login("reviewer")
    assert "You do not take part in any case yet." in read(auth.get("/cases/")).text
    auth.logout()
    auth.login("auditor")
    assert case.reference in read(auth.get("/cases/")).table().column("Reference")


def test_messages_are_the_copies_sent_to_me(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("chair")
    page = read(auth.get("/messages/"))
    assert f"{case.reference}: serious incident notified" in page.headings()
    assert "Child's anonymised reference: AB1234" in page.lines
    auth.logout()
    auth.login("reviewer")
    assert "You have no messages." in read(auth.get("/messages/")).text


def test_case_page_says_what_the_case_waits_for_and_until_when(
    auth: AuthActions, engine: Engine, users, clock
) -> None:
    engine.deployments.deploy(users["owner"], {WAITING.name: WAITING.read_bytes()})
    bqam = users["bqam"]
    case = engine.cases.start(bqam, "Process_waiting", {"plan": "draft"})
    auth.login("bqam")
    page = read(auth.get(f"/cases/{case.reference}"))
    about = dict(page.definitions())
    assert about["Now"] == "1 open task"
    assert about["Next deadline"] == "Circulate the draft, due 5 March 2026"

    [task] = engine.tasks.inbox(bqam)
    engine.tasks.complete(bqam, task.id, {"notes": "sent"})
    page = read(auth.get(f"/cases/{case.reference}"))
    waiting = (
        "Waiting until 9 March 2026 for the next Panel meeting, "
        "5 working days after the draft"
    )
    assert page.section("Open tasks and deadlines") == [waiting + "."]
    about = dict(page.definitions())
    assert about["Now"] == waiting
    assert about["Next deadline"] == "No open task has a due date"
    assert "There is nothing open in this case." not in page.text

    clock.advance(days=8)
    engine.timers.fire_due()
    [task] = engine.tasks.inbox(bqam)
    engine.tasks.complete(bqam, task.id, {"minutes": "held"})
    page = read(auth.get(f"/cases/{case.reference}"))
    about = dict(page.definitions())
    assert about["Outcome"] == "Review closed on 10 March 2026"  # the end it reached
    assert "Phase" not in about and "Now" not in about
    assert "Waiting until" not in page.text


def test_next_deadline_is_the_soonest_due_date_of_the_open_tasks(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("chair")
    page = read(auth.get(f"/cases/{case.reference}"))
    about = dict(page.definitions())
    assert about["Next deadline"] == (
        "Decide whether the criteria are met, due 9 March 2026"
    )
    assert about["Now"] == "1 open task"
    assert about.get("Phase") not in ("None", "Mini review")  # the caption says it


def test_next_deadline_says_when_it_is_overdue(
    auth: AuthActions, case: CaseSummary, clock
) -> None:
    clock.advance(days=10)
    auth.login("bqam")
    page = read(auth.get(f"/cases/{case.reference}"))
    about = dict(page.definitions())
    assert about["Next deadline"] == (
        "Decide whether the criteria are met, due 9 March 2026 Overdue"
    )


def test_documents_say_what_they_are_and_which_task_they_came_with(
    auth: AuthActions, engine: Engine, users, forms_task: str
) -> None:
    auth.login("bqam")
    response = auth.post(
        f"/tasks/{forms_task}",
        data={
            "contact_name": "Dr Jones",
            "agreed": "true",
            "met_on-day": "3",
            "met_on-month": "3",
            "met_on-year": "2026",
            "outcome": "go",
            "minutes": (io.BytesIO(b"%PDF-1.4 minutes"), "minutes.pdf"),
        },
    )
    assert response.status_code == 302
    reference = engine.cases.index(users["bqam"])[0].reference
    engine.documents.upload(users["bqam"], reference, "letter.pdf", b"%PDF", None)
    page = read(auth.get(f"/cases/{reference}"))
    documents = page.table(f"Documents of case {reference}").records()
    assert [(d["Document"], d["File"], d["From"]) for d in documents] == [
        ("Minutes of the meeting", "minutes.pdf", "Fill in every kind of field"),
        ("Added to the case", "letter.pdf", "The case page"),
    ]
    assert [d["Added by"] for d in documents] == ["Beatrice Quinn"] * 2


def test_a_document_from_an_earlier_task_is_shown_by_its_file_name(
    auth: AuthActions, engine: Engine, users, clock
) -> None:
    engine.deployments.deploy(users["owner"], {WAITING.name: WAITING.read_bytes()})
    case = engine.cases.start(users["bqam"], "Process_waiting", {"plan": "draft"})
    [task] = engine.tasks.inbox(users["bqam"])
    auth.login("bqam")
    response = auth.post(
        f"/tasks/{task.id}",
        data={"notes": "sent", "draft": (io.BytesIO(b"%PDF-1.4"), "draft-1.pdf")},
    )
    assert response.status_code == 302
    page = read(auth.get(f"/cases/{case.reference}"))
    [document] = page.table(f"Documents of case {case.reference}").records()
    assert (document["Document"], document["From"]) == (
        "The draft report",
        "Circulate the draft",
    )
    download = ("draft-1.pdf", page.link("draft-1.pdf"))
    clock.advance(days=8)
    engine.timers.fire_due()
    [meeting] = engine.tasks.inbox(users["bqam"])
    page = read(auth.get(f"/tasks/{meeting.id}"))
    assert ("The draft report", "draft-1.pdf") in page.definitions()
    assert download in page.downloads()
