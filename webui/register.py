"""The recommendations register across cases: filter, read, export (seed 002 §9)."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import render_template
from flask import request

from engine import RegisterFilter
from webui.extensions import actor
from webui.extensions import engine

bp = Blueprint("register", __name__, url_prefix="/register")


def _filters() -> RegisterFilter:
    args = request.args
    return RegisterFilter(
        agency=args.get("agency") or None,
        status=args.get("status") or None,
        overdue=args.get("overdue") == "yes",
        case=args.get("case") or None,
    )


@bp.get("/")
def index() -> str:
    """Every action the user may see, filtered by agency, status, overdue and case."""
    return render_template(
        "register/index.html", page=engine().register.page(actor(), _filters())
    )


@bp.get("/export.<fmt>")
def export(fmt: str) -> Response:
    """The filtered register as CSV or XLSX."""
    file = engine().register.export(actor(), _filters(), fmt)
    return Response(
        file.content,
        mimetype=file.content_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )
