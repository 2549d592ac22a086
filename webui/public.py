"""Pages anyone may read without signing in (the accessibility statement, the privacy notice, cookies),
and the answer to "Stay signed in" in the session-timeout warning."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from werkzeug.wrappers import Response

bp = Blueprint("public", __name__)


@bp.get("/accessibility-statement")
def accessibility() -> str:
    """How accessible the service is, what is not yet, and how to report a problem."""
    return render_template("public/accessibility.html")


@bp.get("/privacy")
def privacy() -> str:
    """What personal data the service holds, why, for how long, and people's rights."""
    return render_template("public/privacy.html")


@bp.get("/cookies")
def cookies() -> str:
    """The one cookie the service sets, and why it needs no consent."""
    return render_template("public/cookies.html")


@bp.get("/keep-signed-in")
def keep_signed_in() -> Response:
    """Nothing but a fresh session cookie: the session-timeout warning's "Stay signed in" (sign-in required)."""
    return Response(status=204)
