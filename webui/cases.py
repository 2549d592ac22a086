"""Starting a case, the list of cases, one case at a glance, its history and its diagrams."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from engine import FormInvalid
from engine import NotFound
from engine import StartForm
from webui.extensions import actor
from webui.extensions import service
from webui.forms import posted
from webui.forms import shown_values

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.get("/")
def index() -> str:
    """The cases I take part in (every case, for board-wide roles), newest first."""
    cases = service().list_cases(actor())
    return render_template(
        "cases/index.html", cases=cases, start_forms=service().start_forms(actor())
    )


@bp.get("/new")
def choose() -> str:
    """The processes I may start."""
    return render_template("cases/choose.html", forms=service().start_forms(actor()))


@bp.get("/new/<process_id>")
def start_form(process_id: str) -> str:
    form = _start_form(process_id)
    return _start_page(form, {}, {})


@bp.post("/new/<process_id>")
def start(process_id: str) -> Response | tuple[str, int]:
    """Start a case with the start form's entries; on errors show the form again with them kept."""
    values = posted(request.form)
    try:
        case = service().start_case(actor(), process_id, values)
    except FormInvalid as err:
        return _start_page(_start_form(process_id), err.submitted, err.errors), 400
    flash(f"Case {case.reference} has started.", "success")
    return redirect(url_for("cases.show", reference=case.reference))


@bp.get("/<reference>")
def show(reference: str) -> str:
    return case_page(reference)


@bp.get("/<reference>/history")
def history(reference: str) -> str:
    """Every recorded event of the case, oldest first."""
    entries = service().case_history(actor(), reference)
    return render_template("cases/history.html", reference=reference, entries=entries)


@bp.get("/<reference>/diagrams/<int:index>.bpmn")
def diagram(reference: str, index: int) -> Response:
    """One of the case's diagrams as BPMN XML, for the viewer on the case page."""
    diagrams = service().case_diagrams(actor(), reference)
    if not 0 <= index < len(diagrams):
        raise NotFound(f"Case {reference} has no diagram {index}.")
    response = Response(diagrams[index].xml, mimetype="application/xml")
    # Data for the viewer's script, never a document of its own.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def case_page(reference: str, upload_error: str | None = None) -> str:
    """The case at a glance (also shown again, with the error, when an upload fails)."""
    svc, user = service(), actor()
    return render_template(
        "cases/case.html",
        case=svc.get_case(user, reference),
        diagrams=svc.case_diagrams(user, reference),
        documents=svc.list_documents(user, reference),
        notifications=svc.case_notifications(user, reference),
        upload_error=upload_error,
    )


def _start_form(process_id: str) -> StartForm:
    for form in service().start_forms(actor()):
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
