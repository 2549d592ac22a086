"""The app factory, its settings, and the headers and cookies every response carries."""

from __future__ import annotations

from flask import Flask

from engine import Engine
from tests.webui.conftest import AuthActions
from tests.webui.html import read
from webui import create_app
from webui.security import CONTENT_SECURITY_POLICY


def test_config_comes_from_test_config_and_keeps_secure_defaults(
    engine: Engine,
) -> None:
    app = create_app({"ENGINE": engine, "SECRET_KEY": "x", "TESTING": True})
    assert app.testing
    assert app.extensions["scr"] is engine
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_environment_variables_prefixed_scr_are_read(monkeypatch) -> None:
    monkeypatch.setenv("SCR_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("SCR_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("SCR_SERVICE_NAME", "Case reviews")
    monkeypatch.setenv("SCR_DATABASE_URL", "sqlite:///:memory:")
    app = create_app()  # no test config: the settings come from the environment
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SERVICE_NAME"] == "Case reviews"


def test_every_response_carries_the_security_headers(client) -> None:
    for url in ("/sign-in", "/tasks/", "/no-such-page", "/static/app.js"):
        with client.get(url) as response:
            headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_pages_are_never_cached_but_static_files_are(client) -> None:
    assert client.get("/sign-in").headers["Cache-Control"] == "no-store"
    with client.get("/static/app.js") as response:
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_session_cookie_is_http_only_and_same_site(auth: AuthActions) -> None:
    response = auth.client.post(
        "/sign-in",
        data={
            "username": "bqam",
            "password": "scr-demo-password",
            "csrf_token": auth._token("/sign-in"),
        },
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_pages_use_only_our_own_scripts(auth: AuthActions, app: Flask) -> None:
    auth.login("bqam")
    response = auth.get("/tasks/")
    page = response.get_data(as_text=True)
    assert "<script>" not in page
    assert read(response).scripts() == ["/static/app.js"]
    assert " style=" not in page
