"""Process owners: deploy diagrams, see the deployments and the cases on each, compare versions, move
cases in flight to another version (and back), and choose the version new cases start on (a roll back).

Only process owners and admins may change versions; auditors and the BQAM may look. The engine decides.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence

from flask import Blueprint
from flask import abort
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from werkzeug.wrappers import Response

from engine import Change
from engine import ConcurrentUpdate
from engine import DeploymentInfo
from engine import DeploymentPreview
from engine import DiagramInvalid
from engine import MigrationCheck
from engine import NotFound
from webui.extensions import actor
from webui.extensions import engine
from webui.security import CONTENT_SECURITY_POLICY
from webui.uploads import bundle_files
from webui.uploads import carried_fields
from webui.uploads import carried_files
from webui.uploads import upload_error

bp = Blueprint("deployments", __name__, url_prefix="/deployments")


@bp.get("/")
def index() -> str:
    """Every deployment, newest first, and the form to upload a new one."""
    return render_template(
        "deployments/index.html", deployments=engine().deployments.index(actor())
    )


@bp.post("/")
def check() -> Response | tuple[str, int]:
    """Check the uploaded files and show what deploying them would change; nothing is stored yet."""
    files = bundle_files(request.files.getlist("files"))
    note = request.form.get("note", "").strip()
    error = upload_error(files)
    if error:
        page = render_template(
            "deployments/index.html",
            deployments=engine().deployments.index(actor()),
            errors={"files": error},
            note=note,
        )
        return page, 400
    return check_page(files, note, replace_only=request.form.get("scope") == "changed")


@bp.post("/deploy")
def deploy() -> Response | tuple[str, int]:
    """Deploy the files the owner checked, only if they still make the deployment they were shown.

    The files come back from the check page's form (nothing is kept on the server in between). If
    the current deployment changed meanwhile, they are checked and shown again instead.
    """
    files, checked = carried_files(request.form), request.form.get("content_hash")
    note = request.form.get("note", "").strip()
    replace_only = request.form.get("scope") == "changed"
    if not files or not checked or upload_error(files):
        abort(400, "Choose the files to deploy and check them first.")
    try:
        info = engine().deployments.deploy(
            actor(), files, note, replace_only=replace_only, expected_hash=checked
        )
    except (ConcurrentUpdate, DiagramInvalid) as changed:
        return check_page(files, note, replace_only, message=str(changed), status=409)
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


@bp.get("/<int:deployment_id>/files/<path:name>")
def file(deployment_id: int, name: str) -> Response:
    """One file of a deployment as deployed, for the viewer that marks what changed on it."""
    response = Response(
        engine().deployments.file(actor(), deployment_id, name),
        mimetype="application/xml",
    )
    # Data for the viewer's script, never a document of its own.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/current.zip")
def download() -> Response:
    """The current deployment's files as a zip, folders kept, to edit and upload again."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(
            engine().deployments.current_files(actor()).items()
        ):
            archive.writestr(name, content)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/zip",
        as_attachment=True,
        download_name="diagrams.zip",
    )


# The check page draws the diagrams as uploaded from data: addresses (they are not stored yet).
CHECK_PAGE_POLICY = CONTENT_SECURITY_POLICY.replace(
    "connect-src 'self'", "connect-src 'self' data:"
)


def check_page(
    files: dict[str, bytes],
    note: str,
    replace_only: bool,
    message: str | None = None,
    status: int = 200,
) -> Response | tuple[str, int]:
    """ "Check your changes": the problems, or what the files would change and the form to deploy."""
    page = {"note": note, "replace_only": replace_only, "message": message}
    try:
        preview = engine().deployments.preview(actor(), files, replace_only)
    except DiagramInvalid as invalid:
        html = render_template(
            "deployments/check.html",
            problems=invalid.problems,
            sent=sorted(files),
            **page,
        )
        return html, 400
    sent = {name: files[sent_as] for sent_as, name in preview.placed}
    html = render_template(
        "deployments/check.html",
        preview=preview,
        sent=sorted(sent),
        carried=carried_fields(sent),
        figures=diff_figures(preview.changes, checked(preview, sent)),
        **page,
    )
    response = make_response(html, status)
    response.headers["Content-Security-Policy"] = CHECK_PAGE_POLICY
    return response


def checked(preview: DeploymentPreview, sent: Mapping[str, bytes]) -> Drawing:
    """Where the check page finds each diagram: as sent (not stored yet), or as it is now."""
    current = preview.compared_with

    def draw(file: str, new: bool) -> tuple[str, str]:
        if new and file in sent:
            data = base64.b64encode(sent[file]).decode("ascii")
            return f"{file}, as you sent it", f"data:application/xml;base64,{data}"
        url = url_for("deployments.file", deployment_id=current, name=file)
        if new:  # kept as it is
            return f"{file}, as it will be", url
        return f"{file}, as it is now in deployment {current}", url

    return draw


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
        figures=diff_figures(found, deployed(old, new))
        if old and new and old != new
        else [],
    )


# Where a comparison's diagram is drawn from: (file, in the new version?) -> (caption, XML address).
Drawing = Callable[[str, bool], tuple[str, str]]


def diff_figures(changes: Sequence[Change], draw: Drawing) -> list[dict]:
    """The diagrams to draw for a comparison, each with its elements to mark.

    Every file with a change is drawn as it is in the new version (added and changed elements
    marked) and as it was in the old one (removed and changed elements marked).
    """
    figures: dict[tuple[str, bool], dict] = {}
    for change in changes:
        for file, new, markers in (
            (change.file, True, ("added", "changed")),
            (change.old_file, False, ("removed", "changed")),
        ):
            if not file:
                continue
            if (file, new) not in figures:
                caption, url = draw(file, new)
                figures[file, new] = {"caption": caption, "url": url, "marks": {}}
            if change.marker in markers and not change.whole_process:
                names = figures[file, new]["marks"].setdefault(change.marker, {})
                names[change.element_id] = change.element_name or change.element_id
    return [figures[key] for key in sorted(figures, key=lambda k: (k[0], not k[1]))]


def deployed(old: int, new: int) -> Drawing:
    """Where the comparison of two deployments finds each diagram: as deployed."""

    def draw(file: str, is_new: bool) -> tuple[str, str]:
        deployment = new if is_new else old
        where = "as it is in" if is_new else "as it was in"
        url = url_for("deployments.file", deployment_id=deployment, name=file)
        return f"{file}, {where} deployment {deployment}", url

    return draw


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
