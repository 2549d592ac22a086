"""Process versions from the web pages: compare deployments, move cases in flight to another version
and back, and choose the version new cases start on.

Deployment 1 is the test bundle (the mini review and forms.bpmn). Version 2 renames the committee's
task, relabels and requires its Minutes field and lengthens the chair's timer; version 3 drops the
committee's task altogether (its id changes), so a case waiting there cannot move to it.
"""

from __future__ import annotations

import pytest

from engine import CaseSummary
from engine import Engine
from engine import UserInfo
from tests.engine.helpers import GOOD_START
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.database import ROLE_USERS
from tests.webui.database import diagram_files
from tests.webui.html import Page
from tests.webui.html import read

ROLES = sorted(ROLE_USERS)
OWNERS = {"process_owner", "admin"}
DEPLOYMENT_READERS = OWNERS | {"auditor", "bqam"}
COMMITTEE_V1 = "Decide whether the criteria are met"
COMMITTEE_V2 = "Recommend whether to hold an SCR"


def version_2() -> dict[str, bytes]:
    files = diagram_files()
    files["mini.bpmn"] = (
        files["mini.bpmn"]
        .replace(f'name="{COMMITTEE_V1}"'.encode(), f'name="{COMMITTEE_V2}"'.encode())
        .replace(
            b'label="Minutes" type="string">',
            b'label="Minutes of the meeting" type="string">',
        )
        .replace(
            b'<camunda:constraint name="maxlength" config="2000" />',
            b'<camunda:constraint name="required" />'
            b'<camunda:constraint name="maxlength" config="2000" />',
        )
        .replace(b">P10D<", b">P14D<")
    )
    return files


def version_without_committee() -> dict[str, bytes]:
    return renamed("Task_committee", "Task_recommendation")


@pytest.fixture
def v2(engine: Engine, users: dict[str, UserInfo], case: CaseSummary) -> int:
    """Version 2 deployed (and current) while the mini case waits for the committee on version 1."""
    return engine.deployments.deploy(
        users["owner"], version_2(), "Clearer committee task"
    ).id


@pytest.fixture
def v3(engine: Engine, users: dict[str, UserInfo], v2: int) -> int:
    return engine.deployments.deploy(
        users["owner"], version_without_committee(), "No committee"
    ).id


def deployment_of(engine: Engine, users: dict[str, UserInfo], ref: str) -> int:
    content_hash = engine.cases.view(users["bqam"], ref).summary.deployment_hash
    deployments = engine.deployments.index(users["owner"])
    return next(d.id for d in deployments if d.content_hash == content_hash)


def check(page: Page) -> list[dict[str, str]]:
    """The dry run's rows: whether each case can move, and why not or what changes."""
    return page.table("Whether each case can move").records()


def committee_task(engine: Engine, users: dict[str, UserInfo], ref: str):
    return next(
        t for t in engine.tasks.inbox(users["committee"]) if t.case_reference == ref
    )


def test_the_deployments_list_marks_the_current_one_and_offers_to_make_another_current(
    auth: AuthActions, v2: int
) -> None:
    auth.login("owner")
    page = read(auth.get("/deployments/"))
    assert page.tags() == ["Current"]
    deployments = page.table("Deployed so far, newest first")
    assert deployments.column("Deployment") == [
        f"Deployment {v2} Current",
        "Deployment 1",
    ]
    forms = {form.action: form for form in page.forms()}
    assert forms["/deployments/1/activate"].buttons == ["Make current deployment 1"]
    assert f"/deployments/{v2}/activate" not in forms  # it is current already
    reason = forms["/deployments/1/activate"].fields["note"].label
    assert reason == "Reason for making deployment 1 current (optional)"
    compare = page.link("Compare with 1 (changes in deployment 2)")
    assert compare == "/deployments/changes?old=1&new=2"
    assert (
        page.link("Move cases in flight to another version")
        == "/deployments/migrations"
    )
    auth.logout()
    auth.login("auditor")
    response = auth.get("/deployments/")
    raw = text(response)
    assert "/activate" not in raw and "/deployments/migrations" not in raw
    changes = read(response).link("See what changed between two deployments")
    assert changes == "/deployments/changes"


def test_making_an_earlier_deployment_current_rolls_back_new_cases_only(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    case: CaseSummary,
    v2: int,
) -> None:
    auth.login("owner")
    response = auth.post("/deployments/1/activate", data={"note": "v2 confused people"})
    assert (
        response.status_code == 302 and response.headers["Location"] == "/deployments/"
    )
    page = read(auth.get("/deployments/"))
    assert "Deployment 1 is now current: new cases start on it." in page.text
    assert [d.id for d in engine.deployments.index(users["owner"]) if d.current] == [1]
    fresh = engine.cases.start(users["bqam"], "Process_mini", GOOD_START)
    assert committee_task(engine, users, fresh.reference).name == COMMITTEE_V1
    assert deployment_of(engine, users, case.reference) == 1
    show = read(auth.get(f"/deployments/{v2}"))  # and back again from its page
    assert show.form(f"/deployments/{v2}/activate").buttons == [
        f"Make deployment {v2} current"
    ]
    assert auth.post(f"/deployments/{v2}/activate").status_code == 302
    assert [d.id for d in engine.deployments.index(users["owner"]) if d.current] == [v2]


