"""Corrections (issue 15): an answer of a completed task put right, with a reason, by the person who
completed it or the BQAM. The engine decides who may and which answers may be corrected."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from werkzeug.wrappers import Response

from engine import AnswerToCorrect
from engine import CorrectionPreview
from engine import CorrectionRefused
from engine import FormInvalid
from webui.extensions import actor
from webui.extensions import engine
from webui.forms import posted
from webui.forms import shown_values

bp = Blueprint("corrections", __name__, url_prefix="/corrections")
DONE = "correction_done"


@bp.get("/<task_id>")
def show(task_id: str) -> str:
    """The completed task's answers, each with a link to correct it (or why it cannot be)."""
    preview = engine().corrections.preview(actor(), task_id)
    return render_template("corrections/show.html", preview=preview)


@bp.get("/<task_id>/<field_id>")
def edit(task_id: str, field_id: str) -> str:
    """The form for one answer: its new value and the reason."""
    preview = engine().corrections.preview(actor(), task_id)
    answer = _answer(preview, field_id)
    values = shown_values([answer.field], {field_id: answer.value})
    return _form(preview, answer, values, {}, "")


@bp.post("/<task_id>/<field_id>")
def correct(task_id: str, field_id: str) -> Response | tuple[str, int]:
    form = posted(request.form)
    reason = str(form.pop("reason", ""))
    record_only = form.pop("record_only", "") == "yes"
    try:
        done = engine().corrections.correct(
            actor(), task_id, field_id, form, reason, record_only
        )
    except (FormInvalid, CorrectionRefused) as err:
        preview = engine().corrections.preview(actor(), task_id)
        answer = _answer(preview, field_id)
        errors = err.errors if isinstance(err, FormInvalid) else {"refused": str(err)}
        values = shown_values([answer.field], form)
        return _form(preview, answer, values, errors, reason), 400
    session[DONE] = {
        "reference": done.reference,
        "task_name": done.task_name,
        "label": done.label,
        "before": done.before,
        "after": done.after,
        "reason": done.reason,
        "record_only": done.record_only,
        "affected": list(done.affected),
    }
    return redirect(url_for("corrections.done", task_id=task_id))


@bp.get("/<task_id>/done")
def done(task_id: str) -> str | Response:
    """The confirmation: what was corrected, from what to what, and why."""
    shown = session.pop(DONE, None)
    if shown is None:
        return redirect(url_for("corrections.show", task_id=task_id))
    return render_template("corrections/done.html", done=shown)


def _answer(preview: CorrectionPreview, field_id: str) -> AnswerToCorrect:
    for answer in preview.answers:
        if answer.field.id == field_id:
            return answer
    abort(404)


def _form(
    preview: CorrectionPreview,
    answer: AnswerToCorrect,
    values: dict[str, object],
    errors: dict[str, str],
    reason: str,
) -> str:
    return render_template(
        "corrections/edit.html",
        preview=preview,
        answer=answer,
        values=values,
        errors=errors,
        reason=reason,
    )
