"""Process owners deploy diagrams from the browser, see every problem, and the cases on each deployment."""

from __future__ import annotations

import io

from engine import CaseSummary
from engine import Engine
from engine import UserInfo
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.database import diagram_files


def upload(files: dict[str, bytes], note: str = "") -> dict:
    return {
        "files": [
            (io.BytesIO(data), name.split("/")[-1]) for name, data in files.items()
        ],
        "note": note,
    }


def test_deployments_page_lists_them_with_the_upload_form(auth: AuthActions) -> None:
    auth.login("owner")
    page = text(auth.get("/deployments/"))
    assert "Deployment 1" in page and "Current" in page and "test diagrams" in page
    assert 'type="file" multiple' in page and 'accept=".bpmn,.dmn,.txt"' in page
    auth.logout()
    auth.login("bqam")  # may look, may not deploy
    page = text(auth.get("/deployments/"))
    assert "Deployment 1" in page and 'type="file"' not in page


def test_deploying_a_changed_process_makes_a_new_current_deployment(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    files = diagram_files()
    files["mini.bpmn"] = files["mini.bpmn"].replace(b"Mini review", b"Mini review v2")
    auth.login("owner")
    response = auth.post("/deployments/", data=upload(files, "Renamed the process"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/deployments/2"
    page = text(auth.get("/deployments/2"))
    assert "Deployment 2 is live: new cases start on it." in page
    assert "Renamed the process" in page
    assert "templates/incident_notified.txt" in page  # .txt files go to templates/
    assert "Process_mini" in page
    forms = {f.process_id: f.process_name for f in engine.cases.start_forms(users["bqam"])}
    assert forms["Process_mini"] == "Mini review v2"


def test_deploying_the_same_files_again_changes_nothing(auth: AuthActions) -> None:
    auth.login("owner")
    response = auth.post("/deployments/", data=upload(diagram_files()))
    assert response.headers["Location"] == "/deployments/1"
    assert "These files are already deployment 1; nothing changed." in text(
        auth.get("/deployments/1")
    )


def test_every_problem_is_listed_by_file_line_and_element(auth: AuthActions) -> None:
    files = diagram_files()
    files["mini.bpmn"] = files["mini.bpmn"].replace(
        b"${working_days(5)}", b"${no_such_function(5)}"
    )
    files["notes.md"] = b"# not a diagram"
    auth.login("owner")
    response = auth.post("/deployments/", data=upload(files, "broken"))
    assert response.status_code == 400
    page = text(response)
    assert "<title>Error: Deployments" in page
    assert "The diagrams were not deployed" in page
    table = page[page.index('id="problems"') :]
    assert (
        table.count('<tr class="govuk-table__row">') >= 4
    )  # a header and three problems
    assert "mini.bpmn" in table and "Task_committee" in table
    assert "no_such_function" in table
    assert "notes.md" in table
    assert ">broken</textarea>" in page  # the note is kept


def test_uploading_no_file_says_what_to_do(auth: AuthActions) -> None:
    auth.login("owner")
    response = auth.post("/deployments/", data={"note": "nothing"})
    assert response.status_code == 400
    assert 'href="#files">Choose one or more .bpmn, .dmn or .txt files' in text(
        response
    )


def test_a_deployment_page_lists_its_cases(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("auditor")
    page = text(auth.get("/deployments/1"))
    assert case.reference in page
    assert "mini_criteria.dmn" in page


def test_people_who_may_not_deploy_are_refused_before_any_checking(
    auth: AuthActions,
) -> None:
    auth.login("committee")
    response = auth.post("/deployments/", data=upload({"x.bpmn": b"<broken"}))
    assert response.status_code == 403
