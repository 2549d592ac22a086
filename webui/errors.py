"""Every error the engine raises, and every HTTP error, mapped to a page in one place. Never a trace.

Form errors (FormInvalid) are not here: the view that showed the form shows it again with them.
"""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import render_template
from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine import ConcurrentUpdate
from engine import DiagramInvalid
from engine import EngineError
from engine import MigrationRefused
from engine import NotFound
from engine import NotPermitted
from engine import TaskAlreadyCompleted
from engine import TaskNotReady
from engine import WorkflowFailed
from webui.forms import posted

TITLES = {
    400: "There is a problem with the request",
    403: "You cannot do that",
    404: "Page not found",
    405: "You cannot do that here",
    409: "Somebody got there first",
    413: "The upload is too large",
    500: "Sorry, there is a problem with the service",
}
HTTP_MESSAGES = {
    404: "If you typed the web address, check it is correct. "
    "If you followed a link, the thing it points to does not exist.",
    413: "Upload files of up to 10 MB.",
    500: "Nothing of what you were doing was saved. Try again later.",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(NotFound, lambda e: _page(404, str(e)))
    app.register_error_handler(NotPermitted, lambda e: _page(403, str(e)))
    app.register_error_handler(TaskAlreadyCompleted, already_completed)
    app.register_error_handler(TaskNotReady, lambda e: _page(409, str(e)))
    app.register_error_handler(ConcurrentUpdate, lambda e: _page(409, str(e)))
    app.register_error_handler(DiagramInvalid, diagram_invalid)
    app.register_error_handler(MigrationRefused, migration_refused)
    app.register_error_handler(WorkflowFailed, workflow_failed)
    app.register_error_handler(EngineError, lambda e: _page(400, str(e)))
    app.register_error_handler(CSRFError, csrf_refused)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected)


def _page(status: int, message: str, title: str | None = None) -> tuple[str, int]:
    page = render_template(
        "errors/error.html",
        title=title or TITLES.get(status, "There is a problem"),
        message=message,
        status=status,
    )
    return page, status


def already_completed(err: TaskAlreadyCompleted) -> tuple[str, int]:
    """Who completed the task and when, and the entries of this attempt, which were not saved."""
    page = render_template(
        "errors/already_completed.html", err=err, entries=unsaved_entries(err)
    )
    return page, 409


def unsaved_entries(err: TaskAlreadyCompleted) -> list[tuple[str, str]]:
    """(label, value as the person chose it) for every non-empty entry of the lost attempt."""
    fields = {field.id: field for field in err.fields}
    values = posted(request.form)
    entries = []
    for field_id, field in fields.items():
        value = values.get(field_id)
        parts = [values.get(f"{field_id}-{p}", "") for p in ("day", "month", "year")]
        if value in (None, "", []) and any(parts):
            value = "/".join(str(p) for p in parts)
        if value in (None, "", []):
            continue
        names = {o.id: o.label for o in field.options}
        chosen = value if isinstance(value, list) else [value]
        entries.append(
            (field.label, ", ".join(names.get(str(v), str(v)) for v in chosen))
        )
    for (
        key,
        value,
    ) in values.items():  # anything the form had beyond the diagram's fields
        base = key.rsplit("-", 1)[0]
        if key not in fields and base not in fields and value not in ("", []):
            entries.append((key, value if isinstance(value, str) else ", ".join(value)))
    return entries


def diagram_invalid(err: DiagramInvalid) -> tuple[str, int]:
    """Every problem of a refused deployment, by file, line and element, with the upload form."""
    page = render_template(
        "deployments/index.html",
        deployments=None,
        problems=err.problems,
        note=request.form.get("note", ""),
    )
    return page, 400


def migration_refused(err: MigrationRefused) -> tuple[str, int]:
    """Why the case cannot move to that version; nothing was changed."""
    page = render_template("errors/migration_refused.html", err=err)
    return page, 409


def workflow_failed(err: WorkflowFailed) -> tuple[str, int]:
    current_app.logger.error("Workflow failed: %s", err)
    message = f"{err} Nothing was saved. Tell the process owner what you were doing."
    return _page(500, message, "The diagram could not be run at this point")


def csrf_refused(err: CSRFError) -> tuple[str, int]:
    message = (
        "The form was sent without a valid security token, perhaps because it was open "
        "for a long time or you signed in again meanwhile. Nothing was saved. "
        "Go back, reload the page and try again."
    )
    return _page(400, message, "The form has expired")


def http_error(err: HTTPException) -> tuple[str, int]:
    status = err.code or 500
    return _page(status, HTTP_MESSAGES.get(status, err.description or ""))


def unexpected(err: Exception) -> tuple[str, int]:
    current_app.logger.exception("Unexpected error", exc_info=err)
    return _page(500, HTTP_MESSAGES[500])
