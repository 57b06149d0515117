"""Config loading: env interpolation, validation errors that name file and key, JSON Schema."""

from __future__ import annotations

import json
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
            "feeds[3].url: 'not-a-url' is not an http(s) URL",
        ),
        (
            "feeds:\n  - id: Bad Id\n    url: https://x/\n",
            "feeds[0].id: 'Bad Id' is not a valid feed id",
        ),
        ("fetch:\n  timeout: 3s\n", "fetch: unknown key 'timeout'"),
        (
            "fetch:\n  read_timeout: soon\n",
            "fetch.read_timeout: 'soon' is not a duration",
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
            "channels[0].timezone: 'Mars/Olympus' is not a time zone",
        ),
        (
            "channels:\n  - {name: f, type: file, schedule: '0 25 * * *'}\n",
            "channels[0].schedule: '0 25 * * *' is not a cron expression",
        ),
        (
            "channels:\n  - {name: f, type: file, quiet_hours: 'nights'}\n",
            "channels[0].quiet_hours: 'nights' is not a time range",
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
    assert any(prob.startswith(f"{wl}:2: threshold:") for prob in info.value.problems)


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


WATCHLIST_OK = "id: w\nkeywords: [defect*]\ncontext: [North Korea]\n"


def _run_check(
    tmp_path: Path, monitor_yaml: str, watchlist: str | None, *args: str
) -> subprocess.CompletedProcess[str]:
    """`monitor check` on this config and one watchlist file (none when None)."""
    p = write(tmp_path, monitor_yaml)
    if watchlist is not None:
        (tmp_path / "watchlists").mkdir(exist_ok=True)
        write(tmp_path / "watchlists", watchlist, "w.yaml")
    return subprocess.run(
        [sys.executable, "-m", "monitor", "check", "--config", str(p), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


def _check(tmp_path: Path, monitor_yaml: str, watchlist: str | None = WATCHLIST_OK) -> list[str]:
    """The problems `monitor check --json` reports, as `name:line: key: message`."""
    proc = _run_check(tmp_path, monitor_yaml, watchlist, "--json")
    assert proc.stdout.startswith("{"), proc.stderr
    doc = json.loads(proc.stdout)
    assert proc.returncode == (0 if doc["ok"] else 2), proc.stderr
    return [
        f"{Path(e['file']).name}:{e['line']}: {e['key']}: {e['message']}" for e in doc["problems"]
    ]


FEED = "feeds:\n  - id: a\n    url: https://a.example/rss\n"


@pytest.mark.parametrize(
    ("monitor_yaml", "watchlist", "expected"),
    [
        # a misspelled key: the file, its line, the enclosing key path, the nearest known key
        (
            FEED + "    intervall: 5m\n",
            WATCHLIST_OK,
            "monitor.yaml:4: feeds[0]: unknown key 'intervall' (did you mean 'interval'?)",
        ),
        (
            "feedz: []\n",
            WATCHLIST_OK,
            "monitor.yaml:1: : unknown key 'feedz' (did you mean 'feeds'?)",
        ),
        (
            FEED
            + "channels:\n  - {name: m, type: email, host: h, to: [a@b], from: c@d, prot: 25}\n",
            WATCHLIST_OK,
            "monitor.yaml:5: channels[0]: unknown key 'prot' (did you mean 'port'?)",
        ),
        # union members never show (keywords are `str | mapping`)
        (
            FEED,
            "id: w\nkeywords:\n  - defect*\n  - term: flee\n    wieght: 2\n",
            "w.yaml:5: keywords[1]: unknown key 'wieght' (did you mean 'weight'?)",
        ),
        # a key nothing is close to gets no guess
        (FEED + "zzzzqqq: 1\n", WATCHLIST_OK, "monitor.yaml:4: : unknown key 'zzzzqqq'"),
        # values that load but cannot work
        (
            FEED + "    interval: 0\n",
            WATCHLIST_OK,
            "monitor.yaml:4: feeds[0].interval: must be more than 0",
        ),
        (
            "fetch:\n  default_interval: 0s\n" + FEED,
            WATCHLIST_OK,
            "monitor.yaml:2: fetch.default_interval: must be more than 0",
        ),
        (
            "feeds:\n  - id: a\n    url: https://a.example/rss feed.xml\n",
            WATCHLIST_OK,
            "monitor.yaml:3: feeds[0].url: 'https://a.example/rss feed.xml' contains a space",
        ),
        (
            FEED,
            WATCHLIST_OK + "people:\n  - name: Kim Il\n    hangul: Kim Il\n",
            "w.yaml:6: people[0].hangul: 'Kim Il' is not written in Hangul",
        ),
        (
            FEED,
            WATCHLIST_OK + "people:\n  - name: Thae Yong-ho\n  - name: thae yong ho\n",
            "w.yaml:4: people: people[1] (thae yong ho) repeats people[0]",
        ),
        (FEED, None, "monitor.yaml:None: : no watchlists found"),
    ],
)
def test_check_names_file_line_key_and_a_fix(
    tmp_path: Path, monitor_yaml: str, watchlist: str | None, expected: str
) -> None:
    problems = _check(tmp_path, monitor_yaml, watchlist)
    assert any(p.startswith(expected) for p in problems), problems
    assert not any("KeywordConfig" in p or ".str" in p or "function-after" in p for p in problems)


def test_duplicate_people_name_both_entries(tmp_path: Path) -> None:
    problems = _check(
        tmp_path,
        FEED,
        WATCHLIST_OK + "people:\n  - name: Thae Yong-ho\n  - name: Ri Il\n  - name: thae yong ho\n",
    )
    assert len(problems) == 1
    assert "people[2] (thae yong ho) repeats people[0]" in problems[0]


def test_hangul_field_accepts_hangul_with_spaces(tmp_path: Path) -> None:
    assert (
        _check(
            tmp_path, FEED, WATCHLIST_OK + "people:\n  - name: Thae Yong-ho\n    hangul: 태 영호\n"
        )
        == []
    )


def test_check_json_on_a_valid_config_summarises_it(tmp_path: Path) -> None:
    proc = _run_check(tmp_path, FEED, WATCHLIST_OK, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True and doc["problems"] == []
    assert doc["feeds"] == 1 and doc["watchlists"] == ["w"]


def test_check_text_says_1_watchlist_not_1_watchlists(tmp_path: Path) -> None:
    proc = _run_check(tmp_path, FEED, WATCHLIST_OK)
    assert proc.returncode == 0, proc.stderr
    assert "1 feed, 1 watchlist (w), 0 channels" in proc.stdout