def test_the_diff_lists_a_changed_form_field_and_a_changed_timer_by_process(
    auth: AuthActions, v2: int
) -> None:
    auth.login("bqam")
    page = read(auth.get(f"/deployments/changes?old=1&new={v2}"))
    assert "From deployment 1 to deployment 2" in page.headings()
    assert page.captions() == ["Process Process_mini (3)"]
    changed = page.section("From deployment 1 to deployment 2")
    assert not any("Process_forms" in line for line in changed)  # unchanged
    changes = page.table("Process Process_mini (3)").records()
    [form] = [change["What changed"] for change in changes if change["Kind"] == "Form"]
    assert form == (
        "form field minutes changed: label “Minutes” → “Minutes of the meeting”; now required"
    )
    [timer] = [
        change["What changed"] for change in changes if change["Kind"] == "Timer"
    ]
    assert timer == "timer: P10D → P14D"
    renamed = f"renamed from “{COMMITTEE_V1}” to “{COMMITTEE_V2}”"
    assert renamed in [change["What changed"] for change in changes]
    assert {"Form", "Timer"} <= set(page.tags())
    default_pair = read(auth.get("/deployments/changes"))
    assert sum(len(table) for table in default_pair.tables()) == 3
    backwards = read(auth.get(f"/deployments/changes?old={v2}&new=1"))
    assert "timer: P14D → P10D" in backwards.table().column("What changed")
    assert (
        "Choose two different deployments."
        in read(auth.get("/deployments/changes?old=1&new=1")).text
    )
    assert (
        "Deployment 1 is the first" in read(auth.get("/deployments/changes?new=1")).text
    )
    assert auth.get("/deployments/changes?old=1&new=99").status_code == 404


def test_the_diff_marks_the_changes_on_both_versions_of_the_diagram_with_a_key(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo], v2: int
) -> None:
    files = version_2()
    files["mini.bpmn"] = (
        files["mini.bpmn"]
        .replace(
            b'<bpmn:endEvent id="End_no_scr">', b'<bpmn:endEvent id="End_not_held">'
        )
        .replace(b'targetRef="End_no_scr"', b'targetRef="End_not_held"')
    )
    v3 = engine.deployments.deploy(users["owner"], files, "New end").id
    auth.login("auditor")
    page = read(auth.get(f"/deployments/changes?old={v2}&new={v3}"))
    assert "Added Changed Removed" in page.section("On the diagrams")
    after, before = (
        f"mini.bpmn, as it is in deployment {v3}",
        f"mini.bpmn, as it was in deployment {v2}",
    )
    assert [
        line for line in page.section("On the diagrams") if "mini.bpmn" in line
    ] == [after, before]
    assert page.data("xml-url") == [
        f"/deployments/{v3}/files/mini.bpmn",
        f"/deployments/{v2}/files/mini.bpmn",
    ]
    assert page.json_data("diagram-state") == [
        {"marks": {"app-added": ["End_not_held"], "app-changed": ["Flow_no_scr"]}},
        {"marks": {"app-changed": ["Flow_no_scr"], "app-removed": ["End_no_scr"]}},
    ]
    # What the diagrams show, as text for screen readers (and the changes table above).
    spoken = [
        " ".join(page.root.get_element_by_id(f"marks-{i}").text_content().split())
        for i in (0, 1)
    ]
    assert spoken == [
        "Marked on this diagram: Added: End_not_held Changed: Flow_no_scr",
        "Marked on this diagram: Changed: Flow_no_scr Removed: End_no_scr",
    ]
    assert page.scripts()[-2:] == [
        "/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js",
        "/static/diagram.js",
    ]
    xml = auth.get(f"/deployments/{v3}/files/mini.bpmn")
    assert xml.mimetype == "application/xml" and b"End_not_held" in xml.data
    assert "sandbox" in xml.headers["Content-Security-Policy"]
    assert auth.get(f"/deployments/{v3}/files/nothing.bpmn").status_code == 404


