"""Web test fixtures: one SQLite database per test (copied from a ready-made one), the app, a client, auth.

The database holds the demo users (one per role) and the engine's small test diagram (mini.bpmn), so a
test starts a case in one service call. Web tests run on SQLite only; the engine suite covers PostgreSQL.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine as SqlEngine
from werkzeug.test import TestResponse

from engine import CaseSummary
from engine import Engine
from engine import UserInfo
from engine.db.base import make_engine
from engine.db.demo import DEMO_PASSWORD
from tests.engine.helpers import GOOD_START
from tests.webui.database import ROLE_USERS
from tests.webui.database import build_database
from tests.webui.database import diagram_files
from webui import create_app

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def ready_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ready") / "scr.sqlite3"
    build_database(path, diagram_files())
    return path


@pytest.fixture
def db_engine(ready_database: Path, tmp_path: Path) -> Iterator[SqlEngine]:
    """A fresh copy of the ready database (web tests run on SQLite only)."""
    path = tmp_path / "scr.sqlite3"
    shutil.copyfile(ready_database, path)
    bind = make_engine(f"sqlite:///{path}")
    yield bind
    bind.dispose()


@pytest.fixture
def app(engine: Engine) -> Flask:
    return create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "test"})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class AuthActions:
    """Sign in as a demo user, then GET and POST as them (POSTs carry the page's CSRF token)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def login(self, username: str, password: str = DEMO_PASSWORD) -> TestResponse:
        self.token = self._token("/sign-in")
        response = self.client.post(
            "/sign-in",
            data={"username": username, "password": password, "csrf_token": self.token},
        )
        if response.status_code == 302:
            self.token = self._token("/tasks/")  # a new session has a new token
        return response

    def login_as_role(self, role: str) -> str:
        username = ROLE_USERS[role]
        assert self.login(username).status_code == 302
        return username

    def logout(self) -> TestResponse:
        return self.client.post("/sign-out", data={"csrf_token": self.token})

    def get(self, url: str, **kwargs: object) -> TestResponse:
        return self.client.get(url, **kwargs)

    def post(
        self, url: str, data: dict | None = None, **kwargs: object
    ) -> TestResponse:
        return self.client.post(
            url, data={**(data or {}), "csrf_token": self.token}, **kwargs
        )

    def _token(self, url: str) -> str:
        match = CSRF_INPUT.search(self.client.get(url).get_data(as_text=True))
        assert match, f"no CSRF token on {url}"
        return match.group(1)


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def case(engine: Engine, users: dict[str, UserInfo]) -> CaseSummary:
    """A mini case, started by the Business and QA Manager; it waits for the SCR Committee."""
    return engine.cases.start(users["bqam"], "Process_mini", GOOD_START)


@pytest.fixture
def forms_task(engine: Engine, users: dict[str, UserInfo]) -> str:
    """The id of the task of forms.bpmn that has every kind of field (offered to the BQAM)."""
    started = engine.cases.start(
        users["bqam"], "Process_forms", {"case_title": "Forms case"}
    )
    return next(
        t.id
        for t in engine.tasks.inbox(users["bqam"])
        if t.case_reference == started.reference
    )


def text(response: TestResponse) -> str:
    """The raw HTML of a response: for what must not be anywhere in it (a leaked secret, unescaped
    script). To assert what a person meets on a page, read it with tests.webui.html.read."""
    return response.get_data(as_text=True)
