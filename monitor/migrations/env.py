"""Alembic environment: the same database URL as the app, batch mode for SQLite ALTERs.

SQLite's batch mode copies a table and drops the old one; with foreign keys on, that DROP
would first delete the table's rows and cascade into every table referencing it (upgrading
0002 -> 0003 emptied `articles` through `feeds`). So migrations run with foreign keys off,
as SQLite's own recipe for schema changes says, and check them before committing.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, pool

from monitor.store.db import make_engine
from monitor.store.models import Base, modelled

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("MONITOR_DATABASE_URL")
    if url:
        return str(url)
    from monitor.config import load_config

    return load_config().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse to commit a migration that left a row pointing at nothing (SQLite)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise RuntimeError(f"migration left {len(broken)} broken foreign keys in {tables}")


def run_migrations_online() -> None:
    engine = make_engine(_url(), poolclass=pool.NullPool, foreign_keys=False)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=modelled,  # the full-text index is raw SQL (0006)
        )
        with context.begin_transaction():
            context.run_migrations()
            _check_foreign_keys(connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
