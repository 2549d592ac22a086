"""Process owners deploy diagrams from the browser, see every problem, and the cases on each deployment."""

from __future__ import annotations

import io

from engine import CaseSummary
from engine import Engine
from engine import UserInfo
from tests.webui.conftest import AuthActions
from tests.webui.database import diagram_files
from tests.webui.html import read


def upload(files: dict[str, bytes], note: str = "") -> dict:
    return {
        "files": [
            (io.BytesIO(data), name.split("/")[-1]) for name, data in files.items()
        ],
        "note": note,
    }


def test_deployments_page_lists_them_with_the_upload_form(auth: AuthActions) -> None:
    auth.login("owner")
    page = read(auth.get("/deployments/"))
    [first] = page.table("Deployed so far, newest first").records()
    assert (
        first["Deployment"] == "Deployment 1 Current"
        and first["Note"] == "test diagrams"
    )
    assert page.tags() == ["Current"]
    files = page.fields()["files"]
    assert files.kind == "file" and files.multiple and files.accept == ".bpmn,.dmn,.txt"
    auth.logout()
    auth.login("bqam")  # may look, may not deploy
    page = read(auth.get("/deployments/"))
    deployments = page.table("Deployed so far, newest first")
    assert deployments.column("Deployment") == ["Deployment 1 Current"]
    assert "file" not in [field.kind for field in page.fields().values()]


def test_deploying_a_changed_process_makes_a_new_current_deployment(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    files = diagram_files()
    files["mini.bpmn"] = files["mini.bpmn"].replace(b"Mini review", b"Mini review v2")
    auth.login("owner")
    response = auth.post("/deployments/", data=upload(files, "Renamed the process"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/deployments/2"
    page = read(auth.get("/deployments/2"))
    assert "Deployment 2 is live: new cases start on it." in page.text
    details = dict(page.definitions())
    assert details["Note"] == "Renamed the process"
    files = details["Files"].split("\n")
    assert "templates/incident_notified.txt" in files  # .txt files go to templates/
    assert "Process_mini" in details["Processes"].split(", ")
    forms = {
        f.process_id: f.process_name for f in engine.cases.start_forms(users["bqam"])
    }
    assert forms["Process_mini"] == "Mini review v2"


def test_deploying_the_same_files_again_changes_nothing(auth: AuthActions) -> None:
    auth.login("owner")
    response = auth.post("/deployments/", data=upload(diagram_files()))
    assert response.headers["Location"] == "/deployments/1"
    assert (
        "These files are already deployment 1; nothing changed."
        in read(auth.get("/deployments/1")).text
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
    page = read(response)
    assert page.title.startswith("Error: Deployments")
    assert "The diagrams were not deployed: 3 problems" in page.headings()
    assert page.error_summary() == [
        ("See every problem, by file and element", "problems")
    ]
    problems = page.table("Problems found").records()
    assert len(problems) >= 3
    in_mini = [p for p in problems if p["File"] == "mini.bpmn"]
    assert any("Task_committee" in p["Element"] for p in in_mini)
    assert any("no_such_function" in p["Problem"] for p in in_mini)
    assert "notes.md" in [p["File"] for p in problems]
    assert page.form("/deployments/").values["note"] == "broken"  # the note is kept


def test_uploading_no_file_says_what_to_do(auth: AuthActions) -> None:
    auth.login("owner")
    response = auth.post("/deployments/", data={"note": "nothing"})
    assert response.status_code == 400
    assert read(response).error_summary() == [
        ("Choose one or more .bpmn, .dmn or .txt files to deploy", "files")
    ]


def test_a_deployment_page_lists_its_cases(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("auditor")
    page = read(auth.get("/deployments/1"))
    cases = page.table("Cases running on deployment 1")
    assert case.reference in cases.column("Reference")
    assert "mini_criteria.dmn" in dict(page.definitions())["Files"].split("\n")


def test_people_who_may_not_deploy_are_refused_before_any_checking(
    auth: AuthActions,
) -> None:
    auth.login("committee")
    response = auth.post("/deployments/", data=upload({"x.bpmn": b"<broken"}))
    assert response.status_code == 403
