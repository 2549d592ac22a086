"""Administrators keep the addresses of the external bodies the process notifies."""

from __future__ import annotations

import pytest

from engine import Engine
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.html import read

CONTACTS = "External bodies and their addresses"


def test_an_administrator_sets_the_real_address_of_a_body(
    auth: AuthActions, engine: Engine, users
) -> None:
    auth.login("admin")
    contacts = read(auth.get("/admin/contacts/")).table(CONTACTS).records()
    [panel] = [row for row in contacts if row["Key"] == "national_panel"]
    assert panel["Email address"].endswith("example.invalid")
    response = auth.post(
        "/admin/contacts/",
        data={
            "key": "ofsted",
            "name": "Ofsted serious incidents",
            "email": "sin@ofsted.example.org",
        },
    )
    assert response.status_code == 302
    contacts = {c.key: c for c in engine.directory.contacts(users["admin"])}
    assert (contacts["ofsted"].name, contacts["ofsted"].email) == (
        "Ofsted serious incidents",
        "sin@ofsted.example.org",
    )


def test_a_wrong_address_is_shown_on_its_field_and_nothing_is_saved(
    auth: AuthActions, engine, users
) -> None:
    auth.login("admin")
    response = auth.post(
        "/admin/contacts/",
        data={"key": "Coroner Office", "name": "", "email": "not-an-address"},
    )
    assert response.status_code == 400
    page = read(response)
    assert page.error_summary() == [
        ("Use lower-case letters, digits and underscores, like national_panel", "key"),
        ("Enter the name of the body", "name"),
        ("Enter an email address like name@example.org", "email"),
    ]
    assert page.field_error("email") == "Enter an email address like name@example.org"
    assert page.form_values()["email"] == "not-an-address"  # the entry is kept
    assert "Coroner Office" not in {
        c.key for c in engine.directory.contacts(users["admin"])
    }


@pytest.mark.parametrize("username", ["committee", "owner", "police_author"])
def test_people_who_do_not_run_the_system_cannot_see_or_change_contacts(
    auth: AuthActions, username: str
) -> None:
    auth.login(username)
    assert auth.get("/admin/contacts/").status_code == 403
    assert (
        auth.post(
            "/admin/contacts/",
            data={"key": "dfe", "name": "x", "email": "x@example.org"},
        ).status_code
        == 403
    )


def test_auditors_see_contacts_but_cannot_change_them(auth: AuthActions) -> None:
    auth.login("auditor")
    response = auth.get("/admin/contacts/")
    assert "national_panel" in read(response).table(CONTACTS).column("Key")
    assert "Save the contact" not in text(response)
    assert (
        auth.post(
            "/admin/contacts/",
            data={"key": "dfe", "name": "x", "email": "x@example.org"},
        ).status_code
        == 403
    )
