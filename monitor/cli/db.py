"""`monitor db upgrade|downgrade|current`."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.app import (
    ConfigOpt,
    db_app,
    get_config,
    handle_errors,
    out_console,
    styled,
)
from monitor.store import db


@db_app.command("upgrade")
@handle_errors
def upgrade(
    config: ConfigOpt = None,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations (creates the database when it does not exist)."""
    cfg = get_config(config)
    with db.database_errors(cfg.database_url, cfg.database_url_origin):
        db.upgrade(cfg.database_url, revision)
    out_console.print(styled(f"database at {revision}", "green"))


@db_app.command("downgrade")
@handle_errors
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. base.")],
    config: ConfigOpt = None,
) -> None:
    """Undo migrations down to REVISION."""
    cfg = get_config(config)
    with db.database_errors(cfg.database_url, cfg.database_url_origin):
        db.downgrade(cfg.database_url, revision)
    out_console.print(f"database at {revision}")


@db_app.command("current")
@handle_errors
def current(config: ConfigOpt = None) -> None:
    """Show the database's migration revision and the code's head."""
    cfg = get_config(config)
    with db.database_errors(cfg.database_url, cfg.database_url_origin):
        current = db.current_revision(db.make_engine(cfg.database_url))
    out_console.print(f"current: {current}  head: {db.head_revision()}")
