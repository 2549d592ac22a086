"""Administrators: users, their roles and agency; deactivating a user."""

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
from engine import NotFound
from engine import Option
from engine import UserInfo
from webui.extensions import actor
from webui.extensions import engine
from webui.forms import posted
from webui.forms import shown_values

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
def users() -> str:
    """Everybody with an account, active or not."""
    return render_template(
        "admin/users.html",
        users=engine().directory.users(actor()),
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> str | Response | tuple[str, int]:
    fields = user_fields(new=True)
    if request.method == "GET":
        engine().directory.users(actor())  # the same permission check as saving
        return _user_page(fields, None, {}, {})
    values = posted(request.form)
    try:
        user = engine().directory.create_user(actor(), **user_arguments(fields, values))
    except FormInvalid as err:
        return _user_page(fields, None, values, err.errors), 400
    flash(f"{user.display_name} can now sign in as {user.username}.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> str | Response | tuple[str, int]:
    user, fields = _get_user(user_id), user_fields(new=False)
    if request.method == "GET":
        return _user_page(fields, user, _current_values(user), {})
    values = posted(request.form)
    try:
        saved = engine().directory.update_user(
            actor(), user_id, **user_arguments(fields, values)
        )
    except FormInvalid as err:
        return _user_page(fields, user, values, err.errors), 400
    flash(f"The changes to {saved.display_name} were saved.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int) -> Response:
    """Close the account; its claimed tasks go back to their roles."""
    user = engine().directory.deactivate_user(actor(), user_id)
    flash(
        f"{user.display_name} can no longer sign in; their claimed tasks were released.",
        "success",
    )
    return redirect(url_for("admin.users"))


def user_fields(new: bool) -> tuple[FieldSpec, ...]:
    """The user form, described the way the engine describes diagram forms."""
    roles = tuple(Option(k, name) for k, name in engine().directory.roles())
    agencies = tuple(Option(k, name) for k, name in engine().directory.agencies())
    fields = [
        FieldSpec("username", "User name", "string", required=True),
        FieldSpec("display_name", "Full name", "string", required=True),
        FieldSpec("email", "Email address", "string"),
        FieldSpec(
            "password",
            "Password",
            "string",
            required=True,
            hint="They should change it when they first sign in.",
        ),
        FieldSpec("roles", "Roles", "enum", multiple=True, options=roles),
        FieldSpec(
            "agency",
            "Agency",
            "enum",
            options=agencies,
            hint="Needed for agency authors, agency managers and panel members.",
        ),
    ]
    if not new:
        fields = [f for f in fields if f.id not in ("username", "password")]
    return tuple(fields)


def user_arguments(fields: tuple[FieldSpec, ...], values: dict) -> dict:
    """The service's keyword arguments from the posted form; required fields checked first."""
    missing = {
        f.id: f"Enter {f.label.lower()}"
        for f in fields
        if f.required and not str(values.get(f.id, "")).strip()
    }
    if missing:
        raise FormInvalid(missing, values)
    roles = values.get("roles", [])
    arguments = {
        "display_name": str(values["display_name"]).strip(),
        "email": str(values.get("email", "")).strip() or None,
        "roles": [roles] if isinstance(roles, str) else list(roles),
        "agency": str(values.get("agency", "")) or None,
    }
    if "username" in values:
        arguments["username"] = str(values["username"]).strip()
        arguments["password"] = str(values.get("password", ""))
    return arguments


def _get_user(user_id: int) -> UserInfo:
    for user in engine().directory.users(actor()):
        if user.id == user_id:
            return user
    raise NotFound(f"There is no user {user_id}.")


def _current_values(user: UserInfo) -> dict:
    return {
        "display_name": user.display_name,
        "email": user.email or "",
        "roles": sorted(user.roles),
        "agency": user.agency or "",
    }


def _user_page(
    fields: tuple[FieldSpec, ...], user: UserInfo | None, values: dict, errors: dict
) -> str:
    return render_template(
        "admin/user.html",
        fields=fields,
        user=user,
        values=shown_values(fields, values),
        errors=errors,
    )


CONTACT_FIELDS = (
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


@bp.get("/contacts/")
def contacts() -> str:
    """Every contact with its address; notifications use the address when they are sent."""
    return _contacts_page({}, {})


@bp.post("/contacts/")
def save_contact() -> Response | tuple[str, int]:
    """Add a contact, or change the name and address of one (the key stays)."""
    values = {k: str(v) for k, v in posted(request.form).items()}
    try:
        contact = engine().directory.save_contact(
            actor(),
            values.get("key", ""),
            values.get("name", ""),
            values.get("email", ""),
        )
    except FormInvalid as err:
        return _contacts_page(values, err.errors), 400
    flash(f"{contact.name} will be sent notifications at {contact.email}.", "success")
    return redirect(url_for("admin.contacts"))


def _contacts_page(values: dict[str, str], errors: dict[str, str]) -> str:
    return render_template(
        "admin/contacts.html",
        contacts=engine().directory.contacts(actor()),
        fields=CONTACT_FIELDS,
        values=values,
        errors=errors,
    )
