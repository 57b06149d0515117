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
    problems: list[str] = []
    raw = _read_yaml(file, problems)
    monitor: MonitorConfig | None = None
    if raw is not None:
        data = _interpolate(raw, env, str(file), (), problems)
        monitor = _validate(MonitorConfig, data, str(file), problems)
    watchlists: list[WatchlistConfig] = []
    if monitor is not None:
        for wl_file in _watchlist_files(file, monitor, problems):
            wl_raw = _read_yaml(wl_file, problems)
            if wl_raw is None:
                continue
            wl_data = _interpolate(wl_raw, env, str(wl_file), (), problems)
            wl = _validate(WatchlistConfig, wl_data, str(wl_file), problems)
            if wl is not None:
                if any(w.id == wl.id for w in watchlists):
                    problems.append(f"{wl_file}: id: duplicate watchlist id {wl.id!r}")
                watchlists.append(wl)
    if monitor is None:
        raise ConfigError(problems)
    url, source = monitor.database.url, "database.url"
    if env.get("MONITOR_DATABASE_URL"):
        url, source = env["MONITOR_DATABASE_URL"], "MONITOR_DATABASE_URL"
    try:
        url = normalize_database_url(url)
    except ValueError as exc:
        where = "$MONITOR_DATABASE_URL" if source == "MONITOR_DATABASE_URL" else f"{file}: {source}"
        problems.append(f"{where}: {exc}")
    if problems:
        raise ConfigError(problems)
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


def _read_yaml(file: Path, problems: list[str]) -> Any:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(f"{file}: file not found (set MONITOR_CONFIG or pass --config)")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{file}: cannot read: {exc}")
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problems.append(f"{file}: {where}invalid YAML: {getattr(exc, 'problem', exc)}")
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(
            f"{file}: the top level must be a mapping of keys, not {type(data).__name__}"
        )
        return None
    return data


def _interpolate(
    value: Any, env: Mapping[str, str], file: str, loc: tuple[Any, ...], problems: list[str]
) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, env, file, (*loc, k), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env, file, (*loc, i), problems) for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:

        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            problems.append(
                f"{file}: {format_loc(loc)}: environment variable {name} is not set "
                f"(export it, or write ${{{name}:-default}})"
            )
            return ""

        return _VAR.sub(sub, value)
    return value


def _validate(model: type[M], data: Any, file: str, problems: list[str]) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling; see docs/configuration.md)"
            problems.append(f"{file}: {format_loc(loc) or '(top level)'}: {msg}")
        return None


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and part in {"email", "slack", "file"}


def format_loc(loc: tuple[Any, ...]) -> str:
    """('feeds', 3, 'url') -> 'feeds[3].url'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def config_sources(cfg: AppConfig) -> list[Path]:
    """The files `load_config` reads for `cfg`: monitor.yaml and its watchlist files.

    The daemon's reload watcher looks at these only (a database or log file written beside
    the config must not trigger reloads). A watchlist added to a folder shows up here too.
    """
    file = Path(cfg.path)
    return [file, *_watchlist_files(file, cfg.monitor, [])]


def _watchlist_files(file: Path, monitor: MonitorConfig, problems: list[str]) -> list[Path]:
    folders = monitor.watchlist_paths or ["watchlists"]
    files: list[Path] = []
    for folder in folders:
        path = Path(folder)
        if not path.is_absolute():
            path = file.parent / path
        if not path.is_dir():
            if monitor.watchlist_paths:
                problems.append(f"{file}: watchlist_paths: folder {path} does not exist")
            continue
        files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
    return files
