"""Every route for every role: what each may see and do, refused with 403, and 404 for unknown ids
(and for the tasks of a case the person may not see, which answer exactly as unknown ones do).

The engine decides; these tests pin what a person of each role meets in the browser. The world: a mini
case started by the Business and QA Manager, its committee task claimed by the committee member, one
document on the case.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest

from engine import CaseSummary
from engine import Engine
from engine import UserInfo
from tests.engine.helpers import GOOD_START
from tests.webui.conftest import AuthActions
from tests.webui.database import ROLE_USERS
from tests.webui.database import diagram_files
from tests.webui.html import read

ROLES = sorted(ROLE_USERS)
BOARD_WIDE = {"bqam", "independent_chair", "auditor", "admin"}
CASE_VIEWERS = BOARD_WIDE | {"scr_committee"}
STARTERS = {"bqam", "secretariat"}
DEPLOYMENT_READERS = {"process_owner", "admin", "auditor", "bqam"}
USER_READERS = {"admin", "auditor"}
AUDITORS = BOARD_WIDE  # rule see_audit: auditors and board-wide roles
AUDIT_PAGES = [
    "/audit/",
    "/audit/timeliness",
    "/audit/cases/{reference}",
    "/audit/cases/{reference}/steps/1",
    "/audit/cases/{reference}/timeliness",
    "/audit/cases/{reference}/record.json",
    "/audit/cases/{reference}/record.csv",
    "/audit/cases/{reference}/print",
]


@dataclass(frozen=True)
class World:
    task: str
    reference: str
    document: int
    deployment: int
    user: int
    other_user: int

    def url(self, template: str) -> str:
        return template.format(**self.__dict__)


@pytest.fixture
def world(engine: Engine, users: dict[str, UserInfo], case: CaseSummary) -> World:
    task = engine.tasks.inbox(users["committee"])[0]
    engine.tasks.claim(users["committee"], task.id)
    document = engine.documents.upload(
        users["bqam"], case.reference, "referral.pdf", b"%PDF-1.4 referral", None
    )
    deployment = engine.deployments.index(users["owner"])[0]
    return World(
        task.id,
        case.reference,
        document.id,
        deployment.id,
        users["reviewer"].id,
        users["board"].id,
    )


def only(allowed: set[str], yes: int, no: int) -> dict[str, int]:
    return {role: yes if role in allowed else no for role in ROLES}


def everyone(status: int) -> dict[str, int]:
    return {role: status for role in ROLES}


def _upload() -> dict[str, Any]:
    return {"document": (io.BytesIO(b"minutes"), "minutes.txt")}


def _deployment() -> dict[str, Any]:
    files = [(io.BytesIO(data), name) for name, data in diagram_files().items()]
    return {"files": files, "note": "again"}


def _new_user() -> dict[str, Any]:
    return {
        "username": "newcomer",
        "display_name": "New Comer",
        "password": "a-long-enough-password",
        "roles": ["reviewer"],
    }


def _changed_user() -> dict[str, Any]:
    return {"display_name": "Rowan Ives-Smith", "roles": ["reviewer"], "agency": ""}


GETS: list[tuple[str, dict[str, int]]] = [
    ("/tasks/", everyone(200)),
    ("/tasks/{task}", only(CASE_VIEWERS, 200, 404)),
    ("/cases/", everyone(200)),
    ("/cases/new", everyone(200)),
    ("/cases/new/Process_mini", only(STARTERS, 200, 404)),
    ("/cases/{reference}", only(CASE_VIEWERS, 200, 403)),
    ("/cases/{reference}/history", only(CASE_VIEWERS, 200, 403)),
    ("/cases/{reference}/diagrams/0.bpmn", only(CASE_VIEWERS, 200, 403)),
    ("/documents/{document}", only(CASE_VIEWERS, 200, 403)),
    ("/deployments/", only(DEPLOYMENT_READERS, 200, 403)),
    ("/deployments/{deployment}", only(DEPLOYMENT_READERS, 200, 403)),
    ("/admin/users", only(USER_READERS, 200, 403)),
    ("/admin/users/new", only(USER_READERS, 200, 403)),
    ("/admin/users/{user}", only(USER_READERS, 200, 403)),
    ("/messages/", everyone(200)),
    *[(page, only(AUDITORS, 200, 403)) for page in AUDIT_PAGES],
]
# In this order: each may change what the next one meets.
POSTS: list[tuple[str, Any, dict[str, int]]] = [
    ("/tasks/{task}", dict, {**only(CASE_VIEWERS, 403, 404), "scr_committee": 400}),
    (
        "/tasks/{task}/claim",
        dict,
        {**only(CASE_VIEWERS, 403, 404), "scr_committee": 302},
    ),
    (
        "/tasks/{task}/release",
        dict,
        {
            **only(CASE_VIEWERS, 403, 404),
            **{role: 302 for role in ("scr_committee", "bqam", "admin")},
        },
    ),
    ("/cases/new/Process_mini", lambda: dict(GOOD_START), only(STARTERS, 302, 403)),
    (
        "/cases/{reference}/documents",
        _upload,
        only(CASE_VIEWERS - {"auditor"}, 302, 403),
    ),
    # Uploading shows what deploying would change (the check page); deploying is a second step.
    ("/deployments/", _deployment, only({"process_owner", "admin"}, 200, 403)),
    ("/admin/users/new", _new_user, only({"admin"}, 302, 403)),
    ("/admin/users/{user}", _changed_user, only({"admin"}, 302, 403)),
    ("/admin/users/{other_user}/deactivate", dict, only({"admin"}, 302, 403)),
    ("/sign-out", dict, everyone(302)),
]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_engine_allows(
    auth: AuthActions, world: World, role: str
) -> None:
    auth.login_as_role(role)
    met = {}
    for template, statuses in GETS:
        met[f"GET {template}"] = (
            auth.get(world.url(template)).status_code,
            statuses[role],
        )
    for template, data, statuses in POSTS:
        response = auth.post(world.url(template), data=data())
        met[f"POST {template}"] = (response.status_code, statuses[role])
    wrong = {route: got for route, got in met.items() if got[0] != got[1]}
    assert wrong == {}, "(got, expected)"


def test_refusals_are_pages_that_say_why(auth: AuthActions, world: World) -> None:
    auth.login_as_role("reviewer")
    response = auth.get(world.url("/cases/{reference}"))
    assert response.status_code == 403
    page = read(response)
    assert page.heading == "You cannot do that"
    assert f"You do not take part in case {world.reference}" in page.text
    assert "Traceback" not in response.get_data(as_text=True)


def test_auditors_see_no_buttons_that_change_anything(
    auth: AuthActions, world: World
) -> None:
    auth.login_as_role("auditor")
    pages = [
        "/tasks/",
        "/tasks/{task}",
        "/cases/",
        "/cases/{reference}",
        "/deployments/",
        "/admin/users",
        "/admin/users/{user}",
    ]
    for template in pages:
        response = auth.get(world.url(template))
        page = read(response)
        forms = [form.action for form in page.forms()]
        assert forms == ["/sign-out"], f"{template} has a form besides signing out"
        assert page.buttons() == ["Sign out (Aidan Ross)"], template
        raw = response.get_data(as_text=True)
        assert "Complete this task" not in raw and "Start a case" not in raw


UNKNOWN: list[tuple[str, str, set[str]]] = [
    # method, url, the roles that are told 404 (the others are refused first, with 403)
    ("GET", "/tasks/no-such-task", set(ROLES)),
    ("GET", "/cases/SCR-1999-0001", set(ROLES)),
    ("GET", "/cases/SCR-1999-0001/history", set(ROLES)),
    ("GET", "/cases/SCR-1999-0001/diagrams/0.bpmn", set(ROLES)),
    ("GET", "/cases/{reference}/diagrams/7.bpmn", CASE_VIEWERS),
    ("GET", "/cases/new/Process_nothing", set(ROLES)),
    ("GET", "/documents/999999", set(ROLES)),
    ("GET", "/deployments/999999", DEPLOYMENT_READERS),
    ("GET", "/admin/users/999999", USER_READERS),
    ("GET", "/no/such/page", set(ROLES)),
    ("POST", "/tasks/no-such-task", set(ROLES)),
    ("POST", "/tasks/no-such-task/claim", set(ROLES) - {"auditor"}),
    ("POST", "/tasks/no-such-task/release", set(ROLES) - {"auditor"}),
    ("POST", "/cases/new/Process_nothing", set(ROLES) - {"auditor"}),
    ("POST", "/cases/SCR-1999-0001/documents", set(ROLES) - {"auditor"}),
    ("POST", "/admin/users/999999", USER_READERS),
    ("POST", "/admin/users/999999/deactivate", {"admin"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_unknown_ids_are_not_found(auth: AuthActions, world: World, role: str) -> None:
    auth.login_as_role(role)
    met = {}
    for method, template, not_found in UNKNOWN:
        url = world.url(template)
        if method == "GET":
            status = auth.get(url).status_code
        else:
            status = auth.post(
                url, data=_upload() if "documents" in url else {}
            ).status_code
        met[f"{method} {template}"] = (status, 404 if role in not_found else 403)
    wrong = {route: got for route, got in met.items() if got[0] != got[1]}
    assert wrong == {}, "(got, expected)"


def test_anonymous_visitors_are_sent_to_sign_in(
    auth: AuthActions, world: World
) -> None:
    met = {}
    for template, _statuses in GETS:
        response = auth.get(world.url(template))
        met[template] = (response.status_code, response.headers.get("Location", ""))
    wrong = {
        route: got
        for route, got in met.items()
        if got[0] != 302 or not got[1].startswith("/sign-in?next=")
    }
    assert wrong == {}


def test_a_completed_task_of_a_case_you_cannot_see_answers_as_an_unknown_one(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo], world: World
) -> None:
    decision = {"decision": "scr", "attendees": "4", "minutes": "Agreed."}
    engine.tasks.complete(users["committee"], world.task, decision)
    auth.login_as_role("reviewer")  # takes no part in the case
    for url in (f"/tasks/{world.task}", "/tasks/no-such-task"):
        response = auth.get(url)
        assert response.status_code == 404, url
        page = read(response)
        assert page.heading == "Page not found"
        assert f"There is no task {url.rsplit('/', 1)[1]}." in page.text
        assert "Carol Mitchell" not in page.text and "completed" not in page.text
    for action in ("", "/claim", "/release"):
        assert auth.post(f"/tasks/{world.task}{action}").status_code == 404
    auth.logout()
    auth.login_as_role("bqam")  # sees every case: told who completed it
    response = auth.get(f"/tasks/{world.task}")
    assert response.status_code == 409
    assert "Carol Mitchell" in read(response).text
