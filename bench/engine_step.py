"""How much the service adds to one workflow step, and how fast an inbox is with 10,000 open tasks.

    .venv/bin/python bench/engine_step.py [--cases 40] [--postgres]

Prints the median time to complete one user task through Engine.tasks.complete (load, check,
validate, run, save, task index, audit, in one transaction) against the floor: the same SpiffWorkflow
work on the same cases' stored states, loaded and saved as the engine does (onto the cached, parsed
specs; complete the task; run engine steps; serialize without specs), and the ratio. For comparison it
also prints the old baseline, which re-serialized the diagram specs with every step (a slower floor
that flattered the service). Then the inbox with 10,000 open tasks in the index.
"""

from __future__ import annotations

import argparse
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

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy import text  # noqa: E402

from engine import Engine  # noqa: E402
from engine import EngineSettings  # noqa: E402
from engine import build_engine  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.clock import using_clock  # noqa: E402
from engine.db.base import Base  # noqa: E402
from engine.db.base import Database  # noqa: E402
from engine.db.base import make_engine  # noqa: E402
from engine.db.models import HumanTask  # noqa: E402
from engine.db.models import HumanTaskRole  # noqa: E402
from engine.db.models import ReviewCase  # noqa: E402
from engine.process import bundle as bundles  # noqa: E402
from engine.process import serializer  # noqa: E402
from engine.process.functions import FUNCTIONS  # noqa: E402
from engine.process.handlers import HandlerRegistry  # noqa: E402
from engine.process.hooks import ScriptEngine  # noqa: E402
from engine.process.serializer import SERIALIZER  # noqa: E402
from engine.roles import ROLES  # noqa: E402
from tests.engine.helpers import RecordingHandler  # noqa: E402

DIAGRAMS = ROOT / "tests" / "engine" / "diagrams"
START = {
    "child_ref": "AB1234",
    "incident_date": "2026-02-27",
    "incident_type": "injury",
    "abuse_suspected": "yes",
    "agencies": ["police", "community_health"],
}
STEP = {"decision": "scr", "attendees": "5", "minutes": "Met and agreed."}
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


def mini_files() -> dict[str, bytes]:
    return {
        p.relative_to(DIAGRAMS).as_posix(): p.read_bytes()
        for p in DIAGRAMS.rglob("*")
        if p.is_file() and "loops" not in p.parts
    }


def make_service(url: str, clock: FixedClock) -> Engine:
    bind = make_engine(url)
    Base.metadata.drop_all(bind)
    Base.metadata.create_all(bind)
    handlers = HandlerRegistry()
    handlers.register("notify", RecordingHandler())
    engine = build_engine(
        EngineSettings(), clock=clock, handlers=handlers, database=Database(bind)
    )
    engine.directory.load_demo_users()
    return engine


def service_step_times(engine: Engine, cases: int) -> list[float]:
    owner, bqam, committee = (
        engine.accounts.by_username(n) for n in ("owner", "bqam", "committee")
    )
    engine.deployments.deploy(owner, mini_files())
    for _ in range(cases):
        engine.cases.start(bqam, "Process_mini", START)
    with engine.database.bind.connect() as connection:
        STATES[:] = list(
            connection.execute(text("SELECT state FROM review_case")).scalars()
        )
    times = []
    for task in engine.tasks.inbox(committee):
        began = time.perf_counter()
        engine.tasks.complete(committee, task.id, STEP)
        times.append(time.perf_counter() - began)
    return times


STATES: list[str] = []
"""The stored states of the benchmark's cases just before the step, for the fair floor."""


def floor_step_times(clock: FixedClock) -> list[float]:
    """The same step on the same stored states, loaded and saved as the engine does; bare Spiff between."""
    bundle = bundles.parse_bundle(mini_files(), FUNCTIONS, {"notify": None})
    entry = bundle.processes["Process_mini"]
    engine = ScriptEngine(FUNCTIONS, lambda task, topic, params: None)
    times = []
    with using_clock(clock):
        for state in STATES:
            began = time.perf_counter()
            workflow = serializer.load_state(state, entry)
            workflow.script_engine = engine
            task = [
                t
                for t in workflow.get_tasks()
                if t.state == TaskState.READY and t.task_spec.manual
            ][0]
            task.set_data(decision="scr", attendees=5, minutes="Met and agreed.")
            task.run()
            workflow.refresh_timers()
            workflow.do_engine_steps()
            serializer.dump_state(workflow)
            times.append(time.perf_counter() - began)
    return times


