"""The small "Agency work" diagram (diagrams/agency_work): names, date checks and agency fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine import Engine
from engine.dto import CaseSummary
from engine.dto import TaskSummary
from engine.dto import UserInfo

FILE = Path(__file__).parent / "diagrams" / "agency_work" / "agency_work.bpmn"
PROCESS = "Process_agency_work"
START = {
    "incident_date": "2026-02-27",
    "incident_notified_on": "2026-03-02",
    "agencies": ["police", "community_health"],
}
PLAN = {
    "review_from": "2025-03-01",
    "review_to": "2026-02-27",
    "reports_due_on": "2026-04-24",
    "first_meeting_on": "2026-03-20",
    "lead_agency": "police",
}


def files(text: str | None = None) -> dict[str, bytes]:
    """The diagram as a bundle; with `text`, that XML instead (a changed copy)."""
    return {FILE.name: text.encode() if text is not None else FILE.read_bytes()}


def source() -> str:
    return FILE.read_text()


def deploy(engine: Engine, users: dict[str, UserInfo]) -> None:
    engine.deployments.deploy(users["owner"], files(), note="agency work")


def start(engine: Engine, users: dict[str, UserInfo], **changes: Any) -> CaseSummary:
    deploy(engine, users)
    return engine.cases.start(users["bqam"], PROCESS, {**START, **changes})


def tasks_of(engine: Engine, user: UserInfo, reference: str) -> list[TaskSummary]:
    return [t for t in engine.tasks.inbox(user) if t.case_reference == reference]


def plan(engine: Engine, users: dict[str, UserInfo], reference: str) -> None:
    [task] = tasks_of(engine, users["bqam"], reference)
    engine.tasks.complete(users["bqam"], task.id, PLAN)
