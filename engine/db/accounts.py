"""Users, roles and agencies; password hashing, sign-in, sessions that can be ended, and the sign-in
throttle by client (instead of locking accounts, which let anyone lock out any named person)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from engine.clock import as_utc
from engine.db.models import Agency
from engine.db.models import AppUser
from engine.db.models import Membership
from engine.db.models import Role
from engine.db.models import SignInFailure
from engine.dto import UserInfo
from engine.errors import NotFound
from engine.roles import ROLES

# Failed sign-ins from one client within the window before it must wait (the accounts stay open).
MAX_FAILURES_PER_CLIENT = 50
THROTTLE_WINDOW = timedelta(minutes=15)
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
        session_epoch=0,
    )
    user.memberships = [Membership(role_key=r) for r in dict.fromkeys(roles)]
    session.add(user)
    session.flush()
    return user


def check_sign_in(
    session: Session, username: str, password: str
) -> tuple[AppUser | None, str]:
    """Check a password; return (user, "") on success or (user or None, reason) on failure.

    Every path compares one password hash, so the time taken does not tell whether the name exists.
    """
    user = by_username(session, username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None, "unknown_user"
    if not check_password_hash(user.password_hash, password):
        return user, "wrong_password"
    if not user.active:
        return user, "inactive"
    return user, ""


def throttled_until(session: Session, client: str, now: datetime) -> datetime | None:
    """When `client` may try again, if it has failed MAX_FAILURES_PER_CLIENT times in the window."""
    recent = (
        select(SignInFailure.at)
        .where(SignInFailure.client == client, SignInFailure.at > now - THROTTLE_WINDOW)
        .order_by(SignInFailure.at.desc())
    )
    times = list(session.scalars(recent.limit(MAX_FAILURES_PER_CLIENT)))
    if len(times) < MAX_FAILURES_PER_CLIENT:
        return None
    oldest = as_utc(times[-1])
    return None if oldest is None else oldest + THROTTLE_WINDOW


def record_failure(session: Session, client: str, username: str, now: datetime) -> None:
    """Count a failed sign-in against its client; forget failures older than the window."""
    session.execute(
        delete(SignInFailure).where(SignInFailure.at <= now - THROTTLE_WINDOW)
    )
    session.add(SignInFailure(client=client[:100], username=username[:80], at=now))


def clear_failures(session: Session, username: str) -> int:
    """Lift the throttle from every client that failed to sign in as `username`; how many failures."""
    count = session.scalar(
        select(func.count(SignInFailure.id)).where(SignInFailure.username == username)
    )
    session.execute(delete(SignInFailure).where(SignInFailure.username == username))
    return int(count or 0)


def session_key(user: AppUser) -> str:
    """What a session stores to name its user: the id and the account's session epoch."""
    return f"{user.id}-{user.session_epoch}"


def by_session_key(session: Session, key: str) -> UserInfo | None:
    """The active user a session key names, unless their sessions were ended since it was made."""
    user_id, _, epoch = key.partition("-")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = session.get(AppUser, int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    return user_info(user)


def end_sessions(user: AppUser) -> None:
    """End every session of the user (signing out, a new password, deactivation)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def fresh(session: Session, user_id: int) -> UserInfo | None:
    """The user as stored now, if the account is active."""
    user = session.get(AppUser, user_id)
    return user_info(user) if user is not None and user.active else None


def by_username(session: Session, username: str | None) -> AppUser | None:
    if not username:
        return None
    return session.scalars(select(AppUser).where(AppUser.username == username)).first()


def by_email(session: Session, email: str) -> list[AppUser]:
    """Every account with this e-mail address, compared without regard to case."""
    wanted = email.strip().lower()
    query = select(AppUser).where(func.lower(AppUser.email) == wanted)
    return list(session.scalars(query.order_by(AppUser.id)))


def free_username(session: Session, wanted: str) -> str:
    """`wanted` cut to a user name's length, or with the first free number after it."""
    base = wanted[:70] or "user"
    name, number = base, 1
    while by_username(session, name) is not None:
        number += 1
        name = f"{base}{number}"
    return name


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


def has_active_admin(session: Session) -> bool:
    """Whether any active account holds the admin role (the first one is made by `scr user create`)."""
    query = (
        select(AppUser.id)
        .join(Membership)
        .where(Membership.role_key == "admin", AppUser.active.is_(True))
    )
    return session.scalars(query.limit(1)).first() is not None


def require_by_username(session: Session, username: str) -> AppUser:
    """The named account, active or not.

    :raises NotFound: there is no such account.
    """
    user = by_username(session, username)
    if user is None:
        raise NotFound(f"There is no user {username!r}.")
    return user
