"""Single sign-on through the council's OpenID Connect provider (Authlib's Flask client).

The provider is found from its issuer's discovery document. Signing in is the authorization code
flow with PKCE (S256), a `state` kept in the session and checked on return, and a `nonce` checked in
the ID token, whose signature (the provider's JWKS), issuer, audience and expiry Authlib verifies.
Which account that is, and with which roles, the engine decides (`engine.single_sign_on`). Every
failure ends on a page that says what happened and what to do; the details go to the log.
"""

from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App
from authlib.integrations.flask_client import OAuth
from flask import Blueprint
from flask import Flask
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import login_user
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from engine import NotSignedIn
from engine import OidcSettings
from webui.auth import safe_next
from webui.extensions import Person
from webui.extensions import engine

bp = Blueprint("oidc", __name__, url_prefix="/sign-in/sso")
log = logging.getLogger(__name__)

CLIENT = "scr_oidc_client"
NEXT = "sso_next"
# Seconds to wait for the provider before telling the person it is not answering.
TIMEOUT = 10
# What each failure is called on its page, and the status it is served with.
PROBLEMS = {
    "unreachable": (
        "The council's sign-in service is not answering",
        "We could not reach your council's sign-in service, so you have not been signed in. "
        "Try again in a few minutes.",
        502,
    ),
    "expired": (
        "Your sign-in did not finish",
        "This sign-in was started in another window, took too long, or was already used, so "
        "you have not been signed in. Start again.",
        400,
    ),
    "refused": (
        "The council's sign-in service did not sign you in",
        "Your council's sign-in service did not confirm who you are, so you have not been "
        "signed in. Start again; if it keeps happening, tell your IT service desk.",
        400,
    ),
    "untrusted": (
        "We could not check who you are",
        "The reply from your council's sign-in service could not be verified, so you have not "
        "been signed in. Try again; if it keeps happening, tell the Board's administrator.",
        400,
    ),
}


def init_app(app: Flask) -> None:
    """Register the provider's client when the engine's settings configure single sign-on."""
    provider: OidcSettings | None = app.extensions["scr"].single_sign_on.provider
    if provider is None:
        return
    oauth = OAuth(app)
    app.extensions[CLIENT] = oauth.register(
        "council",
        client_id=provider.client_id,
        client_secret=provider.client_secret.get_secret_value(),
        server_metadata_url=provider.discovery_url,
        client_kwargs={
            "scope": "openid email profile",
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT,
        },
    )


@bp.get("/")
def start() -> Response | tuple[str, int]:
    """Send the person to the council's provider (with state, nonce and a PKCE challenge)."""
    client, _ = _configured()
    session[NEXT] = request.args.get("next") or ""
    try:
        return client.authorize_redirect(url_for(".callback", _external=True))
    except (requests.RequestException, ValueError, AuthlibBaseError) as err:
        log.warning("single sign-on: the provider's discovery failed: %r", err)
        return _problem("unreachable")


@bp.get("/callback")
def callback() -> Response | tuple[str, int]:
    """Back from the provider: check state, redeem the code, verify the ID token, sign in."""
    claims = _verified_claims(*_configured())
    if isinstance(claims, tuple):
        return claims
    try:
        info, key = engine().single_sign_on.sign_in(claims)
    except NotSignedIn as err:
        page = render_template("auth/sso_refused.html", message=str(err))
        return page, 403
    next_url = safe_next(session.get(NEXT))
    session.clear()  # a new session at sign-in: nothing from before carries over
    login_user(Person(info, key))
    session.permanent = True
    if not info.roles:
        return redirect(url_for(".waiting"))
    return redirect(next_url or url_for("tasks.index"))


@bp.get("/waiting")
def waiting() -> str:
    """For someone signed in with no roles yet: an administrator must grant them access."""
    return render_template("auth/sso_waiting.html")


def _verified_claims(
    client: FlaskOAuth2App, provider: OidcSettings
) -> dict[str, object] | tuple[str, int]:
    """The ID token's claims once Authlib has checked state, PKCE, signature, iss, aud, exp, nonce."""
    # The issuer must be the one configured, not only the one the discovery document names.
    issuer = {"iss": {"essential": True, "values": [provider.issuer]}}
    try:
        token = client.authorize_access_token(claims_options=issuer)
    except MismatchingStateError:
        return _problem("expired")
    except OAuthError as err:
        log.warning("single sign-on: the provider said %s (%s)", err.error, err)
        return _problem("refused")
    except requests.RequestException as err:
        log.warning("single sign-on: the provider did not answer: %r", err)
        return _problem("unreachable")
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as err:
        log.warning("single sign-on: the ID token was refused: %r", err)
        return _problem("untrusted")
    claims = token.get("userinfo")
    if not claims:
        log.warning("single sign-on: the provider sent no ID token")
        return _problem("untrusted")
    return dict(claims)


def _configured() -> tuple[FlaskOAuth2App, OidcSettings]:
    """The provider's client and settings; 404 where single sign-on is not configured."""
    client = current_app.extensions.get(CLIENT)
    provider = engine().single_sign_on.provider
    if client is None or provider is None:
        abort(404)
    return client, provider


def _problem(kind: str) -> tuple[str, int]:
    title, message, status = PROBLEMS[kind]
    page = render_template("auth/sso_failed.html", title=title, message=message)
    return page, status
