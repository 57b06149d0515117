"""`monitor serve`: the analyst's desk over a database, read-only (no feedback is recorded:
that is the daemon's desk), on loopback unless told otherwise."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.app import EXIT_USAGE, ConfigOpt, app, err_console, fail, handle_errors
from monitor.cli.runtime import open_runtime
from monitor.web import create_app
from monitor.web.server import DeskServer


@app.command("serve")
@handle_errors
def serve(
    config: ConfigOpt = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Bind address (default: web.host, loopback).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port (default: web.port; 0 picks a free one).")
    ] = None,
) -> None:
    """Serve the desk (stories, provenance, articles, search, feeds) read-only until Ctrl-C."""
    rt = open_runtime(config)
    web = rt.cfg.monitor.web
    if not web.users:
        fail(
            f"{rt.cfg.path}: web.users is empty, so nobody could sign in; add one, e.g. "
            "web: {users: [{name: analyst, token: ${DESK_TOKEN}}]}",
            EXIT_USAGE,
        )
    try:
        server = DeskServer(
            create_app(rt.cfg, rt.sessions, read_only=True),
            host or web.host,
            web.port if port is None else port,
        )
    except OSError as exc:
        fail(
            f"cannot listen on {host or web.host}:{web.port if port is None else port}: "
            f"{exc.strerror or exc}; choose another --port"
        )
    err_console.print(f"desk (read-only) on {server.url}/ — Ctrl-C stops it")
    try:
        server.serve()
    finally:
        rt.engine.dispose()
