"""Users, roles and agencies; password hashing and sign-in with lock-out after repeated failures."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from engine.clock import as_utc
from engine.db.models import Agency
from engine.db.models import AppUser
from engine.db.models import Membership
from engine.db.models import Role
from engine.dto import UserInfo
from engine.errors import NotFound
from engine.roles import ROLES

MAX_FAILED_SIGN_INS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 10
# A hash to compare against when the user does not exist, so timing does not reveal user names.
_DUMMY_HASH = generate_password_hash("not-a-real-password-dummy")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(
            f"A password must be at least {MIN_PASSWORD_LENGTH} characters long."
        )
    return generate_password_hash(password)


def user_info(user: AppUser) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        agency=user.agency_key,
        roles=frozenset(m.role_key for m in user.memberships),
        active=user.active,
    )


def ensure_roles(session: Session) -> None:
    """Create the role rows of the design if missing."""
    existing = set(session.scalars(select(Role.key)))
    for key, name in ROLES.items():
        if key not in existing:
            session.add(Role(key=key, name=name))


def ensure_agency(session: Session, key: str, name: str) -> Agency:
    agency = session.get(Agency, key)
    if agency is None:
        agency = Agency(key=key, name=name)
        session.add(agency)
    return agency


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[str],
    email: str | None = None,
    agency: str | None = None,
    password_hash: str | None = None,
) -> AppUser:
    """Add a user; pass `password_hash` instead of hashing `password` again (demo data)."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"Unknown role key(s): {', '.join(unknown)}")
    user = AppUser(
        username=username,
        display_name=display_name,
        email=email,
        password_hash=password_hash or hash_password(password),
        agency_key=agency,
        active=True,
        failed_logins=0,
    )
    user.memberships = [Membership(role_key=r) for r in dict.fromkeys(roles)]
    session.add(user)
    session.flush()
    return user


def check_sign_in(
    session: Session, username: str, password: str, now: datetime
) -> tuple[AppUser | None, str]:
    """Check a password; return (user, "") on success or (user or None, reason) on failure."""
    user = session.scalars(select(AppUser).where(AppUser.username == username)).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None, "unknown_user"
    locked_until = as_utc(user.locked_until)
    if locked_until and locked_until > now:
        return user, "locked"
    if not check_password_hash(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_SIGN_INS:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
        return user, "wrong_password"
    if not user.active:
        return user, "inactive"
    user.failed_logins = 0
    user.locked_until = None
    return user, ""


def fresh(session: Session, user_id: int) -> UserInfo | None:
    """The user as stored now, if the account is active."""
    user = session.get(AppUser, user_id)
    return user_info(user) if user is not None and user.active else None


def by_username(session: Session, username: str | None) -> AppUser | None:
    if not username:
        return None
    return session.scalars(select(AppUser).where(AppUser.username == username)).first()


def get(session: Session, user_id: int) -> AppUser:
    user = session.get(AppUser, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    return user


def all_users(session: Session) -> list[AppUser]:
    return list(session.scalars(select(AppUser).order_by(AppUser.display_name)))


def agencies(session: Session) -> list[tuple[str, str]]:
    return [
        (a.key, a.name) for a in session.scalars(select(Agency).order_by(Agency.name))
    ]


def agency_exists(session: Session, key: str) -> bool:
    return session.get(Agency, key) is not None


def set_roles(user: AppUser, roles: Iterable[str]) -> None:
    user.memberships = [Membership(role_key=r) for r in dict.fromkeys(roles)]


def role_names_by_user(session: Session) -> dict[int, tuple[str, ...]]:
    """Each user's role names, for showing who did what in which capacity."""
    found: dict[int, list[str]] = {}
    for membership in session.scalars(select(Membership)):
        found.setdefault(membership.user_id, []).append(
            ROLES.get(membership.role_key, membership.role_key)
        )
    return {user: tuple(sorted(names)) for user, names in found.items()}
