"""Starting a case, the case page, its history, its diagrams, its documents; my messages."""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse
from werkzeug.test import encode_multipart

from engine import CaseSummary
from engine import Engine
from engine import UserInfo
from tests.engine.helpers import GOOD_START
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text


def test_start_page_lists_what_i_may_start(auth: AuthActions) -> None:
    auth.login("bqam")
    page = text(auth.get("/cases/new"))
    assert 'href="/cases/new/Process_mini">Mini review</a>' in page
    assert 'href="/cases/new/Process_forms">Every kind of field</a>' in page
    auth.logout()
    auth.login("secretariat")
    page = text(auth.get("/cases/new"))
    assert "Mini review" in page and "Every kind of field" not in page
    auth.logout()
    auth.login("board")
    assert "None of your roles (Board member) can start a case" in text(
        auth.get("/cases/new")
    )
    assert (
        "Start a case"
        not in text(auth.get("/tasks/")).replace("<title>", "").split("<main")[1]
    )


def test_start_form_errors_keep_the_entries(auth: AuthActions) -> None:
    auth.login("bqam")
    response = auth.post(
        "/cases/new/Process_mini",
        data={"child_ref": "ab12", "incident_date-day": "27", "agencies": ["police"]},
    )
    assert response.status_code == 400
    page = text(response)
    assert (
        'href="#child_ref">“Child&#39;s anonymised reference” is not in the expected format'
        in page
    )
    assert (
        'href="#incident_date-day">“Date of the incident” must include a month and year'
        in page
    )
    assert 'value="ab12"' in page
    assert 'value="police" checked' in page


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
    page = text(auth.get(response.headers["Location"]))
    assert f"Case {reference} has started." in page
    assert (
        engine.cases.view(users["bqam"], reference).data["incident_date"] == "2026-02-27"
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
    page = text(auth.get(f"/cases/{case.reference}"))
    assert f"Case {case.reference}" in page and "Mini review" in page
    assert '<strong class="govuk-tag govuk-tag--blue">Active</strong>' in page
    assert "Open tasks and deadlines" in page
    assert "Decide whether the criteria are met" in page and "9 March 2026" in page
    assert "SCR Committee member" in page and "Carol Mitchell" in page
    assert "Beatrice Quinn" in page
    assert 'href="/documents/1" download>referral.pdf</a>' in page
    assert "serious incident notified" in page  # the notification to the Chair
    assert f'href="/cases/{case.reference}/history"' in page
    assert 'data-xml-url="/cases/' + case.reference + '/diagrams/0.bpmn"' in page
    assert 'id="diagram-state"' in page and "Task_committee" in page
    assert "The diagram needs JavaScript" in page
    assert 'src="/static/diagram.js"' in page
    assert "Upload" in page


def test_completed_steps_say_who_and_when(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    task = engine.tasks.inbox(users["committee"])[0]
    engine.tasks.complete(
        users["committee"], task.id, {"decision": "no_scr", "attendees": "3"}
    )
    auth.login("bqam")
    page = text(auth.get(f"/cases/{case.reference}"))
    steps = page[page.index("Steps done") :]
    assert "Decide whether the criteria are met" in steps
    assert "Carol Mitchell" in steps and "2 March 2026 at 9:00am" in steps
    assert '<strong class="govuk-tag govuk-tag--green">Completed</strong>' in page
    assert "There is nothing open in this case." in page


def test_history_lists_every_event(auth: AuthActions, case: CaseSummary) -> None:
    auth.login("auditor")
    page = text(auth.get(f"/cases/{case.reference}/history"))
    assert "Case started" in page and "Beatrice Quinn" in page
    assert "Service task ran" in page


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
    page = text(auth.get(f"/cases/{case.reference}"))
    assert "was added to case" in page
    assert ">Ünïcode notes.csv</a>" in page
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
    page = text(response)
    assert 'href="#document">Files of type .html cannot be uploaded' in page
    assert "<title>Error: Case " in page
    assert "govuk-file-upload--error" in page
    response = auth.post(f"/cases/{case.reference}/documents", data={})
    assert response.status_code == 400
    assert "Choose a file to upload" in text(response)


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
    assert "Upload files of up to 10 MB." in text(response)
    response = _big_upload(auth, case.reference, 10 * 1024 * 1024 + 1)
    assert response.status_code == 400
    assert "The file is larger than 10 MB." in text(response)


def test_cases_list_shows_only_my_cases_unless_board_wide(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("committee")
    assert case.reference in text(auth.get("/cases/"))
    auth.logout()
    auth.login("reviewer")
    assert "You do not take part in any case yet." in text(auth.get("/cases/"))
    auth.logout()
    auth.login("auditor")
    assert case.reference in text(auth.get("/cases/"))


def test_messages_are_the_copies_sent_to_me(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("chair")
    page = text(auth.get("/messages/"))
    assert f"{case.reference}: serious incident notified" in page
    assert "Child&#39;s anonymised reference: AB1234" in page
    auth.logout()
    auth.login("reviewer")
    assert "You have no messages." in text(auth.get("/messages/"))
