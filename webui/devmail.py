"""Development only: every message the outbox holds, so a newcomer sees what the process sends.

Shown only when SCR_MAIL_VIEW=true in development (`make run` sets it); otherwise the page does not
exist. The messages themselves went to the local mail catcher `make run` starts.
"""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import render_template

from webui.extensions import actor
from webui.extensions import engine

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")


@bp.get("/")
def index() -> str:
    """Every message of the outbox, newest first, with its delivery status."""
    if not current_app.config.get("MAIL_VIEW"):
        abort(404)
    return render_template(
        "devmail/index.html", messages=engine().notifications.recent(actor())
    )
