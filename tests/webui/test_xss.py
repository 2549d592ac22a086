"""Whatever people type, and whatever a diagram says, is shown as text: never run as HTML or script."""

from __future__ import annotations

import io
from html import escape

from markupsafe import escape as jinja_escape

from engine import Engine
from engine import UserInfo
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.database import FORMS_BPMN
from tests.webui.database import diagram_files
from tests.webui.html import read

XSS = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>"


def assert_escaped(page: str, where: str) -> None:
    assert "<script>alert" not in page, where
    assert "<img src=x" not in page, where
    assert "&lt;script&gt;alert(" in page, where


def test_text_typed_into_forms_is_escaped_wherever_it_is_shown(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    auth.login("bqam")
    response = auth.post(
        "/cases/new/Process_forms", data={"case_title": XSS, "background": XSS}
    )
    reference = response.headers["Location"].rsplit("/", 1)[1]
    task = engine.tasks.inbox(users["bqam"])[0].id
    assert_escaped(text(auth.get(f"/tasks/{task}")), "read-only field")
    entries = {"contact_name": XSS, "notes": XSS, "attendees": XSS}
    invalid = text(auth.post(f"/tasks/{task}", data=entries))
    assert_escaped(invalid, "form shown again with its errors")
    assert f'value="{jinja_escape(XSS)}"' in invalid
    done = {**entries, "attendees": "3", "agreed": "true", "outcome": "go"}
    done |= {"met_on-day": "3", "met_on-month": "3", "met_on-year": "2026"}
    assert auth.post(f"/tasks/{task}", data=done).status_code == 302
    assert_escaped(text(auth.get(f"/cases/{reference}")), "case details")
    assert_escaped(text(auth.post(f"/tasks/{task}", data=done)), "already completed")
    auth.post(
        f"/cases/{reference}/documents",
        data={"document": (io.BytesIO(b"x"), XSS.replace("/", "") + ".txt")},
    )
    page = text(auth.get(f"/cases/{reference}"))
    assert "<img src=x" not in page


def test_start_form_errors_escape_the_entries(auth: AuthActions) -> None:
    auth.login("bqam")
    page = text(auth.post("/cases/new/Process_mini", data={"child_ref": XSS}))
    assert_escaped(page, "start form")


def test_sign_in_name_is_escaped(auth: AuthActions) -> None:
    assert_escaped(text(auth.login(XSS, "wrong-password-x")), "sign-in")


def test_names_and_notes_entered_by_admins_and_owners_are_escaped(
    auth: AuthActions, app
) -> None:
    auth.login("admin")
    auth.post(
        "/admin/users/new",
        data={
            "username": "mallory",
            "display_name": XSS,
            "email": XSS,
            "password": "a-long-enough-password",
            "roles": "process_owner",
        },
    )
    assert_escaped(text(auth.get("/admin/users")), "users")
    mallory = AuthActions(app.test_client())
    mallory.login("mallory", "a-long-enough-password")
    assert_escaped(text(mallory.get("/tasks/")), "signed in as")
    files = diagram_files()
    files["mini.bpmn"] = files["mini.bpmn"].replace(b"Mini review", b"Mini review 2")
    checked = mallory.post(
        "/deployments/",
        data={
            "files": [(io.BytesIO(d), n.split("/")[-1]) for n, d in files.items()],
            "note": XSS,
        },
    )
    assert_escaped(text(checked), "check your changes")
    [form] = [
        f for f in read(checked).forms() if f.action.endswith("/deployments/deploy")
    ]
    deployed = mallory.post("/deployments/deploy", data=form.hidden)
    assert deployed.status_code == 302
    assert_escaped(text(mallory.get("/deployments/")), "deployments")
    assert_escaped(text(mallory.get("/deployments/2")), "deployment")


def test_what_a_diagram_says_is_escaped_too(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    attack = escape(XSS, quote=True).encode()
    forms = FORMS_BPMN.read_bytes()
    for old in (
        b"Fill in every kind of field",
        b"Answer every question.",
        b"Name of the contact",
        b"Go ahead",
        b"As they sign their letters",
    ):
        forms = forms.replace(old, old + attack)
    engine.deployments.deploy(
        users["owner"], {**diagram_files(), "forms.bpmn": forms}, "names"
    )
    engine.cases.start(users["bqam"], "Process_forms", {"case_title": "t"})
    task = engine.tasks.inbox(users["bqam"])[0].id
    auth.login("bqam")
    for url in ("/tasks/", f"/tasks/{task}"):
        assert_escaped(text(auth.get(url)), url)
    page = text(auth.post(f"/tasks/{task}", data={}))
    assert_escaped(page, "error summary")
    assert page.count("&lt;script&gt;alert(") >= 6
