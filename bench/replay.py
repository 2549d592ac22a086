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


def build_case(service, clock, events_wanted: int) -> str:
    owner, bqam, committee = (
        service.user_for_cli(n) for n in ("owner", "bqam", "committee")
    )
    service.deploy(owner, mini_files())
    case = service.start_case(bqam, "Process_mini", START)
    task = service.tasks_for(committee)[0]
    history = service.case_history
    while len(history(bqam, case.reference)) < events_wanted - 4:
        clock.advance(minutes=7)
        service.claim_task(committee, task.id)
        service.unclaim_task(committee, task.id)
    service.complete_task(committee, task.id, {"decision": "no_scr", "attendees": "4"})
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
            service = make_service(f"sqlite:///{folder}/replay.sqlite3", clock)
            reference = build_case(service, clock, wanted)
            auditor = service.user_for_cli("auditor")
            events = len(service.case_history(auditor, reference))
            chain = service.case_chain_name(reference)
            replay = timed(functools.partial(service.verify_replays, reference))
            verify = timed(functools.partial(service.verify_audit, chain))
            assert (
                service.verify_replays(reference)[0].ok
                and service.verify_audit(chain).ok
            )
            per_event.append(replay / events)
            print(
                f"{events:>7} {replay * 1000:>10.1f} {verify * 1000:>16.1f} {replay / events * 1e6:>16.1f}"
            )
            service.sessions.engine.dispose()
    print(
        f"growth of the per-event cost from the smallest to the largest case: {per_event[-1] / per_event[0]:.2f}x "
        "(1.0 = linear)"
    )


if __name__ == "__main__":
    main()
