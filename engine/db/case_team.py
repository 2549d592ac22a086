"""The case_member table: who serves on a case's team, in which case role (issue 12).

Diagrams address these people as `case:<case role>` (candidate groups, notify recipients); the task
index, the inbox and the access rules resolve those keys here, against this case's members.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import AppUser
from engine.db.models import CaseMember
from engine.roles import CASE_PREFIX  # noqa: F401 (re-exported)
from engine.roles import CASE_ROLE_NAMES  # noqa: F401
from engine.roles import CASE_ROLES  # noqa: F401


def case_role_of(key: str) -> str | None:
    """ "case:panel_member" -> "panel_member"; None for a Board role key."""
    if key.startswith(CASE_PREFIX):
        return key[len(CASE_PREFIX) :]
    return None


def team(session: Session, case_id: int) -> list[tuple[CaseMember, AppUser]]:
    """The case's members with their accounts, by case role (in CASE_ROLES order), then name."""
    order = {role: n for n, role in enumerate(CASE_ROLES)}
    rows = session.execute(
        select(CaseMember, AppUser)
        .join(AppUser, AppUser.id == CaseMember.user_id)
        .where(CaseMember.case_id == case_id)
    ).all()
    found = [(m, u) for m, u in rows]
    return sorted(
        found, key=lambda r: (order.get(r[0].case_role, 99), r[1].display_name)
    )


def roles_of(
    session: Session, case_id: int, user_id: int
) -> list[tuple[str, str | None]]:
    """The (case role, agency) pairs the user holds in the case."""
    query = select(CaseMember.case_role, CaseMember.agency_key).where(
        CaseMember.case_id == case_id, CaseMember.user_id == user_id
    )
    return [(r, a) for r, a in session.execute(query)]


def members_in(session: Session, case_id: int, case_role: str) -> list[AppUser]:
    """Active accounts serving the case in `case_role`."""
    query = (
        select(AppUser)
        .join(CaseMember, CaseMember.user_id == AppUser.id)
        .where(
            CaseMember.case_id == case_id,
            CaseMember.case_role == case_role,
            AppUser.active.is_(True),
        )
        .order_by(AppUser.display_name)
    )
    return list(session.scalars(query))


def replace(
    session: Session,
    case_id: int,
    case_role: str,
    users: Iterable[AppUser],
    now: datetime,
    agency: str | None = None,
) -> None:
    """Make `users` the case's members in `case_role` (of `agency`, if given; else of every agency)."""
    gone = delete(CaseMember).where(
        CaseMember.case_id == case_id, CaseMember.case_role == case_role
    )
    if agency is not None:
        gone = gone.where(CaseMember.agency_key == agency)
    session.execute(gone)
    for user in users:
        session.add(
            CaseMember(
                case_id=case_id,
                case_role=case_role,
                user_id=user.id,
                agency_key=user.agency_key,
                appointed_at=now,
            )
        )
    session.flush()
