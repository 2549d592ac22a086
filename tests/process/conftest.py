"""Fixtures for process tests: the real bpmn/ bundle, deployed, with the real notify handler.

`service` here replaces the suite's (which records service calls) with one whose notify tasks render
the deployment's templates and queue outbox rows to the demo users and the seeded contacts, exactly as
the running system does. The clock starts on Monday 2 March 2026, 09:00 (tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine.cli import read_bundle
from engine.clock import FixedClock
from engine.db import Sessions
from engine.dto import UserInfo
from engine.notifications import NotifyHandler
from engine.service import WorkflowService
from engine.service_tasks import HandlerRegistry
from tests.process.scenario import Scenario

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.fixture
def service(db_engine: Engine, clock: FixedClock) -> WorkflowService:
    sessions = Sessions(db_engine)
    handlers = HandlerRegistry()
    handlers.register("notify", NotifyHandler(sessions))
    svc = WorkflowService(sessions, clock=clock, handlers=handlers)
    svc.load_demo_users()
    return svc


@pytest.fixture
def scenario(
    service: WorkflowService, users: dict[str, UserInfo], clock: FixedClock
) -> Scenario:
    """A scenario on the real diagrams, deployed by the process owner."""
    service.deploy(users["owner"], read_bundle(BPMN_DIR), note="process tests")
    return Scenario(service, users, clock)
