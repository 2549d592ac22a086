"""Engine settings, read from SCR_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass

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
            smtp=smtp,
        )
