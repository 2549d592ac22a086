"""Signing in and out. The engine checks passwords and locks accounts after repeated failures."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import login_user
from flask_login import logout_user
from werkzeug.wrappers import Response

from engine import NotSignedIn
from webui.extensions import Person
from webui.extensions import engine
from webui.extensions import login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> Person | None:
    """The signed-in person, or None if the account was deactivated since."""
    info = engine().accounts.find(int(user_id)) if user_id.isdigit() else None
    return Person(info) if info else None


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response | tuple[str, int]:
    """Show the sign-in form; check the name and password; go back where the person was going."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/sign_in.html", next=next_url, errors={})
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    errors = _missing(username, password)
    if not errors:
        try:
            info = engine().accounts.sign_in(username, password)
        except NotSignedIn as err:
            errors = {"username": str(err)}
        else:
            session.clear()  # a new session at sign-in: nothing from before carries over
            login_user(Person(info))
            session.permanent = True
            return redirect(next_url or url_for("tasks.index"))
    page = render_template(
        "auth/sign_in.html", next=next_url, errors=errors, username=username
    )
    return page, 400


@bp.post("/sign-out")
def sign_out() -> Response:
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


def _missing(username: str, password: str) -> dict[str, str]:
    errors = {}
    if not username:
        errors["username"] = "Enter your user name"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105 (a message, not a secret)
    return errors


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (never an open redirect)."""
    if not target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target.replace("\\", "/"))
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if target.startswith(("//", "/\\")):
        return None
    return target
