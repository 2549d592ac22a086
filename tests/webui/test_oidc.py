"""Single sign-on through a real OpenID Connect provider process (oidc-provider-mock, started here).

Each test drives the whole exchange: our app (the Flask test client) redirects to the provider; the
provider's authorization form is read and submitted over real HTTP as the person would; its redirect
back to us carries the code, which our app redeems over real HTTP (PKCE S256, which this provider
enforces), verifying the ID token against the provider's JWKS. Nothing of it is a mocked function.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import quote
from urllib.parse import urlsplit

import lxml.html
import pytest
import requests
from flask.testing import FlaskClient
from pydantic import SecretStr
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import select
from werkzeug.test import TestResponse

from engine import Engine
from engine import EngineSettings
from engine import OidcSettings
from engine import UserInfo
from engine.db.models import AuditEvent
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.html import read
from tests.webui.provider_process import start_provider

CLIENT_ID = "scr-workflow"
CLIENT_SECRET = "provider-client-secret-for-tests"
ROLES_CLAIM = "scr_roles"
LABEL = "Sign in with your council account"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The issuer URL of an OpenID Connect provider running in its own process."""
    yield from start_provider()


@pytest.fixture
def roles_claim() -> str | None:
    """SCR_OIDC_ROLES_CLAIM: off, unless a test sets it with `parametrize`."""
    return None


@pytest.fixture
def engine_settings(provider: str, roles_claim: str | None) -> EngineSettings:
    return EngineSettings(
        oidc=OidcSettings(
            issuer=provider,
            client_id=CLIENT_ID,
            client_secret=SecretStr(CLIENT_SECRET),
            roles_claim=roles_claim,
        )
    )


def person(provider: str, sub: str, **claims: object) -> None:
    """Tell the provider who `sub` is (the claims its ID token will carry)."""
    response = requests.put(
        f"{provider}/users/{quote(sub)}",
        json={"email_verified": True, "name": sub, **claims},
        timeout=10,
    )
    assert response.status_code == 204


def authorize_at_provider(authorize_url: str, sub: str) -> str:
    """Fill in and submit the provider's authorization form; where it sends the browser back."""
    form_page = requests.get(authorize_url, timeout=10)
    assert form_page.status_code == 200, form_page.text
    page = lxml.html.fromstring(form_page.text)
    [form] = page.xpath("//form[.//input[@name='sub']]")
    assert form.method.lower() == "post"
    answer = requests.post(
        authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def sign_in_with_sso(client: FlaskClient, sub: str) -> TestResponse:
    """Press the single sign-on button, sign in at the provider as `sub`, and come back."""
    start = client.get("/sign-in/sso/")
    assert start.status_code == 302, text(start)
    back = authorize_at_provider(start.headers["Location"], sub)
    return client.get(back, follow_redirects=True)


def events(db_engine: SqlEngine, type_: str) -> list[dict[str, object]]:
    """The plain data of every audit event of this type, oldest first, with its actor."""
    with db_engine.connect() as connection:
        rows = connection.execute(
            select(AuditEvent.actor_name, AuditEvent.data)
            .where(AuditEvent.type == type_)
            .order_by(AuditEvent.id)
        )
        return [{"actor": actor, **json.loads(data)} for actor, data in rows]


def test_signing_in_through_the_provider_lands_on_my_tasks(
    client: FlaskClient, provider: str, users: dict[str, UserInfo], db_engine: SqlEngine
) -> None:
    committee = users["committee"]
    assert committee.email
    # The provider spells the address differently; the account is still found.
    person(provider, "carol", email=committee.email.upper())

    start = client.get("/sign-in/sso/")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] and query["nonce"] and query["code_challenge"]
    assert "openid" in query["scope"][0].split()
    back = authorize_at_provider(start.headers["Location"], "carol")
    page = read(client.get(back, follow_redirects=True))

    assert page.heading == "My tasks"
    assert "Carol Mitchell" in page.text
    [signed_in] = events(db_engine, "user_signed_in")
    assert signed_in["method"] == "oidc"
    assert signed_in["actor"] == "Carol Mitchell"


