"""Default settings; `create_app` then applies SCR_* environment variables (or a test's overrides)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine import EngineSettings

DEFAULTS = {
    "SESSION_COOKIE_NAME": "scr_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Set SCR_SESSION_COOKIE_SECURE=true wherever the service is served over HTTPS (it always should be).
    "SESSION_COOKIE_SECURE": False,
    # Signed-in sessions end after this long without a request.
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    # The engine refuses documents over 10 MB; this leaves room for the rest of the form.
    "MAX_CONTENT_LENGTH": 11 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
    # A task is "due soon" when it is due within this many days.
    "SERVICE_NAME": "SCR Workflow",
    "ORGANISATION_NAME": "Local Safeguarding Children Board",
    # Strict-Transport-Security on every response (SCR_HSTS=true behind HTTPS).
    "HSTS": False,
    # How many reverse proxies to trust for X-Forwarded-* (SCR_TRUSTED_PROXIES; 0 = none).
    "TRUSTED_PROXIES": 0,
    # The "Mail sent (development)" page (SCR_MAIL_VIEW=true, development only).
    "MAIL_VIEW": False,
    # Where the source code of this running service is offered (AGPL-3.0 section 13).
    "SOURCE_CODE_URL": "https://github.com/scr-workflow/scr-workflow",
}


def from_settings(settings: EngineSettings) -> dict[str, Any]:
    """The app's config from the validated settings (the same ones the CLI and worker use)."""
    config: dict[str, Any] = {
        "DATABASE_URL": settings.database_url,
        "SESSION_COOKIE_SECURE": settings.web.session_cookie_secure,
        "HSTS": settings.web.hsts,
        "TRUSTED_PROXIES": settings.web.trusted_proxies,
        "MAIL_VIEW": settings.web.mail_view and settings.is_development,
    }
    if settings.web.secret_key is not None:
        config["SECRET_KEY"] = settings.web.secret_key.get_secret_value()
    return config
