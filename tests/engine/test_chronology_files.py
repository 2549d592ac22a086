"""Reading an agency's chronology file against the template, and naming people by role."""

from __future__ import annotations

import io
from datetime import date
from datetime import datetime

import openpyxl

from engine.services import chronology_files as files
from engine.services.anonymise import Anonymiser
from engine.services.anonymise import people

TODAY = date(2026, 3, 1)


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_template_reads_back_as_one_good_row():
    for fmt in ("csv", "xlsx"):
        template = files.template(fmt)
        rows, problems = files.read_rows(template.filename, template.content, TODAY)
        assert problems == []
        [row] = rows
        assert (row.row_number, row.occurred_on, row.occurred_time) == (
            2,
            date(2026, 1, 14),
            "10:30",
        )
        assert row.people_seen == (("Jane Smith", "Mother"), ("Amy Smith", "Child"))


def test_excel_dates_iso_dates_and_blank_rows_are_read():
    rows = [
        list(files.COLUMNS),
        [datetime(2026, 2, 1, 0, 0), None, "", "GP", "Seen", "", "Yes", "No", "GP 1"],
        [None] * 9,
        ["2026-02-02", "9:05", "", "GP", "Seen", "", "n", "y", "GP 2"],
    ]
    found, problems = files.read_rows("gp.xlsx", _xlsx(rows), TODAY)
    assert problems == []
    assert [(r.row_number, r.occurred_on, r.occurred_time) for r in found] == [
        (2, date(2026, 2, 1), None),
        (4, date(2026, 2, 2), "09:05"),
    ]


def test_problems_are_named_by_row_and_a_wrong_file_by_what_to_do():
    header = ",".join(f'"{c}"' for c in files.COLUMNS)
    csv = f"{header}\n12/13/2026,,,GP,Seen,,yes,no,GP 1\n01/04/2026,,,GP,Seen,,yes,no,GP 2\n"
    _rows, problems = files.read_rows("gp.csv", csv.encode(), TODAY)
    assert problems == [
        "row 2: the date 12/13/2026 is not a real date",
        "row 3: the date 01/04/2026 is in the future",
    ]
    assert files.read_rows("gp.pdf", b"%PDF", TODAY)[1] == [
        "Upload the chronology as a CSV file or an Excel workbook (.xlsx)."
    ]
    assert files.read_rows("gp.csv", b"Date,Time\n", TODAY)[1][0].startswith(
        "The file has no column “Practitioner name”"
    )


def test_people_are_labelled_by_role_and_their_names_hidden_in_text():
    everyone = people(
        [("Jo Bloggs", "health visitor"), ("Kim Lee", "health visitor")],
        [
            ("Jane Smith", "Mother"),
            ("Amy Smith", "Child"),
            ("Tom Smith", "Sibling"),
            ("Ben Smith", "Sibling"),
        ],
        ["Amy Smith"],
    )
    labels = {p.name: p.label for p in everyone.values()}
    assert labels == {
        "Jo Bloggs": "Health visitor 1",
        "Kim Lee": "Health visitor 2",
        "Jane Smith": "Mother",
        "Amy Smith": "Child",
        "Tom Smith": "Sibling 1",
        "Ben Smith": "Sibling 2",
    }
    hide = Anonymiser(everyone)
    assert hide.text(
        "Jo rang Jane  Smith about Amy; Mrs Smith and KIM LEE agreed."
    ) == (
        "Health visitor 1 rang Mother about Child; Mrs [name] and Health visitor 2 agreed."
    )
