"""Engine settings and the one place the service is assembled."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.clock import Clock
    from engine.service import WorkflowService
    from engine.service_tasks import HandlerRegistry

DEFAULT_DATABASE_URL = "sqlite:///instance/scr.sqlite3"


@dataclass(frozen=True)
class EngineSettings:
    database_url: str = DEFAULT_DATABASE_URL
    bpmn_dir: Path = Path("bpmn")

    @classmethod
    def from_env(cls) -> EngineSettings:
        """Settings from SCR_* environment variables (for the CLI; the web app passes its config)."""
        return cls(
            database_url=os.environ.get("SCR_DATABASE_URL", DEFAULT_DATABASE_URL),
            bpmn_dir=Path(os.environ.get("SCR_BPMN_DIR", "bpmn")),
        )


def build_service(
    settings: EngineSettings,
    clock: Clock | None = None,
    handlers: HandlerRegistry | None = None,
) -> WorkflowService:
    """The engine's service over the settings' database (which must be migrated)."""
    from engine.db import Sessions
    from engine.db import make_engine
    from engine.service import WorkflowService

    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    return WorkflowService(
        Sessions(make_engine(settings.database_url)), clock=clock, handlers=handlers
    )
