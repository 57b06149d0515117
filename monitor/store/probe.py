"""The readiness probe `/healthz` runs: a fresh connection, one query on the migrations table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from monitor.store import db

__all__ = ["DB_TIMEOUT_S", "DatabaseProbe"]

DB_TIMEOUT_S = 2


class DatabaseProbe:
    """A fresh connection per check (no pool), so a vanished file or schema shows at once."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.sqlite_file: Path | None = None
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                self.sqlite_file = Path(parsed.database)
            args: dict[str, Any] = {"timeout": DB_TIMEOUT_S}
        else:
            args = {"connect_timeout": DB_TIMEOUT_S}
        self.engine: Engine = db.make_engine(
            url, poolclass=NullPool, connect_args=args, sqlite_begin="BEGIN"
        )

    def check(self) -> str | None:
        """None when the database answers; else what is wrong."""
        if self.sqlite_file is not None and not self.sqlite_file.exists():
            return f"database file {self.sqlite_file} does not exist"
        try:
            with self.engine.connect() as conn:
                if self.engine.dialect.name == "postgresql":
                    conn.execute(text(f"SET statement_timeout = {DB_TIMEOUT_S * 1000}"))
                conn.execute(text("SELECT version_num FROM alembic_version")).all()
        except Exception as exc:
            return f"database does not answer: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        return None

    def close(self) -> None:
        self.engine.dispose()
