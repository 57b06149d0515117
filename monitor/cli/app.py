"""The Typer application and what every command shares: options, output, exit codes."""

from __future__ import annotations

import importlib.metadata
import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.style import Style
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError

from monitor.cli.runtime import OPENED
from monitor.config import AppConfig, load_config
from monitor.errors import ConfigError, DatabaseNotReadyError, MonitorError
from monitor.logs import command_logging
from monitor.sanitize import terminal_safe
from monitor.store.db import describe_failure

app = typer.Typer(
    name="monitor",
    help="news-monitor: watches news feeds, matches watchlists, groups stories, sends alerts.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain Click help: flags without a "<bool>" metavar
)
db_app = typer.Typer(
    help="Database schema (Alembic migrations).", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(db_app, name="db")


def listing_group(name: str, help: str) -> typer.Typer:
    """`monitor NAME`: its listing when given no subcommand (the group's callback, which
    returns early when `ctx.invoked_subcommand` is set), else one of its subcommands."""
    group = typer.Typer(
        help=help,
        invoke_without_command=True,
        rich_markup_mode=None,  # plain Click help: flags without a "<bool>" metavar
    )
    app.add_typer(group, name=name)
    return group


# Exit codes (design.md): 0 success, 1 the work failed, 2 bad usage or invalid config.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="MONITOR_CONFIG",
        help="monitor.yaml to use (default: config/monitor.yaml).",
    ),
]


def flag(*names: str, help: str) -> Any:
    """A boolean flag: present means true. Typer's rich help would show it a `<bool>` value
    that the parser then refuses (`--dry-run true`: unexpected extra argument); no metavar."""
    return typer.Option(*names, help=help, metavar="")


JsonOpt = Annotated[bool, flag("--json", help="Print one JSON document on stdout, nothing else.")]


class SafeConsole(Console):
    """A console on which text is never markup, never emoji and never a control sequence.

    Feed titles, outlets, alert keys and errors are untrusted: `[/]` would crash Rich's markup
    parser, `:fire:` would become an emoji, ESC would drive the terminal. Every string printed
    or put in a table goes through `render_str`, so cleaning it there covers every listing.
    Styled words are built as `Text` (see `styled`), never by formatting markup.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs["markup"] = kwargs["emoji"] = False
        return super().render_str(terminal_safe(text), **kwargs)


def styled(text: str, style: str | Style) -> Text:
    """One styled piece of text (cleaned like every other string on our consoles)."""
    return Text(terminal_safe(text), style=style)


def line(*parts: str | tuple[str, str]) -> Text:
    """A line of plain strings and (text, style) pieces, none of them read as markup."""
    return Text.assemble(
        *(terminal_safe(p) if isinstance(p, str) else (terminal_safe(p[0]), p[1]) for p in parts)
    )


def clip(text: str, limit: int = 300) -> str:
    """A headline a terminal can show: feeds send 10,000-character titles; `--json` has it all."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Not a terminal (a pipe, a log file): long lines stay whole instead of wrapping at 80 columns.
err_console = SafeConsole(stderr=True, soft_wrap=not sys.stderr.isatty())
out_console = SafeConsole(soft_wrap=not sys.stdout.isatty())

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    err_console.print(line(("error:", "bold red"), f" {message}"), soft_wrap=True)  # one line
    raise typer.Exit(code)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn the project's errors into a clear message and the documented exit code."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            err_console.print(styled("invalid configuration:", "bold red"))
            for p in exc.problems:
                err_console.print(f"  {p}")
            raise typer.Exit(EXIT_USAGE) from None
        except DatabaseNotReadyError as exc:
            fail(str(exc), EXIT_FAILED)
        except MonitorError as exc:
            fail(str(exc), EXIT_FAILED)
        except SQLAlchemyError as exc:  # the database failed mid-command (it went away, ...)
            fail(describe_failure(exc, *(OPENED[-1] if OPENED else ())), EXIT_FAILED)

    return wrapper


def get_config(path: Path | None) -> AppConfig:
    cfg = load_config(path)
    command_logging(cfg)  # warnings on stderr, redacted, one line each
    return cfg


def _version(value: bool) -> None:
    if value:
        try:
            version = importlib.metadata.version("news-monitor")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown (not installed)"
        sys.stdout.write(f"news-monitor {version}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help="Print the version and exit.",
            callback=_version,
            is_eager=True,
            metavar="",
        ),
    ] = False,
) -> None:
    """news-monitor: watches news feeds, matches watchlists, groups stories, sends alerts."""


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 watchlist', '3 watchlists', '2 entries' (with `many`)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
