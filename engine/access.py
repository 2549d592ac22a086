"""Who may see or do what: every permission rule of the engine, by name. Decided here, never in the web
layer (which asks `can(user, "deploy")` to decide what to show, and the engine refuses anyway).

A rule names the roles it is granted to and whether it changes anything: auditors hold read-only
powers whatever other roles they have, and a deactivated account changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.dto import UserInfo
from engine.errors import NotPermitted
from engine.roles import BOARD_WIDE
from engine.roles import READ_ONLY

OWNERS = frozenset({"process_owner", "admin"})
VERSION_READERS = OWNERS | {"auditor", "bqam"}


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[str]
    changes: bool
    doing: str


RULES: dict[str, Rule] = {
    "deploy": Rule(OWNERS, True, "deploy diagrams"),
    "choose_version": Rule(OWNERS, True, "choose the version new cases start on"),
    "see_deployments": Rule(VERSION_READERS, False, "see deployments"),
    "plan_migrations": Rule(OWNERS, False, "plan migrations"),
    "migrate_cases": Rule(OWNERS, True, "migrate cases"),
    "see_migrations": Rule(VERSION_READERS, False, "see migrations"),
    "see_users": Rule(frozenset({"admin", "auditor"}), False, "see the list of users"),
    "manage_users": Rule(frozenset({"admin"}), True, "manage users and contacts"),
    "see_contacts": Rule(
        frozenset({"admin", "bqam", "auditor"}), False, "see the contacts"
    ),
    "manage_contacts": Rule(frozenset({"admin"}), True, "manage users and contacts"),
    "see_failed_notifications": Rule(
        frozenset({"bqam", "admin", "auditor"}), False, "see failed notifications"
    ),
    "release_any_claim": Rule(
        frozenset({"bqam", "admin"}), True, "release a task somebody else claimed"
    ),
    "see_audit": Rule(
        frozenset({"auditor", "bqam", "independent_chair", "admin"}),
        False,
        "read the audit pages",
    ),
    "see_every_case": Rule(BOARD_WIDE, False, "see every case"),
    "change": Rule(frozenset(), True, "change anything"),
}


def can(user: UserInfo, permission: str) -> bool:
    """Whether `user` holds `permission` (a key of RULES; "change" = may change anything at all)."""
    rule = RULES[permission]
    if rule.changes and (not user.active or user.roles & READ_ONLY):
        return False
    return permission == "change" or bool(user.roles & rule.roles)


def require(user: UserInfo, permission: str) -> None:
    """Raise NotPermitted, saying why, unless `user` holds `permission`."""
    if can(user, permission):
        return
    rule = RULES[permission]
    if rule.changes:
        require_can_change(user)
    names = ", ".join(sorted(rule.roles)) or "nobody"
    raise NotPermitted(f"Only people with the role {names} may {rule.doing}.")


def require_can_change(user: UserInfo) -> None:
    """Auditors read everything and change nothing, whatever other roles they hold."""
    if not user.active:
        raise NotPermitted("This account is deactivated.")
    if user.roles & READ_ONLY:
        raise NotPermitted("Auditors can read every case but cannot change anything.")


def sees_every_case(user: UserInfo) -> bool:
    """Board-wide roles see every case; everyone else the cases they take part in."""
    return can(user, "see_every_case")


def may_work_on(
    user: UserInfo, roles: Iterable[str], agency: str | None, assignee_id: int | None
) -> bool:
    """A ready task is the assignee's, or is offered to a role the user holds (in the task's agency)."""
    if assignee_id is not None:
        return assignee_id == user.id
    return bool(user.roles & set(roles)) and (agency is None or agency == user.agency)


def require_work(
    user: UserInfo, roles: Iterable[str], agency: str | None, assignee_id: int | None
) -> None:
    """NotPermitted, saying whether the task is someone else's or not offered to the user's roles."""
    roles = list(roles)
    if may_work_on(user, roles, agency, assignee_id):
        return
    if assignee_id is not None and user.roles & set(roles):
        raise NotPermitted("Somebody else has claimed this task.")
    raise NotPermitted("This task is not offered to any of your roles.")


def require_one_of(user: UserInfo, roles: Iterable[str], doing: str) -> None:
    """For rules a diagram sets (who may start a process, who may send a message): one of `roles`."""
    allowed = set(roles)
    if not user.roles & allowed:
        names = ", ".join(sorted(allowed)) or "nobody"
        raise NotPermitted(f"Only people with the role {names} may {doing}.")
