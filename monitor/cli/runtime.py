"""What commands that touch the database share: config, engine, readiness check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, load_config
from monitor.logs import command_logging
from monitor.store import db


@dataclass(frozen=True, slots=True)
class Runtime:
    cfg: AppConfig
    engine: Engine
    sessions: sessionmaker[Session]


# The database this command opened: named when it fails mid-command (one process, one command).
OPENED: list[tuple[str, str]] = []


def open_runtime(config: Path | None, *, upgrade: bool = False) -> Runtime:
    """Load config, connect, and refuse an unmigrated database (unless told to upgrade it)."""
    cfg = load_config(config)
    command_logging(cfg)
    OPENED[:] = [(cfg.database_url, cfg.database_url_origin)]
    engine = db.open_database(
        cfg.database_url,
        source=cfg.database_url_origin,
        auto_upgrade=upgrade or cfg.monitor.database.auto_upgrade,
    )
    return Runtime(cfg, engine, db.session_factory(engine))
