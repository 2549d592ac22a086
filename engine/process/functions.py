"""The functions diagrams may call in expressions: dates and working days, and a few plain helpers.

Deadline functions return the end of the day in England as an ISO 8601 date-time, which is what a
`timeDate` timer and a `camunda:dueDate` need. "Today" is the engine clock's today, so tests move it.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from engine import clock
from engine.process import workdays


def _iso(day: Any) -> str:
    return workdays.end_of_day(day).isoformat()


def _today() -> Any:
    return workdays.local_date(clock.now())


def working_days(count: int) -> str:
    return _iso(workdays.add_working_days(_today(), int(count)))


def calendar_days(count: int) -> str:
    return _iso(_today() + timedelta(days=int(count)))


def months(count: int) -> str:
    return _iso(workdays.add_months(_today(), int(count)))


def working_days_after(day: Any, count: int) -> str:
    return _iso(workdays.add_working_days(workdays.parse_day(day), int(count)))


def working_days_before(day: Any, count: int) -> str:
    return _iso(workdays.add_working_days(workdays.parse_day(day), -int(count)))


def days_after(day: Any, count: int) -> str:
    return _iso(workdays.parse_day(day) + timedelta(days=int(count)))


def days_before(day: Any, count: int) -> str:
    return _iso(workdays.parse_day(day) - timedelta(days=int(count)))


def months_after(day: Any, count: int) -> str:
    return _iso(workdays.add_months(workdays.parse_day(day), int(count)))


def today() -> str:
    return _today().isoformat()


def now() -> str:
    return clock.now().isoformat()


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
    "is_set": is_set,
}
