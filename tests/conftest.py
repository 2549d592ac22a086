"""Fixtures: a fresh database per test on SQLite and PostgreSQL, a fixed clock, the engine, demo users."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import create_engine
from sqlalchemy import text

from engine import Engine
from engine import EngineSettings
from engine import build_engine
from engine.clock import FixedClock
from engine.db import models  # noqa: F401  (registers the tables)
from engine.db.base import Base
from engine.db.base import Database
from engine.db.base import make_engine
from engine.dto import UserInfo
from engine.process.handlers import HandlerRegistry
from tests.engine.helpers import RecordingHandler

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get(
    "SCR_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432"
)
# One database per test run, so two runs at once (a developer and CI, say) never truncate each other's tables.
PG_DATABASE = f"scr_test_{os.getpid()}"
# Monday 2 March 2026, 09:00 in London (GMT).
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _postgres_engine() -> tuple[SqlEngine | None, str]:
    """An engine on a test database, created if missing; or None and why PostgreSQL is not available."""
    try:
        admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_DATABASE}
            )
            if not exists:
                connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
        admin.dispose()
    except Exception as err:  # noqa: BLE001 - any failure means "no server here"
        return None, f"PostgreSQL is not reachable at {PG_SERVER}: {type(err).__name__}"
    engine = make_engine(f"{PG_SERVER}/{PG_DATABASE}")
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    return engine, ""


@pytest.fixture(scope="session")
def postgres() -> Iterator[tuple[SqlEngine | None, str]]:
    engine, reason = _postgres_engine()
    yield engine, reason
    if engine is not None:
        engine.dispose()
        admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(
                text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            )
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_engine(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    postgres: tuple[SqlEngine | None, str],
) -> Iterator[SqlEngine]:
    """A fresh, empty schema on each database the suite runs against."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'scr.sqlite3'}")
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    engine, reason = postgres
    if engine is None:
        pytest.skip(reason)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def handlers() -> HandlerRegistry:
    """Service-task handlers; the engine adds the real notify handler unless a test registers its own."""
    return HandlerRegistry()


@pytest.fixture
def notify(handlers: HandlerRegistry) -> RecordingHandler:
    """Record notify service calls instead of queueing messages (for engine tests on the mini diagram)."""
    recorder = RecordingHandler()
    handlers.register("notify", recorder)
    return recorder


@pytest.fixture
def engine_settings() -> EngineSettings:
    """Settings of the test's engine (a module that sends mail overrides this with its SMTP port)."""
    return EngineSettings()


@pytest.fixture
def engine(
    db_engine: SqlEngine,
    clock: FixedClock,
    handlers: HandlerRegistry,
    engine_settings: EngineSettings,
) -> Engine:
    """The one way tests build the engine: on the test's database and clock, with demo users."""
    built = build_engine(
        engine_settings, clock=clock, handlers=handlers, database=Database(db_engine)
    )
    built.directory.load_demo_users()
    return built


@pytest.fixture
def users(engine: Engine) -> dict[str, UserInfo]:
    from engine.db.demo import DEMO_USERS

    return {name: engine.accounts.by_username(name) for name, *_ in DEMO_USERS}


def read_folder(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright, one per test run (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium is not installed: run `apt-get install -y chromium` (.ci/run does)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
