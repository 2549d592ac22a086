"""My tasks and the task page: the form from the diagram, errors with entries kept, completion, races."""

from __future__ import annotations

import io

from engine import CaseSummary
from engine import Engine
from engine import FixedClock
from engine import UserInfo
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.html import read


def committee_task(engine: Engine, users: dict[str, UserInfo]) -> str:
    return engine.tasks.inbox(users["committee"])[0].id


def test_my_tasks_lists_offered_tasks_with_case_phase_and_due_date(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("committee")
    response = auth.get("/tasks/")
    page = read(response)
    [offered] = page.table("Offered to my roles").records()
    assert offered["Task"] == "Decide whether the criteria are met"
    assert offered["Case"] == case.reference and offered["Phase"] == "Mini review"
    assert offered["Due"] == "9 March 2026"  # five working days after Monday 2 March
    assert page.tags() == []
    assert "Overdue" not in text(response) and "Due soon" not in text(response)
    assert page.section("Assigned to me")[0] == "You have not claimed any task."


def test_due_soon_and_overdue_tasks_are_tagged(
    auth: AuthActions, case: CaseSummary, clock: FixedClock
) -> None:
    auth.login("committee")
    clock.advance(days=5)
    page = read(auth.get("/tasks/"))
    assert page.tags() == ["Due soon"] and page.tag_colour("Due soon") == "yellow"
    clock.advance(days=3)
    page = read(auth.get("/tasks/"))
    assert page.tags() == ["Overdue"] and page.tag_colour("Overdue") == "red"


def test_tasks_are_sorted_by_due_date(
    auth: AuthActions, engine: Engine, users, clock: FixedClock
) -> None:
    clock.advance(days=1)
    later = engine.cases.start(users["bqam"], "Process_forms", {"case_title": "A"})
    clock.advance(days=-1)
    sooner = engine.cases.start(users["bqam"], "Process_forms", {"case_title": "B"})
    auth.login("bqam")
    offered = read(auth.get("/tasks/")).table("Offered to my roles")
    assert offered.column("Case") == [sooner.reference, later.reference]
    [first, second] = offered.column("Due")
    assert first.startswith("4 March 2026") and second.startswith("5 March 2026")


def test_claiming_moves_a_task_to_mine_and_releasing_gives_it_back(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    task = committee_task(engine, users)
    auth.login("committee")
    response = auth.post(f"/tasks/{task}/claim", data={"next": "/tasks/"})
    assert response.headers["Location"] == "/tasks/"
    page = read(auth.get("/tasks/"))
    assert "You claimed “Decide whether the criteria are met”" in page.text
    assert page.captions() == ["Assigned to me"]
    assert page.table("Assigned to me").column("Task") == [
        "Decide whether the criteria are met"
    ]
    assert page.section("Offered to my roles") == [
        "There are no tasks waiting for your roles (SCR Committee member)."
    ]
    release = f"Release “Decide whether the criteria are met” of {case.reference}"
    assert release in page.buttons()
    auth.post(f"/tasks/{task}/release", data={"next": f"/tasks/{task}"})
    assert engine.tasks.inbox(users["committee"])[0].assignee is None


def colleague(engine: Engine, users: dict[str, UserInfo]) -> UserInfo:
    """A second SCR Committee member."""
    return engine.directory.create_user(
        users["admin"],
        "colin",
        "Colin Two",
        None,
        "another-long-password",
        ["scr_committee"],
        None,
    )


def test_a_claimed_task_cannot_be_taken_by_someone_else(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    task = committee_task(engine, users)
    colleague(engine, users)
    engine.tasks.claim(users["committee"], task)
    auth.login("colin", "another-long-password")
    page = text(auth.get("/tasks/"))
    assert "Decide whether the criteria are met" not in page
    response = auth.post(f"/tasks/{task}/claim")
    assert response.status_code == 403
    assert "Somebody else has claimed this task" in read(response).text


def test_task_page_draws_every_kind_of_field_with_its_label(
    auth: AuthActions, forms_task: str
) -> None:
    auth.login("bqam")
    page = read(auth.get(f"/tasks/{forms_task}"))
    # the documentation keeps its line break
    assert "Answer every question." in page.lines
    assert "Take care with the dates." in page.lines
    # read-only: the case's value, no input
    assert ("Title of the case", "Forms case") in page.definitions()
    form = page.form(f"/tasks/{forms_task}")
    assert "case_title" not in form.fields and "case_title" not in form.hidden
    fields = form.fields
    # string with hint
    assert fields["contact_name"].kind == "text"
    assert fields["contact_name"].label == "Name of the contact"
    assert fields["contact_name"].description == ["As they sign their letters"]
    # long text, number, yes/no, date, radios, select, checkboxes, file
    assert fields["notes"].kind == "textarea"
    assert fields["notes"].label == "Notes (optional)"
    attendees = fields["attendees"]
    assert (attendees.kind, attendees.value, attendees.inputmode) == (
        "text",
        "",
        "numeric",
    )
    assert fields["agreed"].kind == "radio"
    assert fields["agreed"].options == [("true", "Yes"), ("false", "No")]
    for part in ("day", "month", "year"):
        assert fields[f"met_on-{part}"].label == part.capitalize()
        assert fields[f"met_on-{part}"].question == "Date of the meeting"
    assert fields["outcome"].kind == "radio"
    assert fields["outcome"].options[2].value == "stop"
    assert fields["lead_agency"].kind == "select"
    assert fields["topics"].kind == "checkbox"
    assert "school" in [option.value for option in fields["topics"].options]
    assert form.enctype == "multipart/form-data"
    assert fields["minutes"].kind == "file"
    due = dict(page.definitions())["Due"]
    assert due.startswith("4 March 2026")  # two working days


def test_task_page_shows_the_case_context(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    auth.login("committee")
    page = read(auth.get(f"/tasks/{committee_task(engine, users)}"))
    assert f"Case {case.reference}" in page.headings()
    assert ("Incident date", "27 February 2026") in page.definitions()
    assert "Steps done so far" in page.headings(3)
    assert "The criteria table advises; the committee decides." in page.text


def test_errors_are_summarised_linked_and_entries_kept(
    auth: AuthActions, forms_task: str
) -> None:
    auth.login("bqam")
    response = auth.post(
        f"/tasks/{forms_task}",
        data={
            "contact_name": "",
            "notes": "Kept notes",
            "attendees": "none",
            "met_on-day": "31",
            "met_on-month": "2",
            "met_on-year": "2026",
            "topics": ["risk", "school"],
            "lead_agency": "health",
        },
    )
    assert response.status_code == 400
    page = read(response)
    assert page.doctype == "<!DOCTYPE html>"
    assert page.title.startswith("Error: Fill in every kind of field")
    assert page.focused_on_load().startswith("There is a problem")  # the summary
    assert page.error_summary() == [
        ("Enter “Name of the contact”", "contact_name"),
        ("“Number of people present” must be a whole number, like 12", "attendees"),
        ("Select yes or no for “Was it agreed?”", "agreed"),
        (
            "“Date of the meeting” must be a real date, for example 27 3 2026",
            "met_on-day",
        ),
        ("Select an option for “Outcome”", "outcome"),
    ]
    assert {"contact_name", "attendees", "agreed", "met_on-day", "outcome"} <= (
        page.fields_in_error()
    )
    assert page.field("contact_name").description == [
        "As they sign their letters",
        "Error: Enter “Name of the contact”",
    ]
    values = page.form_values()
    assert values["notes"] == "Kept notes"
    assert values["attendees"] == "none"
    assert values["met_on-day"] == "31"
    assert page.field("met_on-day").kind == "text"
    assert page.field("met_on-day").inputmode == "numeric"
    assert values["topics"] == ["risk", "school"]
    assert values["lead_agency"] == "health"
    assert ("Title of the case", "Forms case") in page.definitions()  # still shown


def test_completing_a_task_goes_back_to_my_tasks_with_a_message(
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
            "topics": "family",
            "minutes": (io.BytesIO(b"%PDF-1.4 minutes"), "minutes.pdf"),
        },
    )
    assert response.status_code == 302, text(response)
    assert response.headers["Location"] == "/tasks/"
    page = read(auth.get("/tasks/"))
    assert "You completed “Fill in every kind of field”" in page.text
    assert "Check the answers" in page.table("Offered to my roles").column("Task")
    reference = engine.cases.index(users["bqam"])[0].reference
    view = engine.cases.view(users["bqam"], reference)
    assert view.data["met_on"] == "2026-03-03"
    assert view.data["agreed"] is True
    assert view.data["topics"] == ["family"]
    documents = engine.documents.of_case(users["bqam"], reference)
    assert [d.filename for d in documents] == ["minutes.pdf"]
    assert view.data["minutes"] == str(documents[0].id)
    assert documents[0].task_id == forms_task


def test_a_refused_form_keeps_no_file_and_asks_for_it_again(
    auth: AuthActions, engine: Engine, users, forms_task: str
) -> None:
    auth.login("bqam")
    response = auth.post(
        f"/tasks/{forms_task}",
        data={"minutes": (io.BytesIO(b"%PDF-1.4"), "minutes.pdf")},
    )
    page = read(response)
    assert response.status_code == 400
    assert page.field_error("minutes") == (
        "Choose minutes.pdf again: a file is saved only with the whole form"
    )
    reference = engine.tasks.open(users["bqam"], forms_task).task.case_reference
    assert engine.documents.of_case(users["bqam"], reference) == []


def test_a_refused_file_type_is_an_error_on_its_field(
    auth: AuthActions, forms_task: str
) -> None:
    auth.login("bqam")
    response = auth.post(
        f"/tasks/{forms_task}",
        data={"minutes": (io.BytesIO(b"MZ"), "tool.exe")},
    )
    assert response.status_code == 400
    refused = (
        "Files of type .exe cannot be uploaded; "
        "use PDF, Word, ODT, Excel, CSV, text or an image."
    )
    assert (refused, "minutes") in read(response).error_summary()


def test_second_submission_of_same_task_says_already_completed(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    task = committee_task(engine, users)
    auth.login("committee")
    entries = {"decision": "no_scr", "attendees": "5", "minutes": "We met."}
    assert auth.post(f"/tasks/{task}", data=entries).status_code == 302
    response = auth.post(f"/tasks/{task}", data={**entries, "minutes": "Second try"})
    assert response.status_code == 409
    page = read(response)
    assert page.heading == "This task was already completed"
    assert "Carol Mitchell completed it on 2 March 2026 at 9:00am" in page.text
    assert "Your entries were not saved" in page.text
    assert ("Minutes", "Second try") in page.definitions()
    assert ("Number of members present", "5") in page.definitions()


def test_someone_else_completing_it_first_shows_who_and_my_entries(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    task = committee_task(engine, users)
    auth.login("committee")
    assert auth.get(f"/tasks/{task}").status_code == 200  # the form is open...
    # ...while a colleague completes it
    engine.tasks.complete(
        colleague(engine, users), task, {"decision": "scr", "attendees": "3"}
    )
    response = auth.post(
        f"/tasks/{task}", data={"decision": "no_scr", "attendees": "4"}
    )
    assert response.status_code == 409
    page = read(response)
    assert "Colin Two completed it" in page.text
    # The unsaved entries are shown as the form showed them: labels and the options' names.
    assert ("Committee recommendation", "Criteria not met") in page.definitions()
    assert "no_scr" not in text(response)


def test_a_completed_task_page_says_who_completed_it(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    task = committee_task(engine, users)
    engine.tasks.complete(
        users["committee"], task, {"decision": "scr", "attendees": "3"}
    )
    auth.login("committee")
    response = auth.get(f"/tasks/{task}")
    assert response.status_code == 409
    assert "Carol Mitchell completed it" in read(response).text


def test_my_tasks_shows_fifty_a_page_with_pages_to_move_between(
    auth: AuthActions, engine: Engine, users
) -> None:
    for number in range(55):
        engine.cases.start(users["bqam"], "Process_forms", {"case_title": f"C{number}"})
    auth.login("bqam")
    first = read(auth.get("/tasks/"))
    assert len(first.table("Offered to my roles").records()) == 50
    assert "55 tasks; page 1 of 2." in first.text
    pages = first.region("Pages of my tasks")
    assert pages.link("Next page") == "/tasks/?page=2"
    second = read(auth.get(pages.link("Next page")))
    assert len(second.table("Offered to my roles").records()) == 5
    assert second.region("Pages of my tasks").link("Previous page") == "/tasks/?page=1"
    every = first.table("Offered to my roles").column("Case")
    assert not set(every) & set(second.table("Offered to my roles").column("Case"))


def test_a_page_of_my_tasks_past_the_last_shows_the_last(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("committee")
    page = read(auth.get("/tasks/?page=9"))
    assert page.table("Offered to my roles").column("Case") == [case.reference]
