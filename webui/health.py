"""Health checks for load balancers and orchestrators, outside sign-in.

`/healthz`: the process answers. `/readyz`: it can serve: the database answers, its schema is at the
newest revision, and a worker has reported recently (200, or 503 naming what is wrong).
"""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from werkzeug.wrappers import Response

from webui.extensions import engine

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def alive() -> Response:
    """The process is alive (nothing else is checked)."""
    return jsonify(status="alive")


@bp.get("/readyz")
def ready() -> tuple[Response, int]:
    """Database reachable, schema at head, worker heartbeat recent."""
    readiness = engine().worker.readiness()
    checks = {
        name: {"ok": passed, "detail": detail}
        for name, (passed, detail) in readiness.checks.items()
    }
    status = "ready" if readiness.ok else "not ready"
    return jsonify(status=status, checks=checks), 200 if readiness.ok else 503
