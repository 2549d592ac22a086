"""A case's multi-agency chronology: the template, agencies' uploads, the merged reading, exports."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from engine import ChronologyRefused
from engine import ExportFile
from engine import Upload
from webui.extensions import actor
from webui.extensions import engine

bp = Blueprint("chronology", __name__, url_prefix="/chronology")


def _choice() -> dict[str, object]:
    """The reading asked for: names or roles, one agency, one person."""
    view = request.args.get("view")
    return {
        "named": None if view not in ("named", "anonymised") else view == "named",
        "agency": request.args.get("agency") or None,
        "person": request.args.get("person") or None,
    }


def _download(file: ExportFile) -> Response:
    return Response(
        file.content,
        mimetype=file.content_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


@bp.get("/template.<fmt>")
def template(fmt: str) -> Response:
    """The published template agencies fill in."""
    return _download(engine().chronology.template(fmt))


@bp.get("/<reference>/")
def show(reference: str) -> str:
    """The merged chronology, in date order, filtered."""
    page = engine().chronology.page(actor(), reference, **_choice())
    return render_template("chronology/show.html", page=page, problems=[])


@bp.get("/<reference>/print")
def printable(reference: str) -> str:
    """The merged chronology as a page to print."""
    page = engine().chronology.page(actor(), reference, **_choice())
    return render_template("chronology/print.html", page=page)


@bp.get("/<reference>/export.<fmt>")
def export(reference: str, fmt: str) -> Response:
    return _download(engine().chronology.export(actor(), reference, fmt, **_choice()))


@bp.post("/<reference>/")
def submit(reference: str) -> Response | tuple[str, int]:
    """An agency's chronology file; refused with its problems by row, or it replaces the last one."""
    chosen = request.files.get("chronology")
    agency = request.form.get("agency") or None
    try:
        if chosen is None or not chosen.filename:
            raise ChronologyRefused(["Choose the chronology file to upload"])
        count = engine().chronology.submit(actor(), reference, agency, _upload(chosen))
    except ChronologyRefused as refused:
        page = engine().chronology.page(actor(), reference)
        html = render_template(
            "chronology/show.html", page=page, problems=refused.problems
        )
        return html, 400
    flash(f"The chronology was accepted: {count} entries.", "success")
    return redirect(url_for("chronology.show", reference=reference))


def _upload(chosen: FileStorage) -> Upload:
    return Upload(chosen.filename or "", chosen.read(), chosen.mimetype)
