"""Engine and session factory; SQLite pragmas; migrations (Alembic) and the readiness check."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import DatabaseNotReadyError
from monitor.resources import MIGRATIONS

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A writer's transaction takes the write lock at BEGIN: a read-then-write transaction can
# then never fail with SQLITE_BUSY_SNAPSHOT (another writer committed since its first read);
# it waits for the busy timeout instead. Read-only engines (the health probe) pass "BEGIN".
SQLITE_BEGIN = "BEGIN IMMEDIATE"


def alembic_dir() -> str:
    """Alembic's script_location: $MONITOR_ALEMBIC_DIR if set (a folder of your own), else the
    migrations shipped inside the package (`monitor:migrations`), found from any install."""
    return os.environ.get("MONITOR_ALEMBIC_DIR") or MIGRATIONS


def make_engine(url: str, *, sqlite_begin: str = SQLITE_BEGIN, **kwargs: Any) -> Engine:
    """An engine for `url`. SQLite gets WAL, a busy timeout, foreign keys and real BEGINs.

    pysqlite on Python < 3.12 sends BEGIN only before the first INSERT/UPDATE and never before
    a SAVEPOINT, so releasing a savepoint opened first (the article insert) committed alone.
    SQLAlchemy's documented pysqlite recipe: the driver's own transaction handling off
    (`isolation_level=None`), and a "begin" listener that emits BEGIN, so a session's
    transaction is one SQLite transaction on both backends (savepoints nest inside it).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not db.startswith("file:"):
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we send BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql(sqlite_begin)

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A short transaction: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def _alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", alembic_dir())
    cfg.attributes["database_url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` (`monitor db upgrade`)."""
    command.upgrade(_alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(_alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config("")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ensure_ready(engine: Engine, *, auto_upgrade: bool = False) -> None:
    """Refuse to work on a database whose schema is not at the code's migration head."""
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return
    url = engine.url.render_as_string(hide_password=True)
    if auto_upgrade:
        upgrade(engine.url.render_as_string(hide_password=False))
        return
    state = "has no schema yet" if current is None else f"is at migration {current}, not {head}"
    raise DatabaseNotReadyError(
        f"database {url} {state}: run `monitor db upgrade` "
        "(or set database.auto_upgrade: true in monitor.yaml)"
    )
