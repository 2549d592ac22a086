"""The schema's Alembic revisions: upgrade (`scr db upgrade`), where a database is, what the code knows."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    command.upgrade(alembic_config(database_url), "head")


def head() -> str | None:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current(session: Session) -> str | None:
    """The revision the database is at (None: never migrated)."""
    from alembic.migration import MigrationContext

    return MigrationContext.configure(session.connection()).get_current_revision()


def history() -> list[tuple[str, str | None, str]]:
    """Every revision, newest first: (revision, the one before, its description)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [
        (s.revision, s.down_revision, (s.doc or "").splitlines()[0] if s.doc else "")
        for s in scripts.walk_revisions()
    ]
