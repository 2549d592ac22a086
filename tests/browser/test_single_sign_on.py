"""Single sign-on in a real browser: Chromium goes from our sign-in page to a real OpenID Connect
provider (its own process), signs in on its form and comes back to "My tasks".

Both servers are their own processes, and ours is configured the way an installation is: `SCR_*`
environment variables read by `create_app()`. This proves what the Flask test client cannot: the
session cookie survives the cross-site return (SameSite=Lax), and no content-security-policy rule gets
in the way of the button, the redirects or the pages (the `page` fixture fails on any violation).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Page
from playwright.sync_api import Route
from playwright.sync_api import expect

from tests.browser.people import serious_violations
from tests.conftest import ROOT
from tests.webui.database import build_database
from tests.webui.database import diagram_files
from tests.webui.provider_process import start_provider

pytestmark = pytest.mark.browser
LABEL = "Sign in with your council account"
# The server's own `create_app()` (no test configuration), on a free port of the loopback address.
SERVE = (
    "from werkzeug.serving import make_server\n"
    "from webui import create_app\n"
    "server = make_server('127.0.0.1', 0, create_app(), threaded=True)\n"
    "print(server.server_port, flush=True)\n"
    "server.serve_forever()\n"
)


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    yield from start_provider()


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, provider: str
) -> Iterator[str]:
    """Our app, configured for single sign-on through `provider` by its environment variables."""
    folder = tmp_path_factory.mktemp("sso")
    database = folder / "scr.sqlite3"
    build_database(database, diagram_files())
    env = {
        **os.environ,
        "SCR_ENV": "development",
        "SCR_DATABASE_URL": f"sqlite:///{database}",
        "SCR_SECRET_KEY": secrets.token_hex(32),
        "SCR_OIDC_ISSUER": provider,
        "SCR_OIDC_CLIENT_ID": "scr-workflow",
        "SCR_OIDC_CLIENT_SECRET": secrets.token_hex(16),
    }
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVE],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            port = server.stdout.readline().strip()  # type: ignore[union-attr]
            assert port.isdigit(), f"the server did not start; see {log.name}"
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=10)
            server.stdout.close()  # type: ignore[union-attr]


def test_council_staff_sign_in_at_their_provider_and_land_on_my_tasks(
    page: Page, provider: str
) -> None:
    # Who the provider says "carol" is: the demo Committee member's (verified) address.
    claims = {"email": "committee@scr.example.org", "email_verified": True}
    answer = requests.put(f"{provider}/users/carol", json=claims, timeout=10)
    assert answer.status_code == 204

    # The provider's pages style themselves from a CDN; the test never reaches the internet.
    page.route("https://cdn.jsdelivr.net/**", _empty_stylesheet)

    page.goto("/sign-in")
    assert serious_violations(page) == []
    page.get_by_role("button", name=LABEL).click()

    assert page.url.startswith(f"{provider}/oauth2/authorize?")
    page.get_by_placeholder("sub").fill("carol")
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My tasks")
    expect(page.locator("body")).to_contain_text("Carol Mitchell")
    assert serious_violations(page) == []


def _empty_stylesheet(route: Route) -> None:
    route.fulfill(status=200, content_type="text/css", body="")
