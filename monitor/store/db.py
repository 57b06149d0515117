"""Engine and session factory; SQLite pragmas; migrations (Alembic) and the readiness check."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import DatabaseNotReadyError, DatabaseUnavailableError
from monitor.resources import MIGRATIONS
from monitor.urls import mask_url

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A writer's transaction takes the write lock at BEGIN: a read-then-write transaction can
# then never fail with SQLITE_BUSY_SNAPSHOT (another writer committed since its first read);
# it waits for the busy timeout instead. Read-only engines (the health probe) pass "BEGIN".
SQLITE_BEGIN = "BEGIN IMMEDIATE"


def alembic_dir() -> str:
    """Alembic's script_location: $MONITOR_ALEMBIC_DIR if set (a folder of your own), else the
    migrations shipped inside the package (`monitor:migrations`), found from any install."""
    return os.environ.get("MONITOR_ALEMBIC_DIR") or MIGRATIONS


def make_engine(
    url: str, *, sqlite_begin: str = SQLITE_BEGIN, foreign_keys: bool = True, **kwargs: Any
) -> Engine:
    """An engine for `url`. SQLite gets WAL, a busy timeout, foreign keys and real BEGINs.

    `foreign_keys=False` is for migrations only: SQLite applies an ALTER that it cannot do in
    place by copying the table and dropping the old one, and with foreign keys on that DROP
    deletes the old table's rows first, cascading into every table that references it.

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
            with suppress(sqlite3.OperationalError):  # read-only file or folder: reads still work
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
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


def unless_committed(session: Session, key: str, callback: Callable[[], None]) -> bool:
    """Have `callback` called if the session's transaction ends without committing.

    Rolled back, or its commit failed (a lost connection): what a cache read from it may
    hold was never stored. Once per `key` and transaction; False when already registered.
    """
    txn = session.get_transaction()
    marks = session.info.setdefault("unless_committed", {})
    if marks.get(key) is txn:
        return False
    marks[key] = txn
    committed = False

    def _committed(_session: Session) -> None:
        nonlocal committed
        committed = True

    def _ended(_session: Session, ended: Any) -> None:
        if ended is txn and not committed:
            callback()

    event.listen(session, "after_commit", _committed)
    event.listen(session, "after_transaction_end", _ended)
    return True


def once_committed(session: Session, callback: Callable[[], None]) -> None:
    """Have `callback` called when the session's current transaction commits, never if it
    does not: what is counted of a transaction is what was stored (a batch undone and
    stored again one by one is counted once)."""
    txn = session.get_transaction()
    done = False

    def _committed(_session: Session) -> None:
        nonlocal done
        if not done:  # the commit of `txn`: a rolled-back `txn` ended (below) before any
            done = True
            callback()

    def _ended(_session: Session, ended: Any) -> None:
        nonlocal done
        if ended is txn:
            done = True  # committed (called already) or not: either way, never again

    event.listen(session, "after_commit", _committed)
    event.listen(session, "after_transaction_end", _ended)


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
    url = mask_url(engine.url.render_as_string(hide_password=False))
    if auto_upgrade:
        upgrade(engine.url.render_as_string(hide_password=False))
        return
    state = "has no schema yet" if current is None else f"is at migration {current}, not {head}"
    raise DatabaseNotReadyError(
        f"database {url} {state}: run `monitor db upgrade` "
        "(or set database.auto_upgrade: true in monitor.yaml)"
    )


# ---- errors: one line that says what failed, where, and what to do -----------------------

# (pattern in the driver's message, what it means, what to do). Drivers word these in English
# whatever the locale of this process; the server's locale may differ, hence the fallback.
_CAUSES: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), what, todo)
    for p, what, todo in (
        (
            r"connection refused|is the server running|could not connect|no such file or "
            r"directory.*\.s\.pgsql",
            "nothing accepts connections there",
            "start PostgreSQL, or fix the host and port",
        ),
        (
            r'database "?([^"\s]+)"? does not exist',
            "that database does not exist on the server",
            "create it (createdb NAME) or fix the name in the URL",
        ),
        (
            r"password authentication failed|no password supplied|role .* does not exist|"
            r"authentication failed",
            "the server refused the user or password",
            "check the user and password in the URL",
        ),
        (
            r"could not translate host name|name or service not known|nodename nor servname|"
            r"temporary failure in name resolution",
            "the host name does not resolve",
            "fix the host in the URL",
        ),
        (
            r"timeout expired|timed out",
            "the server did not answer in time",
            "check the host, port and firewall",
        ),
        (
            r"readonly database|read-only|permission denied|unable to open database file|"
            r"no such file or directory|not a directory|file exists",
            "the database file or its folder cannot be written (or does not exist)",
            "make the folder writable for this user, or point the URL at a writable place",
        ),
        (
            r"file is not a database|database disk image is malformed",
            "the file is not a SQLite database (or is damaged)",
            "point the URL at the right file, or restore it from a backup",
        ),
    )
)


def describe_failure(exc: BaseException, url: str | None = None, source: str | None = None) -> str:
    """One line for a database failure: the URL (password masked), who set it, cause, fix."""
    orig = getattr(exc, "orig", None) or exc
    detail = " ".join(str(orig).split())[:300] or type(orig).__name__
    where = ""
    if url is not None:
        where = f" {mask_url(url)}" + (f" (set by {source})" if source else "")
    for pattern, what, todo in _CAUSES:
        if pattern.search(detail):
            return f"cannot use the database{where}: {what} ({detail}); {todo}"
    return (
        f"cannot use the database{where}: {detail}; "
        "check the URL and that the server is up (`monitor check --connect` tries it)"
    )


@contextmanager
def database_errors(url: str, source: str | None = None) -> Iterator[None]:
    """Turn a driver or file-system failure into DatabaseUnavailableError (no traceback)."""
    try:
        yield
    except (SQLAlchemyError, OSError, sqlite3.Error) as exc:
        raise DatabaseUnavailableError(describe_failure(exc, url, source)) from exc


def open_database(url: str, *, source: str | None = None, auto_upgrade: bool = False) -> Engine:
    """An engine on a reachable database at the code's schema, or one clear error."""
    with database_errors(url, source):
        engine = make_engine(url)
        ensure_ready(engine, auto_upgrade=auto_upgrade)
    return engine
