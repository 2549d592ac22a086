"""Jinja filters and globals: dates in UK time, due-date tags, role names, plain labels for data keys."""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask import g

from engine import CaseView
from webui.extensions import engine

LONDON = ZoneInfo("Europe/London")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?"
)


def init_app(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(date_time)
    app.add_template_filter(timestamp)
    app.add_template_filter(humanise)
    app.add_template_filter(file_size)
    app.add_template_filter(role_names)
    app.add_template_filter(agency_name)
    app.add_template_filter(key_dates)
    app.add_template_filter(case_details)
    app.add_template_filter(involved)
    app.add_template_filter(plain)


def long_date(value: datetime | date | str | None) -> str:
    """2 March 2026 (in London time for datetimes)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) and ISO_DATE_TIME.fullmatch(value):
        value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=LONDON)
    elif isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(LONDON)
    return f"{value:%-d %B %Y}"


def date_time(value: datetime | None) -> str:
    """2 March 2026 at 9:05am (London time)."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{local:%-d %B %Y} at {local:%-I:%M%p}".replace("AM", "am").replace(
        "PM", "pm"
    )


def timestamp(value: datetime) -> str:
    """2 March 2026 09:05 (London time): when an event of the record happened."""
    return f"{value.astimezone(LONDON):%-d %B %Y %H:%M}"


# Words a data key spells in lower case that people write otherwise.
ACRONYMS = {
    "dfe": "DfE",
    "imr": "IMR",
    "imrs": "IMRs",
    "scr": "SCR",
    "lscb": "LSCB",
    "cps": "CPS",
    "cdop": "CDOP",
    "tor": "terms of reference",
}


def humanise(key: str) -> str:
    """imr_due_on → IMR due on: a plain label for a data key that has none."""
    words = [ACRONYMS.get(w, w) for w in key.replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def role_names(keys: Any) -> str:
    """Role keys as the names people know them by, joined with commas."""
    names = dict(engine().directory.roles()) | dict(engine().directory.case_roles())
    return ", ".join(names.get(k, k) for k in sorted(keys))


def agency_name(key: str | None) -> str:
    """An agency's name (looked up once per request), or its key if it has none."""
    if not key:
        return ""
    if "agency_names" not in g:
        g.agency_names = dict(engine().directory.agencies())
    return g.agency_names.get(key, humanise(key))


def key_dates(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The case's dates (incident, notification, decisions...), earliest first, as (label, date)."""
    dates = [
        (value, humanise(key))
        for key, value in data.items()
        if isinstance(value, str) and ISO_DATE.fullmatch(value)
    ]
    return [(label, long_date(value)) for value, label in sorted(dates)]


def case_details(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The case's data as (label, text) for people to read; nested values are left out."""
    details = []
    for key, value in sorted(data.items()):
        if isinstance(value, bool):
            text = "Yes" if value else "No"
        elif isinstance(value, str | int | float):
            text = plain(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            text = ", ".join(humanise(v) for v in value) or "None"
        else:
            continue
        details.append((humanise(key), text))
    return details


def involved(case: CaseView) -> tuple[list[str], list[str]]:
    """The people who started or worked on the case, and the roles its open tasks are offered to."""
    names = [case.summary.started_by]
    names += list(case.worked_by)
    names += [t.assignee for t in case.open_tasks if t.assignee]
    roles = {role for task in case.open_tasks for role in task.roles}
    return list(dict.fromkeys(names)), sorted(roles)


def plain(value: object) -> str:
    """A stored value as a person reads it: dates and times written out, the rest as it is."""
    if isinstance(value, str) and (
        ISO_DATE.fullmatch(value) or ISO_DATE_TIME.fullmatch(value)
    ):
        return long_date(value)
    return "" if value is None else str(value)
