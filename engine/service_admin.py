"""Service methods for administrators: users, their roles and agency, and the contacts table."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import access
from engine import accounts
from engine import audit
from engine.dto import ContactInfo
from engine.dto import UserInfo
from engine.errors import FormInvalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.models import Agency
from engine.models import AppUser
from engine.models import Contact
from engine.models import HumanTask
from engine.models import Membership
from engine.models import ReviewCase
from engine.roles import ROLES

if TYPE_CHECKING:
    from engine.service import WorkflowService


def _require_admin(user: UserInfo) -> None:
    access.require_can_change(user)
    access.require_role(user, {"admin"}, "manage users and contacts")


class AdminMixin:
    """Mixed into WorkflowService; uses its transaction helpers."""

    def list_roles(self: WorkflowService) -> list[tuple[str, str]]:
        return list(ROLES.items())

    def list_agencies(self: WorkflowService) -> list[tuple[str, str]]:
        return self._read(
            lambda s: [
                (a.key, a.name) for a in s.scalars(select(Agency).order_by(Agency.name))
            ]
        )

    def list_users(self: WorkflowService, actor: UserInfo) -> list[UserInfo]:
        def query(session: Session) -> list[UserInfo]:
            user = self._fresh(session, actor)
            access.require_role(user, {"admin", "auditor"}, "see the list of users")
            return [
                accounts.user_info(u)
                for u in session.scalars(select(AppUser).order_by(AppUser.display_name))
            ]

        return self._read(query)

    def create_user(
        self: WorkflowService,
        actor: UserInfo,
        username: str,
        display_name: str,
        email: str | None,
        password: str,
        roles: Iterable[str],
        agency: str | None,
    ) -> UserInfo:
        def command(session: Session, now: datetime) -> UserInfo:
            admin = self._fresh(session, actor)
            _require_admin(admin)
            errors = _user_errors(session, display_name, roles, agency)
            if not username.strip():
                errors["username"] = "Enter a user name"
            elif session.scalars(
                select(AppUser).where(AppUser.username == username)
            ).first():
                errors["username"] = (
                    f"The user name {username} is taken; choose another"
                )
            if len(password) < accounts.MIN_PASSWORD_LENGTH:
                errors["password"] = (
                    f"A password must be at least {accounts.MIN_PASSWORD_LENGTH} characters long"
                )
            if errors:
                raise FormInvalid(
                    errors,
                    {
                        "username": username,
                        "display_name": display_name,
                        "email": email,
                        "roles": list(roles),
                        "agency": agency,
                    },
                )
            user = accounts.create_user(
                session,
                username=username,
                display_name=display_name,
                password=password,
                roles=list(roles),
                email=email,
                agency=agency,
            )
            audit.record(
                session,
                type="user_created",
                at=now,
                **audit.by(admin),
                data={
                    "user": user.id,
                    "username": username,
                    "roles": sorted(roles),
                    "agency": agency,
                },
            )
            return accounts.user_info(user)

        return self._write(command)

    def update_user(
        self: WorkflowService,
        actor: UserInfo,
        user_id: int,
        display_name: str,
        email: str | None,
        roles: Iterable[str],
        agency: str | None,
    ) -> UserInfo:
        def command(session: Session, now: datetime) -> UserInfo:
            admin = self._fresh(session, actor)
            _require_admin(admin)
            user = _get_user(session, user_id)
            roles_list = list(dict.fromkeys(roles))
            errors = _user_errors(session, display_name, roles_list, agency)
            if errors:
                raise FormInvalid(
                    errors,
                    {
                        "display_name": display_name,
                        "email": email,
                        "roles": roles_list,
                        "agency": agency,
                    },
                )
            before = {
                "roles": sorted(m.role_key for m in user.memberships),
                "agency": user.agency_key,
            }
            user.display_name, user.email, user.agency_key = display_name, email, agency
            user.memberships = [Membership(role_key=r) for r in roles_list]
            audit.record(
                session,
                type="user_updated",
                at=now,
                **audit.by(admin),
                data={
                    "user": user.id,
                    "before": before,
                    "after": {"roles": sorted(roles_list), "agency": agency},
                },
            )
            session.flush()
            return accounts.user_info(user)

        return self._write(command)

    def deactivate_user(
        self: WorkflowService, actor: UserInfo, user_id: int
    ) -> UserInfo:
        """Deactivate an account; every task it had claimed goes back to its roles' pool."""

        def command(session: Session, now: datetime) -> UserInfo:
            admin = self._fresh(session, actor)
            _require_admin(admin)
            user = _get_user(session, user_id)
            if user.id == admin.id:
                raise NotPermitted("You cannot deactivate your own account.")
            user.active = False
            audit.record(
                session,
                type="user_deactivated",
                at=now,
                **audit.by(admin),
                data={"user": user.id, "username": user.username},
            )
            claimed = session.scalars(
                select(HumanTask).where(
                    HumanTask.assignee_id == user.id, HumanTask.state == "ready"
                )
            )
            for row in list(claimed):
                self._release_claim(session, row, admin, now)
            return accounts.user_info(user)

        return self._write(command)

    def _release_claim(
        self: WorkflowService,
        session: Session,
        row: HumanTask,
        admin: UserInfo,
        now: datetime,
    ) -> None:
        case = session.get(ReviewCase, row.case_id, with_for_update=True)
        assert case is not None
        run, bundle = self._load(session, case)
        run.set_claim(row.id, None)
        self._advance(session, case, run, bundle, now, admin, action=lambda: None)
        audit.record(
            session,
            type="task_unclaimed",
            at=now,
            **audit.by(admin),
            case_id=case.id,
            data={
                "task_id": row.id,
                "element": row.element_id,
                "name": row.name,
                "reason": "the claimer's account was deactivated",
                "username": None,
            },
        )

    def list_contacts(self: WorkflowService, actor: UserInfo) -> list[ContactInfo]:
        def query(session: Session) -> list[ContactInfo]:
            user = self._fresh(session, actor)
            access.require_role(user, {"admin", "bqam", "auditor"}, "see the contacts")
            return [
                ContactInfo(c.key, c.name, c.email)
                for c in session.scalars(select(Contact).order_by(Contact.name))
            ]

        return self._read(query)

    def save_contact(
        self: WorkflowService, actor: UserInfo, key: str, name: str, email: str
    ) -> ContactInfo:
        """Add or change an external body's name and address (notifications use the address at send time)."""

        def command(session: Session, now: datetime) -> ContactInfo:
            admin = self._fresh(session, actor)
            _require_admin(admin)
            errors = {}
            if not key or not key.replace("_", "").isalnum() or key != key.lower():
                errors["key"] = (
                    "Use lower-case letters, digits and underscores, like national_panel"
                )
            if not name.strip():
                errors["name"] = "Enter the name of the body"
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email or ""):
                errors["email"] = "Enter an email address like name@example.org"
            if errors:
                raise FormInvalid(errors, {"key": key, "name": name, "email": email})
            contact = session.get(Contact, key)
            before = (contact.name, contact.email) if contact else None
            if contact is None:
                contact = Contact(key=key, name=name, email=email)
                session.add(contact)
            contact.name, contact.email = name, email
            audit.record(
                session,
                type="contact_saved",
                at=now,
                **audit.by(admin),
                data={"key": key, "before": before, "after": [name, email]},
            )
            return ContactInfo(key, name, email)

        return self._write(command)


def _get_user(session: Session, user_id: int) -> AppUser:
    user = session.get(AppUser, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    return user


def _user_errors(
    session: Session, display_name: str, roles: Iterable[str], agency: str | None
) -> dict[str, str]:
    """Problems with a user's name, roles and agency, by form field."""
    errors = {}
    if not display_name.strip():
        errors["display_name"] = "Enter the person's full name"
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        errors["roles"] = f"Choose roles from the list; {', '.join(unknown)} is not one"
    if agency is not None and session.get(Agency, agency) is None:
        errors["agency"] = "Choose an agency from the list"
    return errors
