"""Process owners: deploy diagrams, see the deployments and the cases on each, compare versions, move
cases in flight to another version (and back), and choose the version new cases start on (a roll back).

Only process owners and admins may change versions; auditors and the BQAM may look. The engine decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from engine import DeploymentInfo
from engine import MigrationCheck
from engine import NotFound
from webui.extensions import actor
from webui.extensions import engine

bp = Blueprint("deployments", __name__, url_prefix="/deployments")
# Message templates live in this folder of a deployment (as in bpmn/templates/).
TEMPLATE_FOLDER = "templates"


@bp.get("/")
def index() -> str:
    """Every deployment, newest first, and the form to upload a new one."""
    return render_template(
        "deployments/index.html", deployments=engine().deployments.index(actor())
    )


@bp.post("/")
def deploy() -> Response | tuple[str, int]:
    """Validate and deploy the uploaded files; every problem is listed if they are refused."""
    files = bundle_files(request.files.getlist("files"))
    note = request.form.get("note", "").strip()
    if not files:
        error = "Choose one or more .bpmn, .dmn or .txt files to deploy"
        page = render_template(
            "deployments/index.html",
            deployments=engine().deployments.index(actor()),
            errors={"files": error},
            note=note,
        )
        return page, 400
    info = engine().deployments.deploy(actor(), files, note)
    if info.created:
        flash(f"Deployment {info.id} is live: new cases start on it.", "success")
    else:
        flash(f"These files are already deployment {info.id}; nothing changed.", "info")
    return redirect(url_for("deployments.show", deployment_id=info.id))


@bp.get("/<int:deployment_id>")
def show(deployment_id: int) -> str:
    """One deployment: its files and the cases that run on it."""
    cases = engine().cases.of_deployment(actor(), deployment_id)
    found = [d for d in engine().deployments.index(actor()) if d.id == deployment_id]
    if not found:
        raise NotFound(f"There is no deployment {deployment_id}.")
    return render_template("deployments/show.html", deployment=found[0], cases=cases)


def bundle_files(uploads: list[FileStorage]) -> dict[str, bytes]:
    """The uploaded files by their name in the bundle: .txt message templates go in templates/."""
    files = {}
    for upload in uploads:
        if not upload.filename:
            continue
        name = PurePosixPath(upload.filename.replace("\\", "/")).name
        if name.endswith(".txt"):
            name = f"{TEMPLATE_FOLDER}/{name}"
        files[name] = upload.read()
    return files


@bp.post("/<int:deployment_id>/activate")
def activate(deployment_id: int) -> Response:
    """Make this deployment the one new cases start on; cases in flight stay where they are."""
    note = request.form.get("note", "").strip()
    info = engine().deployments.activate(actor(), deployment_id, note)
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
    deployments = engine().deployments.index(actor())
    new = request.args.get("new", type=int) or current_id(deployments)
    old = request.args.get("old", type=int) or older_than(deployments, new)
    found = engine().deployments.diff(actor(), old, new) if old and new else []
    return render_template(
        "deployments/changes.html",
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
    scr, user = engine(), actor()
    deployments = scr.deployments.index(user)
    to = request.args.get("to", type=int) or current_id(deployments)
    return render_template(
        "deployments/plan.html",
        deployments=deployments,
        to=to,
        checks=scr.migrations.plan(user, to) if to else [],
        on_target=scr.cases.of_deployment(user, to) if to else [],
        moved={m.reference: m for m in scr.migrations.pending(user, to)} if to else {},
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
    results = engine().migrations.migrate_cases(actor(), source, target)
    flash_results(results, source, target)
    return redirect(url_for("deployments.plan", to=target))


@bp.post("/migrations/<reference>")
def migrate_one(reference: str) -> Response:
    """Move one case to the chosen deployment; refused, with the reasons, if it is not safe."""
    target = request.form.get("to", type=int)
    if target is None:
        abort(400, "Choose the deployment to move the case to.")
    moved = engine().migrations.migrate_case(actor(), reference, target)
    flash(
        f"Case {reference} moved from deployment {moved.from_deployment} to "
        f"{moved.to_deployment}: its next steps come from the new version. You can undo "
        "this until anything else happens in the case.",
        "success",
    )
    return redirect(url_for("deployments.plan", to=target))


@bp.post("/migrations/<reference>/undo")
def undo(reference: str) -> Response:
    """Put a moved case back as it was, if nothing has happened in it since."""
    engine().migrations.undo(actor(), reference)
    flash(
        f"Case {reference} is back on the version it was on before it was moved, "
        "exactly as it was then.",
        "success",
    )
    return redirect(url_for("deployments.plan", to=request.form.get("to", type=int)))


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
