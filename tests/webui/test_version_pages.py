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
    return engine.deployments.deploy(users["owner"], version_2(), "Clearer committee task").id


@pytest.fixture
def v3(engine: Engine, users: dict[str, UserInfo], v2: int) -> int:
    return engine.deployments.deploy(
        users["owner"], version_without_committee(), "No committee"
    ).id


def deployment_of(
    engine: Engine, users: dict[str, UserInfo], ref: str
) -> int:
    content_hash = engine.cases.view(users["bqam"], ref).summary.deployment_hash
    deployments = engine.deployments.index(users["owner"])
    return next(d.id for d in deployments if d.content_hash == content_hash)


def committee_task(engine: Engine, users: dict[str, UserInfo], ref: str):
    return next(
        t for t in engine.tasks.inbox(users["committee"]) if t.case_reference == ref
    )


def test_the_deployments_list_marks_the_current_one_and_offers_to_make_another_current(
    auth: AuthActions, v2: int
) -> None:
    auth.login("owner")
    page = text(auth.get("/deployments/"))
    assert page.count(">Current</strong>") == 1
    assert 'action="/deployments/1/activate"' in page
    assert f'action="/deployments/{v2}/activate"' not in page  # it is current already
    assert 'for="note-1">Reason' in page
    assert 'href="/deployments/changes?old=1&amp;new=2">Compare with 1' in page
    assert 'href="/deployments/migrations">Move cases in flight' in page
    auth.logout()
    auth.login("auditor")
    page = text(auth.get("/deployments/"))
    assert "/activate" not in page and "/deployments/migrations" not in page
    assert 'href="/deployments/changes">See what changed' in page


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
    page = text(auth.get("/deployments/"))
    assert "Deployment 1 is now current: new cases start on it." in page
    assert [d.id for d in engine.deployments.index(users["owner"]) if d.current] == [1]
    fresh = engine.cases.start(users["bqam"], "Process_mini", GOOD_START)
    assert committee_task(engine, users, fresh.reference).name == COMMITTEE_V1
    assert deployment_of(engine, users, case.reference) == 1
    show = text(auth.get(f"/deployments/{v2}"))
    assert (
        f'action="/deployments/{v2}/activate"' in show
    )  # and back again from its page
    assert auth.post(f"/deployments/{v2}/activate").status_code == 302
    assert [d.id for d in engine.deployments.index(users["owner"]) if d.current] == [v2]


def test_the_diff_lists_a_changed_form_field_and_a_changed_timer_by_process(
    auth: AuthActions, v2: int
) -> None:
    auth.login("bqam")
    page = text(auth.get(f"/deployments/changes?old=1&new={v2}"))
    assert "From deployment 1 to deployment 2" in page
    assert "Process <code>Process_mini</code> (3)" in page
    assert "Process_forms" not in page.split('id="changes"')[1]  # unchanged
    assert "field minutes changed" in page and "Minutes of the meeting" in page
    assert "timer: P10D → P14D" in page
    assert f"renamed from “{COMMITTEE_V1}” to “{COMMITTEE_V2}”" in page
    assert 'data-kind="form"' in page and 'data-kind="timer"' in page
    assert (
        text(auth.get("/deployments/changes")).count('data-kind="') == 3
    )  # default pair
    backwards = text(auth.get(f"/deployments/changes?old={v2}&new=1"))
    assert "timer: P14D → P10D" in backwards
    assert "Choose two different deployments." in text(
        auth.get("/deployments/changes?old=1&new=1")
    )
    assert "Deployment 1 is the first" in text(auth.get("/deployments/changes?new=1"))
    assert auth.get("/deployments/changes?old=1&new=99").status_code == 404


def test_the_dry_run_says_per_case_whether_it_can_move_and_changes_nothing(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    case: CaseSummary,
    v3: int,
) -> None:
    auth.login("owner")
    unsafe = text(auth.get("/deployments/migrations"))  # to the current one: version 3
    row = unsafe.split(f'id="check-{case.reference}"')[1].split("</tr>")[0]
    assert ">No</strong>" in row and "Deployment 1" in row
    assert f"the active step “{COMMITTEE_V1}” (Task_committee) does not exist" in row
    assert "/deployments/migrations/" not in row  # no button to move it
    safe = text(auth.get("/deployments/migrations?to=2"))
    row = safe.split(f'id="check-{case.reference}"')[1].split("</tr>")[0]
    assert ">Yes</strong>" in row
    assert f"Task_committee: “{COMMITTEE_V1}” becomes “{COMMITTEE_V2}”" in row
    assert f'action="/deployments/migrations/{case.reference}"' in row
    assert "Move the 1 case of deployment 1 that can move" in safe
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
    page = text(auth.get(response.headers["Location"]))
    assert f"Case {ref} moved from deployment 1 to 2" in page
    assert f'action="/deployments/migrations/{ref}/undo"' in page
    assert deployment_of(engine, users, ref) == v2
    auth.logout()
    auth.login("committee")
    task = committee_task(engine, users, ref)
    form = text(auth.get(f"/tasks/{task.id}"))
    assert COMMITTEE_V2 in form and "Minutes of the meeting</label>" in form


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
    page = text(response)
    assert f"Case {case.reference} cannot be moved" in page
    assert (
        f"<li>the active step “{COMMITTEE_V1}” (Task_committee) does not exist" in page
    )
    assert "Nothing was changed" in page
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
    page = text(auth.get(response.headers["Location"]))
    assert f"Moved 1 case to deployment {v2}: {case.reference}." in page
    assert (
        f"Case {at_chair} stayed on deployment 1: the active step “Decide whether to "
        "hold an SCR” (Task_chair_decision) does not exist"
    ) in page
    assert deployment_of(engine, users, case.reference) == v2
    assert deployment_of(engine, users, at_chair) == 1
    again = auth.post("/deployments/migrations", data={"from": "1", "to": "1"})
    assert "No active case of deployment 1 could be moved." in text(
        auth.get(again.headers["Location"])
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
    page = text(auth.get(response.headers["Location"]))
    assert f"Case {ref} is back on the version it was on before it was moved" in page
    assert deployment_of(engine, users, ref) == 1
    assert committee_task(engine, users, ref).name == COMMITTEE_V1
    never = auth.post(f"/deployments/migrations/{ref}/undo")
    assert never.status_code == 404 and "has no migration to undo" in text(never)
    auth.post(f"/deployments/migrations/{ref}", data={"to": str(v2)})
    task = committee_task(engine, users, ref)
    done = {"decision": "scr", "attendees": "3", "minutes": "m"}
    engine.tasks.complete(users["committee"], task.id, done)
    refused = auth.post(f"/deployments/migrations/{ref}/undo")
    assert refused.status_code == 403 and "has moved on since it was migrated" in text(
        refused
    )
    assert deployment_of(engine, users, ref) == v2
    plan = text(auth.get(f"/deployments/migrations?to={v2}"))
    assert (
        f"/deployments/migrations/{ref}/undo" not in plan
    )  # no button that would be refused
    assert "Moved here; cannot be undone: the case has moved on since" in plan


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
    assert "Auditors can read every case but cannot change anything." in text(moved)
    assert [d.id for d in engine.deployments.index(users["owner"]) if d.current] == [v2]
    assert deployment_of(engine, users, case.reference) == 1
