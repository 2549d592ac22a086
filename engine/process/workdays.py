"""Deadline arithmetic in working days and calendar days, as the statutory guidance counts them.

A deadline is the end of a day in England (23:59:59 Europe/London): "within 5 working days" is met by
anything done on the fifth working day. Working days skip weekends and England and Wales bank holidays,
which come from the maintained `holidays` package rather than a list of our own.
"""

from __future__ import annotations

import calendar
import functools
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = time(23, 59, 59)


@functools.lru_cache(maxsize=64)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_working_day(day: date) -> bool:
    """A weekday that is not an England and Wales bank holiday."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


MAX_WORKING_DAYS = 10_000  # about 40 years: no statutory deadline is further away
MAX_CALENDAR_DAYS = 15_000
MAX_MONTHS = 480


def check_count(count: int, limit: int, unit: str) -> int:
    """`count` if it is a plausible deadline, else a ValueError a process owner can act on."""
    if abs(count) > limit:
        raise ValueError(
            f"{count:,} {unit} is not a deadline this engine computes; the limit is {limit:,}"
        )
    return count


def _working_days_between(first: date, last: date) -> int:
    """Working days in first..last inclusive (first <= last), by whole weeks, not day by day."""
    days = (last - first).days + 1
    weeks, extra = divmod(days, 7)
    weekdays = weeks * 5 + sum(
        1 for i in range(extra) if (first + timedelta(days=i)).weekday() < 5
    )
    closed = sum(
        1
        for year in range(first.year, last.year + 1)
        for day in _bank_holidays(year)
        if first <= day <= last and day.weekday() < 5
    )
    return weekdays - closed


def add_working_days(start: date, count: int) -> date:
    """The date `count` working days after (or, if negative, before) `start`.

    Whole weeks are jumped at once (five working days less the bank holidays in them), so a long count
    costs a few steps per bank-holiday year rather than one per day.
    """
    check_count(count, MAX_WORKING_DAYS, "working days")
    step = 1 if count >= 0 else -1
    day = start
    remaining = abs(count)
    while remaining > 5:
        jump = timedelta(days=7 * ((remaining - 1) // 5))
        target = day + jump if step > 0 else day - jump
        first, last = (
            (day + timedelta(days=1), target)
            if step > 0
            else (
                target,
                day - timedelta(days=1),
            )
        )
        remaining -= _working_days_between(first, last)
        day = target
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def add_months(start: date, count: int) -> date:
    """The same day `count` months later, clipped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    check_count(count, MAX_MONTHS, "months")
    month_index = start.month - 1 + count
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def end_of_day(day: date) -> datetime:
    """The last second of `day` in England, as an aware datetime."""
    return datetime.combine(day, END_OF_DAY, tzinfo=LONDON)


def local_date(moment: datetime) -> date:
    """The calendar date in England at `moment`."""
    return moment.astimezone(LONDON).date()


def parse_day(value: object) -> date:
    """Accept a date, a datetime, or an ISO date / date-time string; return the English calendar date."""
    if isinstance(value, datetime):
        return local_date(value) if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
        return local_date(moment) if moment.tzinfo else moment.date()
    raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD.")
