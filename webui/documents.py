"""Documents of a case: upload one, download one (only people who may see the case)."""

from __future__ import annotations

import io
import re

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import request
from flask import send_file
from flask import url_for
from werkzeug.wrappers import Response

from webui.cases import case_page
from webui.extensions import actor
from webui.extensions import service

bp = Blueprint("documents", __name__)


@bp.post("/cases/<reference>/documents")
def upload(reference: str) -> Response | tuple[str, int]:
    """Attach a file to the case; the engine checks its type and size and stores its hash."""
    chosen = request.files.get("document")
    if chosen is None or not chosen.filename:
        return case_page(reference, upload_error="Choose a file to upload"), 400
    try:
        document = service().upload_document(
            actor(), reference, chosen.filename, chosen.read(), chosen.mimetype
        )
    except ValueError as err:
        return case_page(reference, upload_error=str(err)), 400
    flash(f"“{document.filename}” was added to case {reference}.", "success")
    return redirect(url_for("cases.show", reference=reference) + "#documents")


@bp.get("/documents/<int:document_id>")
def download(document_id: int) -> Response:
    """The file, always as a download with the content type the engine stored for it."""
    info, content = service().get_document(actor(), document_id)
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
