"""The source of "now" for the whole engine, so tests can move time instead of sleeping."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that can tell the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, replay)."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError(
                "FixedClock needs an aware datetime, e.g. with tzinfo=UTC."
            )
        self._now = now.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self._now = self._now + timedelta(**delta)
        return self._now


_SYSTEM = SystemClock()
_current: ContextVar[Clock | None] = ContextVar("scr_clock", default=None)


def current_clock() -> Clock:
    """The clock of the command being run (the system clock outside any command)."""
    return _current.get() or _SYSTEM


def now() -> datetime:
    return current_clock().now()


@contextlib.contextmanager
def using_clock(clock: Clock) -> Iterator[Clock]:
    """Make `clock` the source of now() for the code run inside the block."""
    token = _current.set(clock)
    try:
        yield clock
    finally:
        _current.reset(token)


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_utc(moment: datetime) -> str:
    """A stable text form for hashing: UTC, microseconds, no offset suffix variations."""
    aware = as_utc(moment)
    assert aware is not None
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
