"""SCR Workflow web UI: a thin Flask app over the engine's service API."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from flask import redirect
from flask import url_for
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from engine import EngineSettings
from engine import build_engine
from webui import admin
from webui import audit
from webui import auth
from webui import cases
from webui import chronology
from webui import corrections
from webui import deployments
from webui import devmail
from webui import errors
from webui import filters
from webui import health
from webui import messages
from webui import oidc
from webui import public
from webui import register
from webui import reports
from webui import security
from webui import tasks
from webui import team
from webui.config import DEFAULTS
from webui.config import from_settings
from webui.extensions import csrf
from webui.extensions import login_manager


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then SCR_* environment variables, then test overrides."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DEFAULTS,
        DATABASE_URL=f"sqlite:///{Path(app.instance_path) / 'scr.sqlite3'}",
    )
    settings = None
    if test_config is None:
        app.config.from_prefixed_env("SCR")
        # The one typed configuration: refuses a wrong setting, with the fix, at start-up.
        settings = EngineSettings.from_env()
        app.config.from_mapping(from_settings(settings))
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.extensions["scr"] = app.config.get("ENGINE") or build_engine(
        settings or EngineSettings(database_url=app.config["DATABASE_URL"])
    )
    if app.config.get("TRUSTED_PROXIES"):
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )

    csrf.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    filters.init_app(app)
    errors.init_app(app)
    oidc.init_app(app)
    for module in (
        auth,
        tasks,
        cases,
        deployments,
        admin,
        messages,
        audit,
        health,
        devmail,
        register,
        chronology,
        reports,
        public,
        oidc,
        team,
        corrections,
    ):
        app.register_blueprint(module.bp)

    @app.get("/")
    def index() -> Response:
        """My tasks, or the sign-in page for someone not signed in."""
        signed_in = current_user.is_authenticated
        return redirect(url_for("tasks.index" if signed_in else "auth.sign_in"))

    return app


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, so sessions survive restarts without a committed key.

    Development only (production requires SCR_SECRET_KEY). Written to a private temporary file and
    linked into place, which fails if another worker got there first: every worker reads one key.
    """
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        draft = instance / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        draft.write_text(secrets.token_hex(32))
        os.chmod(draft, 0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
