"""My tasks and the task page: the form from the diagram, errors with entries kept, completion, races."""

from __future__ import annotations

import io
import re

from engine import CaseSummary
from engine import Engine
from engine import FixedClock
from engine import UserInfo
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text


def committee_task(engine: Engine, users: dict[str, UserInfo]) -> str:
    return engine.tasks.inbox(users["committee"])[0].id


def test_my_tasks_lists_offered_tasks_with_case_phase_and_due_date(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("committee")
    page = text(auth.get("/tasks/"))
    assert "Offered to my roles" in page
    assert "Decide whether the criteria are met" in page
    assert case.reference in page
    assert "9 March 2026" in page  # five working days after Monday 2 March
    assert "Overdue" not in page and "Due soon" not in page
    assert "You have not claimed any task." in page


def test_due_soon_and_overdue_tasks_are_tagged(
    auth: AuthActions, case: CaseSummary, clock: FixedClock
) -> None:
    auth.login("committee")
    clock.advance(days=5)
    assert '<strong class="govuk-tag govuk-tag--yellow">Due soon</strong>' in text(
        auth.get("/tasks/")
    )
    clock.advance(days=3)
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in text(
        auth.get("/tasks/")
    )


def test_tasks_are_sorted_by_due_date(
    auth: AuthActions, engine: Engine, users, clock: FixedClock
) -> None:
    clock.advance(days=1)
    later = engine.cases.start(users["bqam"], "Process_forms", {"case_title": "A"})
    clock.advance(days=-1)
    sooner = engine.cases.start(users["bqam"], "Process_forms", {"case_title": "B"})
    auth.login("bqam")
    page = text(auth.get("/tasks/"))
    assert page.index(sooner.reference) < page.index(later.reference)
    assert page.index("4 March 2026") < page.index("5 March 2026")


def test_claiming_moves_a_task_to_mine_and_releasing_gives_it_back(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    task = committee_task(engine, users)
    auth.login("committee")
    response = auth.post(f"/tasks/{task}/claim", data={"next": "/tasks/"})
    assert response.headers["Location"] == "/tasks/"
    page = text(auth.get("/tasks/"))
    assert "You claimed “Decide whether the criteria are met”" in page
    mine = page.index("Assigned to me")
    assert (
        mine
        < page.index("Decide whether", mine)
        < page.index("There are no tasks waiting for your roles")
    )
    assert ">\n            Release<" in page or "Release<span" in page
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
    assert "Somebody else has claimed this task" in text(response)


def test_task_page_draws_every_kind_of_field_with_its_label(
    auth: AuthActions, forms_task: str
) -> None:
    auth.login("bqam")
    page = text(auth.get(f"/tasks/{forms_task}"))
    assert "Answer every question.\nTake care with the dates." in page
    assert 'class="govuk-inset-text app-pre-line"' in page
    # read-only: the case's value, no input
    assert "Title of the case" in page and "Forms case" in page
    assert 'name="case_title"' not in page
    # string with hint
    assert (
        '<label class="govuk-label govuk-label--s" for="contact_name">Name of the contact</label>'
        in page
    )
    assert (
        '<div id="contact_name-hint" class="govuk-hint">As they sign their letters</div>'
        in page
    )
    assert 'aria-describedby="contact_name-hint"' in page
    # long text, number, yes/no, date, radios, select, checkboxes, file
    assert '<textarea class="govuk-textarea" id="notes" name="notes"' in page
    assert 'for="notes">Notes (optional)</label>' in page
    assert (
        'id="attendees" name="attendees" type="text" value="" inputmode="numeric"'
        in page
    )
    assert 'id="agreed" name="agreed" type="radio" value="true"' in page
    assert 'id="agreed-2" name="agreed" type="radio" value="false"' in page
    for part in ("day", "month", "year"):
        assert f'id="met_on-{part}" name="met_on-{part}"' in page
    assert 'id="outcome-3" name="outcome" type="radio" value="stop"' in page
    assert '<select class="govuk-select" id="lead_agency" name="lead_agency"' in page
    assert 'name="topics" type="checkbox" value="school"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'id="minutes" name="minutes" type="file"' in page
    assert "Due" in page and "4 March 2026" in page  # two working days


def test_task_page_shows_the_case_context(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    auth.login("committee")
    page = text(auth.get(f"/tasks/{committee_task(engine, users)}"))
    assert f"Case {case.reference}" in page
    assert "Incident date" in page and "27 February 2026" in page
    assert "Steps done so far" in page
    assert "The criteria table advises; the committee decides." in page


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
    page = text(response)
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Error: Fill in every kind of field" in page
    start = page.index("govuk-error-summary")
    summary = page[start : page.index("</ul>", start)]
    assert 'tabindex="-1" autofocus' in page
    assert summary.index('href="#contact_name"') < summary.index('href="#attendees"')
    assert 'href="#met_on-day">“Date of the meeting” must be a real date' in summary
    assert 'href="#agreed">Select yes or no for “Was it agreed?”' in summary
    assert 'href="#outcome">Select an option for “Outcome”' in summary
    assert "govuk-form-group govuk-form-group--error" in page
    assert 'aria-describedby="contact_name-hint contact_name-error"' in page
    assert ">Kept notes</textarea>" in page
    assert 'value="none"' in page
    assert (
        'id="met_on-day" name="met_on-day" type="text" inputmode="numeric" value="31"'
        in page
    )
    assert re.search(r'value="risk" checked', page)
    assert re.search(r'value="school" checked', page)
    assert not re.search(r'value="family" checked', page)
    assert '<option value="health" selected>' in page
    assert "Forms case" in page  # the read-only value is still shown


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
    page = text(auth.get("/tasks/"))
    assert "You completed “Fill in every kind of field”" in page
    assert "Check the answers" in page
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
    page = text(response)
    assert response.status_code == 400
    assert "Choose minutes.pdf again" in page
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
    assert 'href="#minutes">Files of type .exe cannot be uploaded' in text(response)


def test_second_submission_of_same_task_says_already_completed(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    task = committee_task(engine, users)
    auth.login("committee")
    entries = {"decision": "no_scr", "attendees": "5", "minutes": "We met."}
    assert auth.post(f"/tasks/{task}", data=entries).status_code == 302
    response = auth.post(f"/tasks/{task}", data={**entries, "minutes": "Second try"})
    assert response.status_code == 409
    page = text(response)
    assert "This task was already completed" in page
    assert "Carol Mitchell completed it on 2 March 2026 at 9:00am" in page
    assert "Your entries were <strong>not saved</strong>" in page
    assert "Second try" in page and "Number of members present" in page


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
    page = text(response)
    assert "Colin Two completed it" in page
    # The unsaved entries are shown as the form showed them: labels and the options' names.
    assert '<dt class="govuk-summary-list__key">Committee recommendation</dt>' in page
    assert "Criteria not met" in page and "no_scr" not in page


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
    assert "Carol Mitchell completed it" in text(response)
