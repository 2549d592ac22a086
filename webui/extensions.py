"""The app's extensions and the two things every view needs: the engine's service and the acting user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask_login import LoginManager
from flask_login import UserMixin
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from engine import UserInfo

if TYPE_CHECKING:
    from engine.service import WorkflowService

login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"
csrf = CSRFProtect()


class Person(UserMixin):
    """The signed-in user as flask-login sees them: a thin wrapper around the engine's UserInfo."""

    def __init__(self, info: UserInfo) -> None:
        self.info = info

    def get_id(self) -> str:
        return str(self.info.id)

    @property
    def is_active(self) -> bool:
        return self.info.active

    @property
    def display_name(self) -> str:
        return self.info.display_name

    @property
    def roles(self) -> frozenset[str]:
        return self.info.roles

    @property
    def read_only(self) -> bool:
        """Auditors change nothing, so their pages show no buttons (the engine refuses anyway)."""
        return self.info.is_auditor

    def may_see(self, page: str) -> bool:
        """Whether to show a link or form; display only, the engine decides what is allowed."""
        return bool(self.info.roles & NAVIGATION_ROLES.get(page, frozenset()))


# Which roles see which links and forms. Display only: the engine enforces the same rules.
NAVIGATION_ROLES = {
    "deployments": frozenset({"process_owner", "admin", "auditor", "bqam"}),
    "deploy": frozenset({"process_owner", "admin"}),
    "users": frozenset({"admin", "auditor"}),
    "contacts": frozenset({"admin", "auditor", "bqam"}),
    "audit": frozenset({"auditor", "bqam", "independent_chair", "admin"}),
}


def service() -> WorkflowService:
    """The engine's service, built once by `create_app`."""
    return current_app.extensions["scr"]


def actor() -> UserInfo:
    """The signed-in user, as the engine's service methods take them."""
    return current_user.info
