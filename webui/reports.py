"""The Board's reports: timeliness across cases, open cases by phase, overdue actions by agency, and
each case's statutory clock (also drawn on the case page, through `statutory_clock`)."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template

from engine import ClockView
from webui.extensions import actor
from webui.extensions import engine

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.app_context_processor
def clock_for_templates() -> dict[str, object]:
    """`statutory_clock(reference)` for cases/_clock.html, the partial the case page includes.

    The case page's own view belongs to webui/cases.py; the partial asks for its clock here, so the
    case page makes this one read more (nothing else calls it)."""

    def statutory_clock(reference: str) -> ClockView:
        return engine().reports.case_clock(actor(), reference)

    return {"statutory_clock": statutory_clock}


@bp.get("/")
def index() -> str:
    """The Board's report across cases, pictures with their tables."""
    return render_template("reports/index.html", report=engine().reports.board(actor()))


@bp.get("/cases/<reference>")
def case_clock(reference: str) -> str:
    """One case's statutory clock on a page of its own (to print for the Board)."""
    return render_template(
        "reports/case.html", view=engine().reports.case_clock(actor(), reference)
    )
