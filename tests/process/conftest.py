"""Fixtures for process tests: the real bpmn/ bundle, deployed by the process owner.

The suite's `engine` fixture has the real notify handler: notify tasks render the deployment's templates
and queue outbox rows to the demo users and the seeded contacts, exactly as the running system does.
The clock starts on Monday 2 March 2026, 09:00 (tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine
from engine.cli import read_bundle
from engine.clock import FixedClock
from engine.dto import UserInfo
from tests.process.scenario import Scenario

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.fixture
def scenario(engine: Engine, users: dict[str, UserInfo], clock: FixedClock) -> Scenario:
    """A scenario on the real diagrams, deployed by the process owner."""
    engine.deployments.deploy(
        users["owner"], read_bundle(BPMN_DIR), note="process tests"
    )
    return Scenario(engine, users, clock)
