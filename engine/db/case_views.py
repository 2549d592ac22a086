"""Who read which case's page, when: an append-only record outside the hash chains.

Reading changes nothing in a case, so it is not an event of its chain (those are replayed and
verified against the stored state); it is kept here, only ever added to, and shown to auditors.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import as_utc
from engine.db.models import AppUser
from engine.db.models import CaseView


def add(session: Session, case_id: int, user_id: int, at: datetime) -> None:
    session.add(CaseView(case_id=case_id, user_id=user_id, at=at))


def of_case(session: Session, case_id: int) -> list[tuple[datetime, str, str]]:
    """(when, display name, user name) of every reading of the case, newest first."""
    query = (
        select(CaseView.at, AppUser.display_name, AppUser.username)
        .join(AppUser, AppUser.id == CaseView.user_id)
        .where(CaseView.case_id == case_id)
        .order_by(CaseView.at.desc(), CaseView.id.desc())
    )
    return [(as_utc(at) or at, name, user) for at, name, user in session.execute(query)]
