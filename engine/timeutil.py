"""Datetimes in the database are UTC; SQLite hands them back naive, so make them aware again."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime


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
