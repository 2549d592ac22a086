"""Every form is protected against cross-site request forgery: a POST without the page's token is refused."""

from __future__ import annotations

import pytest

from engine import CaseSummary
from engine import Engine
from engine import UserInfo
from tests.engine.helpers import GOOD_START
from tests.webui.conftest import AuthActions
from tests.webui.html import read

POST_ROUTES = [
    "/sign-in",
    "/sign-out",
    "/tasks/{task}",
    "/tasks/{task}/claim",
    "/tasks/{task}/release",
    "/cases/new/Process_mini",
    "/cases/{reference}/documents",
    "/deployments/",
    "/deployments/deploy",
    "/admin/users/new",
    "/admin/users/{user}",
    "/admin/users/{user}/deactivate",
]


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_every_post_without_the_pages_token_is_refused_and_changes_nothing(
    auth: AuthActions,
    engine: Engine,
    users: dict[str, UserInfo],
    case: CaseSummary,
    token: str | None,
) -> None:
    auth.login("admin")
    task = engine.tasks.inbox(users["committee"])[0].id
    ids = {"task": task, "reference": case.reference, "user": users["reviewer"].id}
    data = {**GOOD_START, "decision": "scr", "attendees": "4", "username": "bqam"}
    if token:
        data["csrf_token"] = token
    for route in POST_ROUTES:
        response = auth.client.post(route.format(**ids), data=data)
        assert response.status_code == 400, route
        assert "The form has expired" in read(response).text, route
    assert engine.accounts.find(users["reviewer"].id) is not None  # not deactivated
    assert len(engine.cases.index(users["admin"])) == 1
    assert engine.tasks.inbox(users["committee"])[0].assignee is None
    assert auth.get("/tasks/").status_code == 200  # still signed in


def test_a_token_from_another_session_is_refused(
    auth: AuthActions, app, case: CaseSummary
) -> None:
    auth.login("bqam")
    other = AuthActions(app.test_client())
    other.login("secretariat")
    response = auth.client.post(
        "/cases/new/Process_mini", data={**GOOD_START, "csrf_token": other.token}
    )
    assert response.status_code == 400


def test_every_form_on_a_page_carries_the_token(
    auth: AuthActions, case: CaseSummary, engine: Engine, users
) -> None:
    auth.login("committee")
    task = engine.tasks.inbox(users["committee"])[0].id
    for url in ("/tasks/", f"/tasks/{task}", f"/cases/{case.reference}"):
        forms = read(auth.get(url)).forms()
        assert forms, url
        assert all(form.hidden.get("csrf_token") for form in forms), url
