"""People and bodies: users with their roles and agency, the contacts table, reference and demo data."""

from __future__ import annotations

import re
from collections.abc import Iterable

from engine.db import accounts as account_rows
from engine.db import contacts as contact_rows
from engine.db import tasks as task_rows
from engine.db.demo import load_demo
from engine.db.reference import ensure_reference_data
from engine.dto import ContactInfo
from engine.dto import UserInfo
from engine.errors import FormInvalid
from engine.errors import NotPermitted
from engine.roles import CASE_PREFIX
from engine.roles import CASE_ROLE_NAMES
from engine.roles import ROLES
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork

CONTACT_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
AGENCY_KEY = re.compile(r"[a-z][a-z0-9_]{0,59}")


class Directory:
    def __init__(self, transactions: Transactions, kit: Kit) -> None:
        self.transactions = transactions
        self.kit = kit

    def roles(self) -> list[tuple[str, str]]:
        """Every role key with its name."""
        return list(ROLES.items())

    def case_roles(self) -> list[tuple[str, str]]:
        """Every case role as a diagram addresses it (`case:panel_member`), named "… of this case"."""
        return [
            (f"{CASE_PREFIX}{key}", f"{name} of this case")
            for key, name in CASE_ROLE_NAMES.items()
        ]

    def agencies(self) -> list[tuple[str, str]]:
        """Every agency key with its name, by name."""
        return self.transactions.read(
            None, lambda tx: account_rows.agencies(tx.session)
        )

    def users(self, actor: UserInfo) -> list[UserInfo]:
        """Every account, by name (administrators and auditors)."""

        def query(tx: UnitOfWork) -> list[UserInfo]:
            tx.require("see_users")
            return [
                account_rows.user_info(u) for u in account_rows.all_users(tx.session)
            ]

        return self.transactions.read(actor, query)

    def create_user(
        self,
        actor: UserInfo,
        username: str,
        display_name: str,
        email: str | None,
        password: str,
        roles: Iterable[str],
        agency: str | None,
    ) -> UserInfo:
        """Add an account.

        :raises FormInvalid: problems by field (a taken user name, a short password, an unknown role).
        """
        roles = list(roles)

        def command(tx: UnitOfWork) -> UserInfo:
            tx.require("manage_users")
            return _add_user(tx, username, display_name, email, password, roles, agency)

        return self.transactions.write(actor, command)

    def update_user(
        self,
        actor: UserInfo,
        user_id: int,
        display_name: str,
        email: str | None,
        roles: Iterable[str],
        agency: str | None,
    ) -> UserInfo:
        """Change a person's name, address, roles and agency.

        :raises FormInvalid: problems by field.
        """
        roles = list(dict.fromkeys(roles))

        def command(tx: UnitOfWork) -> UserInfo:
            tx.require("manage_users")
            user = account_rows.get(tx.session, user_id)
            errors = _user_errors(tx, display_name, roles, agency)
            if errors:
                raise FormInvalid(
                    errors,
                    {
                        "display_name": display_name,
                        "email": email,
                        "roles": roles,
                        "agency": agency,
                    },
                )
            before = {
                "roles": sorted(m.role_key for m in user.memberships),
                "agency": user.agency_key,
            }
            user.display_name, user.email, user.agency_key = display_name, email, agency
            account_rows.set_roles(user, roles)
            tx.record(
                "user_updated",
                user=user.id,
                before=before,
                after={"roles": sorted(roles), "agency": agency},
            )
            tx.session.flush()
            return account_rows.user_info(user)

        return self.transactions.write(actor, command)

    def deactivate_user(self, actor: UserInfo, user_id: int) -> UserInfo:
        """Deactivate an account; every task it had claimed goes back to its roles' pool."""

        def command(tx: UnitOfWork) -> UserInfo:
            admin = tx.require("manage_users")
            user = account_rows.get(tx.session, user_id)
            if user.id == admin.id:
                raise NotPermitted("You cannot deactivate your own account.")
            user.active = False
            account_rows.end_sessions(user)
            tx.record("user_deactivated", user=user.id, username=user.username)
            store = CaseStore(tx, self.kit)
            for task in task_rows.claimed_by(tx.session, user.id):
                case = store.open(store.task(task.id)[1])
                case.set_claim(task.id, None)
                tx.record(
                    "task_unclaimed",
                    case.row,
                    task_id=task.id,
                    element=task.element_id,
                    name=task.name,
                    reason="the claimer's account was deactivated",
                    username=None,
                )
            return account_rows.user_info(user)

        return self.transactions.write(actor, command)

    def create_first_admin(
        self, username: str, display_name: str, email: str | None, password: str
    ) -> UserInfo:
        """The first administrator of an empty installation (`scr user create --admin`, no `--as`).

        :raises NotPermitted: an active administrator exists; they must create the others.
        :raises FormInvalid: problems by field.
        """

        def command(tx: UnitOfWork) -> UserInfo:
            if account_rows.has_active_admin(tx.session):
                raise NotPermitted(
                    "An administrator exists already: name one with --as to add users."
                )
            ensure_reference_data(tx.session)
            return _add_user(
                tx, username, display_name, email, password, ["admin"], None
            )

        return self.transactions.write(None, command)

    def set_password(self, actor: UserInfo, username: str, password: str) -> None:
        """Give an account a new password (an administrator, or the person themselves).

        :raises FormInvalid: the password is too short.
        """

        def command(tx: UnitOfWork) -> None:
            user = account_rows.require_by_username(tx.session, username)
            if user.id != tx.user.id:
                tx.require("manage_users")
            try:
                user.password_hash = account_rows.hash_password(password)
            except ValueError as err:
                raise FormInvalid({"password": str(err)}, {}) from None
            account_rows.end_sessions(user)  # a new password signs every session out
            tx.record("password_set", user=user.id, username=user.username)

        self.transactions.write(actor, command)

    def reactivate_user(self, actor: UserInfo, username: str) -> UserInfo:
        """Let a deactivated account sign in and be given tasks again."""
        return self._change_account(actor, username, "user_reactivated", active=True)

    def unlock_user(self, actor: UserInfo, username: str) -> UserInfo:
        """Let every client that failed to sign in as this user try again at once.

        Accounts are never locked; failures slow down the client that made them
        (`engine.services.accounts`). This lifts that throttle where this user name was tried.
        """
        return self._change_account(actor, username, "user_unlocked", unlock=True)

    def _change_account(
        self,
        actor: UserInfo,
        username: str,
        event: str,
        active: bool | None = None,
        unlock: bool = False,
    ) -> UserInfo:
        def command(tx: UnitOfWork) -> UserInfo:
            tx.require("manage_users")
            user = account_rows.require_by_username(tx.session, username)
            if active is not None:
                user.active = active
            extra = {}
            if unlock:
                extra["failures"] = account_rows.clear_failures(
                    tx.session, user.username
                )
            tx.record(event, user=user.id, username=user.username, **extra)
            return account_rows.user_info(user)

        return self.transactions.write(actor, command)

    def add_agencies(self, actor: UserInfo, agencies: list[tuple[str, str]]) -> int:
        """Add agencies (key, name), or rename existing ones; return how many were new.

        :raises FormInvalid: a key that is not lower-case letters, digits and underscores, or no name.
        """
        problems = {
            f"{key or '(empty)'}": "Use lower-case letters, digits and underscores "
            "for the key, and give a name"
            for key, name in agencies
            if not AGENCY_KEY.fullmatch(key) or not name.strip()
        }
        if problems:
            raise FormInvalid(problems, {})

        def command(tx: UnitOfWork) -> int:
            tx.require("manage_users")
            added = 0
            for key, name in agencies:
                added += not account_rows.agency_exists(tx.session, key)
                account_rows.ensure_agency(tx.session, key, name).name = name.strip()
                tx.record("agency_saved", key=key, name=name.strip())
            return added

        return self.transactions.write(actor, command)

    def contacts(self, actor: UserInfo) -> list[ContactInfo]:
        """The external bodies notifications go to, by name."""

        def query(tx: UnitOfWork) -> list[ContactInfo]:
            tx.require("see_contacts")
            return [
                ContactInfo(c.key, c.name, c.email)
                for c in contact_rows.all_contacts(tx.session)
            ]

        return self.transactions.read(actor, query)

    def save_contact(
        self, actor: UserInfo, key: str, name: str, email: str
    ) -> ContactInfo:
        """Add or change an external body's name and address (notifications use it at send time)."""

        def command(tx: UnitOfWork) -> ContactInfo:
            tx.require("manage_contacts")
            errors = {}
            if not key or not key.replace("_", "").isalnum() or key != key.lower():
                errors["key"] = (
                    "Use lower-case letters, digits and underscores, like national_panel"
                )
            if not name.strip():
                errors["name"] = "Enter the name of the body"
            if not CONTACT_EMAIL.fullmatch(email or ""):
                errors["email"] = "Enter an email address like name@example.org"
            if errors:
                raise FormInvalid(errors, {"key": key, "name": name, "email": email})
            before = contact_rows.save(tx.session, key, name, email)
            tx.record("contact_saved", key=key, before=before, after=[name, email])
            return ContactInfo(key, name, email)

        return self.transactions.write(actor, command)

    def ensure_reference_data(self) -> None:
        """Role rows and the default contacts that do not exist yet."""
        self.transactions.write(None, lambda tx: ensure_reference_data(tx.session))

    def load_demo_users(self) -> int:
        """Add demo users for every role (never on a live system); return how many were added."""
        return self.transactions.write(None, lambda tx: load_demo(tx.session))


