"""Process owners deploy diagrams from the browser: they upload files, check what they would change
("Check your changes", nothing stored), then deploy exactly that; they see every problem, and the cases
on each deployment."""

from __future__ import annotations

import io
import zipfile

import pytest
from werkzeug.test import TestResponse

from engine import CaseSummary
from engine import Engine
from engine import UserInfo
from tests.webui.conftest import AuthActions
from tests.webui.database import diagram_files
from tests.webui.html import Page
from tests.webui.html import read
from tests.webui.test_version_pages import version_2
from webui import uploads
from webui.uploads import bundle_name

DEPLOY = "/deployments/deploy"


def upload(files: dict[str, bytes], note: str = "", **form: str) -> dict:
    """The upload form's fields: `files` sent with their paths in the bundle (as a zip keeps them)."""
    return {
        "files": [(io.BytesIO(data), name) for name, data in files.items()],
        "note": note,
        **form,
    }


def deploy_checked(auth: AuthActions, page: Page) -> TestResponse:
    """Press "Deploy these changes" on a check page: its form sends the checked files back."""
    form = page.form(DEPLOY)
    assert form.buttons == ["Deploy these changes"]
    return auth.post(DEPLOY, data=form.hidden)


def deployment_ids(engine: Engine, users: dict[str, UserInfo]) -> list[int]:
    return [d.id for d in engine.deployments.index(users["owner"])]


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
    assert (
        files.kind == "file"
        and files.multiple
        and files.accept == ".bpmn,.dmn,.txt,.zip"
    )
    auth.logout()
    auth.login("bqam")  # may look, may not deploy
    page = read(auth.get("/deployments/"))
    deployments = page.table("Deployed so far, newest first")
    assert deployments.column("Deployment") == ["Deployment 1 Current"]
    assert "file" not in [field.kind for field in page.fields().values()]


