"""Agency chronologies (`chronology_submission`, `chronology_entry`): replace, list the current ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Agency
from engine.db.models import AppUser
from engine.db.models import ChronologyEntry
from engine.db.models import ChronologySubmission


def current(
    session: Session, case_id: int, agency: str | None = None
) -> ChronologySubmission | None:
    """The agency's chronology now in force for the case (None if it has not submitted)."""
    query = select(ChronologySubmission).where(
        ChronologySubmission.case_id == case_id,
        ChronologySubmission.agency_key == agency,
        ChronologySubmission.replaced_at.is_(None),
    )
    return session.scalar(query)


def replace(
    session: Session,
    submission: ChronologySubmission,
    entries: list[ChronologyEntry],
    now: datetime,
) -> ChronologySubmission | None:
    """Add `submission` with its entries; the agency's earlier one (returned) is marked replaced."""
    earlier = current(session, submission.case_id, submission.agency_key)
    if earlier is not None:
        earlier.replaced_at = now
        session.flush()
    session.add(submission)
    session.flush()
    for entry in entries:
        entry.submission_id = submission.id
    session.add_all(entries)
    session.flush()
    return earlier


def entries(
    session: Session, case_id: int, agency: str | None = None
) -> list[tuple[ChronologyEntry, str, str | None]]:
    """Current entries of the case (of one agency), with agency key and name, in date order."""
    query = (
        select(ChronologyEntry, ChronologySubmission.agency_key, Agency.name)
        .join(
            ChronologySubmission,
            ChronologySubmission.id == ChronologyEntry.submission_id,
        )
        .outerjoin(Agency, Agency.key == ChronologySubmission.agency_key)
        .where(
            ChronologySubmission.case_id == case_id,
            ChronologySubmission.replaced_at.is_(None),
        )
        .order_by(
            ChronologyEntry.occurred_on,
            ChronologyEntry.occurred_time.is_(None),
            ChronologyEntry.occurred_time,
            ChronologySubmission.agency_key,
            ChronologyEntry.row_number,
        )
    )
    if agency is not None:
        query = query.where(ChronologySubmission.agency_key == agency)
    return [(e, key, name) for e, key, name in session.execute(query)]


def submissions(
    session: Session, case_id: int
) -> list[tuple[ChronologySubmission, str | None, str]]:
    """Every submission of the case, current and replaced, with agency name and submitter."""
    query = (
        select(ChronologySubmission, Agency.name, AppUser.display_name)
        .outerjoin(Agency, Agency.key == ChronologySubmission.agency_key)
        .join(AppUser, AppUser.id == ChronologySubmission.submitted_by_id)
        .where(ChronologySubmission.case_id == case_id)
        .order_by(ChronologySubmission.submitted_at, ChronologySubmission.id)
    )
    return [(s, agency, by) for s, agency, by in session.execute(query)]
