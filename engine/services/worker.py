"""The worker: what moves cases on when nobody is at a screen (`scr worker`).

Each cycle fires due timers, queues reminders and overdue notices, delivers the outbox and, where the
audit service offers it, writes a signed audit checkpoint; then it records a heartbeat. Every step is
safe with several workers on one PostgreSQL (cases and messages are claimed with SKIP LOCKED), so a
second worker is a spare, not a risk. One engine serves every cycle, so parsed deployments stay warm.
A step that fails is logged and reported; the other steps of the cycle still run.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from types import FrameType
from typing import Any

from engine.db import heartbeat
from engine.db import schema
from engine.errors import EngineError
from engine.services.audit import Audit
from engine.services.notifications import Notifications
from engine.services.timers import Timers
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork
from engine.settings import WorkerSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CycleReport:
    """What one cycle did; `problems` names each step that failed and each message that did not go."""

    moved: int = 0
    reminders: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    checkpoint: str | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.failed and not self.retried

    def summary(self) -> str:
        text = (
            f"cases moved on by timers: {self.moved}; reminders queued: {self.reminders}; "
            f"messages sent: {self.sent}, to retry: {self.retried}, failed: {self.failed}"
        )
        if self.checkpoint:
            text += f"; audit checkpoint: {self.checkpoint}"
        return text + "".join(f"; PROBLEM: {p}" for p in self.problems)


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether this installation can serve: each check by name, with what was found."""

    checks: dict[str, tuple[bool, str]]

    @property
    def ok(self) -> bool:
        return all(passed for passed, _ in self.checks.values())


class Worker:
    def __init__(
        self,
        transactions: Transactions,
        timers: Timers,
        notifications: Notifications,
        audit: Audit,
        settings: WorkerSettings,
    ) -> None:
        self.transactions = transactions
        self.timers = timers
        self.notifications = notifications
        self.audit = audit
        self.settings = settings
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._last_errors: dict[str, str] = {}

    def cycle(self) -> CycleReport:
        """Run every background step once (each in its own transactions); report what happened."""
        problems: list[str] = []
        moved = self._step("timers", self.timers.fire_due, 0, problems)
        reminders = self._step(
            "reminders", self.notifications.queue_reminders, 0, problems
        )
        counts = self._step(
            "delivery",
            self.notifications.deliver,
            {"sent": 0, "retried": 0, "failed": 0},
            problems,
        )
        checkpoint = None
        if self.audit.signs_checkpoints:
            written = self._step(
                "audit checkpoint",
                lambda: self.audit.write_checkpoint(only_if_changed=True),
                None,
                problems,
            )
            checkpoint = None if written is None else (written.source or "signed")
        if counts["failed"]:
            problems.append(f"{counts['failed']} message(s) failed for good")
        return CycleReport(
            moved, reminders, counts["sent"], counts["retried"], counts["failed"],
            checkpoint, tuple(problems),
        )  # fmt: skip

    def _step(
        self, name: str, step: Callable[[], Any], empty: Any, problems: list[str]
    ) -> Any:
        try:
            result = step()
            self._last_errors.pop(name, None)
            return result
        except EngineError as err:
            # A setting that is missing fails every cycle: say so once, not every few seconds.
            if self._last_errors.get(name) != str(err):
                log.error("worker step %s failed: %s", name, err)
            self._last_errors[name] = str(err)
            problems.append(f"{name}: {err}")
            return empty
        except Exception as err:  # noqa: BLE001 - one failing step must not stop the others
            log.exception("worker step %s failed", name)
            problems.append(f"{name}: {type(err).__name__}: {err}")
        return empty

    def beat(self, started_at: datetime, report: CycleReport) -> None:
        """Record this worker's heartbeat (what /readyz looks at)."""

        def command(tx: UnitOfWork) -> None:
            heartbeat.beat(tx.session, self.name, started_at, tx.now, report.summary())

        self.transactions.write(None, command)

    def run(
        self,
        stop: threading.Event,
        once: bool = False,
        on_cycle: Callable[[CycleReport], None] | None = None,
    ) -> int:
        """Cycle every `interval` seconds until `stop` is set (then return 0).

        With `once`, run one cycle and return 1 if it had problems (a failed step or message). A
        cycle in progress finishes before the loop ends; the wait between cycles ends at once.
        """
        started_at = self.transactions.clock.now()
        report = CycleReport()
        try:
            while True:
                report = self.cycle()
                try:
                    self.beat(started_at, report)
                except Exception:  # noqa: BLE001 - the database may be down; keep trying
                    log.exception("worker heartbeat could not be recorded")
                if on_cycle is not None:
                    on_cycle(report)
                if once or stop.wait(self.settings.interval):
                    break
        finally:
            self._stopped()
        return 1 if once and not report.ok else 0

    def _stopped(self) -> None:
        try:
            self.transactions.write(
                None, lambda tx: heartbeat.stopped(tx.session, self.name, tx.now)
            )
        except Exception:  # noqa: BLE001 - stopping must not fail because the database did
            log.exception("worker stop could not be recorded")

    def revisions(self) -> tuple[str | None, str | None]:
        """The schema revision the database is at, and the newest the code knows."""
        current = self.transactions.read(None, lambda tx: schema.current(tx.session))
        return current, schema.head()

    def readiness(self) -> Readiness:
        """Database reachable, schema at the newest revision, a worker heard from recently."""
        checks: dict[str, tuple[bool, str]] = {}
        try:
            current, beat_at, now = self.transactions.read(None, _probe)
        except Exception as err:  # noqa: BLE001 - "not reachable" is the answer, not a crash
            checks["database"] = (False, f"not reachable: {type(err).__name__}")
            return Readiness(checks)
        checks["database"] = (True, "reachable")
        expected = schema.head()
        checks["schema"] = (
            current == expected,
            f"at {current}" + ("" if current == expected else f", expected {expected}"),
        )
        if beat_at is None:
            checks["worker"] = (False, "no worker has reported; start `scr worker`")
        else:
            age = (now - beat_at).total_seconds()
            fresh = age <= self.settings.heartbeat_max_age
            checks["worker"] = (fresh, f"last heartbeat {age:.0f} s ago")
        return Readiness(checks)


def _probe(tx: UnitOfWork) -> tuple[str | None, datetime | None, datetime]:
    heartbeat.ping(tx.session)
    return schema.current(tx.session), heartbeat.latest_beat(tx.session), tx.now


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (the first one stops the loop after the current cycle)."""
    stop = threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("worker stopping on %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop
