"""Structured logs (structlog): one JSON object per line in production, readable lines in development.

Every record, from our code or a library's, goes through the same formatter; context bound with
`bind(request_id=..., user_id=..., case=...)` is added to each line until `clear()`. Form data is
never logged: callers bind identifiers only.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

_configured: str | None = None


def configure(log_format: str = "console", level: int = logging.INFO) -> None:
    """Send every log record to standard error as JSON (`json`) or plain lines (`console`)."""
    global _configured
    if _configured == log_format:
        return
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = _StandardError()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    handler.set_name("scr")
    root = logging.getLogger()
    # Replace our own handler if configured before; leave any other (a test runner's) in place.
    root.handlers = [h for h in root.handlers if h.get_name() != "scr"] + [handler]
    root.setLevel(level)
    # Alembic tells every step of every migration at INFO; `scr db upgrade` prints its own summary.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # SpiffWorkflow logs every task's state change at INFO: the audit trail records what matters.
    logging.getLogger("spiff").setLevel(logging.WARNING)
    _configured = log_format


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time (a test runner swaps it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def bind(**values: Any) -> None:
    """Add identifiers (request id, user id, case reference) to every following log line."""
    structlog.contextvars.bind_contextvars(**values)


def clear() -> None:
    structlog.contextvars.clear_contextvars()
