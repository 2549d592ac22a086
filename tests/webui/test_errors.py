"""Errors become pages that say what happened and what to do, with the right status; never a trace."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from flask import Flask

from engine import ConcurrentUpdate
from engine import EngineError
from engine import TaskAlreadyCompleted
from engine import TaskNotReady
from engine import WorkflowFailed
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.html import read

RAISED = {
    "concurrent": ConcurrentUpdate(
        "Somebody else changed this case at the same moment."
    ),
    "not-ready": TaskNotReady(
        "The task “Write” was cancelled; it cannot be worked on."
    ),
    "failed": WorkflowFailed("The condition of “Recommendation?” failed."),
    "engine": EngineError("Something the engine refused."),
    "completed": TaskAlreadyCompleted(
        "t1", "Carol Mitchell", datetime(2026, 3, 2, 9, tzinfo=UTC)
    ),
    "bug": RuntimeError("secret detail of a bug"),
}


@pytest.fixture
def failing_app(app: Flask) -> Flask:
    def fail(kind: str) -> str:
        raise RAISED[kind]

    app.add_url_rule("/test-failure/<kind>", view_func=fail)
    return app


@pytest.mark.parametrize(
    ("kind", "status", "says"),
    [
        ("concurrent", 409, "Somebody else changed this case at the same moment."),
        ("not-ready", 409, "was cancelled; it cannot be worked on."),
        ("failed", 500, "Nothing was saved. Tell the process owner"),
        ("engine", 400, "Something the engine refused."),
        ("completed", 409, "Carol Mitchell completed it on 2 March 2026 at 9:00am"),
        ("bug", 500, "Sorry, there is a problem with the service"),
    ],
)
def test_errors_are_pages_with_their_status(
    failing_app: Flask, auth: AuthActions, kind: str, status: int, says: str
) -> None:
    auth.login("bqam")
    response = auth.get(f"/test-failure/{kind}")
    assert response.status_code == status
    page = read(response)
    assert says in page.text
    assert "Traceback" not in text(response) and "secret detail" not in text(response)
    # a page headed by what happened
    assert page.title == f"{page.heading} – SCR Workflow"


def test_unknown_pages_are_404_pages(auth: AuthActions) -> None:
    auth.login("bqam")
    response = auth.get("/no/such/page")
    assert response.status_code == 404
    page = read(response)
    assert page.heading == "Page not found"
    assert "If you typed the web address, check it is correct." in page.text


def test_wrong_method_is_a_page_too(auth: AuthActions) -> None:
    auth.login("bqam")
    response = auth.get("/sign-out")
    assert response.status_code == 405
    assert "You cannot do that here" in read(response).text
