"""Administrators: the external bodies notifications go to (Ofsted, DfE, National Panel, Coroner...)."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from engine import FieldSpec
from engine import FormInvalid
from webui.extensions import actor
from webui.extensions import service
from webui.forms import posted

bp = Blueprint("contacts", __name__, url_prefix="/admin/contacts")

FIELDS = (
    FieldSpec(
        "key",
        "Key used in the diagrams",
        "string",
        required=True,
        hint="Lower-case letters, digits and underscores; recipients name it as contact:<key>",
    ),
    FieldSpec("name", "Name", "string", required=True),
    FieldSpec("email", "Email address", "string", required=True),
)


@bp.get("/")
def index() -> str:
    """Every contact with its address; notifications use the address when they are sent."""
    return _page({}, {})


@bp.post("/")
def save() -> Response | tuple[str, int]:
    """Add a contact, or change the name and address of one (the key stays)."""
    values = {k: str(v) for k, v in posted(request.form).items()}
    try:
        contact = service().save_contact(
            actor(),
            values.get("key", ""),
            values.get("name", ""),
            values.get("email", ""),
        )
    except FormInvalid as err:
        return _page(values, err.errors), 400
    flash(f"{contact.name} will be sent notifications at {contact.email}.", "success")
    return redirect(url_for("contacts.index"))


def _page(values: dict[str, str], errors: dict[str, str]) -> str:
    return render_template(
        "contacts/index.html",
        contacts=service().list_contacts(actor()),
        fields=FIELDS,
        values=values,
        errors=errors,
    )
