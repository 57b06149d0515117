"""The CLI reads well: tables at 80 columns and in pipes, --version, completion, what matched."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from monitor.cli.tables import Col, listing
from tests.conftest import ROOT
from tests.test_cli import monitor, workspace  # noqa: F401  (workspace is a fixture)

ID = "nk-20261120-42"
TITLE = "North Korean soldier crosses the military demarcation line in the central sector " * 2
COLS = [
    Col("id", "id"),
    Col("seen", "date"),
    Col("title", "title"),
    Col("address", "id"),
    Col("outlet", "text", optional=True),
]
ROW = [ID, "2026-11-20 03:01", TITLE, "https://example.org/a/1", "The Daily Example"]


def render(width: int, *, wide: bool = False) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(listing("Things", COLS, [ROW, ROW], console, wide=wide))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return [line for line in str(text).splitlines() if line.strip()]


@pytest.mark.parametrize("width", [80, 99])
def test_narrow_tables_keep_ids_dates_and_addresses_whole_and_cut_titles(width: int) -> None:
    lines = render(width)
    assert max(len(line) for line in lines) <= width
    body = "\n".join(lines)
    for whole in (ID, "2026-11-20 03:01", "https://example.org/a/1"):
        assert whole in body, (whole, body)
    assert "…" in body and TITLE not in body
    assert "outlet" not in body  # low-value column dropped below 100 columns


@pytest.mark.parametrize(("width", "wide"), [(100, False), (140, False), (80, True)])
def test_wide_terminals_or_wide_show_every_column(width: int, wide: bool) -> None:
    lines = render(width, wide=wide)
    assert lines[1].count("┳") == len(COLS) - 1  # every column is there
    if not wide:
        assert "outlet" in "\n".join(lines) and "The Daily" in "\n".join(lines)


def test_version_and_completion(tmp_path: Path) -> None:
    proc = monitor("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("news-monitor ")
    assert proc.stdout.split()[1][0].isdigit()
    shown = monitor("--show-completion", cwd=tmp_path, env={**os.environ, "SHELL": "/bin/bash"})
    assert shown.returncode == 0 and "complete" in shown.stdout


def test_config_option_reads_monitor_config(tmp_path: Path) -> None:
    help_text = monitor(
        "check", "--help", cwd=tmp_path, env={**os.environ, "COLUMNS": "200"}
    ).stdout
    assert "MONITOR_CONFIG" in help_text


@pytest.mark.slow
def test_articles_show_what_matched_and_match_explains_a_stored_article(workspace: Path) -> None:  # noqa: F811
    assert monitor("db", "upgrade", "-c", "monitor.yaml", cwd=workspace).returncode == 0
    assert monitor("poll", "-c", "monitor.yaml", cwd=workspace).returncode == 0
    hits = json.loads(
        monitor("articles", "-c", "monitor.yaml", "--hits", "--json", cwd=workspace).stdout
    )
    assert len(hits) == 1
    [hit] = hits[0]["hits"]
    assert hit["watchlist"] == "nk-defections" and hit["score"] > 0 and hit["story"] is not None
    misses = monitor("articles", "-c", "monitor.yaml", "--misses", "--json", cwd=workspace)
    assert json.loads(misses.stdout) == []
    both = monitor("articles", "-c", "monitor.yaml", "--hits", "--misses", cwd=workspace)
    assert both.returncode == 2 and "exclude each other" in both.stderr

    table = monitor("articles", "-c", "monitor.yaml", cwd=workspace)  # a pipe: 80 columns
    lines = table.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "nk-defections" in table.stdout and f"#{hit['story']}" in table.stdout

    article_id = str(hits[0]["id"])
    explained = monitor(
        "match", "--article", article_id, "-c", "monitor.yaml", "--json", cwd=workspace
    )
    assert explained.returncode == 0, explained.stderr
    assert [h["watchlist"] for h in json.loads(explained.stdout)["hits"]] == ["nk-defections"]
    missing = monitor("match", "--article", "999999", "-c", "monitor.yaml", cwd=workspace)
    assert missing.returncode == 2 and "no such article" in missing.stderr
    neither = monitor("match", "-c", "monitor.yaml", cwd=workspace)
    assert neither.returncode == 2 and "--article" in neither.stderr


@pytest.mark.slow
def test_eval_prints_words_not_python_reprs(tmp_path: Path) -> None:
    corpus = tmp_path / "few.jsonl"
    lines = (ROOT / "tests" / "fixtures" / "corpus" / "dev.jsonl").read_text(encoding="utf-8")
    corpus.write_text("\n".join(lines.splitlines()[:6]) + "\n", encoding="utf-8")
    proc = monitor(
        "eval", str(corpus), "-c", str(ROOT / "config" / "monitor.yaml"), cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    [alerts] = [line for line in proc.stdout.splitlines() if line.startswith("alerts:")]
    assert "{" not in alerts and "'" not in alerts and "new_on_stale" not in alerts
    assert "new on stale" in alerts


@pytest.mark.slow
def test_stories_and_status_fit_80_columns_in_a_pipe(workspace: Path) -> None:  # noqa: F811
    assert monitor("db", "upgrade", "-c", "monitor.yaml", cwd=workspace).returncode == 0
    assert monitor("poll", "-c", "monitor.yaml", cwd=workspace).returncode == 0
    [story] = json.loads(monitor("stories", "-c", "monitor.yaml", "--json", cwd=workspace).stdout)
    for command in ("stories", "status"):
        table = monitor(command, "-c", "monitor.yaml", cwd=workspace)  # a pipe: 80 columns
        assert table.returncode == 0, table.stderr
        assert max(len(line) for line in table.stdout.splitlines()) <= 80, table.stdout
    stories = monitor("stories", "-c", "monitor.yaml", cwd=workspace).stdout
    assert f"│ {story['id']} " in stories  # the id whole, in its own cell
    wide = monitor("status", "-c", "monitor.yaml", "--wide", cwd=workspace).stdout
    assert "last new article" in wide.replace("\n", " ") or "last new" in wide
