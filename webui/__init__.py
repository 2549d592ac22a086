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
from werkzeug.wrappers import Response

from engine import EngineSettings
from engine import build_engine
from webui import admin
from webui import audit
from webui import auth
from webui import cases
from webui import deployments
from webui import errors
from webui import filters
from webui import messages
from webui import security
from webui import tasks
from webui.config import DEFAULTS
from webui.extensions import csrf
from webui.extensions import login_manager


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then SCR_* environment variables, then test overrides."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DEFAULTS,
        DATABASE_URL=f"sqlite:///{Path(app.instance_path) / 'scr.sqlite3'}",
    )
    if test_config is None:
        app.config.from_prefixed_env("SCR")
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.extensions["scr"] = app.config.get("ENGINE") or build_engine(
        EngineSettings(database_url=app.config["DATABASE_URL"])
    )

    csrf.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    filters.init_app(app)
    errors.init_app(app)
    for module in (
        auth,
        tasks,
        cases,
        deployments,
        admin,
        messages,
        audit,
    ):
        app.register_blueprint(module.bp)

    @app.get("/")
    def index() -> Response:
        """My tasks, or the sign-in page for someone not signed in."""
        signed_in = current_user.is_authenticated
        return redirect(url_for("tasks.index" if signed_in else "auth.sign_in"))

    return app


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, so sessions survive restarts without a committed key."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()
