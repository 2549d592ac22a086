"""The pages anyone may read without signing in, linked from the footer of every page; the phase banner;
the back link in a landmark; and "Stay signed in" of the session-timeout warning."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from engine import CaseSummary
from tests.webui.conftest import AuthActions
from tests.webui.html import read

PUBLIC = {
    "Accessibility statement": (
        "/accessibility-statement",
        "Accessibility statement for SCR Workflow",
    ),
    "Privacy": ("/privacy", "Privacy notice"),
    "Cookies": ("/cookies", "Cookies"),
}


@pytest.mark.parametrize("name", PUBLIC)
def test_a_public_page_opens_without_signing_in(client: FlaskClient, name) -> None:
    address, heading = PUBLIC[name]
    response = client.get(address)
    assert response.status_code == 200
    page = read(response)
    assert page.heading == heading
    assert page.link(name) == address
    assert "Sign out" not in " ".join(page.buttons())


def test_every_page_links_to_the_public_pages_from_its_footer(
    client: FlaskClient, auth: AuthActions, case: CaseSummary
) -> None:
    signed_out = read(client.get("/sign-in"))
    auth.login("chair")
    for page in (signed_out, read(auth.get(f"/cases/{case.reference}"))):
        for name, (address, _heading) in PUBLIC.items():
            assert page.link(name) == address


def test_the_cookies_page_names_the_one_cookie(client: FlaskClient) -> None:
    page = read(client.get("/cookies"))
    [cookie] = page.table("The cookie this service sets").records()
    assert cookie["Name"] == "scr_session"
    assert cookie["Expires"] == "8 hours after your last visit, or when you sign out"
    assert "strictly necessary" in page.text


def test_the_phase_banner_says_beta_and_asks_for_feedback(client: FlaskClient) -> None:
    page = read(client.get("/sign-in"))
    assert "Beta" not in page.tags()  # not the status of anything on the page
    assert (
        "Beta This is a new service. Your feedback will help us to improve it."
        in page.lines
    )
    assert page.link("feedback") == "/accessibility-statement#feedback"
    assert not [line for line in page.printed().lines if line.startswith("Beta")]
    statement = read(client.get("/accessibility-statement"))
    assert "Feedback and contact information" in statement.headings()


def test_the_back_link_is_in_a_navigation_landmark(
    auth: AuthActions, case: CaseSummary
) -> None:
    auth.login("chair")
    page = read(auth.get(f"/cases/{case.reference}"))
    assert page.region("Back").links() == [("Back to cases", "/cases/")]
    tasks = read(auth.get("/tasks/"))
    with pytest.raises(LookupError):
        tasks.region("Back")


def test_stay_signed_in_refreshes_the_session_only_when_signed_in(
    client: FlaskClient, auth: AuthActions
) -> None:
    assert client.get("/keep-signed-in").status_code == 302
    auth.login("chair")
    response = auth.get("/keep-signed-in")
    assert response.status_code == 204
    assert "scr_session=" in response.headers["Set-Cookie"]
