"""/healthz and /readyz answer without sign-in; HSTS and ProxyFix only when switched on."""

from __future__ import annotations

from engine import EngineSettings
from engine import build_engine
from engine.db.base import Base
from engine.db.base import make_engine
from engine.db.schema import upgrade
from webui import create_app


def make_app(tmp_path, **config):
    url = f"sqlite:///{tmp_path / 'scr.sqlite3'}"
    upgrade(url)
    engine = build_engine(EngineSettings(database_url=url))
    return create_app({"ENGINE": engine, "SECRET_KEY": "x" * 32, **config}), engine


def test_healthz_and_readyz_answer_without_sign_in_and_say_what_is_missing(tmp_path):
    app, engine = make_app(tmp_path)
    client = app.test_client()
    assert client.get("/healthz").json == {"status": "alive"}
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    checks = not_ready.json["checks"]
    assert checks["database"]["ok"] and checks["schema"]["ok"]
    assert "start `scr worker`" in checks["worker"]["detail"]
    report = engine.worker.cycle()
    engine.worker.beat(engine.clock.now(), report)
    assert client.get("/readyz").status_code == 200
    engine.dispose()


def test_readyz_refuses_a_database_behind_the_code(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    bind = make_engine(url)
    Base.metadata.create_all(bind)  # tables, but no Alembic revision
    bind.dispose()
    engine = build_engine(EngineSettings(database_url=url))
    app = create_app({"ENGINE": engine, "SECRET_KEY": "x" * 32})
    body = app.test_client().get("/readyz").json
    assert body["status"] == "not ready" and not body["checks"]["schema"]["ok"]
    engine.dispose()


def test_hsts_and_proxy_headers_only_when_switched_on(tmp_path):
    app, engine = make_app(tmp_path)
    assert "Strict-Transport-Security" not in app.test_client().get("/healthz").headers
    engine.dispose()
    app, engine = make_app(tmp_path, HSTS=True, TRUSTED_PROXIES=1)
    seen = {}

    @app.get("/scheme")
    def scheme():  # type: ignore[no-untyped-def]
        from flask import request

        seen["scheme"] = request.scheme
        return "ok"

    from webui import security

    security.PUBLIC_ENDPOINTS.add("scheme")
    try:
        response = app.test_client().get(
            "/scheme", headers={"X-Forwarded-Proto": "https"}
        )
    finally:
        security.PUBLIC_ENDPOINTS.discard("scheme")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert seen["scheme"] == "https"
    engine.dispose()
