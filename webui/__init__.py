"""SCR Workflow web UI: a thin Flask app over the engine's service API."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from flask import render_template

from engine import EngineSettings
from engine import build_service


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then SCR_* environment variables, then test overrides."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATABASE_URL=f"sqlite:///{Path(app.instance_path) / 'scr.sqlite3'}",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if test_config is None:
        app.config.from_prefixed_env("SCR")
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    service = app.config.get("SERVICE") or build_service(
        EngineSettings(database_url=app.config["DATABASE_URL"])
    )
    app.extensions["scr"] = service

    @app.get("/")
    def index() -> str:
        return render_template("index.html")

    return app


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, so sessions survive restarts without a committed key."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()