def test_single_sign_on_goes_back_where_the_person_was_going(
    client: FlaskClient, provider: str, users: dict[str, UserInfo]
) -> None:
    person(provider, "carol", email=users["committee"].email)
    start = client.get("/sign-in/sso/?next=/cases/")
    back = authorize_at_provider(start.headers["Location"], "carol")
    response = client.get(back)
    assert response.status_code == 302
    assert response.headers["Location"] == "/cases/"


def test_the_sign_in_page_offers_single_sign_on_beside_the_password(
    client: FlaskClient,
) -> None:
    page = read(client.get("/sign-in"))
    assert LABEL in page.buttons()
    assert set(page.fields()) >= {"username", "password"}  # local accounts stay


def test_without_settings_there_is_no_single_sign_on(
    tmp_path: Path, db_engine: SqlEngine
) -> None:
    from engine import build_engine
    from engine.db.base import Database
    from webui import create_app

    plain = build_engine(EngineSettings(), database=Database(db_engine))
    app = create_app({"TESTING": True, "ENGINE": plain, "SECRET_KEY": "test"})
    client = app.test_client()
    page = read(client.get("/sign-in"))
    assert LABEL not in page.buttons()
    assert client.get("/sign-in/sso/").status_code == 404


def test_first_sign_in_creates_an_account_with_no_roles(
    client: FlaskClient, provider: str, engine: Engine, db_engine: SqlEngine
) -> None:
    person(provider, "new-starter", email="New.Starter@council.example.gov.uk")
    page = read(sign_in_with_sso(client, "new-starter"))

    assert page.heading == "An administrator must give you access"
    assert "no role" in page.text
    user = engine.accounts.by_username("new.starter@council.example.gov.uk")
    assert user.roles == frozenset()
    assert user.email == "New.Starter@council.example.gov.uk"
    [created] = events(db_engine, "user_created")
    assert created["via"] == "single sign-on"
    assert created["roles"] == []
    # A second sign-in finds the same account rather than making another.
    client.post("/sign-out", data={"csrf_token": _token(client)})
    read(sign_in_with_sso(client, "new-starter"))
    assert len(events(db_engine, "user_created")) == 1


