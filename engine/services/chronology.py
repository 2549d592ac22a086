"""The multi-agency chronology of a case (seed 002 Appendix 2, §6 item 4).

Each agency submits its chronology as structured entries, by uploading a CSV or XLSX made from the
published template (`chronology_files`). A file with problems is refused whole, row by row in plain
English. A later (late or corrected) submission replaces that agency's entries; both are kept, and
each submission is an audit event (`chronology_submitted`, saying what it replaced). The case's merged
chronology puts every agency's entries in date order; the reviewer reads it anonymised (names become
roles: "Child", "Mother", "Health visitor 1"), the Panel with the real names.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine import access
from engine.db import chronology as chronology_rows
from engine.db import register as register_rows
from engine.db.models import ChronologyEntry
from engine.db.models import ChronologySubmission
from engine.dto import Option
from engine.dto import Upload
from engine.dto import UserInfo
from engine.errors import EngineError
from engine.errors import NotPermitted
from engine.process.workdays import LONDON
from engine.services import chronology_files as files
from engine.services.anonymise import Anonymiser
from engine.services.anonymise import people
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.exports import ExportFile
from engine.services.exports import table_file
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork

CHILD_NAME_KEYS = ("child_given_name", "child_family_name")
HEADERS = ("Date", "Time", "Agency", "Practitioner", "What happened", "People seen")
HEADERS += ("Child seen", "Child's views recorded", "Source record")


class ChronologyRefused(EngineError):
    """The file was not accepted; `problems` says why, row by row."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"The chronology was not accepted: {len(problems)} problems.")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ChronologyLine:
    occurred_on: date
    occurred_time: str | None
    agency_key: str
    agency: str
    practitioner: str
    what_happened: str
    people_seen: tuple[str, ...]
    child_seen: bool
    child_views_recorded: bool
    source_record: str
    row_number: int


@dataclass(frozen=True, slots=True)
class SubmissionInfo:
    agency_key: str
    agency: str
    filename: str
    rows: int
    submitted_by: str
    submitted_at: Any
    replaced_at: Any


@dataclass(frozen=True, slots=True)
class ChronologyPage:
    reference: str
    lines: tuple[ChronologyLine, ...]
    named: bool  # real names shown (the Panel); otherwise anonymised (the reviewer)
    may_choose_names: bool  # the user may switch between the two readings
    agency: str | None
    person: str | None
    agencies: tuple[Option, ...]
    persons: tuple[str, ...]
    submissions: tuple[SubmissionInfo, ...]
    may_submit_for: tuple[Option, ...]


class Chronology:
    def __init__(self, transactions: Transactions, kit: Kit) -> None:
        self.transactions = transactions
        self.kit = kit

    def template(self, fmt: str) -> ExportFile:
        """The published template to fill in (CSV or XLSX)."""
        return files.template(fmt)

    def submit(
        self, actor: UserInfo, reference: str, agency: str | None, upload: Upload
    ) -> int:
        """Read the file and, if every row is right, make it the agency's chronology for the case.

        :raises ChronologyRefused: with every problem found, by row; nothing is kept.
        :returns: the number of entries accepted.
        """

        def command(tx: UnitOfWork) -> int:
            user = tx.require("submit_chronology")
            agency_key = _agency_for(user, agency)
            row = CaseStore(tx, self.kit).visible(reference)
            today = tx.now.astimezone(LONDON).date()
            parsed, problems = files.read_rows(upload.filename, upload.content, today)
            if problems:
                raise ChronologyRefused(problems)
            submission = ChronologySubmission(
                case_id=row.id,
                agency_key=agency_key,
                filename=upload.filename[:255],
                sha256=hashlib.sha256(upload.content).hexdigest(),
                rows=len(parsed),
                submitted_by_id=user.id,
                submitted_at=tx.now,
            )
            entries = [_entry(p) for p in parsed]
            earlier = chronology_rows.replace(tx.session, submission, entries, tx.now)
            tx.record(
                "chronology_submitted",
                row,
                agency=agency_key,
                filename=submission.filename,
                sha256=submission.sha256,
                rows=len(parsed),
                replaced_rows=earlier.rows if earlier else None,
                replaced_sha256=earlier.sha256 if earlier else None,
            )
            return len(parsed)

        return self.transactions.write(actor, command)

    def page(
        self,
        actor: UserInfo,
        reference: str,
        named: bool | None = None,
        agency: str | None = None,
        person: str | None = None,
    ) -> ChronologyPage:
        """The merged chronology: anonymised unless the user may read names (and asks, or by default)."""

        def query(tx: UnitOfWork) -> ChronologyPage:
            return _page(tx, self.kit, reference, named, agency, person)

        return self.transactions.read(actor, query)

    def export(
        self, actor: UserInfo, reference: str, fmt: str, **choice: Any
    ) -> ExportFile:
        """The merged chronology as the user reads it, as CSV or XLSX."""
        page = self.page(actor, reference, **choice)
        rows = [_export_row(line) for line in page.lines]
        reading = "named" if page.named else "anonymised"
        name = f"chronology-{reference}-{reading}"
        return table_file(name, HEADERS, rows, fmt, "Chronology")


