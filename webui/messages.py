"""The messages the service sent me (in-app copies of notifications addressed to me)."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template

from webui.extensions import actor
from webui.extensions import engine

bp = Blueprint("messages", __name__, url_prefix="/messages")


@bp.get("/")
def index() -> str:
    """My messages, newest first."""
    return render_template(
        "messages/index.html", messages=engine().notifications.mine(actor())
    )
