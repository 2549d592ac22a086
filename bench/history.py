"""Does a long case cost more per step than a short one? Per-step, page and replay figures by history.

    .venv/bin/python bench/history.py [--postgres] [--samples 15]

One case of the loop diagram (tests/engine/diagrams/loops/loop.bpmn: a user task in a loop) is driven
through the service. When its audit trail reaches about 70, 200, 400 and 800 events, and again after
1,000 passes round the loop, it measures side by side in this one run: the median time to complete a
task, to read the case page (engine.cases.page) and to replay and verify the case (per command), and
the stored workflow state's size; then prints each against the figure at 70 events (targets: step and
page <= 1.3x, replay per command <= 1.5x).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy import text  # noqa: E402

from engine import EngineSettings  # noqa: E402
from engine import build_engine  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.db.base import Base  # noqa: E402
from engine.db.base import Database  # noqa: E402
from engine.db.base import make_engine  # noqa: E402

LOOPS = ROOT / "tests" / "engine" / "diagrams" / "loops"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
MARKS = (70, 200, 400, 800)
PASSES = 1000


def _engine(url: str):  # noqa: ANN202 - the bench's own engine
    bind = make_engine(url)
    Base.metadata.drop_all(bind)
    Base.metadata.create_all(bind)
    clock = FixedClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    engine = build_engine(EngineSettings(), clock=clock, database=Database(bind))
    engine.directory.load_demo_users()
    return engine, clock


def _events_and_size(engine, reference: str) -> tuple[int, int]:  # noqa: ANN001
    with engine.database.bind.connect() as connection:
        case_id, size = connection.execute(
            text("SELECT id, length(state) FROM review_case WHERE reference = :r"),
            {"r": reference},
        ).one()
        events = connection.execute(
            text("SELECT count(*) FROM audit_event WHERE case_id = :c"), {"c": case_id}
        ).scalar_one()
    return int(events), int(size)


def _measure(engine, clock, user, reference: str, samples: int) -> dict[str, float]:  # noqa: ANN001
    steps, pages = [], []
    for _ in range(samples):
        clock.advance(minutes=1)
        task = engine.tasks.inbox(user)[0]
        began = time.perf_counter()
        engine.tasks.complete(user, task.id, {"more": "true"})
        steps.append(time.perf_counter() - began)
        began = time.perf_counter()
        engine.cases.page(user, reference)
        pages.append(time.perf_counter() - began)
    began = time.perf_counter()
    [report] = engine.audit.verify_replays(reference)
    replay = time.perf_counter() - began
    assert report.ok, report.problem
    events, size = _events_and_size(engine, reference)
    return {
        "events": events,
        "step": statistics.median(steps),
        "page": statistics.median(pages),
        "replay": replay / max(report.events, 1),
        "size": size,
    }


def run(label: str, url: str, samples: int) -> None:
    engine, clock = _engine(url)
    users = {n: engine.accounts.by_username(n) for n in ("owner", "bqam")}
    files = {p.name: p.read_bytes() for p in sorted(LOOPS.glob("*.bpmn"))}
    engine.deployments.deploy(users["owner"], files)
    bqam = users["bqam"]
    case = engine.cases.start(bqam, "Process_loop", {"plan": "bench"})
    rows, passes = [], 0
    for mark in (*MARKS, None):
        while True:
            events, _ = _events_and_size(engine, case.reference)
            if (mark is not None and events >= mark) or (
                mark is None and passes >= PASSES
            ):
                break
            clock.advance(minutes=1)
            engine.tasks.complete(
                bqam, engine.tasks.inbox(bqam)[0].id, {"more": "true"}
            )
            passes += 1
        figures = _measure(engine, clock, bqam, case.reference, samples)
        passes += samples
        rows.append(
            (f"{passes} passes" if mark is None else f"~{mark} events", figures)
        )
    base = rows[0][1]
    print(
        f"[{label}] one case round a loop; medians of {samples}; ratios against ~70 events"
    )
    print(
        f"  {'history':>14} {'events':>7} {'step ms':>8} {'x':>5} {'page ms':>8} {'x':>5}"
        f" {'replay ms/cmd':>13} {'x':>5} {'state KB':>8}"
    )
    for name, f in rows:
        print(
            f"  {name:>14} {f['events']:>7.0f} {f['step'] * 1000:8.2f} {f['step'] / base['step']:5.2f}"
            f" {f['page'] * 1000:8.2f} {f['page'] / base['page']:5.2f}"
            f" {f['replay'] * 1000:13.3f} {f['replay'] / base['replay']:5.2f} {f['size'] / 1024:8.1f}"
        )
    engine.database.bind.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument(
        "--postgres", action="store_true", help="also on PostgreSQL at 127.0.0.1:5432"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/history.sqlite3", args.samples)
    if args.postgres:
        admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            if not connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = 'scr_bench_history'")
            ):
                connection.execute(text("CREATE DATABASE scr_bench_history"))
        admin.dispose()
        run("PostgreSQL", f"{PG}/scr_bench_history", args.samples)


if __name__ == "__main__":
    main()
