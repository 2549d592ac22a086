"""Administrators manage users: their roles and agency, and deactivation."""

from __future__ import annotations

from engine import CaseSummary
from engine import Engine
from engine import UserInfo
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.html import read


def test_users_page_lists_everybody_with_roles_and_agency(auth: AuthActions) -> None:
    auth.login("admin")
    page = read(auth.get("/admin/users"))
    people = {
        row["Name"]: row for row in page.table("Everybody with an account").records()
    }
    priya = people["Priya Lewis police_panel · police_panel@scr.example.org"]
    assert "SCR Panel member" in priya["Roles"] and "Police" in priya["Agency"]
    assert "Add a user" in page.buttons()
    assert "Deactivate Priya Lewis" in page.buttons()


def test_adding_a_user_who_can_then_sign_in(
    auth: AuthActions, app, engine: Engine
) -> None:
    auth.login("admin")
    fields = read(auth.get("/admin/users/new")).fields()
    assert fields["roles"].kind == "checkbox"
    assert "reviewer" in [option.value for option in fields["roles"].options]
    assert fields["agency"].kind == "select"
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
    assert (
        "Nina Author can now sign in as newauthor."
        in read(auth.get("/admin/users")).text
    )
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
    page = read(response)
    assert ("Enter user name", "username") in page.error_summary()
    assert ("Enter full name", "display_name") in page.error_summary()
    assert page.form_values()["roles"] == ["reviewer"]
    response = auth.post(
        "/admin/users/new",
        data={
            "username": "bqam",
            "display_name": "Another",
            "password": "long-enough-password",
        },
    )
    assert ("The user name bqam is taken; choose another", "username") in read(
        response
    ).error_summary()
    response = auth.post(
        "/admin/users/new",
        data={"username": "shorty", "display_name": "Short", "password": "short"},
    )
    assert read(response).error_summary() == [
        ("A password must be at least 10 characters long", "password")
    ]


def test_changing_roles_and_agency(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    auth.login("admin")
    reviewer = users["reviewer"]
    values = read(auth.get(f"/admin/users/{reviewer.id}")).form_values()
    assert values["display_name"] == "Rowan Ives"
    assert values["roles"] == ["reviewer"]
    assert "username" not in values and "password" not in values
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
    page = read(auth.get("/admin/users"))
    assert (
        "Carol Mitchell can no longer sign in; their claimed tasks were released."
        in page.text
    )
    people = {
        row["Name"]: row for row in page.table("Everybody with an account").records()
    }
    assert (
        people["Carol Mitchell committee · committee@scr.example.org"]["Status"]
        == "Deactivated"
    )
    view = engine.cases.view(users["admin"], case.reference)
    assert view.open_tasks[0].assignee is None


def test_admins_cannot_deactivate_themselves(
    auth: AuthActions, users: dict[str, UserInfo]
) -> None:
    auth.login("admin")
    page = read(auth.get("/admin/users"))
    assert "Deactivate Ada Minter" not in page.buttons()
    assert "Deactivate Priya Lewis" in page.buttons()
    actions = [form.action for form in page.forms()]
    assert f"/admin/users/{users['admin'].id}/deactivate" not in actions
    assert f"/admin/users/{users['committee'].id}/deactivate" in actions
    response = auth.post(f"/admin/users/{users['admin'].id}/deactivate")
    assert response.status_code == 403
    assert "You cannot deactivate your own account." in text(response)
