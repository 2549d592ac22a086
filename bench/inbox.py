"""How fast is "My tasks" with 10,000 open and 90,000 closed tasks in the index?

    .venv/bin/python bench/inbox.py [--repeats 30] [--sqlite-only]

On SQLite (a temporary file) and on PostgreSQL (127.0.0.1:5432; its own database, created and dropped
here), the task index is filled in bulk: 1,000 cases, 10,000 ready and 90,000 closed tasks spread over
every role and agency, some claimed. For three users it prints the median of the service call
(engine.tasks.inbox(user, page=1): the page of 50 and the total) and of the web page /tasks/ (signed
in, through the Flask test client), the page's size, and the plan of the inbox query (EXPLAIN ANALYZE
on PostgreSQL, EXPLAIN QUERY PLAN on SQLite), to check that it reads the user's tasks and not every
open one. Targets: service <= 20 ms, page <= 40 ms.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy import text  # noqa: E402

from engine import Engine  # noqa: E402
from engine import EngineSettings  # noqa: E402
from engine import build_engine  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.db import tasks as task_rows  # noqa: E402
from engine.db.base import Base  # noqa: E402
from engine.db.base import Database  # noqa: E402
from engine.db.base import make_engine  # noqa: E402
from engine.db.demo import DEMO_PASSWORD  # noqa: E402
from engine.db.models import AppUser  # noqa: E402
from engine.db.models import HumanTask  # noqa: E402
from engine.db.models import HumanTaskRole  # noqa: E402
from engine.db.models import ReviewCase  # noqa: E402
from engine.roles import ROLES  # noqa: E402
from webui import create_app  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
DATABASE = "scr_bench_inbox"
OPEN, CLOSED, CASES = 10_000, 90_000, 1_000
USERS = ("committee", "police_author", "chair")
AGENCIES = ["police", "community_health", "childrens_social_care", "education", None]
SCOPED = ("agency_author", "agency_manager", "panel_member", "sqa_manager")
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_service(url: str) -> Engine:
    bind = make_engine(url)
    Base.metadata.drop_all(bind)
    Base.metadata.create_all(bind)
    engine = build_engine(
        EngineSettings(), clock=FixedClock(NOW), database=Database(bind)
    )
    engine.directory.load_demo_users()
    diagrams = ROOT / "tests" / "engine" / "diagrams"
    files = {
        path.relative_to(diagrams).as_posix(): path.read_bytes()
        for path in diagrams.rglob("*")
        if path.is_file() and "loops" not in path.parts
    }
    engine.deployments.deploy(engine.accounts.by_username("owner"), files)
    return engine


def fill(engine: Engine) -> None:
    """1,000 cases; 10,000 ready and 90,000 closed tasks, each offered to one role; 1 in 40 claimed."""
    roles = list(ROLES)
    with engine.database.write() as session, session.begin():
        user_ids = list(session.scalars(select(AppUser.id)))
        deployment_id = session.execute(text("SELECT min(id) FROM deployment")).scalar()
        session.execute(
            insert(ReviewCase),
            [
                {
                    "reference": f"BENCH-{number:04d}",
                    "deployment_id": deployment_id,
                    "process_id": "Process_mini",
                    "process_name": "Bench",
                    "status": "active",
                    "state": "{}",
                    "started_at": NOW,
                    "updated_at": NOW,
                }
                for number in range(CASES)
            ],
        )
        case_ids = list(session.scalars(select(ReviewCase.id)))
        tasks, task_roles = [], []
        for number in range(OPEN + CLOSED):
            task_id = str(uuid.UUID(int=number + 1))
            role = roles[number % len(roles)]
            ready = number < OPEN
            tasks.append(
                {
                    "id": task_id,
                    "case_id": case_ids[number % CASES],
                    "element_id": "Task_x",
                    "name": f"Task {number}",
                    "phase": "Bench",
                    "agency_key": AGENCIES[number % 5] if role in SCOPED else None,
                    "assignee_id": user_ids[number % len(user_ids)]
                    if number % 40 == 0
                    else None,
                    "state": "ready"
                    if ready
                    else ("completed", "cancelled")[number % 2],
                    "created_at": NOW - timedelta(days=number % 400),
                    "due_at": NOW + timedelta(days=number % 30 - 10),
                    "completed_at": None
                    if ready
                    else NOW - timedelta(days=number % 300),
                    "completed_by_id": None
                    if ready
                    else user_ids[number % len(user_ids)],
                }
            )
            task_roles.append({"task_id": task_id, "role_key": role, "ready": ready})
        for start in range(0, len(tasks), 10_000):
            session.execute(insert(HumanTask), tasks[start : start + 10_000])
            session.execute(insert(HumanTaskRole), task_roles[start : start + 10_000])
    with engine.database.bind.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )
        else:
            connection.execute(text("ANALYZE"))
            connection.commit()


def explain(engine: Engine, username: str) -> list[str]:
    """The plan of the inbox query (page 1) and of its count, for one user."""
    user = engine.accounts.by_username(username)
    bind = engine.database.bind
    lines = []
    for query in (task_rows.inbox_query(user, 1), task_rows.inbox_count_query(user)):
        sql = str(query.compile(bind, compile_kwargs={"literal_binds": True}))
        with bind.connect() as connection:
            if bind.dialect.name == "postgresql":
                rows = connection.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}"))
                lines += [r[0] for r in rows]
            else:
                rows = connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
                lines += [f"{r[1]:>3} {r[3]}" for r in rows]
        lines.append("")
    return lines


def service_times(engine: Engine, username: str, repeats: int) -> tuple[float, int]:
    user = engine.accounts.by_username(username)
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        page = engine.tasks.inbox(user, page=1)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), page.total


def page_times(engine: Engine, username: str, repeats: int) -> tuple[float, int]:
    app = create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "bench"})
    client = app.test_client()
    token = CSRF.search(client.get("/sign-in").get_data(as_text=True))
    assert token, "no sign-in form"
    signed_in = client.post(
        "/sign-in",
        data={
            "username": username,
            "password": DEMO_PASSWORD,
            "csrf_token": token.group(1),
        },
    )
    assert signed_in.status_code == 302, signed_in.status_code
    samples, size = [], 0
    for _ in range(repeats):
        began = time.perf_counter()
        response = client.get("/tasks/")
        samples.append(time.perf_counter() - began)
        assert response.status_code == 200
        size = len(response.data)
    return statistics.median(samples), size


def run(label: str, url: str, repeats: int) -> None:
    engine = make_service(url)
    began = time.perf_counter()
    fill(engine)
    print(
        f"[{label}] {OPEN:,} open + {CLOSED:,} closed tasks in {CASES:,} cases"
        f" (filled in {time.perf_counter() - began:.1f} s); medians of {repeats}"
    )
    print(
        f"  {'user':>14} {'in inbox':>8} {'service ms':>10} {'page ms':>8} {'page KB':>8}"
    )
    worst_service = worst_page = 0.0
    for username in USERS:
        service, total = service_times(engine, username, repeats)
        page, size = page_times(engine, username, repeats)
        worst_service, worst_page = max(worst_service, service), max(worst_page, page)
        print(
            f"  {username:>14} {total:>8} {service * 1000:10.2f} {page * 1000:8.2f}"
            f" {size / 1024:8.1f}"
        )
    print(
        f"  targets: service <= 20 ms ({'met' if worst_service <= 0.020 else 'NOT met'}),"
        f" page <= 40 ms ({'met' if worst_page <= 0.040 else 'NOT met'})"
    )
    for username in ("committee", "police_author"):
        print(f"  plan of the inbox query and its count for {username}:")
        for line in explain(engine, username):
            print(f"    {line}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/inbox.sqlite3", args.repeats)
    if args.sqlite_only:
        return
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    try:
        run("PostgreSQL", f"{PG}/{DATABASE}", args.repeats)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    main()
