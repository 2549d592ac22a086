"""The functions diagrams may call in expressions: dates and working days, and a few plain helpers.

Deadline functions return the end of the day in England as an ISO 8601 date-time, which is what a
`timeDate` timer and a `camunda:dueDate` need. "Today" is the engine clock's today, so tests move it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from engine import clock
from engine.process import workdays

AgencySource = Callable[[], Iterable[tuple[str, str]]]


class AgencyDirectory:
    """The Board's agencies (key, name) for one command, read from `source` once, when first needed.

    The agencies live in the database, which this package never reads: the unit of work fills the
    directory (`using_agencies`), as it sets the clock, and diagrams and forms read it here.
    """

    def __init__(self, source: AgencySource) -> None:
        self._source = source
        self._items: tuple[tuple[str, str], ...] | None = None

    def items(self) -> tuple[tuple[str, str], ...]:
        if self._items is None:
            self._items = tuple(self._source())
        return self._items


_agencies: ContextVar[AgencyDirectory | None] = ContextVar("scr_agencies", default=None)


@contextlib.contextmanager
def using_agencies(source: AgencySource) -> Iterator[AgencyDirectory]:
    """Make the agencies `source` gives the directory of the code run inside the block."""
    directory = AgencyDirectory(source)
    token = _agencies.set(directory)
    try:
        yield directory
    finally:
        _agencies.reset(token)


def agencies() -> tuple[tuple[str, str], ...]:
    """The Board's agencies (key, name), by name; none outside a command."""
    directory = _agencies.get()
    return directory.items() if directory is not None else ()


def agency_name(code: Any) -> str:
    """The Board's name for an agency key ("police" → "West Yorkshire Police").

    A key the directory does not hold reads as words ("youth_offending" → "youth offending"), so a
    task's name never shows a code.
    """
    key = "" if code is None else str(code)
    for known, name in agencies():
        if known == key:
            return name
    return key.replace("_", " ").strip()


def _iso(day: Any) -> str:
    return workdays.end_of_day(day).isoformat()


def _today() -> Any:
    return workdays.local_date(clock.now())


def _days(count: Any) -> timedelta:
    number = workdays.check_count(
        int(count), workdays.MAX_CALENDAR_DAYS, "calendar days"
    )
    return timedelta(days=number)


def working_days(count: int) -> str:
    return _iso(workdays.add_working_days(_today(), int(count)))


def calendar_days(count: int) -> str:
    return _iso(_today() + _days(count))


def months(count: int) -> str:
    return _iso(workdays.add_months(_today(), int(count)))


def working_days_after(day: Any, count: int) -> str:
    return _iso(workdays.add_working_days(workdays.parse_day(day), int(count)))


def working_days_before(day: Any, count: int) -> str:
    return _iso(workdays.add_working_days(workdays.parse_day(day), -int(count)))


def days_after(day: Any, count: int) -> str:
    return _iso(workdays.parse_day(day) + _days(count))


def days_before(day: Any, count: int) -> str:
    return _iso(workdays.parse_day(day) - _days(count))


def months_after(day: Any, count: int) -> str:
    return _iso(workdays.add_months(workdays.parse_day(day), int(count)))


def today() -> str:
    return _today().isoformat()


def now() -> str:
    return clock.now().isoformat()


def date(value: Any) -> str:
    """FEEL's date("2026-03-27"): the ISO date, which compares in calendar order with other ISO dates."""
    return workdays.parse_day(value).isoformat()


def duration(value: Any) -> float:
    """FEEL's duration("P5D") / duration("PT36H"): the length in seconds, so durations compare."""
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

    text = str(value).strip()
    if not text.startswith("P") or len(text) > 40:
        raise ValueError(f"{value!r} is not an ISO 8601 duration such as P5D or PT36H")
    parts = TimerEventDefinition.parse_iso_duration(text)
    return TimerEventDefinition.get_timedelta_from_start(parts).total_seconds()


def contains(collection: Iterable[Any] | None, item: Any) -> bool:
    return collection is not None and item in collection


def is_set(value: Any) -> bool:
    return value not in (None, "", [], {})


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "working_days": working_days,
    "calendar_days": calendar_days,
    "months": months,
    "working_days_after": working_days_after,
    "working_days_before": working_days_before,
    "days_after": days_after,
    "days_before": days_before,
    "months_after": months_after,
    "today": today,
    "now": now,
    "len": len,
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "min": min,
    "max": max,
    "abs": abs,
    "lower": lambda text: str(text).lower(),
    "upper": lambda text: str(text).upper(),
    "contains": contains,
    "date": date,
    "duration": duration,
    "is_set": is_set,
    "agency_name": agency_name,
}
