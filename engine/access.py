"""Who may see or do what. Decided here, in the engine, never in the web layer."""

from __future__ import annotations

from collections.abc import Iterable

from engine.dto import UserInfo
from engine.errors import NotPermitted
from engine.roles import BOARD_WIDE
from engine.roles import READ_ONLY


def require_can_change(user: UserInfo) -> None:
    """Auditors read everything and change nothing, whatever other roles they hold."""
    if not user.active:
        raise NotPermitted("This account is deactivated.")
    if user.roles & READ_ONLY:
        raise NotPermitted("Auditors can read every case but cannot change anything.")


def is_board_wide(user: UserInfo) -> bool:
    return bool(user.roles & BOARD_WIDE)


def may_work_on(
    user: UserInfo, roles: Iterable[str], agency: str | None, assignee_id: int | None
) -> bool:
    """A ready task is the assignee's, or is offered to a role the user holds (in the task's agency)."""
    if assignee_id is not None:
        return assignee_id == user.id
    return bool(user.roles & set(roles)) and (agency is None or agency == user.agency)


def require_role(user: UserInfo, allowed: Iterable[str], doing: str) -> None:
    allowed = set(allowed)
    if not user.roles & allowed:
        names = ", ".join(sorted(allowed)) or "nobody"
        raise NotPermitted(f"Only people with the role {names} may {doing}.")
