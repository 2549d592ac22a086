"""Forms from the diagrams: camunda:formData → FieldSpec, and validation of what people submit.

The field specs are read straight from the XML (for user tasks and start events alike) and kept as plain
dicts in the task spec's extensions, so they survive serialization and one code path serves both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import asdict
from dataclasses import replace
from datetime import date
from typing import Any

import re2
from lxml import etree

from engine.dto import FieldSpec
from engine.dto import Option
from engine.process import date_order
from engine.process import functions

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
BASE_TYPES = {"string", "long", "boolean", "date", "enum", "agency"}
AGENCY = "agency"
CONSTRAINTS = frozenset(
    {"required", "readonly", "min", "max", "minlength", "maxlength", "pattern"}
    | date_order.NAMES
)
TRUE_WORDS = {"true", "yes", "on", "1"}
FALSE_WORDS = {"false", "no", "off", "0"}
_C = f"{{{CAMUNDA_NS}}}"


class UnknownFieldType(ValueError):
    """A form field whose type this engine does not know."""


def fields_from_form_data(form_data: etree._Element) -> list[dict[str, Any]]:
    """Turn a camunda:formData element into JSON-able field dicts (see FieldSpec)."""
    return [asdict(_field_from_xml(node)) for node in form_data.iter(f"{_C}formField")]


def _field_from_xml(node: etree._Element) -> FieldSpec:
    field_id = node.get("id") or ""
    declared = node.get("type") or "string"
    if declared not in BASE_TYPES:
        raise UnknownFieldType(
            f"form field {field_id!r} has type {declared!r}; use one of "
            f"{', '.join(sorted(BASE_TYPES))} (long text and file upload are string fields "
            "with the property multiline=true or upload=true; agency offers the Board's agencies)"
        )
    props = {
        p.get("id"): p.get("value")
        for p in node.findall(f"{_C}properties/{_C}property")
    }
    listed = [
        (c.get("name") or "", c.get("config") or "")
        for c in node.findall(f"{_C}validation/{_C}constraint")
    ]
    constraints = dict(listed)
    kind = "enum" if declared == AGENCY else declared
    if declared == "string" and _truthy(props.get("multiline")):
        kind = "text"
    if declared == "string" and _truthy(props.get("upload")):
        kind = "file"
    options = tuple(
        Option(v.get("id") or "", v.get("name") or v.get("id") or "")
        for v in node.findall(f"{_C}value")
    )
    return FieldSpec(
        id=field_id,
        label=node.get("label") or field_id,
        type=kind,
        required="required" in constraints,
        readonly="readonly" in constraints,
        multiple=kind == "enum" and _truthy(props.get("multiple")),
        hint=props.get("hint"),
        default=node.get("defaultValue"),
        options=options,
        min=constraints.get("min"),
        max=constraints.get("max"),
        minlength=_int_or_none(constraints.get("minlength")),
        maxlength=_int_or_none(constraints.get("maxlength")),
        pattern=constraints.get("pattern"),
        source=AGENCY if declared == AGENCY else None,
        compare=tuple((n, c) for n, c in listed if n in date_order.NAMES),
    )


def constraint_problems(form_data: etree._Element) -> list[str]:
    """Constraints this engine does not know, and agency fields with their own list (deploy check)."""
    found = []
    for node in form_data.iter(f"{_C}formField"):
        if node.get("type") == AGENCY and node.find(f"{_C}value") is not None:
            found.append(
                f"form field {node.get('id')!r} offers the Board's agencies from the agency "
                "directory; remove its camunda:value entries (add agencies with scr agency add)"
            )
        for constraint in node.findall(f"{_C}validation/{_C}constraint"):
            name = constraint.get("name") or ""
            if name not in CONSTRAINTS:
                found.append(
                    f"form field {node.get('id')!r} has the constraint {name!r}, which this "
                    f"engine does not know; use one of {', '.join(sorted(CONSTRAINTS))}"
                )
    return found


def labels_of(spec: Any, subprocess_specs: Mapping[str, Any]) -> dict[str, str]:
    """The label of every form field of a process and the processes it calls, by field id."""
    labels: dict[str, str] = {}
    for process in (spec, *subprocess_specs.values()):
        for task_spec in process.task_specs.values():
            extensions = getattr(task_spec, "extensions", None) or {}
            for field in extensions.get("form") or ():
                labels.setdefault(field["id"], field["label"])
    return labels


def with_agencies(fields: Iterable[FieldSpec]) -> tuple[FieldSpec, ...]:
    """The fields, each agency field offering the Board's agencies (engine.process.functions)."""
    items = tuple(fields)
    if not any(f.source == AGENCY for f in items):
        return items
    options = tuple(Option(key, name) for key, name in functions.agencies())
    return tuple(
        replace(f, options=options) if f.source == AGENCY else f for f in items
    )


