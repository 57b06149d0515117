"""The Typer application and what every command shares: options, output, exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

from monitor.config import AppConfig, load_config
from monitor.errors import ConfigError, DatabaseNotReadyError, MonitorError

app = typer.Typer(
    name="monitor",
    help="news-monitor: watches news feeds, matches watchlists, groups stories, sends alerts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")

# Exit codes (design.md): 0 success, 1 the work failed, 2 bad usage or invalid config.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="monitor.yaml to use (default: $MONITOR_CONFIG or config/monitor.yaml).",
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout, nothing else.")
]

err_console = Console(stderr=True)
out_console = Console()

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn the project's errors into a clear message and the documented exit code."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            err_console.print("[bold red]invalid configuration:[/]")
            for p in exc.problems:
                err_console.print(f"  {p}", highlight=False, markup=False)
            raise typer.Exit(EXIT_USAGE) from None
        except DatabaseNotReadyError as exc:
            fail(str(exc), EXIT_FAILED)
        except MonitorError as exc:
            fail(str(exc), EXIT_FAILED)

    return wrapper


def get_config(path: Path | None) -> AppConfig:
    return load_config(path)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
