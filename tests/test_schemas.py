"""The published JSON Schemas (schemas/): current, self-contained, and true to the loader."""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from monitor.config.models import MonitorConfig
from monitor.config.schema import format_duration, schemas
from monitor.config.types import parse_duration
from tests.conftest import ROOT

SCHEMAS = ROOT / "schemas"
CONFIG = ROOT / "config" / "monitor.yaml"
WATCHLISTS = sorted((ROOT / "config" / "watchlists").glob("*.yaml"))


def committed(name: str) -> dict[str, Any]:
    return dict(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


def validator(name: str) -> Draft202012Validator:
    schema = committed(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.mark.parametrize("name", sorted(schemas()))
def test_committed_schemas_are_current(name: str) -> None:
    """Else: .venv/bin/python scripts/schemas.py"""
    assert committed(name) == schemas()[name], (
        f"schemas/{name} is out of date: run .venv/bin/python scripts/schemas.py"
    )


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


@pytest.mark.parametrize("name", sorted(schemas()))
def test_every_ref_points_inside_its_own_document(name: str) -> None:
    schema = committed(name)
    refs = _refs(schema)
    assert refs
    for ref in refs:
        assert ref.startswith("#/"), ref
        node: Any = schema
        for part in ref[2:].split("/"):
            assert isinstance(node, dict) and part in node, f"{name}: {ref} points nowhere"
            node = node[part]


def test_the_shipped_files_validate_and_name_their_schema() -> None:
    for path, name, rel in [
        (CONFIG, "monitor.schema.json", "../schemas/monitor.schema.json"),
        *[(p, "watchlist.schema.json", "../../schemas/watchlist.schema.json") for p in WATCHLISTS],
    ]:
        text = path.read_text(encoding="utf-8")
        assert text.splitlines()[0] == f"# yaml-language-server: $schema={rel}", path
        assert (path.parent / rel).resolve() == (SCHEMAS / name).resolve()
        errors = list(validator(name).iter_errors(yaml.safe_load(text)))
        assert errors == [], f"{path}: {[e.message for e in errors]}"


def _with(path: list[str | int], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(yaml.safe_load(CONFIG.read_text(encoding="utf-8")))
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return dict(doc)


@pytest.mark.parametrize(
    ("path", "value", "valid"),
    [
        # durations are written the way the loader reads them
        (["feeds", 0, "interval"], "10s", True),
        (["feeds", 0, "interval"], "15m", True),
        (["feeds", 0, "interval"], 90, True),
        (["feeds", 0, "interval"], "PT10S", False),
        (["feeds", 0, "interval"], "soon", False),
        # ${VAR} where a number or a boolean is expected (interpolated before validation)
        (["fetch", "max_connections"], "${MAX_CONNECTIONS}", True),
        (["fetch", "max_connections"], "${MAX_CONNECTIONS:-16}", True),
        (["fetch", "max_connections"], "many", False),
        (["fetch", "allow_private_networks"], "${ALLOW_PRIVATE}", True),
        (["fetch", "allow_private_networks"], "yes please", False),
        (["fetch", "max_connections"], 0, False),
    ],
)
def test_schema_accepts_what_the_loader_accepts(
    path: list[str | int], value: Any, valid: bool
) -> None:
    errors = list(validator("monitor.schema.json").iter_errors(_with(path, value)))
    assert (errors == []) is valid, [e.message for e in errors]


def _duration_defaults(node: Any) -> list[str]:
    if isinstance(node, dict):
        here = []
        if isinstance(node.get("default"), str) and re.fullmatch(
            r"\d+(ms|s|m|h|d)", node["default"]
        ):
            here.append(node["default"])
        return here + [d for v in node.values() for d in _duration_defaults(v)]
    if isinstance(node, list):
        return [d for v in node for d in _duration_defaults(v)]
    return []


def test_duration_defaults_are_written_as_the_loader_reads_them() -> None:
    text = json.dumps(committed("monitor.schema.json"))
    assert '"PT' not in text
    defaults = _duration_defaults(committed("monitor.schema.json"))
    assert defaults, "no duration defaults found"
    fetch = MonitorConfig.model_validate({"feeds": []}).fetch
    assert format_duration(fetch.default_interval) in defaults


@pytest.mark.parametrize(
    "seconds", [0.25, 1, 10, 59, 60, 90, 600, 3600, 5400, 86400, 7 * 86400, 30 * 86400]
)
def test_format_duration_round_trips(seconds: float) -> None:
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value


def test_check_schema_prints_the_monitor_schema(tmp_path: Path) -> None:
    from monitor.config import json_schema

    assert json_schema() == committed("monitor.schema.json")
    assert "WatchlistFile" in json_schema()["$defs"]