def _user_errors(
    tx: UnitOfWork, display_name: str, roles: Iterable[str], agency: str | None
) -> dict[str, str]:
    """Problems with a user's name, roles and agency, by form field."""
    errors = {}
    if not display_name.strip():
        errors["display_name"] = "Enter the person's full name"
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        errors["roles"] = f"Choose roles from the list; {', '.join(unknown)} is not one"
    if agency is not None and not account_rows.agency_exists(tx.session, agency):
        errors["agency"] = "Choose an agency from the list"
    return errors


def _add_user(
    tx: UnitOfWork,
    username: str,
    display_name: str,
    email: str | None,
    password: str,
    roles: list[str],
    agency: str | None,
) -> UserInfo:
    """Check and add one account, with its audit event.

    :raises FormInvalid: problems by field.
    """
    errors = _user_errors(tx, display_name, roles, agency)
    if not username.strip():
        errors["username"] = "Enter a user name"
    elif account_rows.by_username(tx.session, username):
        errors["username"] = f"The user name {username} is taken; choose another"
    if len(password) < account_rows.MIN_PASSWORD_LENGTH:
        errors["password"] = (
            "A password must be at least "
            f"{account_rows.MIN_PASSWORD_LENGTH} characters long"
        )
    if errors:
        raise FormInvalid(
            errors,
            {
                "username": username,
                "display_name": display_name,
                "email": email,
                "roles": roles,
                "agency": agency,
            },
        )
    user = account_rows.create_user(
        tx.session,
        username=username,
        display_name=display_name,
        password=password,
        roles=roles,
        email=email,
        agency=agency,
    )
    tx.record(
        "user_created",
        user=user.id,
        username=username,
        roles=sorted(roles),
        agency=agency,
    )
    return account_rows.user_info(user)
