"""The case_migration table: each move of a case to another deployment, kept so it can be undone."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import CaseMigration
from engine.db.models import ReviewCase


def add(session: Session, **values: object) -> None:
    session.add(CaseMigration(**values))


def last_open(session: Session, case_id: int) -> CaseMigration | None:
    """The newest migration of the case that was not undone."""
    return session.scalars(
        select(CaseMigration)
        .where(CaseMigration.case_id == case_id, CaseMigration.undone_at.is_(None))
        .order_by(CaseMigration.id.desc())
    ).first()


def not_undone(
    session: Session, deployment_id: int | None
) -> list[tuple[CaseMigration, ReviewCase]]:
    """Migrations not undone (into one deployment, or any), newest first, with their cases."""
    query = (
        select(CaseMigration, ReviewCase)
        .join(ReviewCase, ReviewCase.id == CaseMigration.case_id)
        .where(CaseMigration.undone_at.is_(None))
        .order_by(CaseMigration.id.desc())
    )
    if deployment_id is not None:
        query = query.where(CaseMigration.to_deployment_id == deployment_id)
    return [tuple(r) for r in session.execute(query).all()]  # type: ignore[misc]


def movable_cases(
    session: Session,
    to_deployment_id: int,
    from_deployment_id: int | None,
    reference: str | None,
) -> list[ReviewCase]:
    """Active cases on another deployment (of one deployment, or one case), oldest first."""
    query = select(ReviewCase).where(
        ReviewCase.status == "active", ReviewCase.deployment_id != to_deployment_id
    )
    if from_deployment_id is not None:
        query = query.where(ReviewCase.deployment_id == from_deployment_id)
    if reference is not None:
        query = query.where(ReviewCase.reference == reference)
    return list(session.scalars(query.order_by(ReviewCase.id)))
