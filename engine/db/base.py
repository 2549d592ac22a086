"""Database plumbing: the declarative base, engines for SQLite and PostgreSQL, and transactions.

`Database.transaction()` is the one place a SQLAlchemy session is opened, committed and closed; a lost
race (a stale version counter, a duplicate key, a deadlock, SQLite's "locked") comes out as `LostRace`
so the unit of work can retry the whole command without knowing SQLAlchemy.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import MetaData
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.exc import StaleDataError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LostRace(Exception):
    """Another transaction committed a conflicting change first; the command may be retried."""


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


class Database:
    """One database: sessions for commands (`write`) and queries (`read`), and transactions over them."""

    def __init__(self, bind: Engine) -> None:
        self.bind = bind
        self._write = sessionmaker(
            bind=bind.execution_options(scr_write=True), expire_on_commit=False
        )
        self._read = sessionmaker(bind=bind, expire_on_commit=False)

    @classmethod
    def at(cls, url: str) -> Database:
        return cls(make_engine(url))

    def write(self) -> Session:
        return self._write()

    def read(self) -> Session:
        return self._read()

    @property
    def is_sqlite(self) -> bool:
        return self.bind.dialect.name == "sqlite"

    @contextlib.contextmanager
    def transaction(self, write: bool) -> Iterator[Session]:
        """A session in one transaction: committed if the block ends normally, else rolled back.

        :raises LostRace: another transaction won a race for the same rows.
        """
        session = self.write() if write else self.read()
        try:
            with session.begin():
                yield session
        except (StaleDataError, IntegrityError, OperationalError) as err:
            if isinstance(err, OperationalError) and not _is_conflict(err):
                raise
            raise LostRace(str(err)) from err
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection (SQLite checkpoints its WAL into the file)."""
        self.bind.dispose()


def _is_conflict(err: OperationalError) -> bool:
    """PostgreSQL's deadlock / serialization failures and SQLite's "locked" are worth a retry."""
    code = getattr(err.orig, "sqlstate", None)
    return code in ("40001", "40P01") or "database is locked" in str(err.orig)
