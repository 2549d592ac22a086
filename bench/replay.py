"""Replay and verification of many complete cases: `scr audit verify` stays linear and streams.

    .venv/bin/python bench/replay.py [--sizes 10 100 1000] [--mini] [--folder DIR]

Builds complete standard Serious Case Reviews through the real bpmn/ diagrams, the way the process
tests drive them (tests/process/scenario.py and journey.py, as test_full_case.py does): notification,
information gathering, Committee, the Chair's decision, Panel, agency reports, review, approval,
publication, the learning register with two monitored actions reported, signed off and the plan signed
off, then the twelve months on the website until the BQAM's decision completes the case. Each case runs
on a FixedClock set back to Monday 2 March 2026 and moved as the journey says, with the real notify
handler (every message queued in the outbox as in production; nothing is delivered).

The cases are built once, one after the other, in one SQLite database in a temporary folder. When the
database holds 10, 100, 1,000 cases (the sizes asked for), a checkpoint is signed and the database is
copied (SQLite's backup API) to its own file. Each copy is then measured in a forked process, twice:

- verify: one full `engine.audit.verify()` (what `scr audit verify` runs): every chain's hashes and
  payloads, the signed checkpoint, every case replayed and compared with its stored state, and its
  task index, status, documents and notifications rebuilt from the events and compared;
- replays: `engine.audit.verify_replays()` alone (every case replayed and compared).

Before each timed pass, one case is verified (or replayed) to parse the deployment's diagrams once,
as a long-running process would have them cached; that warm-up is not in the figures. Memory is the
measuring process's peak resident set (getrusage max RSS) before and after the pass: the growth is
what the pass itself needed (the process starts as a copy of the builder, so the first figure grows
with the builder's own memory). Per event: verify divides by every audit event checked
(all chains), replays by the events the replays applied. "x prev" is the per-event cost divided by
that of the previous size: 1.0 is linear.

If the full verify fails with SQLAlchemy's "identity map is no longer valid" (verification.py empties the
session between chains while audit_rows.chains still streams events into it: any database of more
than one batch, 1,000 events), the row says so with a "*" and its verify figures are of a second
pass with `Session.expunge_all()` made a no-op in the measuring process.

The build database runs with `PRAGMA synchronous=OFF` (no fsync per commit): it makes the build about
twice as fast on this disk and changes nothing that is stored; the measured passes only read.
`--mini` builds the small test diagram's cases instead (tests/engine/diagrams/mini.bpmn: started, the
committee decides, the case closes), the bench's earlier mode.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sqlite3
import sys
import tempfile
import time
import traceback
from contextlib import closing
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy import func  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.exc import InvalidRequestError  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from engine import Engine  # noqa: E402
from engine import EngineSettings  # noqa: E402
from engine import build_engine  # noqa: E402
from engine.cli import read_bundle  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.db import models  # noqa: E402, F401  (registers the tables)
from engine.db.base import Base  # noqa: E402
from engine.db.base import Database  # noqa: E402
from engine.db.base import make_engine  # noqa: E402
from engine.db.demo import DEMO_USERS  # noqa: E402
from engine.db.models import AuditEvent  # noqa: E402
from engine.db.models import ReviewCase  # noqa: E402
from engine.dto import UserInfo  # noqa: E402
from engine.process.handlers import HandlerRegistry  # noqa: E402
from engine.services.checkpoints import AuditKeys  # noqa: E402
from tests.process import journey  # noqa: E402
from tests.process.scenario import Scenario  # noqa: E402
from tests.process.scenario import end_of  # noqa: E402
from tests.process.scenario import london  # noqa: E402

BPMN_DIR = ROOT / "bpmn"
CASE_START = datetime(
    2026, 3, 2, 9, tzinfo=UTC
)  # Monday 2 March 2026, as in the process tests
PROGRESS = "Report progress on the action with evidence"
REVIEW_PROGRESS = "Review the progress and evidence"


# ---------------------------------------------------------------------- building the cases
def build_engine_at(
    path: Path, clock: FixedClock, keys: AuditKeys, mini: bool
) -> Engine:
    """A fresh schema at `path`, no fsync per commit, demo users; the real notify handler unless mini."""
    bind = make_engine(f"sqlite:///{path}")

    @event.listens_for(bind, "connect")
    def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    Base.metadata.create_all(bind)
    handlers = HandlerRegistry()
    if (
        mini
    ):  # the mini diagram has no message templates: record its notify calls, as before
        from tests.engine.helpers import RecordingHandler

        handlers.register("notify", RecordingHandler())
    engine = build_engine(
        EngineSettings(),
        clock=clock,
        handlers=handlers,
        database=Database(bind),
        audit_keys=keys,
    )
    engine.directory.load_demo_users()
    return engine


def full_case(engine: Engine, users: dict[str, UserInfo], clock: FixedClock) -> None:
    """One standard Serious Case Review from the notification to "completed", as test_full_case runs it."""
    clock.set(CASE_START)
    s = Scenario(engine, users, clock)
    journey.through(s, "publication")
    journey.learning_register(s, {1: "police", 2: "community_health"})
    s.move_to(london(date(2026, 9, 1)))
    s.complete("Disseminate the learning", as_="committee", procedures_updated="Yes")
    s.move_to(london(date(2026, 11, 20)))
    for manager in ("police_manager", "health_manager"):
        s.complete(PROGRESS, as_=manager, action_complete="yes")
    s.complete(REVIEW_PROGRESS, as_="committee", any_one=True, action_signed_off="yes")
    s.complete(REVIEW_PROGRESS, as_="committee", action_signed_off="yes")
    s.move_to(london(date(2026, 12, 1)))
    s.complete("Sign off the completed action plan", as_="committee")
    s.complete(journey.ANNUAL_REPORT, as_="committee", annual_report_year="2026-27")
    s.move_to(end_of(date(2027, 7, 14)))  # twelve months on the website
    s.move_to(london(date(2027, 7, 15)))
    s.complete(
        "Decide whether the report stays on the website",
        as_="bqam",
        publication_after_12_months="on_request",
    )
    status = s.view().summary.status
    assert status == "completed", f"{s.reference} ended {status}"


def mini_case(engine: Engine, users: dict[str, UserInfo], clock: FixedClock) -> None:
    """One case of the mini diagram: started, the committee decides, the case closes."""
    from engine_step import START

    case = engine.cases.start(users["bqam"], "Process_mini", START)
    clock.advance(minutes=5)
    task = next(
        t
        for t in engine.tasks.inbox(users["committee"])
        if t.case_reference == case.reference
    )
    engine.tasks.complete(
        users["committee"], task.id, {"decision": "no_scr", "attendees": "4"}
    )
    clock.advance(minutes=5)


def deploy(engine: Engine, users: dict[str, UserInfo], mini: bool) -> None:
    if mini:
        from engine_step import mini_files

        engine.deployments.deploy(users["owner"], mini_files())
    else:
        engine.deployments.deploy(
            users["owner"], read_bundle(BPMN_DIR), note="bench/replay.py"
        )


def copy_database(engine: Engine, source: Path, target: Path) -> None:
    """A consistent copy of the build database (WAL included), through SQLite's backup API."""
    engine.database.bind.dispose()
    with (
        closing(sqlite3.connect(source)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


# ---------------------------------------------------------------------- measuring, in a forked process
def measure(mode: str, path: str, public_key: str) -> dict[str, Any]:
    """Time one pass (`verify` or `replays`) over the database at `path`; its peak RSS before and after."""
    bind = make_engine(f"sqlite:///{path}")
    engine = build_engine(
        EngineSettings(),
        clock=FixedClock(datetime(2028, 1, 1, tzinfo=UTC)),
        handlers=HandlerRegistry(),
        database=Database(bind),
        audit_keys=AuditKeys(None, public_key, None),
    )
    with bind.connect() as connection:
        first = connection.scalar(select(ReviewCase.reference).order_by(ReviewCase.id))
        cases = connection.scalar(select(func.count()).select_from(ReviewCase))
        events = connection.scalar(select(func.count()).select_from(AuditEvent))
    began = time.perf_counter()
    if mode == "verify":
        warm = engine.audit.verify(first)
        assert warm.ok, warm.findings[:3]
    else:
        assert all(r.ok for r in engine.audit.verify_replays(first))
    warmup = time.perf_counter() - began
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    workaround = None
    if mode == "verify":
        try:
            report = engine.audit.verify()
        except InvalidRequestError as err:
            # verification.py's expunge_all() between chains invalidates the identity map the
            # streamed events (audit_rows.chains, yield_per) are loaded into, once they span two
            # batches. Measured again with expunge_all a no-op, in this forked process only.
            workaround = f"verify failed ({str(err).splitlines()[0][:90]}…)"
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            Session.expunge_all = lambda self: None  # type: ignore[method-assign]
            began = time.perf_counter()
            report = engine.audit.verify()
        took = time.perf_counter() - began
        assert report.ok, report.findings[:3]
        assert report.cases == cases and report.events == events, report
        assert report.checkpoints >= 1, "no checkpoint was checked"
        counted = report.events
    else:
        replays = engine.audit.verify_replays()
        took = time.perf_counter() - began
        bad = [r for r in replays if not r.ok]
        assert not bad and len(replays) == cases, bad[:3]
        counted = sum(r.events for r in replays)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    engine.dispose()
    return {
        "mode": mode,
        "cases": cases,
        "events": counted,
        "seconds": took,
        "warmup": warmup,
        "rss_before_mb": rss_before / 1024,
        "rss_peak_mb": rss_after / 1024,
        "workaround": workaround,
    }


def measure_in_child(mode: str, path: Path, public_key: str) -> dict[str, Any]:
    """`measure` in a forked process: its own memory figures, and the code this process already runs.

    Forked, not started afresh: the work tree may change while the cases are being built, and a new
    interpreter would import today's code to read yesterday's schema.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_measure_and_send, args=(mode, str(path), public_key, send)
    )
    child.start()
    send.close()
    result = receive.recv()
    child.join()
    if isinstance(result, str):
        raise RuntimeError(f"measuring {mode} on {path} failed:\n{result}")
    return result


def _measure_and_send(mode: str, path: str, public_key: str, send: Any) -> None:
    try:
        send.send(measure(mode, path, public_key))
    except BaseException:  # noqa: BLE001 - the parent reports it
        send.send(traceback.format_exc())
    finally:
        send.close()


# ---------------------------------------------------------------------- the table
HEADER = (
    f"{'cases':>6} {'build s':>8} │ {'events':>8} {'verify s':>9} {'ms/case':>8} "
    f"{'µs/event':>9} {'x prev':>6} {'RSS MB':>13} │ {'replayed':>8} {'replay s':>9} "
    f"{'ms/case':>8} {'µs/event':>9} {'x prev':>6} {'RSS MB':>13}"
)


def row(
    count: int,
    built: float,
    results: dict[str, dict[str, Any]],
    previous: dict[str, float],
) -> str:
    cells = [f"{count:>6} {built:>8.1f}"]
    for mode in ("verify", "replays"):
        r = results[mode]
        per_event = r["seconds"] / r["events"] * 1e6
        ratio = per_event / previous[mode] if mode in previous else float("nan")
        previous[mode] = per_event
        rss = f"{r['rss_before_mb']:.0f}→{r['rss_peak_mb']:.0f}"
        cells.append(
            f"{r['events']:>8} {r['seconds']:>9.2f} {r['seconds'] / count * 1000:>8.1f} "
            f"{per_event:>9.1f} {ratio:>6.2f} {rss:>13}"
        )
    return " │ ".join(cells)


def run(sizes: list[int], mini: bool, folder: Path) -> None:
    kind = "mini-diagram cases" if mini else "complete standard SCR cases (bpmn/)"
    print(f"{kind}, SQLite in {folder}; built once, measured at {sizes}", flush=True)
    clock = FixedClock(CASE_START)
    key = Ed25519PrivateKey.generate()
    keys = AuditKeys(
        key, None, None
    )  # checkpoints in the database only: each copy has its own
    public_key = keys.public_key
    assert public_key is not None
    path = folder / "build.sqlite3"
    engine = build_engine_at(path, clock, keys, mini)
    users = {name: engine.accounts.by_username(name) for name, *_ in DEMO_USERS}
    deploy(engine, users, mini)
    build_one = mini_case if mini else full_case
    built, previous, rows = 0.0, {}, []
    print(HEADER, flush=True)
    for number in range(1, max(sizes) + 1):
        began = time.perf_counter()
        build_one(engine, users, clock)
        built += time.perf_counter() - began
        if number % 50 == 0 and number not in sizes:
            print(
                f"  … {number} cases built in {built:.0f} s ({built / number:.2f} s/case)",
                file=sys.stderr,
                flush=True,
            )
        if number in sizes:
            engine.audit.write_checkpoint()
            copy = folder / f"cases-{number}.sqlite3"
            copy_database(engine, path, copy)
            results = {
                mode: measure_in_child(mode, copy, public_key)
                for mode in ("verify", "replays")
            }
            rows.append(row(number, built, results, previous))
            print(rows[-1], flush=True)
            if results["verify"]["workaround"]:
                print(
                    f"  * {results['verify']['workaround']}; the verify figures are of a pass "
                    "with Session.expunge_all() made a no-op",
                    flush=True,
                )
            print(
                f"  (warm-up, not counted: verify {results['verify']['warmup']:.2f} s, "
                f"replays {results['replays']['warmup']:.2f} s)",
                file=sys.stderr,
                flush=True,
            )
    engine.dispose()
    print(
        "build s: cumulative time to build that many cases. verify: full `audit.verify()`; "
        "replays: `audit.verify_replays()`. µs/event: verify per audit event checked, replays per "
        "event replayed. x prev: per-event cost / previous size's (1.00 = linear). RSS MB: peak "
        "resident set of the forked measuring process before → after the pass."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument(
        "--mini", action="store_true", help="cases of the mini test diagram"
    )
    parser.add_argument(
        "--folder",
        type=Path,
        help="keep the databases here (default: a temporary folder)",
    )
    args = parser.parse_args()
    sizes = sorted(set(args.sizes))
    if args.folder is not None:
        args.folder.mkdir(parents=True, exist_ok=True)
        run(sizes, args.mini, args.folder)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(sizes, args.mini, Path(folder))


if __name__ == "__main__":
    main()