def bare_step_times(clock: FixedClock, repeats: int) -> list[float]:
    bundle = bundles.parse_bundle(mini_files(), FUNCTIONS, {"notify": None})
    entry = bundle.processes["Process_mini"]
    engine = ScriptEngine(FUNCTIONS, lambda task, topic, params: None)
    with using_clock(clock):
        workflow = BpmnWorkflow(
            entry.spec, entry.subprocess_specs, script_engine=engine
        )
        workflow.get_next_task(state=TaskState.READY).data.update(
            {**START, "case_reference": "SCR-1"}
        )
        workflow.do_engine_steps()
        saved = SERIALIZER.serialize_json(workflow)
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            restored = SERIALIZER.deserialize_json(saved)
            restored.script_engine = engine
            task = [
                t
                for t in restored.get_tasks()
                if t.state == TaskState.READY and t.task_spec.manual
            ][0]
            task.set_data(decision="scr", attendees=5, minutes="Met and agreed.")
            task.run()
            restored.do_engine_steps()
            SERIALIZER.serialize_json(restored)
            times.append(time.perf_counter() - began)
    return times


def inbox_times(
    engine: Engine, open_tasks: int, repeats: int
) -> dict[str, tuple[float, int]]:
    roles = list(ROLES)
    agencies = [
        "police",
        "community_health",
        "childrens_social_care",
        "education",
        None,
        None,
    ]
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with engine.database.write() as session, session.begin():
        deployment_id = session.execute(
            text("SELECT min(id) FROM deployment")
        ).scalar_one()
        case_ids = []
        for number in range(100):
            case = ReviewCase(
                reference=f"BENCH-{number:04d}",
                deployment_id=deployment_id,
                process_id="Process_mini",
                process_name="Mini",
                status="active",
                state="{}",
                started_at=now,
                updated_at=now,
            )
            session.add(case)
            session.flush()
            case_ids.append(case.id)
        task_rows, role_rows = [], []
        for number in range(open_tasks):
            task_id = str(uuid.uuid4())
            role = roles[number % len(roles)]
            agency = (
                agencies[number % len(agencies)]
                if role in ("agency_author", "agency_manager", "panel_member")
                else None
            )
            task_rows.append(
                {
                    "id": task_id,
                    "case_id": case_ids[number % 100],
                    "element_id": "Task_x",
                    "name": f"Task {number}",
                    "phase": "Bench",
                    "agency_key": agency,
                    "state": "ready",
                    "created_at": now,
                    "due_at": now + timedelta(days=number % 30),
                }
            )
            role_rows.append({"task_id": task_id, "role_key": role})
        session.execute(insert(HumanTask), task_rows)
        session.execute(insert(HumanTaskRole), role_rows)
    results = {}
    for username in ("committee", "police_author", "chair"):
        user = engine.accounts.by_username(username)
        samples = []
        for _ in range(repeats):
            began = time.perf_counter()
            found = engine.tasks.inbox(user)
            samples.append(time.perf_counter() - began)
        results[username] = (statistics.median(samples), len(found))
    return results


def run(label: str, url: str, cases: int) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    engine = make_service(url, clock)
    service_times = service_step_times(engine, cases)
    floor_times = floor_step_times(clock)
    try:
        bare_times = bare_step_times(clock, cases)
    except Exception as err:  # noqa: BLE001 - the old baseline is only printed for comparison
        print(f"  (old baseline not measured: {type(err).__name__}: {err})")
        bare_times = [float("nan")]
    service_median = statistics.median(service_times)
    floor_median = statistics.median(floor_times)
    bare_median = statistics.median(bare_times)
    print(f"[{label}] complete one user task, median of {len(service_times)}:")
    print(
        f"  service API (load, validate, run, save, index, audit): {service_median * 1000:7.2f} ms"
    )
    print(
        f"  floor: SpiffWorkflow on the same states, our load/save:  {floor_median * 1000:7.2f} ms"
    )
    print(
        f"  old baseline (specs re-serialized with every step):    {bare_median * 1000:7.2f} ms"
    )
    print(
        f"  ratio service / floor: {service_median / floor_median:.2f} (target <= 1.5);"
        f" service / old baseline: {service_median / bare_median:.2f}"
    )
    for username, (median, count) in inbox_times(engine, 10_000, 15).items():
        print(
            f"  inbox with 10,000 open tasks, {username:>13}: {median * 1000:7.2f} ms median ({count} tasks shown)"
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also run on PostgreSQL at 127.0.0.1:5432",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.sqlite3", args.cases)
    if args.postgres:
        admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            if not connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = 'scr_bench'")
            ):
                connection.execute(text("CREATE DATABASE scr_bench"))
        admin.dispose()
        run("PostgreSQL", f"{PG}/scr_bench", args.cases)


if __name__ == "__main__":
    main()
