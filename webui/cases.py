"""Cases: start one, the list, one case at a glance, its history, diagrams and documents."""

from __future__ import annotations

import io
import re

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from werkzeug.wrappers import Response

from engine import EVENT_FIELDS
from engine import FormInvalid
from engine import NotFound
from engine import StartForm
from webui.extensions import actor
from webui.extensions import engine
from webui.forms import posted
from webui.forms import shown_values

# Routes are written in full: documents are downloaded from /documents/<id>, outside /cases.
bp = Blueprint("cases", __name__)


@bp.get("/cases/")
def index() -> str:
    """The cases I take part in (every case, for board-wide roles), newest first."""
    cases = engine().cases.index(actor())
    return render_template(
        "cases/index.html", cases=cases, start_forms=engine().cases.start_forms(actor())
    )


@bp.get("/cases/new")
def choose() -> str:
    """The processes I may start."""
    return render_template(
        "cases/choose.html", forms=engine().cases.start_forms(actor())
    )


@bp.get("/cases/new/<process_id>")
def start_form(process_id: str) -> str:
    form = _start_form(process_id)
    return _start_page(form, {}, {})


@bp.post("/cases/new/<process_id>")
def start(process_id: str) -> Response | tuple[str, int]:
    """Start a case with the start form's entries; on errors show the form again with them kept."""
    values = posted(request.form)
    try:
        case = engine().cases.start(actor(), process_id, values)
    except FormInvalid as err:
        return _start_page(_start_form(process_id), err.submitted, err.errors), 400
    flash(f"Case {case.reference} has started.", "success")
    return redirect(url_for("cases.show", reference=case.reference))


@bp.get("/cases/<reference>")
def show(reference: str) -> str:
    return case_page(reference)


@bp.get("/cases/<reference>/history")
def history(reference: str) -> str:
    """Every recorded event of the case, oldest first."""
    entries = engine().cases.history(actor(), reference)
    return render_template("cases/history.html", reference=reference, entries=entries)


@bp.get("/cases/<reference>/diagrams/<int:index>.bpmn")
def diagram(reference: str, index: int) -> Response:
    """One of the case's diagrams as BPMN XML, for the viewer on the case page."""
    diagrams = engine().cases.diagrams(actor(), reference)
    if not 0 <= index < len(diagrams):
        raise NotFound(f"Case {reference} has no diagram {index}.")
    response = Response(diagrams[index].xml, mimetype="application/xml")
    # Data for the viewer's script, never a document of its own.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def case_page(reference: str, upload_error: str | None = None) -> str:
    """The case at a glance (also shown again, with the error, when an upload fails)."""
    page = engine().cases.page(actor(), reference)
    return render_template(
        "cases/case.html",
        case=page.case,
        diagrams=page.diagrams,
        documents=page.documents,
        origins=page.origins,
        notifications=page.notifications,
        events=page.events,
        upload_error=upload_error,
    )


@bp.get("/cases/<reference>/events/<message>")
def event_form(reference: str, message: str) -> str:
    """Record that something happened that the case waits for (the day, a note)."""
    return _event_page(reference, message, {}, {})


@bp.post("/cases/<reference>/events/<message>")
def record_event(reference: str, message: str) -> Response | tuple[str, int]:
    values = posted(request.form)
    try:
        event = engine().cases.event(actor(), reference, message)
        engine().cases.record_event(actor(), reference, message, values)
    except FormInvalid as err:
        return _event_page(reference, message, err.submitted, err.errors), 400
    except NotFound as err:  # recorded by someone else meanwhile: a stale page
        flash(str(err), "error")
        return redirect(url_for("cases.show", reference=reference))
    flash(f"You recorded “{event.name}” on case {reference}.", "success")
    return redirect(url_for("cases.show", reference=reference))


def _event_page(
    reference: str, message: str, values: dict, errors: dict[str, str]
) -> str:
    return render_template(
        "cases/event.html",
        reference=reference,
        event=engine().cases.event(actor(), reference, message),
        fields=EVENT_FIELDS,
        values=shown_values(EVENT_FIELDS, values),
        errors=errors,
    )


def _start_form(process_id: str) -> StartForm:
    for form in engine().cases.start_forms(actor()):
        if form.process_id == process_id:
            return form
    raise NotFound(f"There is no process {process_id} that you can start.")


def _start_page(form: StartForm, values: dict, errors: dict[str, str]) -> str:
    return render_template(
        "cases/start.html",
        form=form,
        values=shown_values(form.fields, values),
        errors=errors,
    )


@bp.post("/cases/<reference>/documents")
def upload_document(reference: str) -> Response | tuple[str, int]:
    """Attach a file to the case; the engine checks its type and size and stores its hash."""
    chosen = request.files.get("document")
    if chosen is None or not chosen.filename:
        return case_page(reference, upload_error="Choose a file to upload"), 400
    try:
        document = engine().documents.upload(
            actor(), reference, chosen.filename, chosen.read(), chosen.mimetype
        )
    except ValueError as err:
        return case_page(reference, upload_error=str(err)), 400
    flash(f"“{document.filename}” was added to case {reference}.", "success")
    return redirect(url_for("cases.show", reference=reference) + "#documents")


@bp.get("/documents/<int:document_id>")
def download_document(document_id: int) -> Response:
    """The file, always as a download with the content type the engine stored for it."""
    info, content = engine().documents.get(actor(), document_id)
    response = send_file(
        io.BytesIO(content),
        mimetype=info.content_type,
        as_attachment=True,
        download_name=_safe_name(info.filename),
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _safe_name(filename: str) -> str:
    """The file name without control characters, quotes or path separators."""
    name = re.sub(r'[\x00-\x1f\x7f"\\/]+', "_", filename).strip()
    return name or "document"
