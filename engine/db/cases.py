"""The review_case table: finding, locking and adding cases, references, who takes part."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import as_utc
from engine.db.models import AppUser
from engine.db.models import CaseMember
from engine.db.models import CaseSequence
from engine.db.models import Deployment
from engine.db.models import HumanTask
from engine.db.models import HumanTaskRole
from engine.db.models import Notification
from engine.db.models import ReviewCase
from engine.dto import CaseSummary
from engine.dto import UserInfo
from engine.errors import NotFound


def get(session: Session, reference: str) -> ReviewCase:
    case = session.scalars(
        select(ReviewCase).where(ReviewCase.reference == reference)
    ).first()
    if case is None:
        raise NotFound(f"There is no case {reference}.")
    return case


def by_id(session: Session, case_id: int) -> ReviewCase:
    case = session.get(ReviewCase, case_id)
    if case is None:
        raise NotFound(f"There is no case {case_id}.")
    return case


def lock(session: Session, case_id: int) -> ReviewCase:
    """The case row, locked until the transaction ends (PostgreSQL; SQLite's writers are serialised)."""
    case = session.get(
        ReviewCase, case_id, with_for_update=True, populate_existing=True
    )
    if case is None:
        raise NotFound(f"There is no case {case_id}.")
    return case


def lock_if_free(session: Session, case_id: int) -> ReviewCase | None:
    """The case row locked for this transaction, or None if another worker holds it (SKIP LOCKED)."""
    query = select(ReviewCase).where(ReviewCase.id == case_id)
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first()


def next_reference(session: Session, year: int) -> str:
    counter = session.get(CaseSequence, year, with_for_update=True)
    if counter is None:
        counter = CaseSequence(year=year, last=0)
        session.add(counter)
    counter.last += 1
    return f"SCR-{year}-{counter.last:04d}"


def add(
    session: Session,
    *,
    reference: str,
    deployment_id: int,
    process_id: str,
    process_name: str,
    started_by_id: int,
    now: datetime,
    task_id_seq: int,
) -> ReviewCase:
    case = ReviewCase(
        task_id_seq=task_id_seq,
        reference=reference,
        deployment_id=deployment_id,
        process_id=process_id,
        process_name=process_name,
        status="active",
        state="{}",
        started_by_id=started_by_id,
        started_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    return case


def visible_ids(user: UserInfo, sent: bool = False) -> Select[tuple[int]]:
    """Cases the user takes part in: started, worked on, on its team, or offered a task through one
    of their Board roles (case roles, `case:…`, count through the team); with `sent`, also those
    that addressed a message to them (`access.sees_cases_sent_to`)."""
    via_role = (
        select(HumanTask.case_id)
        .join(HumanTaskRole, HumanTaskRole.task_id == HumanTask.id)
        .where(
            HumanTaskRole.role_key.in_(user.roles),
            or_(HumanTask.agency_key.is_(None), HumanTask.agency_key == user.agency),
        )
    )
    via_person = select(HumanTask.case_id).where(
        or_(HumanTask.assignee_id == user.id, HumanTask.completed_by_id == user.id)
    )
    started = select(ReviewCase.id).where(ReviewCase.started_by_id == user.id)
    on_team = select(CaseMember.case_id).where(CaseMember.user_id == user.id)
    if not sent:
        return via_role.union(via_person, started, on_team)
    messaged = select(Notification.case_id).where(
        Notification.recipient_user_id == user.id, Notification.case_id.is_not(None)
    )
    return via_role.union(via_person, started, on_team, messaged)


def takes_part(
    session: Session, user: UserInfo, case_id: int, sent: bool = False
) -> bool:
    found = session.scalars(
        select(ReviewCase.id).where(
            ReviewCase.id == case_id, ReviewCase.id.in_(visible_ids(user, sent))
        )
    ).first()
    return found is not None


def summaries(
    session: Session,
    user: UserInfo | None = None,
    deployment_id: int | None = None,
    sent: bool = False,
) -> list[CaseSummary]:
    """Case summaries in one query, newest first: all, those `user` takes part in, or of one deployment."""
    query = (
        select(ReviewCase, AppUser.display_name, Deployment.content_hash)
        .join(Deployment, Deployment.id == ReviewCase.deployment_id)
        .outerjoin(AppUser, AppUser.id == ReviewCase.started_by_id)
    )
    if user is not None:
        query = query.where(ReviewCase.id.in_(visible_ids(user, sent)))
    if deployment_id is not None:
        query = query.where(ReviewCase.deployment_id == deployment_id).order_by(
            ReviewCase.id
        )
    else:
        query = query.order_by(ReviewCase.started_at.desc(), ReviewCase.id.desc())
    return [summary(c, starter, h) for c, starter, h in session.execute(query)]


def summary_of(session: Session, case: ReviewCase) -> CaseSummary:
    session.flush()
    starter, content_hash = session.execute(
        select(AppUser.display_name, Deployment.content_hash)
        .select_from(Deployment)
        .outerjoin(AppUser, AppUser.id == case.started_by_id)
        .where(Deployment.id == case.deployment_id)
    ).one()
    return summary(case, starter, content_hash)


def summary(case: ReviewCase, starter: str | None, content_hash: str) -> CaseSummary:
    return CaseSummary(
        case.reference,
        case.process_id,
        case.process_name,
        case.status,
        case.phase,
        as_utc(case.started_at),
        starter or "?",
        content_hash,
        case.version,
    )


def due_for_timers(session: Session, now: datetime) -> list[int]:
    """Active cases with a timer due at or before `now`."""
    query = select(ReviewCase.id).where(
        ReviewCase.status == "active", ReviewCase.next_timer_at <= now
    )
    return list(session.scalars(query))


def all_rows(session: Session, reference: str | None = None) -> list[ReviewCase]:
    """Every case (or the one named), oldest first: for verification."""
    query = select(ReviewCase).order_by(ReviewCase.id)
    if reference is not None:
        query = query.where(ReviewCase.reference == reference)
    return list(session.scalars(query))