def test_checking_files_shows_what_they_would_change_and_stores_nothing(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    auth.login("owner")
    response = auth.post(
        "/deployments/", data=upload(version_2(), "Clearer committee task")
    )
    assert response.status_code == 200
    page = read(response)
    assert page.heading == "Check your changes"
    details = dict(page.definitions())
    assert "mini.bpmn" in details["Files you chose"].split("\n")
    assert details["Which files make the new deployment"] == (
        "They are the whole deployment"
    )
    assert details["What changed and why"] == "Clearer committee task"
    assert "What changes from deployment 1, the current one" in page.headings()
    changes = page.table("Process Process_mini (3)").records()
    assert (
        "form field minutes changed: label “Minutes” → “Minutes of the meeting”; "
        "now required"
    ) in [change["What changed"] for change in changes]
    # The same diagrams, marked the same way, as on the comparison of two deployments; the new
    # version is drawn from the file as sent, since it is not stored yet.
    assert [
        line for line in page.section("On the diagrams") if "mini.bpmn" in line
    ] == [
        "mini.bpmn, as you sent it",
        "mini.bpmn, as it is now in deployment 1",
    ]
    new, old = page.data("xml-url")
    assert new.startswith("data:application/xml;base64,")
    assert old == "/deployments/1/files/mini.bpmn"
    assert "data:" in response.headers["Content-Security-Policy"]
    assert {"app-changed"} <= set(page.json_data("diagram-state")[0]["marks"])
    assert page.buttons()[-1] == "Deploy these changes"
    assert page.link("Cancel") == "/deployments/"
    assert deployment_ids(engine, users) == [1]  # nothing stored
    assert [d.id for d in engine.deployments.index(users["owner"]) if d.current] == [1]


def test_deploying_after_the_check_stores_exactly_the_bundle_checked(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    files = diagram_files()
    files["mini.bpmn"] = files["mini.bpmn"].replace(b"Mini review", b"Mini review v2")
    auth.login("owner")
    page = read(auth.post("/deployments/", data=upload(files, "Renamed the process")))
    checked = dict(page.definitions())["The new deployment"]
    response = deploy_checked(auth, page)
    assert response.status_code == 302
    assert response.headers["Location"] == "/deployments/2"
    page = read(auth.get("/deployments/2"))
    assert "Deployment 2 is live: new cases start on it." in page.text
    details = dict(page.definitions())
    assert details["Note"] == "Renamed the process"
    assert details["Content hash"] in checked
    files_deployed = details["Files"].split("\n")
    assert "templates/incident_notified.txt" in files_deployed  # .txt go to templates/
    assert "Process_mini" in details["Processes"].split(", ")
    assert engine.deployments.current_files(users["owner"]) == {
        bundle_name(name): data for name, data in files.items()
    }
    forms = {
        f.process_id: f.process_name for f in engine.cases.start_forms(users["bqam"])
    }
    assert forms["Process_mini"] == "Mini review v2"


def test_checking_the_same_files_again_says_there_is_nothing_to_deploy(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    auth.login("owner")
    page = read(auth.post("/deployments/", data=upload(diagram_files())))
    assert (
        "These files are the current deployment 1 already: there is nothing to deploy."
        in page.text
    )
    assert "Deploy these changes" not in page.buttons()
    assert deployment_ids(engine, users) == [1]


def test_one_changed_file_replaces_its_namesake_and_the_rest_stay(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    """As a browser sends them: file names without folders, here one in the loops/ folder."""
    files = diagram_files()
    loop = files["loops/loop.bpmn"].replace(b"</bpmn:process>", b"</bpmn:process>\n")
    auth.login("owner")
    page = read(
        auth.post(
            "/deployments/",
            data=upload({"loop.bpmn": loop}, "Loop changed", scope="changed"),
        )
    )
    details = dict(page.definitions())
    assert details["Files you chose"] == "loops/loop.bpmn"
    assert details["Which files make the new deployment"].startswith(
        "They replace those with the same name"
    )
    assert "Nothing a process owner would notice changes" in page.text
    response = deploy_checked(auth, page)
    assert response.headers["Location"] == "/deployments/2"
    current = engine.deployments.current_files(users["owner"])
    assert sorted(current) == sorted(files) and current["loops/loop.bpmn"] == loop


def test_a_check_made_stale_by_another_deploy_is_shown_again_not_deployed(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    """Somebody deploys between the check and the deploy: the same files would now make another
    deployment, so they are checked again against the new current one, and nothing is deployed."""
    files = diagram_files()
    mini = version_2()["mini.bpmn"]
    auth.login("owner")
    stale = read(
        auth.post("/deployments/", data=upload({"mini.bpmn": mini}, scope="changed"))
    )
    meanwhile = files["loops/loop.bpmn"].replace(
        b"</bpmn:process>", b"</bpmn:process>\n"
    )
    engine.deployments.deploy(
        users["owner"], {"loops/loop.bpmn": meanwhile}, "Meanwhile", replace_only=True
    )
    response = deploy_checked(auth, stale)
    assert response.status_code == 409
    page = read(response)
    assert page.heading == "Check your changes"
    assert "The current deployment changed after you checked these files" in page.text
    assert "What changes from deployment 2, the current one" in page.headings()
    assert deployment_ids(engine, users) == [2, 1]  # nothing deployed
    assert (
        page.form(DEPLOY).hidden["content_hash"]
        != stale.form(DEPLOY).hidden["content_hash"]
    )
    assert deploy_checked(auth, page).headers["Location"] == "/deployments/3"
    current = engine.deployments.current_files(users["owner"])
    assert current["mini.bpmn"] == mini and current["loops/loop.bpmn"] == meanwhile


def test_files_sent_back_garbled_or_without_a_check_are_refused(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    auth.login("owner")
    page = read(auth.post("/deployments/", data=upload(version_2())))
    form = page.form(DEPLOY).hidden
    assert (
        auth.post(DEPLOY, data={**form, "file-0-0": "not base64!"}).status_code == 400
    )
    assert auth.post(DEPLOY, data={**form, "content_hash": ""}).status_code == 400
    assert auth.post(DEPLOY, data={"note": "no files"}).status_code == 400
    assert deployment_ids(engine, users) == [1]


def test_files_too_large_for_the_browser_are_refused_with_the_command_to_use(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The limit is 5 MB; lowered here so the test client need not spool megabytes to disk."""
    monkeypatch.setattr(uploads, "MAX_CHECKED_BYTES", 10_000)
    auth.login("owner")
    response = auth.post("/deployments/", data=upload(version_2()))
    assert response.status_code == 400
    [(message, target)] = read(response).error_summary()
    assert "scr deploy" in message and target == "files"
    assert deployment_ids(engine, users) == [1]


def test_uploaded_files_keep_their_folders_and_templates_go_in_templates() -> None:
    assert [
        bundle_name(name)
        for name in (
            "mini.bpmn",
            "loops/loop.bpmn",
            "incident_notified.txt",
            "templates/incident_notified.txt",
            "C:\\Users\\olivia\\mini.bpmn",
            "../../etc/mini.bpmn",
            "/home/olivia/deadline_missed.txt",
        )
    ] == [
        "mini.bpmn",
        "loops/loop.bpmn",
        "templates/incident_notified.txt",
        "templates/incident_notified.txt",
        "mini.bpmn",
        "mini.bpmn",
        "templates/deadline_missed.txt",
    ]


def test_every_problem_is_listed_by_file_line_and_element_and_nothing_is_stored(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    files = diagram_files()
    files["mini.bpmn"] = files["mini.bpmn"].replace(
        b"${working_days(5)}", b"${no_such_function(5)}"
    )
    files["notes.md"] = b"# not a diagram"
    auth.login("owner")
    response = auth.post("/deployments/", data=upload(files, "broken"))
    assert response.status_code == 400
    page = read(response)
    assert page.title.startswith("Error: Check your changes")
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
    upload_again = page.form("/deployments/")
    assert upload_again.values["note"] == "broken"  # the note is kept
    assert upload_again.values["scope"] == "all"
    assert "Deploy these changes" not in page.buttons()
    assert deployment_ids(engine, users) == [1]


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


def test_auditors_can_neither_check_nor_deploy_even_with_a_checked_form(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    auth.login("owner")
    checked = read(auth.post("/deployments/", data=upload(version_2()))).form(DEPLOY)
    auth.logout()
    auth.login("auditor")
    assert auth.post("/deployments/", data=upload(version_2())).status_code == 403
    refused = auth.post(DEPLOY, data=checked.hidden)
    assert refused.status_code == 403
    assert (
        "Auditors can read every case but cannot change anything." in read(refused).text
    )
    assert deployment_ids(engine, users) == [1]


def test_a_process_owner_downloads_the_current_deployment_as_a_zip(
    auth: AuthActions,
) -> None:
    auth.login("owner")
    response = auth.get("/deployments/current.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert any(n.endswith(".bpmn") for n in names)
