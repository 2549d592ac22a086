"""Engine tests run the small mini diagram; its notify tasks are recorded, not queued (see `notify`)."""

from __future__ import annotations

import pytest

from engine.process.handlers import HandlerRegistry
from tests.engine.helpers import RecordingHandler


@pytest.fixture
def handlers() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register("notify", RecordingHandler())
    return registry
