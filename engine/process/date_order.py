"""Dates in order: the form constraints `after`, `not_before`, `before` and `not_after`.

Camunda 7 lets a process engine register custom form field validators by name; these four are ours.
The constraint's config names what the date is compared with: another field of the same form, a value
the case already holds (a field of an earlier form, a script's result), or `today`:

    <camunda:constraint name="not_before" config="incident_date" />

A date that is out of order is refused with a message in GOV.UK's words, e.g. “Date the incident was
notified to the Board” must be the same as or after “Date of death or incident”, 2 March 2026. When
the other date is not given, nothing is compared (`required` says whether a date must be given).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from datetime import date
from typing import Any

from engine.dto import FieldSpec
from engine.process import functions

TODAY = "today"
# name: (passes(day, other), words before the other date, words when the other date is today)
_RULES = {
    "after": (lambda d, o: d > o, "must be after", "must be in the future"),
    "not_before": (
        lambda d, o: d >= o,
        "must be the same as or after",
        "must be today or in the future",
    ),
    "before": (lambda d, o: d < o, "must be before", "must be in the past"),
    "not_after": (
        lambda d, o: d <= o,
        "must be the same as or before",
        "must be today or in the past",
    ),
}
NAMES = frozenset(_RULES)


def problems(
    field: Mapping[str, Any], form: Iterable[Mapping[str, Any]], variables: set[str]
) -> list[str]:
    """Why a field's date-order constraints cannot be used (deploy check); none when they can."""
    found = []
    same_form = {f["id"]: f for f in form}
    for name, config in field.get("compare") or ():
        where = f"form field {field['id']!r}: the constraint {name!r}"
        if field["type"] != "date":
            found.append(f"{where} compares dates; use it on a date field")
        target = (config or "").strip()
        if not target:
            found.append(
                f"{where} needs a config: the id of another date field, a value of the case, "
                "or today"
            )
        elif target == field["id"]:
            found.append(f"{where} compares the field with itself; name another date")
        elif target in same_form and same_form[target]["type"] != "date":
            found.append(f"{where} names {target!r}, which is not a date field")
        elif target != TODAY and target not in same_form and target not in variables:
            found.append(
                f"{where} names {target!r}, which is no field of this deployment's forms "
                "nor a value a script sets; write another field's id, or today"
            )
    return found


def check(
    fields: Iterable[FieldSpec],
    clean: Mapping[str, Any],
    current: Mapping[str, Any] | None,
    errors: dict[str, str],
    labels: Mapping[str, str] | None = None,
) -> None:
    """Add an error for each date given out of the order its constraints ask.

    :param labels: the labels of the case's other forms' fields, by id, to name a date of theirs.
    """
    labels = {**(labels or {}), **{f.id: f.label for f in fields}}
    for spec in fields:
        if spec.id in errors or not spec.compare:
            continue
        day = _day(clean.get(spec.id))
        if day is None:
            continue
        for name, config in spec.compare:
            message = _problem(spec, day, name, config, clean, current or {}, labels)
            if message:
                errors[spec.id] = message
                break


def _problem(
    spec: FieldSpec,
    day: date,
    name: str,
    config: str,
    clean: Mapping[str, Any],
    current: Mapping[str, Any],
    labels: Mapping[str, str],
) -> str | None:
    passes, words, words_today = _RULES[name]
    target = config.strip()
    if target == TODAY:
        other = date.fromisoformat(functions.today())
        return None if passes(day, other) else f"“{spec.label}” {words_today}"
    value = clean[target] if target in clean else current.get(target)
    other = _day(value)
    if other is None or passes(day, other):
        return None
    label = labels.get(target) or target.replace("_", " ")
    return f"“{spec.label}” {words} “{label}”, {other:%-d %B %Y}"


def _day(value: Any) -> date | None:
    """A date from a form's ISO date or a due date's ISO date-time; None for anything else."""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
