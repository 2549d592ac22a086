"""Default settings; `create_app` then applies SCR_* environment variables (or a test's overrides)."""

from __future__ import annotations

from datetime import timedelta

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
}
