"""The multi-agency chronology (issue 13): three agencies upload theirs against the template; one is
refused row by row, then corrected; the merged chronology, its anonymised reading and its exports."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from engine import ChronologyRefused
from engine import Engine
from engine import NotPermitted
from engine import Upload
from engine.clock import FixedClock
from engine.dto import UserInfo
from engine.process.handlers import HandlerRegistry
from tests.process import journey
from tests.process.conftest import BPMN_DIR
from tests.process.scenario import Scenario

HEADINGS = [
    "Date",
    "Time",
    "Practitioner name",
    "Practitioner role",
    "What happened",
    "People seen",
    "Child seen",
    "Child's views recorded",
    "Source record",
]
REAL_NAMES = ["Jane Smith", "Amy Smith", "Jo Bloggs", "Ravi Patel", "Dan Smith"]
REAL_NAMES += ["Kim Lee", "Jane", "Amy", "Smith", "Bloggs", "Patel"]


@pytest.fixture
def handlers() -> HandlerRegistry:
    return HandlerRegistry()


@pytest.fixture
def case(engine: Engine, users: dict[str, UserInfo], clock: FixedClock) -> Scenario:
    """A case whose agency reports are done: the agencies' authors and the reviewer take part."""
    from engine.cli import read_bundle

    engine.deployments.deploy(users["owner"], read_bundle(BPMN_DIR), note="chronology")
    s = Scenario(engine, users, clock)
    journey.notification(s, child_given_name="Amy", child_family_name="Smith")
    journey.information_gathering(s)
    journey.committee(s)
    journey.chair_decides(s, "yes")
    journey.panel_setup(s)
    journey.agency_reports(s)
    journey.review(s)
    return s


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADINGS, *rows])
    return out.getvalue().encode()


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in [HEADINGS, *rows]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


POLICE = [
    [
        "03/01/2026",
        "22:15",
        "Ravi Patel",
        "Police officer",
        "Domestic incident call: Dan Smith shouting; Jane Smith said Amy was asleep.",
        "Jane Smith (Mother); Dan Smith (Father)",
        "no",
        "no",
        "Incident log 4471",
    ],
    [
        "20/02/2026",
        "",
        "Ravi Patel",
        "Police officer",
        "Welfare check; Amy seen in her cot.",
        "Amy Smith (Child)",
        "yes",
        "no",
        "PNC note 88",
    ],
]
HEALTH_WITH_ERRORS = [
    [
        "14/01/2026",
        "10:30",
        "Jo Bloggs",
        "Health visitor",
        "New birth visit.",
        "Jane Smith (Mother); Amy Smith (Child)",
        "yes",
        "no",
        "HV record 1234",
    ],
    [
        "31/02/2026",
        "25:00",
        "Jo Bloggs",
        "Health visitor",
        "Missed appointment.",
        "Jane Smith",
        "maybe",
        "no",
        "HV record 1240",
    ],
    ["", "", "", "", "", "", "", "", ""],
    [
        "05/02/2026",
        "",
        "Kim Lee",
        "",
        "Phone call to Mrs Smith.",
        "",
        "no",
        "no",
        "HV record 1241",
    ],
]
HEALTH_CORRECTED = [
    [HEALTH_WITH_ERRORS[0][0], *HEALTH_WITH_ERRORS[0][1:]],
    [
        "03/02/2026",
        "09:00",
        "Jo Bloggs",
        "Health visitor",
        "Missed appointment; Jane Smith rang.",
        "Jane Smith (Mother)",
        "no",
        "no",
        "HV record 1240",
    ],
    [
        "05/02/2026",
        "",
        "Kim Lee",
        "Health visitor",
        "Phone call to Mrs Smith.",
        "",
        "no",
        "no",
        "HV record 1241",
    ],
]


