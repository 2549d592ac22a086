"""Signing in and out: a clear message, a new session, a safe way back, lock-out after failures."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from engine import Engine
from engine import UserInfo
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.html import read
from webui.auth import safe_next


def test_sign_in_page_has_labelled_fields(client: FlaskClient) -> None:
    fields = read(client.get("/sign-in")).fields()
    assert fields["username"].label == "User name"
    assert fields["password"].label == "Password"
    assert fields["password"].kind == "password"
    assert fields["password"].autocomplete == "current-password"


def test_signing_in_goes_to_my_tasks(auth: AuthActions) -> None:
    response = auth.login("committee")
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks/"
    assert "Carol Mitchell" in read(auth.get("/tasks/")).text


def test_wrong_password_says_so_without_saying_which_part(auth: AuthActions) -> None:
    response = auth.login("committee", "not-the-password")
    assert response.status_code == 400
    page = read(response)
    assert "There is a problem" in page.headings()
    [(message, field)] = page.error_summary()
    assert message.startswith("The user name or password is not right")
    assert field == "username"
    assert page.form_values()["username"] == "committee"  # the user name is kept
    assert "not-the-password" not in text(response)


def test_empty_fields_are_named(auth: AuthActions) -> None:
    response = auth.login("", "")
    assert response.status_code == 400
    assert read(response).error_summary() == [
        ("Enter your user name", "username"),
        ("Enter your password", "password"),
    ]


def test_five_failures_lock_the_account(auth: AuthActions) -> None:
    for _ in range(5):
        auth.login("committee", "wrong-password-here")
    response = auth.login("committee")
    assert response.status_code == 400
    assert "Too many failed sign-in attempts" in read(response).text


def test_pages_need_signing_in_and_come_back_after(auth: AuthActions) -> None:
    response = auth.get("/cases/?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=%2Fcases%2F%3Fx%3D1"
    assert "Sign in to see that page" in read(auth.get("/sign-in")).text
    token = auth._token("/sign-in?next=/cases/?x=1")
    response = auth.client.post(
        "/sign-in",
        data={
            "username": "bqam",
            "password": "scr-demo-password",
            "next": "/cases/?x=1",
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/cases/?x=1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "cases/",
        "/cases/\r\nSet-Cookie: x=1",
    ],
)
def test_next_never_leaves_the_site(auth: AuthActions, target: str) -> None:
    assert safe_next(target) is None
    token = auth._token("/sign-in")
    response = auth.client.post(
        "/sign-in",
        data={
            "username": "bqam",
            "password": "scr-demo-password",
            "next": target,
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/tasks/"


def test_session_is_renewed_at_sign_in(auth: AuthActions) -> None:
    with auth.client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = auth._token("/sign-in")
    auth.login("bqam")
    with auth.client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]
    assert auth.token != before


def test_signing_out_ends_the_session(auth: AuthActions) -> None:
    auth.login("bqam")
    response = auth.logout()
    assert response.headers["Location"] == "/sign-in"
    assert "You have signed out." in read(auth.get("/sign-in")).text
    assert auth.get("/tasks/").status_code == 302


def test_a_deactivated_account_is_signed_out_at_its_next_request(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    auth.login("committee")
    engine.directory.deactivate_user(users["admin"], users["committee"].id)
    assert auth.get("/tasks/").status_code == 302
    assert auth.login("committee").status_code == 400


def test_sign_in_page_is_not_a_way_to_check_who_has_an_account(
    auth: AuthActions,
) -> None:
    unknown = read(auth.login("nobody-at-all", "whatever-password"))
    known = read(auth.login("committee", "whatever-password"))
    assert "The user name or password is not right" in unknown.text
    assert unknown.error_summary() == known.error_summary() != []


def test_the_front_page_leads_to_sign_in_or_my_tasks(auth: AuthActions) -> None:
    assert auth.get("/").headers["Location"] == "/sign-in"
    assert "Sign in to see that page" not in text(auth.get("/sign-in"))
    auth.login("bqam")
    assert auth.get("/").headers["Location"] == "/tasks/"
