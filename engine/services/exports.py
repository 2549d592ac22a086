"""Tables out as files: CSV (UTF-8 with a byte-order mark, so Excel reads it) and XLSX (openpyxl).

A cell that starts like a spreadsheet formula (=, +, -, @) is written as text, so an exported
register or chronology never runs anything when a person opens it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

from openpyxl import Workbook

from engine.errors import EngineError

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def table_file(
    name: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    fmt: str,
    title: str = "Sheet1",
) -> ExportFile:
    """`rows` under `headers` as `name.csv` or `name.xlsx`."""
    if fmt not in FORMATS:
        raise EngineError(f"Choose CSV or XLSX, not “{fmt}”.")
    cells = [[_cell(value) for value in row] for row in rows]
    if fmt == "csv":
        content = _csv(headers, cells)
    else:
        content = _xlsx(headers, cells, title)
    return ExportFile(f"{name}.{fmt}", FORMATS[fmt], content)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime | date | int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(headers: Sequence[str], cells: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in cells:
        writer.writerow(
            [v.isoformat() if isinstance(v, datetime | date) else v for v in row]
        )
    return out.getvalue().encode("utf-8-sig")


def _xlsx(headers: Sequence[str], cells: list[list[Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(headers))
    for row in cells:
        sheet.append(
            [v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in row]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
