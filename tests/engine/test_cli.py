"""The `scr` command and the one configuration: refusals that name the fix, go-live with the CLI
only, the worker moving a case on by itself, and exit codes an operator's cron or supervisor can use."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine import EngineSettings
from engine import build_engine
from engine.process.handlers import HandlerRegistry
from engine.settings import ConfigInvalid
from engine.settings import SmtpSecurity
from tests.conftest import ROOT
from tests.engine.helpers import DIAGRAMS
from tests.engine.helpers import GOOD_START
from tests.ops.conftest import PASSWORD
from tests.ops.conftest import Scr
from tests.ops.conftest import go_live
from tests.smtp import SmtpServer
from webui import create_app

KEY = "k" * 40


def start_mini(engine, users):
    """The mini review with its message templates, deployed, and one case started."""
    files = {
        p.relative_to(DIAGRAMS).as_posix(): p.read_bytes()
        for p in [*DIAGRAMS.glob("mini*"), *DIAGRAMS.glob("templates/*")]
    }
    engine.deployments.deploy(users["owner"], files)
    return engine.cases.start(users["bqam"], "Process_mini", GOOD_START)


@pytest.fixture
def handlers() -> HandlerRegistry:
    """The real notify handler: these tests deliver what the mini diagram queues."""
    return HandlerRegistry()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SCR_SMTP_SECURITY": "tls"}, "SCR_SMTP_SECURITY: Input should be 'none', 'starttls' or 'ssl'"),
        ({"SCR_ENV": "production"}, "SCR_SECRET_KEY must be set to at least 32"),
        ({"SCR_ENV": "production", "SCR_SECRET_KEY": "short"}, "SCR_SECRET_KEY must be set"),
        ({"SCR_SMTP_HOST": "mail.example.org", "SCR_SMTP_USERNAME": "u", "SCR_SMTP_PASSWORD": "pw"}, "would cross the network to mail.example.org in plain text"),
        ({"SCR_SMTP_PORT": "smtp"}, "SCR_SMTP_PORT: Input should be a valid integer"),
        ({"SCR_SMTP_PORT": "70000"}, "SCR_SMTP_PORT: Input should be less than or equal to 65535"),
        ({"SCR_ENV": "staging"}, "SCR_ENV: Input should be 'development' or 'production'"),
        ({"SCR_ENV": "production", "SCR_SECRET_KEY": KEY, "SCR_MAIL_VIEW": "true"}, "SCR_MAIL_VIEW shows every message"),
        ({"SCR_DATABASE_URL": "mysql://u:hunter2@db/scr"}, "SCR_DATABASE_URL: must start with sqlite:/// or postgresql+psycopg://"),
        ({"SCR_WORKER_INTERVAL": "0"}, "SCR_WORKER_INTERVAL: Input should be greater than 0"),
    ],
)  # fmt: skip
def test_each_wrong_setting_is_refused_naming_the_variable(env, expected):
    with pytest.raises(ConfigInvalid) as refused:
        EngineSettings.from_env(env)
    assert expected in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_smtp_security_in_capitals_means_the_same_and_production_with_a_key_is_valid():
    settings = EngineSettings.from_env(
        {
            "SCR_SMTP_SECURITY": "STARTTLS",
            "SCR_ENV": "Production",
            "SCR_SECRET_KEY": KEY,
        }
    )
    assert settings.smtp.security is SmtpSecurity.STARTTLS
    assert KEY not in repr(settings) and KEY not in str(settings.described())


def test_starttls_to_a_server_without_it_is_refused_never_sent_in_plain_text(
    engine, users
):
    server = SmtpServer()
    server.start()
    try:
        settings = EngineSettings.from_env(
            {"SCR_SMTP_PORT": str(server.port), "SCR_SMTP_SECURITY": "STARTTLS"}
        )
        engine.notifications.smtp = settings.smtp
        start_mini(engine, users)
        assert engine.notifications.deliver()["sent"] == 0
        assert server.received == []
    finally:
        server.stop()


def run_scr(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", *args],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_scr_never_prints_a_password_and_fails_with_a_sentence_not_a_traceback(
    tmp_path,
):
    url = "postgresql+psycopg://scr:hunter2@127.0.0.1:1/scr"
    result = run_scr("db", "current", cwd=tmp_path, env={"SCR_DATABASE_URL": url})
    assert result.returncode == 1
    assert "postgresql+psycopg://scr:***@127.0.0.1:1/scr" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    bad = run_scr("config", "check", cwd=tmp_path, env={"SCR_SMTP_SECURITY": "tls"})
    assert bad.returncode == 2 and "SCR_SMTP_SECURITY" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_the_default_database_is_the_same_from_any_folder(tmp_path):
    here = run_scr("config", "check", cwd=ROOT, env={})
    elsewhere = run_scr("config", "check", cwd=tmp_path, env={})
    line = next(x for x in here.stdout.splitlines() if x.startswith("SCR_DATABASE_URL"))
    assert line in elsewhere.stdout and f"sqlite:///{ROOT}/instance/" in line


@pytest.fixture
def scr(monkeypatch, capsys, tmp_path) -> Scr:
    monkeypatch.setenv("SCR_DATABASE_URL", f"sqlite:///{tmp_path / 'live.sqlite3'}")
    return Scr(monkeypatch, capsys)


def test_a_live_system_is_set_up_with_the_cli_only_and_people_sign_in(scr, tmp_path):
    go_live(scr, tmp_path)
    settings = EngineSettings.from_env()
    app = create_app({"DATABASE_URL": settings.database_url, "SECRET_KEY": KEY})
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    signed_in = client.post(
        "/sign-in",
        data={"username": "ada", "password": PASSWORD, "csrf_token": token},
    )
    assert signed_in.status_code == 302
    users = client.get("/admin/users").get_data(as_text=True)
    assert (
        "Pat" not in users and "Owner" in users and "Beatrice" not in users
    )  # no demo data
    app.extensions["scr"].dispose()


def test_account_commands_refuse_clearly_and_need_an_administrator(scr, tmp_path):
    go_live(scr, tmp_path)
    code, _out, err = scr(
        "user", "create", "eve", "--display-name", "Eve", "--admin", stdin=PASSWORD
    )
    assert code == 1 and "An administrator exists already" in err
    code, _out, err = scr("user", "unlock", "chair", "--as", "bqam")
    assert code == 1 and "Only people with the role admin" in err
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("code;title\nx;y\n")
    code, _out, err = scr("agency", "import", str(bad_csv), "--as", "ada")
    assert code == 1 and "header line naming the columns key,name" in err
    code, _out, err = scr(
        "user", "set-password", "chair", "--as", "ada", stdin="short\n"
    )
    assert code == 1 and "at least 10 characters" in err
    assert "chair" in scr.ok("user", "reactivate", "chair", "--as", "ada")
    assert "chair" in scr.ok("user", "unlock", "chair", "--as", "ada")
    scr.ok(
        "user", "set-password", "chair", "--as", "ada", stdin="a-new-long-password\n"
    )


def test_the_worker_moves_a_waiting_case_on_and_delivers_without_anyone_running_a_command(
    engine, users, clock
):
    server = SmtpServer()
    server.start()
    try:
        engine.notifications.smtp = EngineSettings.from_env(
            {"SCR_SMTP_PORT": str(server.port)}
        ).smtp
        case = start_mini(engine, users)
        first = engine.worker.cycle()
        assert (first.moved, first.sent, first.failed) == (0, 1, 0)
        clock.advance(days=8)  # past the committee's five working days
        later = engine.worker.cycle()
        assert later.moved == 1 and later.sent >= 1
        templates = [
            n.template
            for n in engine.notifications.of_case(users["bqam"], case.reference)
        ]
        assert "deadline_missed" in templates
        assert (
            engine.worker.readiness().checks["worker"][0] is False
        )  # no heartbeat yet
        engine.worker.beat(clock.now(), later)
        assert engine.worker.readiness().checks["worker"][0] is True
    finally:
        server.stop()


def test_three_workers_at_once_deliver_each_message_exactly_once(engine, users):
    server = SmtpServer()
    server.start()
    try:
        engine.notifications.smtp = EngineSettings.from_env(
            {"SCR_SMTP_PORT": str(server.port)}
        ).smtp
        for _ in range(4):
            start_mini(engine, users)
        reports = []
        threads = [
            threading.Thread(target=lambda: reports.append(engine.worker.cycle()))
            for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sum(r.sent for r in reports) == 4 and len(server.received) == 4
        # (An audit checkpoint needs a signing key these tests do not configure.)
        assert [p for r in reports for p in r.problems if "checkpoint" not in p] == []
    finally:
        server.stop()


def test_scr_worker_once_and_tick_exit_non_zero_when_deliveries_fail(
    scr, tmp_path, monkeypatch
):
    go_live(scr, tmp_path)
    monkeypatch.setenv("SCR_SMTP_PORT", "1")  # nothing listens there

    engine_ = build_engine(EngineSettings.from_env())
    bqam = engine_.accounts.by_username("bqam")
    for command in (["tick"], ["worker", "--once"]):
        engine_.cases.start(bqam, "Process_mini", GOOD_START)
        code, out, _err = scr(*command)
        assert code == 1 and "to retry: 1" in out, (command, out)
    engine_.dispose()