def test_the_dry_run_says_per_case_whether_it_can_move_and_changes_nothing(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    case: CaseSummary,
    v3: int,
) -> None:
    auth.login("owner")
    ref = case.reference
    unsafe = read(auth.get("/deployments/migrations"))  # to the current one: version 3
    [row] = [r for r in check(unsafe) if r["Case"] == ref]
    assert row["Can it move?"] == "No" and "No" in unsafe.tags()
    assert row["On"] == "Deployment 1"
    assert (
        f"the active step “{COMMITTEE_V1}” (Task_committee) does not exist"
        in row["Why not, or what changes for it"]
    )
    assert row["Action"] == "" and f"Move case {ref}" not in unsafe.buttons()
    assert f"/deployments/migrations/{ref}" not in [f.action for f in unsafe.forms()]
    safe = read(auth.get("/deployments/migrations?to=2"))
    [row] = [r for r in check(safe) if r["Case"] == ref]
    assert row["Can it move?"] == "Yes" and "Yes" in safe.tags()
    assert (
        f"Task_committee: “{COMMITTEE_V1}” becomes “{COMMITTEE_V2}”"
        in row["Why not, or what changes for it"]
    )
    assert row["Action"] == "Move"
    assert safe.form(f"/deployments/migrations/{ref}").buttons == [f"Move case {ref}"]
    assert "Move the 1 case of deployment 1 that can move" in safe.buttons()
    assert deployment_of(engine, users, case.reference) == 1


def test_a_safe_move_takes_the_case_to_version_2_whose_form_comes_next(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    case: CaseSummary,
    v2: int,
) -> None:
    auth.login("owner")
    ref = case.reference
    response = auth.post(f"/deployments/migrations/{ref}", data={"to": str(v2)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/deployments/migrations?to={v2}"
    page = read(auth.get(response.headers["Location"]))
    assert f"Case {ref} moved from deployment 1 to 2" in page.text
    assert page.form(f"/deployments/migrations/{ref}/undo").buttons == [
        f"Undo its move (case {ref})"
    ]
    assert deployment_of(engine, users, ref) == v2
    auth.logout()
    auth.login("committee")
    task = committee_task(engine, users, ref)
    form = read(auth.get(f"/tasks/{task.id}"))
    assert form.heading == COMMITTEE_V2
    assert form.field("minutes").label == "Minutes of the meeting"


def test_an_unsafe_move_is_refused_with_the_reasons_and_changes_nothing(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    case: CaseSummary,
    v3: int,
) -> None:
    auth.login("owner")
    response = auth.post(f"/deployments/migrations/{case.reference}", data={"to": "3"})
    assert response.status_code == 409
    page = read(response)
    assert page.heading == f"Case {case.reference} cannot be moved"
    reason = f"the active step “{COMMITTEE_V1}” (Task_committee) does not exist"
    assert any(line.startswith(reason) for line in page.lines)
    assert "Nothing was changed" in page.text
    assert deployment_of(engine, users, case.reference) == 1
    assert committee_task(engine, users, case.reference).name == COMMITTEE_V1


def version_without_chair_decision() -> dict[str, bytes]:
    return renamed("Task_chair_decision", "Task_chair_decides")


def renamed(element_id: str, new_id: str) -> dict[str, bytes]:
    """The test bundle with one element of the mini review given another id."""
    files = diagram_files()
    mini = files["mini.bpmn"]
    for attribute in (b'id="', b'attachedToRef="', b'targetRef="', b'sourceRef="'):
        mini = mini.replace(
            attribute + f'{element_id}"'.encode(), attribute + f'{new_id}"'.encode()
        )
    files["mini.bpmn"] = mini
    return files


@pytest.fixture
def at_chair(engine: Engine, users: dict[str, UserInfo]) -> str:
    """A second mini case, past the committee and the agencies: it waits for the chair's decision."""
    ref = engine.cases.start(users["bqam"], "Process_mini", GOOD_START).reference
    task = committee_task(engine, users, ref)
    decision = {"decision": "scr", "attendees": "3"}
    engine.tasks.complete(users["committee"], task.id, decision)
    for author in ("police_author", "health_author"):
        task = next(
            t for t in engine.tasks.inbox(users[author]) if t.case_reference == ref
        )
        engine.tasks.complete(users[author], task.id, {"summary": "Seen twice."})
    return ref


def test_moving_all_cases_moves_the_safe_ones_and_says_why_the_others_stayed(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    case: CaseSummary,
    at_chair: str,
) -> None:
    v2 = engine.deployments.deploy(users["owner"], version_without_chair_decision()).id
    auth.login("owner")
    response = auth.post("/deployments/migrations", data={"from": "1", "to": str(v2)})
    assert response.status_code == 302
    page = read(auth.get(response.headers["Location"]))
    assert f"Moved 1 case to deployment {v2}: {case.reference}." in page.text
    assert (
        f"Case {at_chair} stayed on deployment 1: the active step “Decide whether to "
        "hold an SCR” (Task_chair_decision) does not exist"
    ) in page.text
    assert deployment_of(engine, users, case.reference) == v2
    assert deployment_of(engine, users, at_chair) == 1
    again = auth.post("/deployments/migrations", data={"from": "1", "to": "1"})
    assert (
        "No active case of deployment 1 could be moved."
        in read(auth.get(again.headers["Location"])).text
    )
    assert auth.post("/deployments/migrations", data={"to": "2"}).status_code == 400


def test_a_case_moved_past_a_step_the_new_version_dropped_still_opens(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    at_chair: str,
) -> None:
    v2 = engine.deployments.deploy(users["owner"], version_without_committee()).id
    auth.login("owner")
    auth.post(f"/deployments/migrations/{at_chair}", data={"to": str(v2)})
    auth.logout()
    auth.login("bqam")
    assert auth.get(f"/cases/{at_chair}").status_code == 200


def test_a_move_can_be_undone_until_the_case_moves_on(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    case: CaseSummary,
    v2: int,
) -> None:
    ref = case.reference
    auth.login("owner")
    auth.post(f"/deployments/migrations/{ref}", data={"to": str(v2)})
    response = auth.post(f"/deployments/migrations/{ref}/undo", data={"to": str(v2)})
    assert response.status_code == 302
    page = read(auth.get(response.headers["Location"]))
    assert (
        f"Case {ref} is back on the version it was on before it was moved" in page.text
    )
    assert deployment_of(engine, users, ref) == 1
    assert committee_task(engine, users, ref).name == COMMITTEE_V1
    never = auth.post(f"/deployments/migrations/{ref}/undo")
    assert never.status_code == 404 and "has no migration to undo" in read(never).text
    auth.post(f"/deployments/migrations/{ref}", data={"to": str(v2)})
    task = committee_task(engine, users, ref)
    done = {"decision": "scr", "attendees": "3", "minutes": "m"}
    engine.tasks.complete(users["committee"], task.id, done)
    refused = auth.post(f"/deployments/migrations/{ref}/undo")
    assert refused.status_code == 403
    assert "has moved on since it was migrated" in read(refused).text
    assert deployment_of(engine, users, ref) == v2
    plan = auth.get(f"/deployments/migrations?to={v2}")
    # no button that would be refused
    assert f"/deployments/migrations/{ref}/undo" not in text(plan)
    assert (
        "Moved here; cannot be undone: the case has moved on since" in read(plan).text
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_version_pages_answer_each_role_as_the_engine_allows(
    auth: AuthActions, case: CaseSummary, v2: int, role: str
) -> None:
    """Owners change versions; auditors and the BQAM may compare; everyone else is refused."""
    auth.login_as_role(role)
    ref = case.reference
    reader, owner = role in DEPLOYMENT_READERS, role in OWNERS
    met = {
        "GET changes": (
            auth.get("/deployments/changes").status_code,
            200 if reader else 403,
        ),
        "GET a file": (
            auth.get(f"/deployments/{v2}/files/mini.bpmn").status_code,
            200 if reader else 403,
        ),
        "GET plan": (
            auth.get("/deployments/migrations").status_code,
            200 if owner else 403,
        ),
        "GET plan to 99": (
            auth.get("/deployments/migrations?to=99").status_code,
            404 if owner else 403,
        ),
    }
    posts = [
        ("/deployments/1/activate", {"note": "back"}, 302),
        (f"/deployments/{v2}/activate", {}, 302),
        (f"/deployments/migrations/{ref}", {"to": str(v2)}, 302),
        (f"/deployments/migrations/{ref}/undo", {"to": str(v2)}, 302),
        ("/deployments/migrations", {"from": "1", "to": str(v2)}, 302),
        ("/deployments/99/activate", {}, 404),
        ("/deployments/migrations/SCR-1999-0001", {"to": str(v2)}, 404),
        ("/deployments/migrations/SCR-1999-0001/undo", {}, 404),
    ]
    for url, data, allowed in posts:
        met[f"POST {url}"] = (
            auth.post(url, data=data).status_code,
            allowed if owner else 403,
        )
    wrong = {route: got for route, got in met.items() if got[0] != got[1]}
    assert wrong == {}, "(got, expected)"


def test_auditors_change_no_version_even_with_a_valid_form(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    case: CaseSummary,
    v2: int,
) -> None:
    auth.login("auditor")
    assert auth.post("/deployments/1/activate").status_code == 403
    moved = auth.post(f"/deployments/migrations/{case.reference}", data={"to": str(v2)})
    assert moved.status_code == 403
    assert (
        "Auditors can read every case but cannot change anything." in read(moved).text
    )
    assert [d.id for d in engine.deployments.index(users["owner"]) if d.current] == [v2]
    assert deployment_of(engine, users, case.reference) == 1
