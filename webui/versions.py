"""Process versions: what changed between two deployments, moving cases in flight to another version
(and back), and choosing the version new cases start on (a roll back).

The routes sit under /deployments beside the deployments blueprint. Only process owners and admins may
change versions; auditors and the BQAM may compare deployments. The engine decides both.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from engine import DeploymentInfo
from engine import MigrationCheck
from webui.extensions import actor
from webui.extensions import service

bp = Blueprint("versions", __name__, url_prefix="/deployments")


@bp.post("/<int:deployment_id>/activate")
def activate(deployment_id: int) -> Response:
    """Make this deployment the one new cases start on; cases in flight stay where they are."""
    note = request.form.get("note", "").strip()
    info = service().activate_deployment(actor(), deployment_id, note)
    flash(
        f"Deployment {info.id} is now current: new cases start on it. "
        "Cases in flight stay on the version they are on.",
        "success",
    )
    return redirect(url_for("deployments.index"))


@bp.get("/changes")
def changes() -> str:
    """What changed from one deployment to another, per process.

    ?old= and ?new= choose them; by default, the current deployment and the one made before it.
    """
    deployments = service().list_deployments(actor())
    new = request.args.get("new", type=int) or current_id(deployments)
    old = request.args.get("old", type=int) or older_than(deployments, new)
    found = service().diff_deployments(actor(), old, new) if old and new else []
    return render_template(
        "versions/changes.html",
        deployments=deployments,
        old=old,
        new=new,
        changes=found,
    )


@bp.get("/migrations")
def plan() -> str:
    """Dry run: per active case on another version, whether it can move, why not, what changes.

    ?to= chooses the deployment to move cases to; by default, the current one.
    """
    svc, user = service(), actor()
    deployments = svc.list_deployments(user)
    to = request.args.get("to", type=int) or current_id(deployments)
    return render_template(
        "versions/plan.html",
        deployments=deployments,
        to=to,
        checks=svc.plan_migrations(user, to) if to else [],
        on_target=svc.deployment_cases(user, to) if to else [],
        moved={m.reference: m for m in svc.list_migrations(user, to)} if to else {},
    )


@bp.post("/migrations")
def migrate_all() -> Response:
    """Move every case of one deployment that can safely move; say which stayed behind and why."""
    source = request.form.get("from", type=int)
    target = request.form.get("to", type=int)
    if source is None or target is None:
        abort(
            400, "Choose the deployment to move cases from and the one to move them to."
        )
    results = service().migrate_cases(actor(), source, target)
    flash_results(results, source, target)
    return redirect(url_for("versions.plan", to=target))


@bp.post("/migrations/<reference>")
def migrate_one(reference: str) -> Response:
    """Move one case to the chosen deployment; refused, with the reasons, if it is not safe."""
    target = request.form.get("to", type=int)
    if target is None:
        abort(400, "Choose the deployment to move the case to.")
    moved = service().migrate_case(actor(), reference, target)
    flash(
        f"Case {reference} moved from deployment {moved.from_deployment} to "
        f"{moved.to_deployment}: its next steps come from the new version. You can undo "
        "this until anything else happens in the case.",
        "success",
    )
    return redirect(url_for("versions.plan", to=target))


@bp.post("/migrations/<reference>/undo")
def undo(reference: str) -> Response:
    """Put a moved case back as it was, if nothing has happened in it since."""
    service().undo_migration(actor(), reference)
    flash(
        f"Case {reference} is back on the version it was on before it was moved, "
        "exactly as it was then.",
        "success",
    )
    return redirect(url_for("versions.plan", to=request.form.get("to", type=int)))


def flash_results(results: Sequence[MigrationCheck], source: int, target: int) -> None:
    """One message for the cases moved, and one for each case that stayed, with its reasons."""
    moved = [r.reference for r in results if r.migrated]
    if moved:
        flash(
            f"Moved {len(moved)} case{'s' if len(moved) != 1 else ''} to deployment "
            f"{target}: {', '.join(moved)}.",
            "success",
        )
    for result in results:
        if not result.migrated:
            reasons = "; ".join(result.reasons)
            flash(
                f"Case {result.reference} stayed on deployment {source}: {reasons}.",
                "info",
            )
    if not results:
        flash(f"No active case of deployment {source} could be moved.", "info")


def current_id(deployments: Sequence[DeploymentInfo]) -> int | None:
    """The deployment new cases start on (the newest, if none is marked current)."""
    current = [d.id for d in deployments if d.current]
    return current[0] if current else max((d.id for d in deployments), default=None)


def older_than(deployments: Sequence[DeploymentInfo], new: int | None) -> int | None:
    """The deployment made just before `new`, if any."""
    if new is None:
        return None
    return max((d.id for d in deployments if d.id < new), default=None)
