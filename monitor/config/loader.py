"""Read monitor.yaml and the watchlists beside it; `${VAR}` comes from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from monitor.config.dburl import normalize_database_url
from monitor.config.models import AppConfig, MonitorConfig
from monitor.config.problems import Loc, Problem, describe, node_lines, problem_at
from monitor.config.watchlist import WatchlistConfig
from monitor.errors import ConfigError

DEFAULT_CONFIG = Path("config/monitor.yaml")
M = TypeVar("M", bound=BaseModel)
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def config_path(explicit: str | Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The config file to use: an explicit path, else $MONITOR_CONFIG, else config/monitor.yaml."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit)
    if env.get("MONITOR_CONFIG"):
        return Path(env["MONITOR_CONFIG"])
    return DEFAULT_CONFIG


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> AppConfig:
    """Load and validate everything; raise ConfigError listing every problem found."""
    env = os.environ if env is None else env
    file = config_path(path, env)
    problems: list[Problem] = []
    raw, lines = _read_yaml(file, problems)
    monitor: MonitorConfig | None = None
    if raw is not None:
        data = _interpolate(raw, env, str(file), lines, (), problems)
        monitor = _validate(MonitorConfig, data, str(file), lines, problems)
    watchlists: list[WatchlistConfig] = []
    if monitor is not None:
        for wl_file in _watchlist_files(file, monitor, problems):
            wl_raw, wl_lines = _read_yaml(wl_file, problems)
            if wl_raw is None:
                continue
            wl_data = _interpolate(wl_raw, env, str(wl_file), wl_lines, (), problems)
            wl = _validate(WatchlistConfig, wl_data, str(wl_file), wl_lines, problems)
            if wl is not None:
                if any(w.id == wl.id for w in watchlists):
                    problems.append(
                        problem_at(
                            str(wl_file), wl_lines, ("id",), f"duplicate watchlist id {wl.id!r}"
                        )
                    )
                watchlists.append(wl)
    if monitor is None:
        raise ConfigError(list(problems))
    url, source = monitor.database.url, "database.url"
    if env.get("MONITOR_DATABASE_URL"):
        url, source = env["MONITOR_DATABASE_URL"], "MONITOR_DATABASE_URL"
    try:
        url = normalize_database_url(url)
    except ValueError as exc:
        if source == "MONITOR_DATABASE_URL":
            problems.append(Problem("$MONITOR_DATABASE_URL", str(exc)))
        else:
            problems.append(problem_at(str(file), lines, ("database", "url"), str(exc)))
    if problems:
        raise ConfigError(list(problems))
    return AppConfig(
        monitor=monitor,
        watchlists=watchlists,
        path=str(file),
        database_url=url,
        database_url_source=source,
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of monitor.yaml (with watchlist files under $defs), for editors."""
    from monitor.config.schema import monitor_schema

    return monitor_schema()


def _read_yaml(file: Path, problems: list[Problem]) -> tuple[Any, dict[Loc, int]]:
    """The file's data and the line of every key and item (for error messages)."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(str(file), "file not found (set MONITOR_CONFIG or pass --config)"))
        return None, {}
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(file), f"cannot read: {exc}"))
        return None, {}
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        column = f"column {mark.column + 1}: " if mark else ""
        problems.append(
            Problem(
                str(file),
                f"{column}invalid YAML: {getattr(exc, 'problem', exc)}",
                line=mark.line + 1 if mark else None,
            )
        )
        return None, {}
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        problems.append(
            Problem(
                str(file), f"the top level must be a mapping of keys, not {type(data).__name__}"
            )
        )
        return None, {}
    return data, node_lines(node)


def _interpolate(
    value: Any,
    env: Mapping[str, str],
    file: str,
    lines: dict[Loc, int],
    loc: Loc,
    problems: list[Problem],
) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, env, file, lines, (*loc, k), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env, file, lines, (*loc, i), problems) for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:

        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            problems.append(
                problem_at(
                    file,
                    lines,
                    loc,
                    f"environment variable {name} is not set "
                    f"(export it, or write ${{{name}:-default}})",
                )
            )
            return ""

        return _VAR.sub(sub, value)
    return value


def _validate(
    model: type[M], data: Any, file: str, lines: dict[Loc, int], problems: list[Problem]
) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(describe(model, data, exc.errors(), file, lines))
        return None


def config_sources(cfg: AppConfig) -> list[Path]:
    """The files `load_config` reads for `cfg`: monitor.yaml and its watchlist files.

    The daemon's reload watcher looks at these only (a database or log file written beside
    the config must not trigger reloads). A watchlist added to a folder shows up here too.
    """
    file = Path(cfg.path)
    return [file, *_watchlist_files(file, cfg.monitor, [])]


def _watchlist_files(file: Path, monitor: MonitorConfig, problems: list[Problem]) -> list[Path]:
    folders = monitor.watchlist_paths or ["watchlists"]
    files: list[Path] = []
    for folder in folders:
        path = Path(folder)
        if not path.is_absolute():
            path = file.parent / path
        if not path.is_dir():
            if monitor.watchlist_paths:
                problems.append(
                    Problem(str(file), f"folder {path} does not exist", key="watchlist_paths")
                )
            continue
        files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
    return files
