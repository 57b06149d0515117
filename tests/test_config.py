"""Config loading: env interpolation, validation errors that name file and key, JSON Schema."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import json_schema, load_config
from monitor.errors import ConfigError
from tests.conftest import ROOT


def write(tmp_path: Path, text: str, name: str = "monitor.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_default_config_is_valid_and_lists_real_feeds() -> None:
    cfg = load_config(ROOT / "config" / "monitor.yaml", env={})
    assert len(cfg.feeds) >= 12
    assert {f.language for f in cfg.feeds} >= {"en", "ko"}
    assert cfg.database_url == "sqlite:///data/monitor.db"
    assert not cfg.monitor.fetch.allow_private_networks


def test_env_overrides_database_and_interpolates_values(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "fetch:\n  user_agent: ${UA}\n  max_bytes: ${MAX:-2MB}\n"
        "feeds:\n  - id: a\n    url: https://a.example/rss\n    interval: 90s\n",
    )
    cfg = load_config(p, env={"UA": "tester/1", "MONITOR_DATABASE_URL": "sqlite:///x.db"})
    assert cfg.monitor.fetch.user_agent == "tester/1"
    assert cfg.monitor.fetch.max_bytes == 2_000_000
    assert cfg.feeds[0].interval == timedelta(seconds=90)
    assert cfg.database_url == "sqlite:///x.db"


def test_monitor_config_env_names_the_file(tmp_path: Path) -> None:
    p = write(tmp_path, "feeds: []\n", "other.yaml")
    assert load_config(env={"MONITOR_CONFIG": str(p)}).path == str(p)


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (
            "feeds:\n"
            + "".join(f"  - id: f{i}\n    url: https://x/{i}\n" for i in range(3))
            + "  - id: f3\n    url: not-a-url\n",
            "feeds[3].url: Value error, 'not-a-url' is not an http(s) URL",
        ),
        ("feeds:\n  - id: Bad Id\n    url: https://x/\n", "feeds[0].id: Value error"),
        ("fetch:\n  timeout: 3s\n", "fetch.timeout: unknown key"),
        (
            "fetch:\n  read_timeout: soon\n",
            "fetch.read_timeout: Value error, 'soon' is not a duration",
        ),
        (
            "fetch:\n  user_agent: ${NOPE}\n",
            "fetch.user_agent: environment variable NOPE is not set",
        ),
        ("feeds: [\n", "invalid YAML"),
        (
            "feeds:\n  - id: a\n    url: https://x/\n  - id: a\n    url: https://y/\n",
            "duplicate feed id 'a'",
        ),
        (
            "channels:\n  - name: m\n    type: email\n    host: h\n    to: [a@b]\n",
            "channels[0].from: Field required",
        ),
        (
            "channels:\n  - {name: f, type: file, timezone: Mars/Olympus}\n",
            "channels[0].timezone: Value error, 'Mars/Olympus' is not a time zone",
        ),
        (
            "channels:\n  - {name: f, type: file, schedule: '0 25 * * *'}\n",
            "channels[0].schedule: Value error, '0 25 * * *' is not a cron expression",
        ),
        (
            "channels:\n  - {name: f, type: file, quiet_hours: 'nights'}\n",
            "channels[0].quiet_hours: Value error, 'nights' is not a time range",
        ),
    ],
)
def test_errors_name_file_key_path_and_problem(
    tmp_path: Path, yaml_text: str, expected: str
) -> None:
    p = write(tmp_path, yaml_text)
    with pytest.raises(ConfigError) as info:
        load_config(p, env={})
    text = "\n".join(info.value.problems)
    assert str(p) in text
    assert expected in text


def test_watchlist_errors_name_the_watchlist_file(tmp_path: Path) -> None:
    p = write(tmp_path, "feeds: []\n")
    (tmp_path / "watchlists").mkdir()
    wl = write(tmp_path / "watchlists", "id: x\nthreshold: high\n", "x.yaml")
    with pytest.raises(ConfigError) as info:
        load_config(p, env={})
    assert any(prob.startswith(f"{wl}: threshold:") for prob in info.value.problems)


def test_monitor_check_exits_2_with_the_problem_on_stderr(tmp_path: Path) -> None:
    p = write(tmp_path, "feeds:\n  - id: a\n    url: ftp://x/\n")
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "check", "--config", str(p)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "feeds[0].url" in proc.stderr and str(p) in proc.stderr


def test_monitor_check_schema_is_json_schema_for_editors() -> None:
    schema = json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"feeds", "fetch", "database", "channels"} <= set(schema["properties"])
    assert "WatchlistFile" in schema["$defs"]


def test_every_config_key_is_documented() -> None:
    from scripts.config_reference import SECTIONS, keys

    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [
        f"{title}: {k}" for title, model in SECTIONS for k in keys(model) if f"`{k}`" not in doc
    ]
    assert missing == []
