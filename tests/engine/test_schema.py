"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from engine.db.base import Base
from engine.db.schema import upgrade


def test_migrations_match_the_models(db_engine):
    url = db_engine.url.render_as_string(hide_password=False)
    with db_engine.begin() as connection:
        if db_engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(connection)
    upgrade(url)
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [
            d
            for d in compare_metadata(context, Base.metadata)
            if d[0] != "remove_table" or d[1].name != "alembic_version"
        ]
    assert differences == []
    if (
        db_engine.dialect.name == "postgresql"
    ):  # leave the session's schema as the other tests expect
        with db_engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        Base.metadata.create_all(db_engine)
