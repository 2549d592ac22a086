"""Browser fixtures: the app on a live local server over the real diagrams, and Debian's Chromium.

Playwright drives /usr/bin/chromium (installed by .ci/run with apt-get); it never downloads a browser.
Every page a test opens is checked for script errors and content-security-policy violations.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli import read_bundle
from tests.conftest import ROOT
from tests.conftest import START
from tests.webui.database import build_database

SCREENSHOTS = Path(tempfile.gettempdir()) / "scr-screenshots"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app in its own process on 127.0.0.1 and a free port, over the demo users and the real bpmn/.

    Its own process, so that what a browser's cut-short downloads leave behind in werkzeug's server
    never lands in this test run (and a server log is kept beside the database for when a test fails).
    """
    if not (ROOT / "webui" / "static" / "vendor" / "app.css").exists():
        pytest.fail(
            "webui/static/vendor/ is missing: run `npm ci && npm run vendor` (make install does)"
        )
    folder = tmp_path_factory.mktemp("live")
    build_database(folder / "scr.sqlite3", read_bundle(ROOT / "bpmn"))
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.browser.server",
                str(folder / "scr.sqlite3"),
                START.isoformat(),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            port = server.stdout.readline().strip()  # type: ignore[union-attr]
            assert port.isdigit(), (
                f"the server did not start; see {folder / 'server.log'}"
            )
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=10)
            server.stdout.close()  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def browser(chromium: object) -> object:
    return chromium


@pytest.fixture
def page(browser: object, live_server: str) -> Iterator[object]:
    """A fresh browser context (no cookies) whose pages raise no script error, CSP violation or failed load.

    Pages answered with 4xx on purpose (a form shown again with its errors) are not failed loads.
    """
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=live_server, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda message: _console(message, problems))
    page.on("response", lambda response: _response(response, problems))
    page.on("requestfailed", lambda request: _failed(request, problems))
    yield page
    context.close()
    assert problems == []


def _console(message: object, problems: list[str]) -> None:
    text = message.text  # type: ignore[attr-defined]
    if message.type == "error" and not text.startswith("Failed to load resource"):  # type: ignore[attr-defined]
        problems.append(f"console error: {text}")


def _response(response: object, problems: list[str]) -> None:
    request = response.request  # type: ignore[attr-defined]
    if response.status >= 400 and request.resource_type != "document":  # type: ignore[attr-defined]
        problems.append(f"{response.status} for {request.url}")  # type: ignore[attr-defined]


def _failed(request: object, problems: list[str]) -> None:
    # A load cut short because the person went on to the next page is not a failure.
    if request.failure != "net::ERR_ABORTED":  # type: ignore[attr-defined]
        problems.append(f"failed: {request.url} ({request.failure})")  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
