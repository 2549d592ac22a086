"""A real OpenID Connect provider for the single sign-on tests: oidc-provider-mock, run in its own process.

    python tests/webui/oidc_provider.py [TOKEN_MAX_AGE]
        prints "listening on http://127.0.0.1:PORT", then serves; ID tokens expire after
        TOKEN_MAX_AGE seconds (3600; a negative age issues tokens that have already expired)

It is the package's own provider app (discovery, authorization form, token endpoint, JWKS, RS256 ID
tokens) with a nonce required. The package does not check PKCE, so the authorization code grant here
is its own grant with Authlib's RFC 7636 extension added and the challenge kept with each code: a
client that sends no S256 challenge, or redeems a code without the matching verifier, is refused.
Users are set by the test with `PUT /users/<sub>` (their claims) and signed in through the form.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from typing import Any

import werkzeug.serving
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from oidc_provider_mock import _app as provider

CHALLENGES: dict[str, tuple[str, str]] = {}


class RequiredS256(CodeChallenge):
    """PKCE required, S256 only, the challenge remembered with the code it was sent for."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError(
                "PKCE with code_challenge_method=S256 is required"
            )
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code: Any) -> str | None:
        return CHALLENGES.get(authorization_code.code, (None, None))[0]

    def get_authorization_code_challenge_method(
        self, authorization_code: Any
    ) -> str | None:
        return CHALLENGES.get(authorization_code.code, (None, None))[1]


class PkceAuthorizationCodeGrant(provider.AuthorizationCodeGrant):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        RequiredS256(required=True)(self)

    def save_authorization_code(self, code: str, request: object) -> None:
        data = self.request.payload.data
        CHALLENGES[code] = (data["code_challenge"], data["code_challenge_method"])
        super().save_authorization_code(code, request)


def main() -> None:
    # The provider's own CLI sets this: its endpoints are plain http on the loopback address.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    provider.AuthorizationCodeGrant = PkceAuthorizationCodeGrant  # type: ignore[misc]
    max_age = timedelta(seconds=int(sys.argv[1]) if len(sys.argv) > 1 else 3600)
    app = provider.app(require_nonce=True, access_token_max_age=max_age)
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