def _agency_for(user: UserInfo, asked: str | None) -> str:
    """An agency's own people submit for it; the BQAM may submit for any agency."""
    if access.can(user, "submit_any_chronology"):
        if not asked:
            raise EngineError("Choose the agency whose chronology this is.")
        return asked
    if not user.agency:
        raise NotPermitted("Only an agency's own people may submit its chronology.")
    if asked and asked != user.agency:
        raise NotPermitted("You may submit only your own agency's chronology.")
    return user.agency


def _entry(row: files.ChronologyRow) -> ChronologyEntry:
    return ChronologyEntry(
        row_number=row.row_number,
        occurred_on=row.occurred_on,
        occurred_time=row.occurred_time,
        practitioner_name=row.practitioner_name[:200],
        practitioner_role=row.practitioner_role[:200],
        what_happened=row.what_happened,
        people_seen=json.dumps([list(p) for p in row.people_seen]),
        child_seen=row.child_seen,
        child_views_recorded=row.child_views_recorded,
        source_record=row.source_record[:300],
    )


def _page(
    tx: UnitOfWork,
    kit: Kit,
    reference: str,
    named: bool | None,
    agency: str | None,
    person: str | None,
) -> ChronologyPage:
    store = CaseStore(tx, kit)
    row = store.visible(reference)
    own = access.chronology_agency(tx.user)
    may_name = access.can(tx.user, "see_named_chronology") or own is not None
    show_names = may_name if named is None else (named and may_name)
    if named and not may_name:
        raise NotPermitted("Only the Panel may read the chronology with real names.")
    found = chronology_rows.entries(tx.session, row.id, own)
    data = store.open(row).run.data() if found else {}
    child = " ".join(str(data.get(k) or "") for k in CHILD_NAME_KEYS).strip()
    seen = [tuple(p) for e, _k, _n in found for p in json.loads(e.people_seen)]
    practitioners = [(e.practitioner_name, e.practitioner_role) for e, _k, _n in found]
    hide = Anonymiser(people(practitioners, seen, [child] if child else []))
    lines = [_line(e, key, name, hide, show_names) for e, key, name in found]
    persons = sorted(
        {p for line in lines for p in (line.practitioner, *line.people_seen)}
    )
    shown = _filtered(lines, agency, person)
    subs = chronology_rows.submissions(tx.session, row.id)
    names = register_rows.agency_names(tx.session)
    agencies = sorted(
        {(line.agency_key, line.agency) for line in lines}, key=lambda a: a[1]
    )
    submit_for = _submit_options(tx.user, names)
    return ChronologyPage(
        reference=row.reference,
        lines=tuple(shown),
        named=show_names,
        may_choose_names=may_name and own is None,
        agency=agency,
        person=person,
        agencies=tuple(Option(k, v) for k, v in agencies),
        persons=tuple(persons),
        submissions=tuple(
            SubmissionInfo(
                s.agency_key,
                a or s.agency_key,
                s.filename,
                s.rows,
                by,
                s.submitted_at,
                s.replaced_at,
            )
            for s, a, by in subs
            if own is None or s.agency_key == own
        ),
        may_submit_for=submit_for,
    )


def _filtered(
    lines: list[ChronologyLine], agency: str | None, person: str | None
) -> list[ChronologyLine]:
    return [
        line
        for line in lines
        if (agency is None or line.agency_key == agency)
        and (person is None or person in (line.practitioner, *line.people_seen))
    ]


def _submit_options(user: UserInfo, names: dict[str, str]) -> tuple[Option, ...]:
    if not access.can(user, "submit_chronology"):
        return ()
    if access.can(user, "submit_any_chronology"):
        return tuple(Option(k, v) for k, v in names.items())
    if user.agency:
        return (Option(user.agency, names.get(user.agency, user.agency)),)
    return ()


def _line(
    e: ChronologyEntry, key: str, agency: str | None, hide: Anonymiser, named: bool
) -> ChronologyLine:
    seen = [tuple(p) for p in json.loads(e.people_seen)]
    if named:
        practitioner = ", ".join(
            x for x in (e.practitioner_name, e.practitioner_role) if x
        )
        people_seen = tuple(f"{n} ({r})" for n, r in seen)
        text, source = e.what_happened, e.source_record
    else:
        practitioner = hide.label(e.practitioner_name, e.practitioner_role)
        people_seen = tuple(hide.label(n, r) for n, r in seen)
        text, source = hide.text(e.what_happened), hide.text(e.source_record)
    return ChronologyLine(
        e.occurred_on,
        e.occurred_time,
        key,
        agency or key,
        practitioner,
        text,
        people_seen,
        e.child_seen,
        e.child_views_recorded,
        source,
        e.row_number,
    )


def _export_row(line: ChronologyLine) -> list[Any]:
    return [
        line.occurred_on,
        line.occurred_time or "",
        line.agency,
        line.practitioner,
        line.what_happened,
        "; ".join(line.people_seen),
        line.child_seen,
        line.child_views_recorded,
        line.source_record,
    ]
