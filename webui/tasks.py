"""My tasks, one task's form, claiming and releasing tasks."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from engine import FormInvalid
from engine import TaskPage
from webui.auth import safe_next
from webui.extensions import actor
from webui.extensions import engine
from webui.forms import posted
from webui.forms import shown_values
from webui.forms import uploads

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@bp.get("/")
def index() -> str:
    """The tasks assigned to me and those offered to my roles, soonest due first, 50 a page."""
    inbox = engine().tasks.inbox(actor(), page=request.args.get("page", 1, type=int))
    return render_template(
        "tasks/index.html",
        inbox=inbox,
        mine=[t for t in inbox.tasks if t.assignee is not None],
        offered=[t for t in inbox.tasks if t.assignee is None],
        start_forms=engine().cases.start_forms(actor()),
    )


@bp.get("/<task_id>")
def show(task_id: str) -> str:
    """The task's form, generated from the diagram, with the case context."""
    page = engine().tasks.page(actor(), task_id)
    return task_page(page, page.form.values, {})


@bp.post("/<task_id>")
def submit(task_id: str) -> Response | tuple[str, int]:
    """Complete the task with the entries; on errors show the form again with them kept."""
    form = engine().tasks.open(actor(), task_id)
    values = posted(request.form)
    reference = form.task.case_reference
    try:
        engine().tasks.complete(actor(), task_id, values, uploads(request.files))
    except FormInvalid as err:
        page = engine().tasks.page(actor(), task_id)
        return task_page(page, err.submitted, err.errors), 400
    flash(f"You completed “{form.task.name}” for case {reference}.", "success")
    return redirect(url_for("tasks.index"))


@bp.post("/<task_id>/claim")
def claim(task_id: str) -> Response:
    """Take the task, so nobody else works on it at the same time."""
    task = engine().tasks.claim(actor(), task_id)
    flash(f"You claimed “{task.name}”. Release it if you cannot do it.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("tasks.index"))


@bp.post("/<task_id>/release")
def release(task_id: str) -> Response:
    """Give the task back to everyone who holds its roles."""
    task = engine().tasks.release(actor(), task_id)
    flash(f"You released “{task.name}”; it is offered to its roles again.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("tasks.index"))


def task_page(page: TaskPage, values: dict, errors: dict[str, str]) -> str:
    """The task page; read-only fields always show the case's values, never what was posted."""
    form = page.form
    values = {
        **values,
        **{f.id: form.values.get(f.id) for f in form.fields if f.readonly},
    }
    return render_template(
        "tasks/task.html",
        form=form,
        case=page.case,
        values=shown_values(form.fields, values),
        errors=errors,
        documents={str(d.id): d for d in page.documents},
        multipart=any(f.type == "file" for f in form.fields),
    )
