"""GOV.UK form components: a character count on long text with a limit, the password input with
show and hide on the sign-in page (both work without JavaScript)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.webui.conftest import AuthActions
from tests.webui.html import read


def test_long_text_with_a_limit_says_how_much_may_be_entered(
    auth: AuthActions, forms_task: str
) -> None:
    auth.login("bqam")
    notes = read(auth.get(f"/tasks/{forms_task}")).field("notes")
    assert notes.kind == "textarea"
    assert notes.description == ["You can enter up to 500 characters"]


def test_too_long_text_keeps_the_limit_with_the_error(
    auth: AuthActions, forms_task: str
) -> None:
    auth.login("bqam")
    response = auth.post(f"/tasks/{forms_task}", data={"notes": "x" * 501})
    assert response.status_code == 400
    notes = read(response).field("notes")
    assert notes.value == "x" * 501
    assert notes.description[0] == "You can enter up to 500 characters"
    assert notes.error is not None and "500" in notes.error


def test_long_text_without_a_limit_has_no_count(
    auth: AuthActions, forms_task: str
) -> None:
    auth.login("bqam")
    page = read(auth.get(f"/tasks/{forms_task}"))
    assert "You can enter up to" not in " ".join(
        " ".join(f.description) for f in page.fields().values() if f.name != "notes"
    )


def test_sign_in_password_is_a_password_field_with_a_show_button_for_javascript(
    client: FlaskClient,
) -> None:
    page = read(client.get("/sign-in"))
    password = page.field("password")
    assert (password.kind, password.label, password.autocomplete) == (
        "password",
        "Password",
        "current-password",
    )
    # GOV.UK Frontend shows the "Show password" button; without JavaScript it stays hidden
    assert page.buttons() == ["Sign in"]


def test_a_missing_password_is_shown_against_the_password_input(
    auth: AuthActions,
) -> None:
    page = read(auth.login("chair", ""))
    assert page.field("password").error is not None
    assert "password" in [field for _message, field in page.error_summary()]


def test_without_javascript_there_is_no_session_timeout_warning(
    auth: AuthActions,
) -> None:
    """The warning is drawn by app.js; without it the session just ends after 8 idle hours."""
    auth.login("chair")
    page = read(auth.get("/tasks/"))
    assert "signed out soon" not in page.text
    assert "Stay signed in" not in page.buttons()
