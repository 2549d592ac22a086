"""Database plumbing: the declarative base, engines for SQLite and PostgreSQL, session factories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy import MetaData
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, and write transactions that lock at BEGIN.

    SQLite's default deferred transactions fail with "database is locked" when two writers both read
    first; BEGIN IMMEDIATE makes the second writer wait for the first instead, so it then sees the
    first one's result (for a task: "already completed by ...").
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("scr_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Sessions:
    """Session factories: `write()` for commands, `read()` for queries."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write = sessionmaker(
            bind=engine.execution_options(scr_write=True), expire_on_commit=False
        )
        self._read = sessionmaker(bind=engine, expire_on_commit=False)

    def write(self) -> Session:
        return self._write()

    def read(self) -> Session:
        return self._read()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"
