"""50 members of staff at once, over HTTP, against gunicorn on PostgreSQL: sign-in and submit p95.

    .venv/bin/python bench/load.py [--staff 50] [--submits 4] [--workers 4] [--seconds 120]

Creates its own PostgreSQL database (127.0.0.1:5432, dropped at the end), brings it to the newest
schema, adds `--staff` SCR Committee members and one case per submission to come, then starts gunicorn
(gunicorn.conf.py, production mode, a random secret key, loopback only) and `scr worker`. Each member
of staff, in their own thread, signs in and then completes `--submits` tasks through the pages a
browser without JavaScript uses (the inbox, the task's form, the POST). Everything stops after
`--seconds`. It prints the sign-in and submit medians and p95 (targets: sign-in <= 250 ms, submit
<= 300 ms), requests per second, refusals (somebody else completed the task first), then checks that
no completion was lost or counted twice (every accepted submit is a completed task with exactly one
`task_completed` event) and that `scr audit verify` exits 0.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy import text  # noqa: E402

from engine import EngineSettings  # noqa: E402
from engine import build_engine  # noqa: E402
from engine.db.base import Database  # noqa: E402
from engine.db.base import make_engine  # noqa: E402
from engine.db.schema import upgrade  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
DATABASE = "scr_bench_load"
PASSWORD = "a-long-bench-password"
BIN = Path(sys.executable).parent
DIAGRAMS = ROOT / "tests" / "engine" / "diagrams"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TASK_LINK = re.compile(r'href="/tasks/([0-9a-f-]{36})"')
START = {
    "child_ref": "AB1234",
    "incident_date": "2026-02-27",
    "incident_type": "injury",
    "abuse_suspected": "yes",
    "agencies": ["police", "community_health"],
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Staff:
    """One person at a browser without JavaScript: cookies, CSRF tokens, timed requests."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.username = username
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, float]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data else None
        began = time.perf_counter()
        try:
            with self.opener.open(self.base + path, body, timeout=60) as response:
                status, page = response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            status, page = err.code, err.read().decode()
        return status, page, time.perf_counter() - began

    def post(self, path: str, fields: dict) -> tuple[int, str, float]:
        _status, page, _ = self.request(path)
        token = CSRF.search(page)
        if token is None:
            return 0, page, 0.0
        return self.request(path, {**fields, "csrf_token": token.group(1)})


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sign_in: list[float] = []
        self.submit: list[float] = []
        self.accepted: list[tuple[str, str]] = []
        self.statuses: Counter[str] = Counter()
        self.requests = 0

    def add(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[f"{kind} {status}"] += 1
            getattr(self, kind).append(seconds) if status == 302 else None


def work(staff: Staff, submits: int, deadline: float, results: Results) -> None:
    status, _page, seconds = staff.post(
        "/sign-in", {"username": staff.username, "password": PASSWORD}
    )
    results.add("sign_in", status, seconds)
    if status != 302:
        return
    number = int(staff.username.removeprefix("staff"))
    done = 0
    while done < submits and time.monotonic() < deadline:
        _status, inbox, _ = staff.request("/tasks/")
        offered = list(dict.fromkeys(TASK_LINK.findall(inbox)))
        if not offered:
            return
        task = offered[number % len(offered)]
        status, _page, seconds = staff.post(
            f"/tasks/{task}", {"decision": "scr", "attendees": "4"}
        )
        results.add("submit", status, seconds)
        if status == 302:
            done += 1
            with results.lock:
                results.accepted.append((staff.username, task))


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def prepare(url: str, staff: int, cases: int) -> None:
    """The newest schema, `staff` committee members, and `cases` mini cases waiting for them."""
    upgrade(url)
    engine = build_engine(EngineSettings(), database=Database(make_engine(url)))
    engine.directory.load_demo_users()
    admin = engine.accounts.by_username("admin")
    for number in range(staff):
        engine.directory.create_user(
            admin,
            f"staff{number:02d}",
            f"Staff Member {number:02d}",
            None,
            PASSWORD,
            ["scr_committee"],
            None,
        )
    files = {
        p.relative_to(DIAGRAMS).as_posix(): p.read_bytes()
        for p in DIAGRAMS.rglob("*")
        if p.is_file() and "loops" not in p.parts
    }
    engine.deployments.deploy(engine.accounts.by_username("owner"), files)
    bqam = engine.accounts.by_username("bqam")
    for _ in range(cases):
        engine.cases.start(bqam, "Process_mini", START)
    engine.dispose()


def check(url: str, accepted: list[tuple[str, str]]) -> tuple[int, int, int]:
    """(lost, doubled, completed): accepted submits not completed by that person; tasks with more
    than one task_completed event; tasks completed in all."""
    bind = create_engine(url)
    with bind.connect() as connection:
        completed = dict(
            connection.execute(
                text(
                    "SELECT t.id, u.username FROM human_task t"
                    " JOIN app_user u ON u.id = t.completed_by_id"
                    " WHERE t.state = 'completed'"
                )
            ).all()
        )
        events = Counter(
            json.loads(data)["task_id"]
            for (data,) in connection.execute(
                text("SELECT data FROM audit_event WHERE type = 'task_completed'")
            )
        )
    bind.dispose()
    lost = sum(1 for user, task in accepted if completed.get(task) != user)
    doubled = sum(1 for count in events.values() if count > 1)
    doubled += len(accepted) - len(set(task for _, task in accepted))
    return lost, doubled, len(completed)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run(url: str, args: argparse.Namespace) -> int:
    prepare(url, args.staff, args.staff * args.submits + 10)
    port = free_port()
    env = {
        **os.environ,
        "SCR_ENV": "production",
        "SCR_SECRET_KEY": secrets.token_hex(32),
        "SCR_DATABASE_URL": url,
        "SCR_SMTP_PORT": str(
            free_port()
        ),  # nobody listens: messages wait in the outbox
        "SCR_WORKER_INTERVAL": "2",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(args.workers),
    }
    quiet = subprocess.DEVNULL
    web = subprocess.Popen(  # noqa: S603 - our own gunicorn, loopback only
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"],
        env=env,
        cwd=ROOT,
        stdout=quiet,
        stderr=quiet,
    )
    worker = subprocess.Popen(  # noqa: S603
        [str(BIN / "scr"), "worker"], env=env, cwd=ROOT, stdout=quiet, stderr=quiet
    )
    base = f"http://127.0.0.1:{port}"
    results = Results()
    try:
        wait_until_up(base, 30)
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(
                target=work,
                args=(Staff(base, f"staff{n:02d}"), args.submits, deadline, results),
            )
            for n in range(args.staff)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    finally:
        stop(worker)
        stop(web)
    requests = sum(results.statuses.values())
    print(
        f"[PostgreSQL, gunicorn {args.workers} sync workers, {os.cpu_count()} cores]"
        f" {args.staff} staff at once, {elapsed:.1f} s"
    )
    for name, samples, target in (
        ("sign-in", results.sign_in, 0.250),
        ("submit", results.submit, 0.300),
    ):
        if not samples:
            print(f"  {name}: no successful request")
            continue
        print(
            f"  {name:>8}: {len(samples):4d} ok, median {statistics.median(samples) * 1000:7.1f} ms,"
            f" p95 {p95(samples) * 1000:7.1f} ms (target <= {target * 1000:.0f} ms:"
            f" {'met' if p95(samples) <= target else 'NOT met'})"
        )
    print(f"  timed POSTs by status: {dict(sorted(results.statuses.items()))}")
    print(
        f"  {requests} timed POSTs ({requests / elapsed:.1f}/s; each also needs a GET)"
    )
    lost, doubled, completed = check(url, results.accepted)
    print(
        f"  accepted submits {len(results.accepted)}, tasks completed {completed},"
        f" lost {lost}, completed twice {doubled}"
    )
    verify = subprocess.run(  # noqa: S603
        [str(BIN / "scr"), "audit", "verify"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(f"  scr audit verify: exit {verify.returncode}")
    if verify.returncode:
        print(
            "  "
            + "\n  ".join((verify.stdout + verify.stderr).strip().splitlines()[-25:])
        )
    return 0 if not (lost or doubled or verify.returncode) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=50)
    parser.add_argument("--submits", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    try:
        code = run(f"{PG}/{DATABASE}", args)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        admin.dispose()
    sys.exit(code)


if __name__ == "__main__":
    main()
