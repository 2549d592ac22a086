"""Signing in and out. The engine checks passwords, slows down a client that fails too often (never
locking an account), and ends every session of a user who signs out. Single sign-on through the
council's identity provider, when configured, is webui/oidc.py; its button is on this sign-in page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from werkzeug.wrappers import Response

from engine import NotSignedIn
from engine import SignInThrottled
from webui.extensions import Person
from webui.extensions import actor
from webui.extensions import engine
from webui.extensions import login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_key: str) -> Person | None:
    """The signed-in person, or None if the account was deactivated or signed out since."""
    info = engine().accounts.find_session(session_key)
    return Person(info, session_key) if info else None


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response | tuple[str, int]:
    """Show the sign-in form; check the name and password; go back where the person was going."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template(
            "auth/sign_in.html", next=next_url, errors={}, sso=_sso_label()
        )
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    errors = _missing(username, password)
    if not errors:
        client = request.remote_addr or ""
        try:
            info, key = engine().accounts.start_session(username, password, client)
        except SignInThrottled as err:
            return render_template("auth/throttled.html", message=str(err)), 429
        except NotSignedIn as err:
            errors = {"username": str(err)}
        else:
            session.clear()  # a new session at sign-in: nothing from before carries over
            login_user(Person(info, key))
            session.permanent = True
            return redirect(next_url or url_for("tasks.index"))
    page = render_template(
        "auth/sign_in.html",
        next=next_url,
        errors=errors,
        username=username,
        sso=_sso_label(),
    )
    return page, 400


@bp.post("/sign-out")
def sign_out() -> Response:
    """End every session of this user (a copy of the cookie stops working too)."""
    if current_user.is_authenticated:
        engine().accounts.sign_out(actor())
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


def _sso_label() -> str | None:
    """The single sign-on button's words, or None when single sign-on is off (webui/oidc.py)."""
    provider = engine().single_sign_on.provider
    return provider.label if provider else None


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