def test_three_agencies_submit_and_the_case_has_one_chronology_in_date_order(
    case: Scenario, engine: Engine, users: dict[str, UserInfo]
):
    ref = case.reference
    chron = engine.chronology
    assert (
        chron.submit(
            users["police_author"], ref, None, Upload("police.csv", _csv(POLICE))
        )
        == 2
    )

    with pytest.raises(ChronologyRefused) as refused:
        chron.submit(
            users["health_author"],
            ref,
            None,
            Upload("health.xlsx", _xlsx(HEALTH_WITH_ERRORS)),
        )
    assert refused.value.problems == [
        "row 3: the date 31/02/2026 is not a real date",
        "row 3: the time 25:00 is not a time of day (use HH:MM, such as 14:30)",
        "row 3: “Child seen” must be yes or no, not “maybe”",
        "row 3: “People seen” lists “Jane Smith” without a role; write each person as "
        "Name (role), such as Jane Smith (Mother)",
        "row 5: “Practitioner role” is empty",
    ]
    assert chron.page(users["bqam"], ref).lines and all(
        line.agency_key == "police" for line in chron.page(users["bqam"], ref).lines
    )  # nothing of the refused file was kept
    assert (
        chron.submit(
            users["health_author"],
            ref,
            None,
            Upload("health.xlsx", _xlsx(HEALTH_CORRECTED)),
        )
        == 3
    )
    csc = [
        [
            "10/01/2026",
            "11:00",
            "Sue Gray",
            "Social worker",
            "Strategy discussion about Amy.",
            "",
            "no",
            "no",
            "CSC case note 7",
        ]
    ]
    assert (
        chron.submit(
            users["bqam"], ref, "childrens_social_care", Upload("csc.csv", _csv(csc))
        )
        == 1
    )
    with pytest.raises(NotPermitted):
        chron.submit(
            users["police_author"], ref, "education", Upload("x.csv", _csv(csc))
        )

    panel = chron.page(users["panelchair"], ref)
    assert panel.named
    assert [(str(line.occurred_on), line.agency_key) for line in panel.lines] == [
        ("2026-01-03", "police"),
        ("2026-01-10", "childrens_social_care"),
        ("2026-01-14", "community_health"),
        ("2026-02-03", "community_health"),
        ("2026-02-05", "community_health"),
        ("2026-02-20", "police"),
    ]
    assert "Jane Smith (Mother)" in panel.lines[0].people_seen

    reviewer = chron.page(users["reviewer"], ref)
    assert not reviewer.named
    shown = " | ".join(
        " ".join(
            [
                line.practitioner,
                line.what_happened,
                *line.people_seen,
                line.source_record,
            ]
        )
        for line in reviewer.lines
    )
    for name in REAL_NAMES:
        assert name not in shown, name
    assert reviewer.lines[0].people_seen == ("Mother", "Father")
    assert reviewer.lines[0].practitioner == "Police officer 1"
    assert reviewer.lines[2].practitioner == "Health visitor 1"
    assert reviewer.lines[4].practitioner == "Health visitor 2"
    assert "Father shouting" in reviewer.lines[0].what_happened
    with pytest.raises(NotPermitted):
        chron.page(users["reviewer"], ref, named=True)

    assert "Child" in reviewer.persons
    by_person = chron.page(users["reviewer"], ref, person="Child")
    assert [str(line.occurred_on) for line in by_person.lines] == [
        "2026-01-14",
        "2026-02-20",
    ]
    health = chron.page(users["panelchair"], ref, agency="community_health")
    assert {line.agency_key for line in health.lines} == {"community_health"}
    own = chron.page(users["police_author"], ref)
    assert {line.agency_key for line in own.lines} == {"police"}

    xlsx = chron.export(users["reviewer"], ref, "xlsx")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][:3] == ("Date", "Time", "Agency")
    assert len(rows) == 7
    assert not any(name in str(cell) for r in rows for cell in r for name in REAL_NAMES)
    text = chron.export(users["panelchair"], ref, "csv").content.decode("utf-8-sig")
    assert "Jane Smith (Mother)" in text and text.count("\n") == 7


def test_a_corrected_chronology_replaces_the_agencys_entries_with_an_audit_trail(
    case: Scenario, engine: Engine, users: dict[str, UserInfo]
):
    ref = case.reference
    chron = engine.chronology
    chron.submit(users["police_author"], ref, None, Upload("police.csv", _csv(POLICE)))
    chron.submit(
        users["police_author"], ref, None, Upload("police-v2.csv", _csv(POLICE[:1]))
    )
    page = chron.page(users["bqam"], ref)
    assert len(page.lines) == 1
    assert [
        (s.filename, s.rows, s.replaced_at is not None) for s in page.submissions
    ] == [
        ("police.csv", 2, True),
        ("police-v2.csv", 1, False),
    ]
    events = [
        e.data
        for e in engine.cases.history(users["bqam"], ref)
        if e.type == "chronology_submitted"
    ]
    assert [(e["filename"], e["rows"], e["replaced_rows"]) for e in events] == [
        ("police.csv", 2, None),
        ("police-v2.csv", 1, 2),
    ]
    case.assert_records_intact()
