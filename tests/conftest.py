"""Shared fixtures: a loopback HTTP server, migrated SQLite and PostgreSQL databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.watchlist import WatchlistConfig
from monitor.store import db
from tests.loopback import LoopbackServer

ROOT = Path(__file__).resolve().parents[1]
# The data the suite needs, in the repository (third-party files keep their LICENSE beside
# them; provenance in tests/fixtures/README.md), so `pytest` passes on a fresh clone.
FIXTURES = ROOT / "tests" / "fixtures"
# Larger data that only CI lays beside the checkout (../shared); use `shared_file`, which skips.
SHARED = ROOT.parent / "shared"


def shipped_watchlist(name: str = "nk-defections") -> WatchlistConfig:
    """A watchlist as shipped in config/watchlists/: what the matching tests judge."""
    path = ROOT / "config" / "watchlists" / f"{name}.yaml"
    return WatchlistConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def shared_file(relative: str) -> Path:
    """A file under ../shared, or skip the test saying how to get it."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(
            f"needs ../shared/{relative}, which is not in the repository: CI lays the project's "
            "shared/ folder beside the checkout; copy or link it there to run this test"
        )
    return path


POSTGRES_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL")


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema on the server at `url`, dropped afterwards; yields its URL."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, pool_pre_ping=True)  # survives a server restart meanwhile
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _postgres_schema_url() -> Iterator[str]:
    """A fresh schema per test on the test server, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("MONITOR_TEST_POSTGRES_URL is not set")
    with postgres_schema(POSTGRES_URL) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: SQLite in tmp_path, and PostgreSQL when configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitor.db'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database (both backends)."""
    db.upgrade(database_url)
    eng = db.make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return db.session_factory(engine)
