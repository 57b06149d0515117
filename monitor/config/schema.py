"""JSON Schemas of monitor.yaml and of a watchlist file, for editors and for CI.

Generated from the pydantic models (`scripts/schemas.py` writes `schemas/`), with what the
loader accepts and pydantic's own schema does not say: durations written as `10s` (defaults
too, not ISO `PT10S`), and `${VAR}` wherever a number or a boolean is expected, since
interpolation happens before validation.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from monitor.config.models import MonitorConfig
from monitor.config.watchlist import WatchlistConfig

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILES = {"monitor": "monitor.schema.json", "watchlist": "watchlist.schema.json"}
ENV_VAR = {
    "type": "string",
    "pattern": r"^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$",
    "description": "${VAR} or ${VAR:-default}: taken from the environment when loaded",
}
_SCALARS = {"integer", "number", "boolean"}


def format_duration(value: timedelta) -> str:
    """timedelta(seconds=600) -> '10m': the largest unit that divides it exactly."""
    ms = round(value.total_seconds() * 1000)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000)):
        if ms and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


class _Generator(GenerateJsonSchema):
    def encode_default(self, dft: Any) -> Any:
        if isinstance(dft, timedelta):
            return format_duration(dft)
        return super().encode_default(dft)


def _allow_env_vars(node: Any) -> Any:
    """Every integer, number or boolean may also be a `${VAR}` string."""
    if isinstance(node, list):
        return [_allow_env_vars(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _allow_env_vars(v) for k, v in node.items()}
    if isinstance(node.get("type"), str) and node["type"] in _SCALARS:
        keep = {"title", "description", "default", "examples"}
        outer = {k: v for k, v in node.items() if k in keep}
        inner = {k: v for k, v in node.items() if k not in keep}
        return {**outer, "anyOf": [inner, {"$ref": "#/$defs/EnvVar"}]}
    return node


def _schema(model: type[Any], title: str, name: str) -> dict[str, Any]:
    body = _allow_env_vars(model.model_json_schema(schema_generator=_Generator))
    body.setdefault("$defs", {})["EnvVar"] = ENV_VAR
    return {"$schema": DIALECT, "$id": SCHEMA_FILES[name], "title": title, **body}


def watchlist_schema() -> dict[str, Any]:
    """The schema of one watchlist file (config/watchlists/*.yaml)."""
    return _schema(WatchlistConfig, "news-monitor watchlist (watchlists/*.yaml)", "watchlist")


def monitor_schema() -> dict[str, Any]:
    """The schema of monitor.yaml; the watchlist file's schema rides along as
    `$defs/WatchlistFile`, its own definitions merged so every `$ref` resolves."""
    schema = _schema(MonitorConfig, "news-monitor config (monitor.yaml)", "monitor")
    wl = watchlist_schema()
    defs = schema["$defs"]
    for key, value in wl.pop("$defs").items():
        if key in defs and defs[key] != value:
            raise RuntimeError(f"schema definition {key} differs between monitor and watchlist")
        defs[key] = value
    defs["WatchlistFile"] = {k: v for k, v in wl.items() if k not in {"$schema", "$id"}}
    return schema


def schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema, as committed under schemas/."""
    return {
        SCHEMA_FILES["monitor"]: monitor_schema(),
        SCHEMA_FILES["watchlist"]: watchlist_schema(),
    }
