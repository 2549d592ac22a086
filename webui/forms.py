"""Between HTML forms and the engine: flatten what was posted, show values back, hand over files.

The engine validates and coerces; these functions only move values between the two shapes.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import MultiDict

from engine import FieldSpec
from engine import Upload

TRUE_WORDS = {"true", "yes", "on", "1"}
FALSE_WORDS = {"false", "no", "off", "0"}


def posted(form: MultiDict[str, str]) -> dict[str, str | list[str]]:
    """The posted fields by name: one value as a string, several (checkboxes) as a list."""
    values: dict[str, str | list[str]] = {}
    for key, items in form.lists():
        if key != "csrf_token":
            values[key] = items[0] if len(items) == 1 else items
    return values


def shown_values(
    fields: Iterable[FieldSpec], values: Mapping[str, Any]
) -> dict[str, Any]:
    """What each input shows: text, a list for checkboxes, true/false for yes/no, and date parts."""
    shown: dict[str, Any] = {}
    for field in fields:
        value = values.get(field.id)
        if field.type == "date":
            shown[field.id] = _date_parts(field.id, value, values)
        elif field.multiple:
            items = value if isinstance(value, list | tuple) else [value]
            shown[field.id] = [str(v) for v in items if v not in (None, "")]
        elif field.type == "boolean":
            shown[field.id] = _yes_no(value)
        else:
            shown[field.id] = "" if value is None else str(value)
    return shown


def _date_parts(field_id: str, value: Any, values: Mapping[str, Any]) -> dict[str, str]:
    if f"{field_id}-day" in values:
        return {
            p: str(values.get(f"{field_id}-{p}", "")) for p in ("day", "month", "year")
        }
    text = "" if value is None else str(value)
    year, _, rest = text.partition("-")
    month, _, day = rest.partition("-")
    if not (year.isdigit() and month.isdigit() and day.isdigit()):
        return {"day": "", "month": "", "year": ""}
    return {"day": str(int(day)), "month": str(int(month)), "year": year}


def _yes_no(value: Any) -> str:
    word = str(value).strip().lower() if value is not None else ""
    if value is True or word in TRUE_WORDS:
        return "true"
    if value is False or word in FALSE_WORDS:
        return "false"
    return ""


def uploads(files: MultiDict[str, FileStorage]) -> dict[str, Upload]:
    """The files chosen in a form, by field name; the engine checks and stores them with the step."""
    return {
        name: Upload(chosen.filename, chosen.read(), chosen.mimetype)
        for name, chosen in files.items()
        if chosen is not None and chosen.filename
    }
