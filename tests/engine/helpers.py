"""Small helpers shared by the engine tests."""

from __future__ import annotations

from pathlib import Path

from engine.dto import CaseSummary
from engine.dto import TaskSummary
from engine.dto import UserInfo
from engine.service import WorkflowService

DIAGRAMS = Path(__file__).parent / "diagrams"


def mini_files() -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(DIAGRAMS.iterdir())
        if p.suffix in (".bpmn", ".dmn")
    }


GOOD_START = {
    "child_ref": "AB1234",
    "incident_date": "2026-02-27",
    "incident_type": "injury",
    "abuse_suspected": "yes",
    "agencies": ["police", "community_health"],
}


def start_mini(
    service: WorkflowService, users: dict[str, UserInfo], **changes: object
) -> CaseSummary:
    service.deploy(users["owner"], mini_files())
    return service.start_case(users["bqam"], "Process_mini", {**GOOD_START, **changes})


def only_task(
    service: WorkflowService, user: UserInfo, name: str | None = None
) -> TaskSummary:
    tasks = [t for t in service.tasks_for(user) if name is None or t.name == name]
    assert len(tasks) == 1, [t.name for t in tasks]
    return tasks[0]
