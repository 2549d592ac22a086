"""Long cases: a loop taken 1,000 times keeps working, replays and verifies; pages stay the same size."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy import text

from engine.errors import WorkflowFailed
from engine.process import bundle as bundles
from engine.process import pruning
from engine.process.functions import FUNCTIONS
from engine.process.run import CaseRun
from tests.engine.helpers import only_task

LOOPS = Path(__file__).parent / "diagrams" / "loops"
PASSES = 1000


def _deploy(engine, users) -> None:
    files = {p.name: p.read_bytes() for p in sorted(LOOPS.glob("*.bpmn"))}
    engine.deployments.deploy(users["owner"], files)


def _go_round(engine, user, name: str, times: int) -> None:
    for _ in range(times):
        engine.tasks.complete(user, only_task(engine, user, name).id, {"more": "true"})


def _verifies(engine, reference: str) -> None:
    [report] = engine.audit.verify_replays(reference)
    assert report.ok, report.problem


@pytest.mark.slow
def test_a_loop_taken_a_thousand_times_still_offers_its_task_ends_and_verifies(
    engine, users
):
    _deploy(engine, users)
    bqam = users["bqam"]
    case = engine.cases.start(bqam, "Process_loop", {"plan": "monthly reports"})

    _go_round(engine, bqam, "Report progress", PASSES)

    task = only_task(engine, bqam, "Report progress")
    _verifies(engine, case.reference)
    done = engine.tasks.complete(bqam, task.id, {"more": "false"})
    assert done.status == "completed"
    _verifies(engine, case.reference)


@pytest.mark.slow
def test_a_loop_with_a_script_and_timers_taken_a_thousand_times_keeps_count_and_verifies(
    engine, users, clock
):
    _deploy(engine, users)
    bqam = users["bqam"]
    case = engine.cases.start(bqam, "Process_timed_loop", {"reports": "0"})
    name = "Report progress on time"

    _go_round(engine, bqam, name, PASSES // 2)
    clock.advance(days=8)  # the reminder (non-interrupting) fires; the task stays
    engine.timers.fire_due()
    clock.advance(minutes=1)  # later than the reminder's branch, whose data is older
    _go_round(engine, bqam, name, 1)
    clock.advance(days=31)  # the month lapses (interrupting): round the loop again
    engine.timers.fire_due()
    clock.advance(minutes=1)
    _go_round(engine, bqam, name, PASSES // 2 - 1)

    task = only_task(engine, bqam, name)
    # one count per entry into the loop: the start, every "more", the lapsed month
    assert engine.cases.view(bqam, case.reference).data["reports"] == PASSES + 2
    _verifies(engine, case.reference)
    assert engine.tasks.complete(bqam, task.id, {"more": "false"}).status == (
        "completed"
    )
    _verifies(engine, case.reference)


def test_a_loop_through_a_parallel_split_and_join_waits_for_both_branches_every_round(
    engine, users
):
    _deploy(engine, users)
    bqam = users["bqam"]
    case = engine.cases.start(bqam, "Process_parallel_loop", {})
    for round_ in range(30):
        police = only_task(engine, bqam, "Police comment")
        health = only_task(engine, bqam, "Health comment")
        engine.tasks.complete(bqam, police.id, {"police_note": f"p{round_}"})
        assert [t.name for t in engine.tasks.inbox(bqam)] == ["Health comment"]
        engine.tasks.complete(bqam, health.id, {"health_note": f"h{round_}"})
        chair = only_task(engine, bqam, "Chair sums up")
        engine.tasks.complete(bqam, chair.id, {"more": "true"})
    _verifies(engine, case.reference)


def test_a_step_that_would_leave_too_deep_a_tree_is_refused_and_nothing_is_saved(
    engine, users, monkeypatch
):
    _deploy(engine, users)
    bqam = users["bqam"]
    case = engine.cases.start(bqam, "Process_loop", {"plan": "x"})
    task = only_task(engine, bqam, "Report progress")
    monkeypatch.setattr(pruning, "DEPTH_LIMIT", 1)

    with pytest.raises(WorkflowFailed, match="nothing was saved"):
        engine.tasks.complete(bqam, task.id, {"more": "true"})

    monkeypatch.undo()
    assert only_task(engine, bqam, "Report progress").id == task.id
    _verifies(engine, case.reference)


def _statements(engine, action) -> int:
    """How many SQL statements `action()` runs."""
    bind = engine.database.bind
    count = 0

    def counted(*_args: object) -> None:
        nonlocal count
        count += 1

    event.listen(bind, "before_cursor_execute", counted)
    try:
        action()
    finally:
        event.remove(bind, "before_cursor_execute", counted)
    return count


def test_the_case_page_runs_as_many_statements_after_a_long_history_as_after_a_short_one(
    engine, users
):
    _deploy(engine, users)
    bqam = users["bqam"]
    case = engine.cases.start(bqam, "Process_loop", {"plan": "x"})
    _go_round(engine, bqam, "Report progress", 3)
    short = _statements(engine, lambda: engine.cases.page(bqam, case.reference))
    _go_round(engine, bqam, "Report progress", 40)
    long = _statements(engine, lambda: engine.cases.page(bqam, case.reference))
    assert long == short


def test_the_inbox_and_case_list_run_as_many_statements_for_many_cases_as_for_few(
    engine, users
):
    _deploy(engine, users)
    bqam = users["bqam"]

    def start(count: int) -> None:
        for _ in range(count):
            engine.cases.start(bqam, "Process_loop", {"plan": "x"})

    start(2)
    first = engine.tasks.inbox(bqam)[0]
    engine.tasks.complete(bqam, first.id, {"more": "true"})
    few = (
        _statements(engine, lambda: engine.tasks.inbox(bqam)),
        _statements(engine, lambda: engine.tasks.inbox(bqam, page=1)),
        _statements(engine, lambda: engine.cases.index(bqam)),
    )
    start(30)
    many = (
        _statements(engine, lambda: engine.tasks.inbox(bqam)),
        _statements(engine, lambda: engine.tasks.inbox(bqam, page=1)),
        _statements(engine, lambda: engine.cases.index(bqam)),
    )
    assert many == few
    first = engine.tasks.inbox(bqam, page=1)
    assert (len(first.tasks), first.total, first.pages) == (32, 32, 1)


@pytest.mark.parametrize(
    "diagram",
    [
        "Process_loop",
        pytest.param(
            "Process_parallel_loop",
            marks=pytest.mark.xfail(
                strict=True,
                reason="an unpruned tree keeps a parallel join's instances from earlier rounds, "
                "which pruning the stored state once does not reproduce (a known limit)",
            ),
        ),
    ],
)
def test_a_case_saved_before_pruning_existed_still_verifies(
    engine, users, monkeypatch, diagram
):
    _deploy(engine, users)
    bqam = users["bqam"]
    with monkeypatch.context() as before_pruning:
        before_pruning.setattr(pruning, "prune", lambda workflow: {})
        start = {"plan": "x"} if diagram == "Process_loop" else {}
        case = engine.cases.start(bqam, diagram, start)
        for round_ in range(12):
            for task in engine.tasks.inbox(bqam):
                engine.tasks.complete(bqam, task.id, _answers(task.name, round_))
    stored = engine.audit.replayed_state(users["auditor"], case.reference)
    assert len(_state(engine, case.reference)) > len(stored)  # a replay prunes

    _verifies(engine, case.reference)
    # and it goes on, pruned from its next step
    for task in engine.tasks.inbox(bqam):
        engine.tasks.complete(bqam, task.id, _answers(task.name, 99))
    _verifies(engine, case.reference)


def test_pruning_a_pruned_workflow_changes_nothing(engine, users):
    _deploy(engine, users)
    bqam = users["bqam"]
    case = engine.cases.start(bqam, "Process_parallel_loop", {})
    for round_ in range(5):
        for task in engine.tasks.inbox(bqam):
            engine.tasks.complete(bqam, task.id, _answers(task.name, round_))
    state = _state(engine, case.reference)
    run = CaseRun.load(state, _entry("Process_parallel_loop"), FUNCTIONS)
    assert pruning.prune(run.workflow) == {}
    assert run.dump() == state


def _answers(name: str, round_: int) -> dict[str, str]:
    if name == "Police comment":
        return {"police_note": f"p{round_}"}
    if name == "Health comment":
        return {"health_note": f"h{round_}"}
    return {"more": "true"}


def _state(engine, reference: str) -> str:
    with engine.database.bind.connect() as connection:
        return connection.execute(
            text("SELECT state FROM review_case WHERE reference = :r"), {"r": reference}
        ).scalar_one()


def _entry(process_id: str):  # noqa: ANN202 - a ProcessEntry
    files = {p.name: p.read_bytes() for p in sorted(LOOPS.glob("*.bpmn"))}
    return bundles.parse_bundle(files, FUNCTIONS, None).processes[process_id]
