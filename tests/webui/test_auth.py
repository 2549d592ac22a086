"""Signing in and out: a clear message, a new session, a safe way back, sessions that end everywhere,
and a client (never an account) slowed down after many failures."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Engine
from engine import FixedClock
from engine import UserInfo
from engine.db.demo import DEMO_PASSWORD
from tests.webui.conftest import CSRF_INPUT
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


def _fail(client: FlaskClient, token: str, times: int, username: str) -> None:
    for _ in range(times):
        response = client.post(
            "/sign-in",
            data={
                "username": username,
                "password": "wrong-guess!",
                "csrf_token": token,
            },
        )
        assert response.status_code == 400


def _sign_in(client: FlaskClient, username: str, password: str = DEMO_PASSWORD):
    token = CSRF_INPUT.search(text(client.get("/sign-in")))
    assert token
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": token[1]},
    )


def test_fifty_failures_from_one_client_slow_it_down_without_locking_the_account(
    app: Flask, auth: AuthActions, clock: FixedClock
) -> None:
    guesser = auth.client
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    _fail(guesser, auth._token("/sign-in"), 50, "committee")
    throttled = _sign_in(guesser, "committee")  # even the right password waits
    assert throttled.status_code == 429
    page = read(throttled)
    assert page.heading == "Too many attempts to sign in"
    assert "Try again in 15 minutes." in page.text
    assert "No account has been locked" in page.text
    unknown = _sign_in(guesser, "nobody-at-all")  # the same answer for any name
    assert unknown.status_code == 429 and read(unknown).text == page.text

    owner = app.test_client()  # the account's owner, on another device
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert _sign_in(owner, "committee").status_code == 302
    assert "Carol Mitchell" in read(owner.get("/tasks/")).text

    clock.advance(minutes=14)
    assert "Try again in 1 minute." in read(_sign_in(guesser, "committee")).text
    clock.advance(minutes=1)  # the window has passed
    assert _sign_in(guesser, "committee").status_code == 302


def test_unknown_inactive_and_wrong_password_get_the_same_answer(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    engine.directory.deactivate_user(users["admin"], users["legal"].id)
    answers = [
        auth.login("nobody-at-all", DEMO_PASSWORD),  # no such account
        auth.login("legal", DEMO_PASSWORD),  # deactivated, right password
        auth.login("committee", "not-the-password"),  # wrong password
    ]
    assert {r.status_code for r in answers} == {400}
    summaries = [read(r).error_summary() for r in answers]
    assert summaries[0] == summaries[1] == summaries[2] != []


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


def _copy_of_session(app: Flask, auth: AuthActions) -> FlaskClient:
    """Another browser holding a copy of the signed-in session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = auth.client.get_cookie(name)
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie(name, cookie.value)
    assert copy.get("/tasks/").status_code == 200  # the copy works until...
    return copy


def test_a_copied_session_cookie_stops_working_after_signing_out(
    app: Flask, auth: AuthActions
) -> None:
    auth.login("bqam")
    copy = _copy_of_session(app, auth)
    auth.logout()
    refused = copy.get("/tasks/")
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/sign-in")


def test_signing_out_ends_every_session_of_that_person(
    app: Flask, auth: AuthActions
) -> None:
    auth.login("bqam")
    elsewhere = app.test_client()
    assert _sign_in(elsewhere, "bqam").status_code == 302
    auth.logout()
    assert elsewhere.get("/tasks/").status_code == 302


def test_a_new_password_ends_every_session(
    app: Flask, auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    auth.login("committee")
    copy = _copy_of_session(app, auth)
    engine.directory.set_password(users["admin"], "committee", "a-brand-new-password")
    assert auth.get("/tasks/").status_code == 302
    assert copy.get("/tasks/").status_code == 302
    assert auth.login("committee").status_code == 400  # the old password is gone
    assert auth.login("committee", "a-brand-new-password").status_code == 302


def test_a_deactivated_account_is_signed_out_at_its_next_request(
    app: Flask, auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    auth.login("committee")
    copy = _copy_of_session(app, auth)
    engine.directory.deactivate_user(users["admin"], users["committee"].id)
    assert auth.get("/tasks/").status_code == 302
    assert auth.login("committee").status_code == 400
    engine.directory.reactivate_user(users["admin"], "committee")
    assert copy.get("/tasks/").status_code == 302  # old sessions stay ended


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
