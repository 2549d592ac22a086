"""An agency's chronology as a file: the published template, and reading a CSV or XLSX against it.

Every row is checked, and every problem is reported in plain English with the row number a person
sees in their spreadsheet (the headings are row 1): "row 14: the date 31/02/2026 is not a real date".
A file with any problem is refused whole, so an agency never half-submits its chronology.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from typing import Any

from engine.services.exports import ExportFile
from engine.services.exports import table_file

COLUMNS = (
    "Date",
    "Time",
    "Practitioner name",
    "Practitioner role",
    "What happened",
    "People seen",
    "Child seen",
    "Child's views recorded",
    "Source record",
)
REQUIRED = ("Date", "Practitioner role", "What happened", "Child seen")
REQUIRED += ("Child's views recorded", "Source record")
EXAMPLE = (
    "14/01/2026",
    "10:30",
    "Jo Bloggs",
    "Health visitor",
    "Home visit: new birth visit. Mother and baby seen together.",
    "Jane Smith (Mother); Amy Smith (Child)",
    "yes",
    "no",
    "Health visiting record HV-1234",
)
GUIDANCE = (
    "One row for every contact, conversation or activity relating to the child and family. "
    "Date as DD/MM/YYYY; Time as HH:MM if known; People seen as Name (role), separated by "
    "semicolons; Child seen and Child's views recorded as yes or no."
)
MAX_ROWS = 5000
MAX_BYTES = 5_000_000  # a chronology of thousands of rows is far smaller
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")
_PERSON = re.compile(r"^(.+?)\s*\(([^()]+)\)$")
_YES = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}


@dataclass(frozen=True, slots=True)
class ChronologyRow:
    row_number: int
    occurred_on: date
    occurred_time: str | None
    practitioner_name: str
    practitioner_role: str
    what_happened: str
    people_seen: tuple[tuple[str, str], ...]  # (name, role)
    child_seen: bool
    child_views_recorded: bool
    source_record: str


def template(fmt: str) -> ExportFile:
    """The published template: the headings and one example row (replace it with yours)."""
    return table_file("chronology-template", COLUMNS, [EXAMPLE], fmt, "Chronology")


def read_rows(
    filename: str, content: bytes, today: date
) -> tuple[list[ChronologyRow], list[str]]:
    """The file's entries, or the problems found in it (then no entries)."""
    if len(content) > MAX_BYTES:
        return [], [
            f"The file is larger than {MAX_BYTES // 1_000_000} MB; split it or remove pictures."
        ]
    try:
        table = _table(filename, content)
    except ValueError as err:
        return [], [str(err)]
    if not table:
        return [], [
            "The file is empty. Download the template and fill in one row per entry."
        ]
    headings = [_text(h) for h in table[0]]
    missing = [
        c for c in COLUMNS if c.casefold() not in {h.casefold() for h in headings}
    ]
    if missing:
        names = ", ".join(f"“{m}”" for m in missing)
        return [], [
            f"The file has no column {names}. Keep the template's column headings."
        ]
    index = {h.casefold(): i for i, h in enumerate(headings)}
    rows, errors = [], []
    for number, cells in enumerate(table[1:], start=2):
        values = {c: _text(_at(cells, index[c.casefold()])) for c in COLUMNS}
        if not any(values.values()):
            continue
        raw_date = _at(cells, index["date"])
        row, problems = _row(number, values, raw_date, today)
        errors += problems
        if row is not None:
            rows.append(row)
    if not rows and not errors:
        errors.append("The file has no entries under the headings.")
    if len(rows) > MAX_ROWS:
        errors.append(
            f"The file has {len(rows)} entries; at most {MAX_ROWS} can be read at once."
        )
    return (rows, []) if not errors else ([], errors)


def _row(
    number: int, values: dict[str, str], raw_date: Any, today: date
) -> tuple[ChronologyRow | None, list[str]]:
    problems = [f"row {number}: “{c}” is empty" for c in REQUIRED if not values[c]]
    day = (
        _day(number, raw_date, values["Date"], today, problems)
        if values["Date"]
        else None
    )
    moment = _time(number, values["Time"], problems)
    seen = _yes_no(number, "Child seen", values["Child seen"], problems)
    views = _yes_no(
        number, "Child's views recorded", values["Child's views recorded"], problems
    )
    people = _people(number, values["People seen"], problems)
    if problems or day is None or seen is None or views is None:
        return None, problems
    return (
        ChronologyRow(
            number,
            day,
            moment,
            values["Practitioner name"],
            values["Practitioner role"],
            values["What happened"],
            people,
            seen,
            views,
            values["Source record"],
        ),
        [],
    )


def _day(
    number: int, raw: Any, text: str, today: date, problems: list[str]
) -> date | None:
    if isinstance(raw, datetime):
        found: date | None = raw.date()
    elif isinstance(raw, date):
        found = raw
    else:
        parts = _DATE.match(text) or _ISO.match(text)
        if parts is None:
            problems.append(
                f"row {number}: the date {text} is not in the form DD/MM/YYYY"
            )
            return None
        a, b, c = (int(p) for p in parts.groups())
        d, m, y = (c, b, a) if _ISO.match(text) else (a, b, c)
        try:
            found = date(y, m, d)
        except ValueError:
            problems.append(f"row {number}: the date {text} is not a real date")
            return None
    if found > today:
        problems.append(f"row {number}: the date {found:%d/%m/%Y} is in the future")
        return None
    return found


def _time(number: int, text: str, problems: list[str]) -> str | None:
    if not text:
        return None
    parts = _TIME.match(text)
    if parts is None or int(parts[1]) > 23 or int(parts[2]) > 59:
        problems.append(
            f"row {number}: the time {text} is not a time of day (use HH:MM, such as 14:30)"
        )
        return None
    return f"{int(parts[1]):02d}:{parts[2]}"


def _yes_no(number: int, column: str, text: str, problems: list[str]) -> bool | None:
    if not text:
        return None
    answer = _YES.get(text.casefold())
    if answer is None:
        problems.append(f"row {number}: “{column}” must be yes or no, not “{text}”")
    return answer


def _people(number: int, text: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    people = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        found = _PERSON.match(part)
        if found is None:
            problems.append(
                f"row {number}: “People seen” lists “{part}” without a role; "
                "write each person as Name (role), such as Jane Smith (Mother)"
            )
            continue
        people.append((found[1].strip(), found[2].strip()))
    return tuple(people)


def _table(filename: str, content: bytes) -> list[list[Any]]:
    name = filename.casefold()
    if name.endswith(".xlsx") or content.startswith(b"PK\x03\x04"):
        return _xlsx(content)
    if name.endswith(".csv") or name.endswith(".txt"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("cp1252", errors="replace")
        return [list(r) for r in csv.reader(io.StringIO(text))]
    raise ValueError(
        "Upload the chronology as a CSV file or an Excel workbook (.xlsx)."
    )


def _xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - any unreadable workbook gets the same answer
        raise ValueError(
            "The Excel file could not be read; save it again as .xlsx."
        ) from err
    sheet = book.worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]


def _at(cells: list[Any], i: int) -> Any:
    return cells[i] if i < len(cells) else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return " ".join(str(value).split())
