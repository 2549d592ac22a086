"""Replaying and verifying a case grows linearly with its number of events.

    .venv/bin/python bench/replay.py

Builds cases of about 50, 200 and 800 audit events (a real case of the test diagram, made longer with
claims and releases, timer ticks and completions) and prints the median time to replay the case from
its events and to verify its hash chain, and the time per event.
"""

from __future__ import annotations

import functools
import statistics
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine_step import START  # noqa: E402
from engine_step import make_service  # noqa: E402
from engine_step import mini_files  # noqa: E402

from engine.clock import FixedClock  # noqa: E402


def build_case(engine, clock, events_wanted: int) -> str:
    owner, bqam, committee = (
        engine.accounts.by_username(n) for n in ("owner", "bqam", "committee")
    )
    engine.deployments.deploy(owner, mini_files())
    case = engine.cases.start(bqam, "Process_mini", START)
    task = engine.tasks.inbox(committee)[0]
    history = engine.cases.history
    while len(history(bqam, case.reference)) < events_wanted - 4:
        clock.advance(minutes=7)
        engine.tasks.claim(committee, task.id)
        engine.tasks.release(committee, task.id)
    engine.tasks.complete(committee, task.id, {"decision": "no_scr", "attendees": "4"})
    return case.reference


def timed(call, repeats: int = 5) -> float:
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def main() -> None:
    print(
        f"{'events':>7} {'replay ms':>10} {'verify chain ms':>16} {'replay µs/event':>16}"
    )
    per_event = []
    for wanted in (50, 200, 800):
        clock = FixedClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
        with tempfile.TemporaryDirectory() as folder:
            engine = make_service(f"sqlite:///{folder}/replay.sqlite3", clock)
            reference = build_case(engine, clock, wanted)
            auditor = engine.accounts.by_username("auditor")
            events = len(engine.cases.history(auditor, reference))
            chain = engine.audit.chain_name(reference)
            replay = timed(functools.partial(engine.audit.verify_replays, reference))
            verify = timed(functools.partial(engine.audit.verify_chain, chain))
            assert (
                engine.audit.verify_replays(reference)[0].ok
                and engine.audit.verify_chain(chain).ok
            )
            per_event.append(replay / events)
            print(
                f"{events:>7} {replay * 1000:>10.1f} {verify * 1000:>16.1f} {replay / events * 1e6:>16.1f}"
            )
            engine.dispose()
    print(
        f"growth of the per-event cost from the smallest to the largest case: {per_event[-1] / per_event[0]:.2f}x "
        "(1.0 = linear)"
    )


if __name__ == "__main__":
    main()
