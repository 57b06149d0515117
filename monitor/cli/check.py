"""`monitor check`: validate the configuration, or print its JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from monitor.cli.app import (
    EXIT_USAGE,
    ConfigOpt,
    JsonOpt,
    app,
    err_console,
    flag,
    handle_errors,
    out_console,
    plural,
    print_json,
    styled,
)
from monitor.config import AppConfig, config_path, json_schema, load_config
from monitor.config.problems import Problem
from monitor.errors import ConfigError
from monitor.store import db
from monitor.urls import mask_url


def deployable(cfg: AppConfig) -> list[Problem]:
    """What loads but cannot do the job: a service with nothing to match never alerts."""
    problems: list[Problem] = []
    if not cfg.watchlists:
        folders = ", ".join(cfg.monitor.watchlist_paths) or "watchlists/ beside the file"
        problems.append(
            Problem(
                cfg.path,
                f"no watchlists found (looked in {folders}): nothing would ever match; add a "
                "watchlist file (see config/watchlists/nk-defections.yaml)",
            )
        )
    return problems


def _summary(cfg: AppConfig) -> dict[str, Any]:
    m = cfg.monitor
    return {
        "config": cfg.path,
        "feeds": len(m.feeds),
        "watchlists": [w.id for w in cfg.watchlists],
        "channels": [c.name for c in m.channels],
    }


@app.command()
@handle_errors
def check(
    config: ConfigOpt = None,
    schema: Annotated[
        bool, flag("--schema", help="Print the JSON Schema of monitor.yaml and exit.")
    ] = False,
    connect: Annotated[
        bool,
        flag(
            "--connect", help="Also connect to the database and check its schema (exit 1 if not)."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate monitor.yaml and the watchlists; exit 2 naming file, line, key and problem."""
    if schema:
        print_json(json_schema())
        return
    try:
        cfg = load_config(config)
    except ConfigError as exc:
        if not as_json:
            raise
        _report_json(str(config_path(config)), [_parts(p) for p in exc.problems], None)
    problems = deployable(cfg)
    if as_json:
        _report_json(cfg.path, [p.as_dict() for p in problems], cfg)
    if problems:
        raise ConfigError(list(problems))
    m = cfg.monitor
    out_console.print(
        styled("ok", "green"),
        f"{cfg.path}: {plural(len(m.feeds), 'feed')}, "
        f"{plural(len(cfg.watchlists), 'watchlist')} ({', '.join(w.id for w in cfg.watchlists)}), "
        f"{plural(len(m.channels), 'channel')}",
    )
    if connect:
        # open_database raises one line (unreachable, no schema) that handle_errors prints
        engine = db.open_database(cfg.database_url, source=cfg.database_url_origin)
        revision = db.current_revision(engine)
        engine.dispose()
        out_console.print(
            styled("ok", "green"), f"database {mask_url(cfg.database_url)} at migration {revision}"
        )


def _parts(problem: str) -> dict[str, Any]:
    if isinstance(problem, Problem):
        return problem.as_dict()
    return {"file": None, "line": None, "key": "", "message": problem}


def _report_json(path: str, problems: list[dict[str, Any]], cfg: AppConfig | None) -> NoReturn:
    """`check --json`: one document, ok or not; exit 2 when there are problems."""
    doc: dict[str, Any] = {"ok": not problems, "config": str(Path(path)), "problems": problems}
    if cfg is not None:
        doc |= _summary(cfg)
    print_json(doc)
    if problems:
        err_console.print(f"{plural(len(problems), 'problem')} in the configuration")
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(0)
