"""Administrators manage users: their roles and agency, and deactivation."""

from __future__ import annotations

from engine import CaseSummary
from engine import Engine
from engine import UserInfo
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text


def test_users_page_lists_everybody_with_roles_and_agency(auth: AuthActions) -> None:
    auth.login("admin")
    page = text(auth.get("/admin/users"))
    assert "Priya Lewis" in page and "SCR Panel member" in page
    assert "West Yorkshire Police" in page or "Police" in page
    assert "Add a user" in page and "Deactivate" in page


def test_adding_a_user_who_can_then_sign_in(
    auth: AuthActions, app, engine: Engine
) -> None:
    auth.login("admin")
    page = text(auth.get("/admin/users/new"))
    assert 'name="roles" type="checkbox" value="reviewer"' in page
    assert '<select class="govuk-select" id="agency" name="agency"' in page
    response = auth.post(
        "/admin/users/new",
        data={
            "username": "newauthor",
            "display_name": "Nina Author",
            "email": "nina@example.org",
            "password": "a-long-enough-password",
            "roles": ["agency_author", "agency_manager"],
            "agency": "police",
        },
    )
    assert response.status_code == 302
    assert "Nina Author can now sign in as newauthor." in text(auth.get("/admin/users"))
    from tests.webui.conftest import AuthActions as Actions

    newcomer = Actions(app.test_client())
    assert newcomer.login("newauthor", "a-long-enough-password").status_code == 302


def test_user_form_errors_are_shown_on_their_fields(auth: AuthActions) -> None:
    auth.login("admin")
    response = auth.post(
        "/admin/users/new",
        data={"username": "", "display_name": "", "password": "x", "roles": "reviewer"},
    )
    assert response.status_code == 400
    page = text(response)
    assert 'href="#username">Enter user name' in page
    assert 'href="#display_name">Enter full name' in page
    assert 'value="reviewer" checked' in page
    response = auth.post(
        "/admin/users/new",
        data={
            "username": "bqam",
            "display_name": "Another",
            "password": "long-enough-password",
        },
    )
    assert 'href="#username">The user name bqam is taken; choose another' in text(
        response
    )
    response = auth.post(
        "/admin/users/new",
        data={"username": "shorty", "display_name": "Short", "password": "short"},
    )
    assert 'href="#password">A password must be at least' in text(response)


def test_changing_roles_and_agency(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    auth.login("admin")
    reviewer = users["reviewer"]
    page = text(auth.get(f"/admin/users/{reviewer.id}"))
    assert 'value="Rowan Ives"' in page
    assert 'value="reviewer" checked' in page
    assert 'name="username"' not in page and 'name="password"' not in page
    response = auth.post(
        f"/admin/users/{reviewer.id}",
        data={
            "display_name": "Rowan Ives",
            "roles": ["reviewer", "panel_member"],
            "agency": "community_health",
        },
    )
    assert response.status_code == 302
    changed = engine.accounts.find(reviewer.id)
    assert changed is not None
    assert changed.roles == {"reviewer", "panel_member"}
    assert changed.agency == "community_health"


def test_deactivating_a_user_releases_their_claims(
    auth: AuthActions, engine: Engine, users, case: CaseSummary
) -> None:
    task = engine.tasks.inbox(users["committee"])[0]
    engine.tasks.claim(users["committee"], task.id)
    auth.login("admin")
    response = auth.post(f"/admin/users/{users['committee'].id}/deactivate")
    assert response.status_code == 302
    page = text(auth.get("/admin/users"))
    assert (
        "Carol Mitchell can no longer sign in; their claimed tasks were released."
        in page
    )
    assert "Deactivated" in page
    view = engine.cases.view(users["admin"], case.reference)
    assert view.open_tasks[0].assignee is None


def test_admins_cannot_deactivate_themselves(
    auth: AuthActions, users: dict[str, UserInfo]
) -> None:
    auth.login("admin")
    page = text(auth.get("/admin/users"))
    assert f"/admin/users/{users['admin'].id}/deactivate" not in page
    response = auth.post(f"/admin/users/{users['admin'].id}/deactivate")
    assert response.status_code == 403
    assert "You cannot deactivate your own account." in text(response)
