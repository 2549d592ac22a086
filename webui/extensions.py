"""The app's extensions and the two things every view needs: the engine and the acting user."""

from __future__ import annotations

from flask import current_app
from flask_login import LoginManager
from flask_login import UserMixin
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from engine import Engine
from engine import UserInfo
from engine import can

login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"
csrf = CSRFProtect()


class Person(UserMixin):
    """The signed-in user as flask-login sees them: a thin wrapper around the engine's UserInfo."""

    def __init__(self, info: UserInfo, session_key: str) -> None:
        self.info = info
        self.session_key = session_key

    def get_id(self) -> str:
        """What the session keeps: the engine's session key, which signing out makes worthless."""
        return self.session_key

    @property
    def is_active(self) -> bool:
        return self.info.active

    @property
    def display_name(self) -> str:
        return self.info.display_name

    @property
    def roles(self) -> frozenset[str]:
        return self.info.roles

    def can(self, permission: str) -> bool:
        """Whether to show a link, button or form: the engine's rule of that name (it enforces it too)."""
        return can(self.info, permission)


def engine() -> Engine:
    """The engine, built once by `create_app`."""
    return current_app.extensions["scr"]


def actor() -> UserInfo:
    """The signed-in user, as the engine's service methods take them."""
    return current_user.info
