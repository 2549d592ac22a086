"""A case's team (issue 12): shown on the case page; changed by the Business and QA Manager."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from engine import CaseTeam
from engine import FormInvalid
from engine import NotPermitted
from webui.extensions import actor
from webui.extensions import engine

bp = Blueprint("team", __name__)


@bp.app_context_processor
def team_for_templates() -> dict[str, object]:
    """`case_team(reference)` for cases/_team.html, the partial the case page includes."""

    def case_team(reference: str) -> CaseTeam:
        return engine().case_teams.team(actor(), reference)

    return {"case_team": case_team}


@bp.get("/cases/<reference>/team")
def edit(reference: str) -> str:
    """The Business and QA Manager's page to change the team (others: refused, as the engine would)."""
    team = engine().case_teams.team(actor(), reference)
    if not team.may_change:
        raise NotPermitted("Only people with the role bqam may change a case's team.")
    return render_template("team/edit.html", team=team, values={}, errors={})


@bp.post("/cases/<reference>/team")
def change(reference: str) -> Response | tuple[str, int]:
    form = request.form
    try:
        engine().case_teams.change(
            actor(),
            reference,
            form.get("case_role", ""),
            form.get("usernames", ""),
            form.get("reason", ""),
        )
    except FormInvalid as err:
        team = engine().case_teams.team(actor(), reference)
        page = render_template(
            "team/edit.html", team=team, values=err.submitted, errors=err.errors
        )
        return page, 400
    flash(f"The team of case {reference} is changed.", "success")
    return redirect(url_for("cases.show", reference=reference) + "#team")
