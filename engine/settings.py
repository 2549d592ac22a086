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
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # none | starttls | ssl
    username: str | None = None
    password: str | None = None
    sender: str = "SCR Workflow <scr-workflow@localhost>"
    timeout: float = 10.0


@dataclass(frozen=True)
class EngineSettings:
    database_url: str = DEFAULT_DATABASE_URL
    bpmn_dir: Path = Path("bpmn")
    smtp: SmtpSettings = SmtpSettings()

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> EngineSettings:
        """Settings from SCR_* environment variables."""
        env = dict(os.environ if env is None else env)
        smtp = SmtpSettings(
            host=env.get("SCR_SMTP_HOST", "127.0.0.1"),
            port=int(env.get("SCR_SMTP_PORT", "25")),
            security=env.get("SCR_SMTP_SECURITY", "none"),
            username=env.get("SCR_SMTP_USERNAME") or None,
            password=env.get("SCR_SMTP_PASSWORD") or None,
            sender=env.get("SCR_SMTP_SENDER", SmtpSettings.sender),
        )
        return cls(
            database_url=env.get("SCR_DATABASE_URL", DEFAULT_DATABASE_URL),
            bpmn_dir=Path(env.get("SCR_BPMN_DIR", "bpmn")),
            smtp=smtp,
        )


def build_service(
    settings: EngineSettings,
    clock: Clock | None = None,
    handlers: HandlerRegistry | None = None,
) -> WorkflowService:
    """The engine's service over the settings' database (which must be migrated).

    The `notify` service-task handler is registered unless `handlers` already has one.
    """
    from engine.db import Sessions
    from engine.db import make_engine
    from engine.notifications import NotifyHandler
    from engine.service import WorkflowService
    from engine.service_tasks import HandlerRegistry

    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    sessions = Sessions(make_engine(settings.database_url))
    handlers = handlers or HandlerRegistry()
    if handlers.get("notify") is None:
        handlers.register("notify", NotifyHandler(sessions))
    return WorkflowService(sessions, clock=clock, handlers=handlers, smtp=settings.smtp)
