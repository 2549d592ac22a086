"""The production commands as real processes: gunicorn (2 workers) and `scr worker` on PostgreSQL.

What the container image and the systemd units run, checked the way an operator meets it: a system set
up with the CLI only, people signing in over HTTP, a notification delivered by the worker over real
SMTP, /readyz, and a clean stop on SIGTERM.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.ops.conftest import PASSWORD
from tests.ops.conftest import go_live
from tests.smtp import SmtpServer
from tests.smtp import free_port

pytestmark = pytest.mark.ops
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A person at a browser without JavaScript: cookies, CSRF tokens, forms."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def post(self, path: str, form_path: str, fields: dict) -> tuple[int, str]:
        status, page = self.get(form_path)
        token = CSRF.search(page)
        assert token, f"no form on {form_path} ({status})"
        data = urllib.parse.urlencode(
            {**fields, "csrf_token": token.group(1)}, doseq=True
        ).encode()
        try:
            with self.opener.open(self.base + path, data, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def sign_in(self, username: str) -> None:
        status, page = self.post(
            "/sign-in", "/sign-in", {"username": username, "password": PASSWORD}
        )
        assert status == 200 and "Sign out" in page, page[:500]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(predicate, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"did not stop on SIGTERM:\n{output}") from None
    return process.returncode, output


def test_gunicorn_and_the_worker_run_a_live_system_and_stop_cleanly(
    pg_url, scr, smtp, tmp_path, monkeypatch
):
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "SCR_ENV": "production",
        "SCR_SECRET_KEY": secrets.token_hex(32),
        "SCR_DATABASE_URL": pg_url,
        "SCR_SMTP_PORT": str(smtp.port),
        "SCR_WORKER_INTERVAL": "0.5",
        "SCR_LOG_FORMAT": "json",
        "PORT": str(free_port()),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    go_live(scr, tmp_path)

    web = start([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"], env)
    base = f"http://127.0.0.1:{env['PORT']}"
    browser = Browser(base)
    try:
        wait_for(lambda: _answers(base + "/healthz"), 20, "gunicorn to answer")
        assert (
            browser.get("/readyz")[0] == 503
        )  # no worker yet: not ready, and says why
        assert "no worker has reported" in browser.get("/readyz")[1]
        worker = start([str(BIN / "scr"), "worker"], env)
        try:
            wait_for(lambda: browser.get("/readyz")[0] == 200, 20, "/readyz")
            _start_a_case_and_complete_a_task(base)
            wait_for(lambda: len(smtp.received) >= 1, 15, "the worker to deliver")
            [mail] = smtp.received
            assert mail.recipients == ["chair@board.example.org"]
            assert mail.subject.endswith("serious incident notified")
            assert mail.message["Message-ID"].startswith("<scr-notification-")
            ready = json.loads(browser.get("/readyz")[1])
            assert ready["status"] == "ready" and ready["checks"]["schema"]["ok"]
        finally:
            worker_code, worker_log = stop(worker)
        assert worker_code == 0, worker_log
        assert "messages sent: 1" in worker_log
    finally:
        web_code, web_log = stop(web)
    assert web_code == 0, web_log
    assert "Traceback" not in web_log, web_log


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http://127.0.0.1
            return response.status == 200
    except OSError:
        return False


def _start_a_case_and_complete_a_task(base: str) -> None:
    bqam = Browser(base)
    bqam.sign_in("bqam")
    status, page = bqam.post(
        "/cases/new/Process_mini",
        "/cases/new/Process_mini",
        {
            "child_ref": "AB1234",
            "incident_date": "2026-02-27",
            "incident_type": "injury",
            "abuse_suspected": "yes",
            "agencies": ["police", "community_health"],
        },
    )
    assert status == 200 and "has started" in page, page[:800]
    committee = Browser(base)
    committee.sign_in("committee")
    _status, inbox = committee.get("/tasks/")
    [task] = set(re.findall(r'href="/tasks/([0-9a-f-]{36})"', inbox))
    status, page = committee.post(
        f"/tasks/{task}", f"/tasks/{task}", {"decision": "scr", "attendees": "4"}
    )
    assert status == 200 and "You completed" in page, page[:800]


def test_gunicorn_refuses_to_start_without_a_secret_key_naming_the_fix():
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "SCR_ENV": "production",
        "PORT": str(free_port()),
        "HOST": "127.0.0.1",
    }
    result = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "SCR_SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr
