"""Process owners: deploy diagrams, see the deployments and the cases that run on each."""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from engine import NotFound
from webui.extensions import actor
from webui.extensions import service

bp = Blueprint("deployments", __name__, url_prefix="/deployments")
# Message templates live in this folder of a deployment (as in bpmn/templates/).
TEMPLATE_FOLDER = "templates"


@bp.get("/")
def index() -> str:
    """Every deployment, newest first, and the form to upload a new one."""
    return render_template(
        "deployments/index.html", deployments=service().list_deployments(actor())
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
            deployments=service().list_deployments(actor()),
            errors={"files": error},
            note=note,
        )
        return page, 400
    info = service().deploy(actor(), files, note)
    if info.created:
        flash(f"Deployment {info.id} is live: new cases start on it.", "success")
    else:
        flash(f"These files are already deployment {info.id}; nothing changed.", "info")
    return redirect(url_for("deployments.show", deployment_id=info.id))


@bp.get("/<int:deployment_id>")
def show(deployment_id: int) -> str:
    """One deployment: its files and the cases that run on it."""
    cases = service().deployment_cases(actor(), deployment_id)
    found = [d for d in service().list_deployments(actor()) if d.id == deployment_id]
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
