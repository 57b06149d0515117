"""`monitor check`: validate the configuration, or print its JSON Schema."""

from __future__ import annotations

from typing import Annotated

from monitor.cli.app import (
    ConfigOpt,
    app,
    flag,
    get_config,
    handle_errors,
    out_console,
    print_json,
    styled,
)
from monitor.config import json_schema
from monitor.store import db
from monitor.urls import mask_url


@app.command()
@handle_errors
def check(
    config: ConfigOpt = None,
    schema: Annotated[bool, flag("--schema", help="Print the JSON Schema and exit.")] = False,
    connect: Annotated[
        bool,
        flag(
            "--connect", help="Also connect to the database and check its schema (exit 1 if not)."
        ),
    ] = False,
) -> None:
    """Validate monitor.yaml and the watchlists; exit 2 naming file, key and problem."""
    if schema:
        print_json(json_schema())
        return
    cfg = get_config(config)
    m = cfg.monitor
    out_console.print(
        styled("ok", "green"),
        f"{cfg.path}: {len(m.feeds)} feeds, {len(cfg.watchlists)} watchlists "
        f"({', '.join(w.id for w in cfg.watchlists) or 'none'}), {len(m.channels)} channels",
    )
    if connect:
        # open_database raises one line (unreachable, no schema) that handle_errors prints
        engine = db.open_database(cfg.database_url, source=cfg.database_url_origin)
        revision = db.current_revision(engine)
        engine.dispose()
        out_console.print(
            styled("ok", "green"), f"database {mask_url(cfg.database_url)} at migration {revision}"
        )
