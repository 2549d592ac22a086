"""Rows the Board's reports read across cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import ReviewCase


def cases(session: Session) -> list[ReviewCase]:
    """Every case, oldest first."""
    return list(session.scalars(select(ReviewCase).order_by(ReviewCase.id)))