@pytest.mark.parametrize("roles_claim", [ROLES_CLAIM])
def test_roles_come_from_the_configured_claim(
    client: FlaskClient,
    provider: str,
    engine: Engine,
    db_engine: SqlEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    claims = {"email": "pat.reviewer@council.example.gov.uk"}
    person(provider, "pat", **claims, **{ROLES_CLAIM: ["reviewer", "wizard"]})
    with caplog.at_level(logging.WARNING):
        page = read(sign_in_with_sso(client, "pat"))

    assert page.heading == "My tasks"
    user = engine.accounts.by_username("pat.reviewer@council.example.gov.uk")
    assert user.roles == frozenset({"reviewer"})
    assert "wizard" in caplog.text  # the unknown key is ignored, and logged
    # The provider takes the role away: at the next sign-in it is gone here too.
    client.post("/sign-out", data={"csrf_token": _token(client)})
    person(provider, "pat", **claims, **{ROLES_CLAIM: []})
    page = read(sign_in_with_sso(client, "pat"))
    assert page.heading == "An administrator must give you access"
    assert engine.accounts.by_username(user.username).roles == frozenset()
    changes = events(db_engine, "user_roles_changed")
    assert [c["roles"] for c in changes] == [["reviewer"], []]


def test_an_unverified_email_is_refused(
    client: FlaskClient, provider: str, users: dict[str, UserInfo], db_engine: SqlEngine
) -> None:
    person(provider, "sly", email=users["admin"].email, email_verified=False)
    response = sign_in_with_sso(client, "sly")

    assert response.status_code == 403
    page = read(response)
    assert page.heading == "You cannot sign in with your council account"
    assert "not say that its e-mail address is verified" in page.text
    assert client.get("/tasks/").status_code == 302  # not signed in
    [refused] = events(db_engine, "sign_in_refused")
    assert refused["reason"] == "email_not_verified"
    assert not events(db_engine, "user_signed_in")


def test_a_deactivated_account_is_refused(
    client: FlaskClient,
    provider: str,
    engine: Engine,
    users: dict[str, UserInfo],
    db_engine: SqlEngine,
) -> None:
    nurse = users["nurse"]
    engine.directory.deactivate_user(users["admin"], nurse.id)
    person(provider, "nadia", email=nurse.email)
    response = sign_in_with_sso(client, "nadia")

    assert response.status_code == 403
    assert "has been deactivated" in read(response).text
    assert client.get("/tasks/").status_code == 302
    assert events(db_engine, "sign_in_refused")[-1]["reason"] == "inactive"


def test_a_state_that_does_not_match_is_refused(
    client: FlaskClient, provider: str, users: dict[str, UserInfo]
) -> None:
    person(provider, "carol", email=users["committee"].email)
    start = client.get("/sign-in/sso/")
    back = authorize_at_provider(start.headers["Location"], "carol")
    parts = urlsplit(back)
    code = parse_qs(parts.query)["code"][0]
    response = client.get(f"{parts.path}?code={quote(code)}&state=forged")

    assert response.status_code == 400
    assert read(response).heading == "Your sign-in did not finish"
    assert client.get("/tasks/").status_code == 302


def test_a_return_from_the_provider_cannot_be_used_twice(
    client: FlaskClient, provider: str, users: dict[str, UserInfo]
) -> None:
    person(provider, "carol", email=users["committee"].email)
    start = client.get("/sign-in/sso/")
    back = authorize_at_provider(start.headers["Location"], "carol")
    assert client.get(back).status_code == 302
    client.post("/sign-out", data={"csrf_token": _token(client)})

    again = client.get(back)
    assert again.status_code == 400
    assert read(again).heading == "Your sign-in did not finish"


def test_saying_no_at_the_provider_signs_nobody_in(client: FlaskClient) -> None:
    start = client.get("/sign-in/sso/")
    answer = requests.post(
        start.headers["Location"],
        data={"action": "deny"},
        allow_redirects=False,
        timeout=10,
    )
    response = client.get(answer.headers["Location"])

    assert response.status_code == 400
    page = read(response)
    assert page.heading == "The council's sign-in service did not sign you in"
    assert client.get("/tasks/").status_code == 302


def test_the_provider_refuses_a_code_redeemed_without_the_pkce_verifier(
    client: FlaskClient, provider: str, users: dict[str, UserInfo]
) -> None:
    """The provider these tests use really checks PKCE, so the sign-ins above prove ours."""
    person(provider, "carol", email=users["committee"].email)
    start = client.get("/sign-in/sso/")
    back = authorize_at_provider(start.headers["Location"], "carol")
    redirect_uri = parse_qs(urlsplit(start.headers["Location"]).query)["redirect_uri"]
    answer = requests.post(
        f"{provider}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": parse_qs(urlsplit(back).query)["code"][0],
            "redirect_uri": redirect_uri[0],
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    assert answer.status_code == 400
    assert "code_verifier" in answer.json()["error_description"]


def test_an_expired_id_token_is_refused(
    db_engine: SqlEngine,
    users: dict[str, UserInfo],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from engine import build_engine
    from engine.db.base import Database
    from webui import create_app

    # This provider's ID tokens expired an hour before they were issued.
    stale = start_provider("-3600")
    issuer = next(stale)
    try:
        settings = EngineSettings(
            oidc=OidcSettings(
                issuer=issuer,
                client_id=CLIENT_ID,
                client_secret=SecretStr(CLIENT_SECRET),
            )
        )
        built = build_engine(settings, database=Database(db_engine))
        app = create_app({"TESTING": True, "ENGINE": built, "SECRET_KEY": "test"})
        client = app.test_client()
        person(issuer, "carol", email=users["committee"].email)
        response = sign_in_with_sso(client, "carol")
    finally:
        stale.close()

    assert response.status_code == 400
    assert read(response).heading == "We could not check who you are"
    assert "ExpiredTokenError" in caplog.text
    assert client.get("/tasks/").status_code == 302


def test_a_provider_that_does_not_answer_gives_a_clear_page(
    db_engine: SqlEngine,
) -> None:
    from engine import build_engine
    from engine.db.base import Database
    from webui import create_app

    settings = EngineSettings(
        oidc=OidcSettings(
            issuer="http://127.0.0.1:9",  # the discard port: nobody answers
            client_id=CLIENT_ID,
            client_secret=SecretStr(CLIENT_SECRET),
        )
    )
    built = build_engine(settings, database=Database(db_engine))
    app = create_app({"TESTING": True, "ENGINE": built, "SECRET_KEY": "test"})
    response = app.test_client().get("/sign-in/sso/")

    assert response.status_code == 502
    page = read(response)
    assert page.heading == "The council's sign-in service is not answering"
    assert "Traceback" not in text(response)


def test_local_sign_in_still_works_beside_single_sign_on(auth: AuthActions) -> None:
    assert auth.login("reviewer").status_code == 302


def _token(client: FlaskClient) -> str:
    from tests.webui.conftest import CSRF_INPUT

    match = CSRF_INPUT.search(text(client.get("/tasks/")))
    assert match
    return match.group(1)


def test_settings_turn_single_sign_on_on_and_never_show_the_secret() -> None:
    from engine.settings import EngineSettings as Settings

    settings = Settings.from_env(
        {
            "SCR_OIDC_ISSUER": "https://login.example.org/tenant/v2.0",
            "SCR_OIDC_CLIENT_ID": "scr",
            "SCR_OIDC_CLIENT_SECRET": "very-secret-value",
            "SCR_OIDC_ROLES_CLAIM": "roles",
        }
    )
    assert settings.oidc is not None
    assert settings.oidc.discovery_url == (
        "https://login.example.org/tenant/v2.0/.well-known/openid-configuration"
    )
    shown = dict(settings.described())
    assert shown["SCR_OIDC_CLIENT_SECRET"] == "(set, hidden)"
    assert shown["SCR_OIDC_ROLES_CLAIM"] == "roles"
    assert "very-secret-value" not in repr(settings) + str(shown)
    assert Settings.from_env({}).oidc is None


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SCR_OIDC_ISSUER": "https://login.example.org"}, "SCR_OIDC_CLIENT_ID"),
        ({"SCR_OIDC_ISSUER": "http://login.example.org"}, "SCR_OIDC_ISSUER"),
        ({"SCR_OIDC_ISSUER": "https://login.example.org/?x=1"}, "SCR_OIDC_ISSUER"),
    ],
)
def test_a_wrong_single_sign_on_setting_is_named(
    env: dict[str, str], named: str
) -> None:
    from engine.settings import ConfigInvalid
    from engine.settings import EngineSettings as Settings

    full = {
        "SCR_OIDC_CLIENT_SECRET": "very-secret-value",
        **env,
    }
    with pytest.raises(ConfigInvalid) as refused:
        Settings.from_env(full)
    assert named in str(refused.value)
    assert "very-secret-value" not in str(refused.value)


def test_two_accounts_with_one_address_are_not_guessed_between(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    from engine import NotSignedIn

    shared = users["police_panel"].email
    engine.directory.create_user(
        users["admin"],
        username="twin",
        display_name="Twin",
        password="a-long-enough-password",
        roles=["board_member"],
        email=shared,
        agency=None,
    )
    with pytest.raises(NotSignedIn, match="More than one account"):
        engine.single_sign_on.sign_in({"email": shared, "email_verified": True})
