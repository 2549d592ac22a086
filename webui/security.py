"""Security headers on every response, and sign-in required on every page but the sign-in page and
the public pages (accessibility statement, privacy notice, cookies)."""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import request
from flask_login import current_user
from werkzeug.wrappers import Response

from webui.extensions import login_manager

# Only our own scripts, styles and fonts; images may also be data: URIs (the bpmn.io logo of the viewer).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PUBLIC_ENDPOINTS = {
    "index",
    "auth.sign_in",
    "oidc.start",
    "oidc.callback",
    "static",
    "health.alive",
    "health.ready",
    "public.accessibility",
    "public.privacy",
    "public.cookies",
}
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    app.before_request(require_sign_in)
    app.after_request(add_headers)


def require_sign_in() -> Response | None:
    """Send anyone not signed in to the sign-in page (with a safe way back)."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config.get("HSTS"):
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint != "static":
        # Case pages hold personal data about children: never keep them in a shared cache.
        headers["Cache-Control"] = "no-store"
    return response
