"""Small helpers shared by the engine tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine import Engine
from engine.dto import CaseSummary
from engine.dto import TaskSummary
from engine.dto import UserInfo
from engine.process.handlers import ServiceCall

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
    engine: Engine, users: dict[str, UserInfo], **changes: object
) -> CaseSummary:
    engine.deployments.deploy(users["owner"], mini_files())
    return engine.cases.start(users["bqam"], "Process_mini", {**GOOD_START, **changes})


def only_task(engine: Engine, user: UserInfo, name: str | None = None) -> TaskSummary:
    tasks = [t for t in engine.tasks.inbox(user) if name is None or t.name == name]
    assert len(tasks) == 1, [t.name for t in tasks]
    return tasks[0]


class RecordingHandler:
    """Keeps every call in memory: for tests and for diagrams tried out before a real handler exists."""

    def __init__(self, result: dict[str, Any] | None = None) -> None:
        self.calls: list[ServiceCall] = []
        self.result = result

    def run(self, call: ServiceCall) -> dict[str, Any] | None:
        self.calls.append(call)
        return self.result

    def check(self, params: Mapping[str, Any], files: Mapping[str, bytes]) -> list[str]:
        return []
