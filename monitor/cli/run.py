"""`monitor run`: the daemon (scheduler, polling, deliveries, digests, health, reload)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

import typer

from monitor.cli.app import EXIT_FAILED, ConfigOpt, app, get_config, handle_errors
from monitor.daemon.worker import run_daemon
from monitor.logs import setup_logging
from monitor.web.server import desk_beside_daemon


class LogLevel(StrEnum):
    """The choices `--log-level` offers (anything else is a usage error, not a traceback)."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


class LogFormatChoice(StrEnum):
    text = "text"
    json = "json"


@app.command("run")
@handle_errors
def run(
    config: ConfigOpt = None,
    log_format: Annotated[
        LogFormatChoice,
        typer.Option("--log-format", help="text (readable lines) or json (one object a line)."),
    ] = LogFormatChoice.text,
    log_level: Annotated[
        LogLevel,
        typer.Option("--log-level", case_sensitive=False, help="The least severe messages logged."),
    ] = LogLevel.INFO,
    health_port: Annotated[
        int | None,
        typer.Option(
            "--health-port",
            help="Port of /healthz and /metrics (overrides server.port and $MONITOR_SERVER_PORT; "
            "0 disables).",
        ),
    ] = None,
    health_host: Annotated[
        str | None,
        typer.Option(
            "--health-host",
            help="Bind address (overrides server.host and $MONITOR_SERVER_HOST).",
        ),
    ] = None,
) -> None:
    """Run the daemon until SIGTERM or SIGINT; SIGHUP (or a config file change) reloads.
    With web.users set, it also serves the analyst's desk on web.host:web.port."""
    fmt: Literal["text", "json"] = "json" if log_format is LogFormatChoice.json else "text"
    setup_logging(fmt, log_level.value)
    cfg = get_config(config)
    with desk_beside_daemon(cfg):
        code = run_daemon(cfg, config_path=config, health_port=health_port, health_host=health_host)
    if code:
        raise typer.Exit(EXIT_FAILED)