def pattern_problem(pattern: str) -> str | None:
    """Why a form field's pattern cannot be used, or None.

    Patterns run on RE2 (google-re2), whose matching time grows linearly with the text, so no pattern
    can make a form submission hang; RE2 has no backreferences or lookaround.
    """
    if len(pattern) > 500:
        return "the pattern is longer than 500 characters"
    try:
        re2.compile(pattern)
    except re2.error as err:
        return (
            f"the pattern cannot be used ({_text(err)}); backreferences and lookaround are not "
            "supported, write it without them"
        )
    return None


def field_from_dict(data: Mapping[str, Any]) -> FieldSpec:
    values = dict(data)
    values["options"] = tuple(Option(**o) for o in values.get("options", ()))
    values["compare"] = tuple(tuple(pair) for pair in values.get("compare", ()))
    return FieldSpec(**values)


def fields_from_dicts(items: Iterable[Mapping[str, Any]]) -> tuple[FieldSpec, ...]:
    """The fields of a form, agency fields offering the agencies of the command's directory."""
    return with_agencies(field_from_dict(item) for item in items)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_WORDS


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def validate(
    fields: Iterable[FieldSpec],
    submitted: Mapping[str, Any],
    current: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Coerce submitted strings by field type; return (clean values, errors by field id).

    Every field appears in the clean values (None when left empty), so later expressions can name it.
    Read-only fields keep their current value (or default) whatever was submitted. A date compared
    with a value of the case (engine.process.date_order) is named by its label in `labels`.
    """
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    fields = with_agencies(fields)
    for spec in fields:
        if spec.readonly:
            clean[spec.id] = (current or {}).get(spec.id, spec.default)
            continue
        raw = _raw_value(spec, submitted)
        try:
            clean[spec.id] = _coerce(spec, raw)
        except ValueError as err:
            errors[spec.id] = str(err)
    date_order.check(fields, clean, current, errors, labels)
    return clean, errors


def _raw_value(spec: FieldSpec, submitted: Mapping[str, Any]) -> Any:
    if spec.type == "date" and spec.id not in submitted:
        parts = [submitted.get(f"{spec.id}-{p}") for p in ("day", "month", "year")]
        if any(_as_text(p) for p in parts):
            return parts
    value = submitted.get(spec.id)
    if spec.multiple:
        if value is None:
            return []
        items = value if isinstance(value, list | tuple) else [value]
        return [_as_text(v) for v in items if _as_text(v)]
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return value


def _as_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _coerce(spec: FieldSpec, raw: Any) -> Any:
    quoted = f"“{spec.label}”"
    if spec.multiple:
        return _coerce_choices(spec, raw, quoted)
    if isinstance(raw, list):
        return _coerce_date_parts(spec, raw, quoted)
    text = _as_text(raw)
    if not text:
        if spec.required:
            raise ValueError(_missing_message(spec, quoted))
        return None
    coerce = _COERCERS[spec.type]
    return coerce(spec, text, quoted)


def _missing_message(spec: FieldSpec, quoted: str) -> str:
    if spec.type == "boolean":
        return f"Select yes or no for {quoted}"
    if spec.type == "enum":
        return f"Select an option for {quoted}"
    if spec.type == "file":
        return f"Choose a file for {quoted}"
    return f"Enter {quoted}"


def _coerce_text(spec: FieldSpec, text: str, quoted: str) -> str:
    if spec.minlength is not None and len(text) < spec.minlength:
        raise ValueError(f"{quoted} must be {spec.minlength} characters or more")
    if spec.maxlength is not None and len(text) > spec.maxlength:
        raise ValueError(f"{quoted} must be {spec.maxlength} characters or fewer")
    if spec.pattern and not re2.fullmatch(spec.pattern, text):
        hint = f" ({spec.hint})" if spec.hint else ""
        raise ValueError(f"{quoted} is not in the expected format{hint}")
    return text


def _coerce_long(spec: FieldSpec, text: str, quoted: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", text.replace(",", "")):
        raise ValueError(f"{quoted} must be a whole number, like 12")
    number = int(text.replace(",", ""))
    if spec.min is not None and number < int(spec.min):
        raise ValueError(f"{quoted} must be {spec.min} or more")
    if spec.max is not None and number > int(spec.max):
        raise ValueError(f"{quoted} must be {spec.max} or less")
    return number


def _coerce_boolean(spec: FieldSpec, text: str, quoted: str) -> bool:
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"Select yes or no for {quoted}")


def _coerce_date(spec: FieldSpec, text: str, quoted: str) -> str:
    day: date | None = None
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        year, month, dom = (int(p) for p in text.split("-"))
        day = _real_date(year, month, dom)
    elif re.fullmatch(r"\d{1,2}[/ .-]\d{1,2}[/ .-]\d{4}", text):
        dom, month, year = (int(p) for p in re.split(r"[/ .-]", text))
        day = _real_date(year, month, dom)
    if day is None:
        raise ValueError(f"{quoted} must be a real date, for example 27 3 2026")
    return _check_date_range(spec, day, quoted)


def _coerce_date_parts(spec: FieldSpec, parts: list[Any], quoted: str) -> str | None:
    texts = [_as_text(p) for p in parts]
    if not any(texts):
        if spec.required:
            raise ValueError(f"Enter {quoted}")
        return None
    missing = [
        name for name, t in zip(("day", "month", "year"), texts, strict=True) if not t
    ]
    if missing:
        raise ValueError(f"{quoted} must include a {' and '.join(missing)}")
    if not all(t.isdigit() for t in texts) or len(texts[2]) != 4:
        raise ValueError(f"{quoted} must be a real date, for example 27 3 2026")
    day = _real_date(int(texts[2]), int(texts[1]), int(texts[0]))
    if day is None:
        raise ValueError(f"{quoted} must be a real date, for example 27 3 2026")
    return _check_date_range(spec, day, quoted)


def _real_date(year: int, month: int, dom: int) -> date | None:
    try:
        return date(year, month, dom)
    except ValueError:
        return None


def _check_date_range(spec: FieldSpec, day: date, quoted: str) -> str:
    if spec.min and day < date.fromisoformat(spec.min):
        raise ValueError(
            f"{quoted} must be the same as or after {_long_date(spec.min)}"
        )
    if spec.max and day > date.fromisoformat(spec.max):
        raise ValueError(
            f"{quoted} must be the same as or before {_long_date(spec.max)}"
        )
    return day.isoformat()


def _long_date(iso: str) -> str:
    return f"{date.fromisoformat(iso):%-d %B %Y}"


def _coerce_enum(spec: FieldSpec, text: str, quoted: str) -> str:
    if text not in {o.id for o in spec.options}:
        raise ValueError(f"Select one of the listed options for {quoted}")
    return text


def _coerce_choices(spec: FieldSpec, chosen: list[str], quoted: str) -> list[str]:
    known = {o.id for o in spec.options}
    if any(c not in known for c in chosen):
        raise ValueError(f"Select only the listed options for {quoted}")
    unique = list(dict.fromkeys(chosen))
    if spec.required and not unique:
        raise ValueError(f"Select at least one option for {quoted}")
    if spec.minlength is not None and len(unique) < spec.minlength and unique:
        raise ValueError(f"Select at least {spec.minlength} options for {quoted}")
    if spec.minlength is not None and spec.required and len(unique) < spec.minlength:
        raise ValueError(f"Select at least {spec.minlength} options for {quoted}")
    if spec.maxlength is not None and len(unique) > spec.maxlength:
        raise ValueError(f"Select no more than {spec.maxlength} options for {quoted}")
    return unique


_COERCERS = {
    "string": _coerce_text,
    "text": _coerce_text,
    "file": _coerce_text,
    "long": _coerce_long,
    "boolean": _coerce_boolean,
    "date": _coerce_date,
    "enum": _coerce_enum,
}


def _text(err: Exception) -> str:
    message = err.args[0] if err.args else err
    return (
        message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    )
