"""The CLI as a user runs it: a config file, a database, a loopback feed server, subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer

PAGE = """<html><head><title>{title}</title>
<meta property="article:published_time" content="{published}"></head>
<body><nav>Home | World | Sports</nav><article><h1>{title}</h1>{paragraphs}</article>
<aside>Popular Articles: celebrity news</aside></body></html>"""
BODY = [
    "A North Korean diplomat posted in Kuwait has defected to South Korea with his family, "
    "Yonhap reported on Monday, citing a government source.",
    "The diplomat, who served as acting ambassador, arrived in Seoul in September, the source "
    "said. The Unification Ministry declined to confirm the report.",
    "Pyongyang has lost several envoys in recent years as sanctions squeezed its missions abroad.",
]


def monitor(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env=env,
    )


@pytest.fixture
def workspace(tmp_path: Path, http_server: LoopbackServer) -> Path:
    published = datetime.now(UTC) - timedelta(hours=3)
    html = PAGE.format(
        title="N. Korean diplomat in Kuwait defects to South",
        published=published.isoformat(),
        paragraphs="".join(f"<p>{p}</p>" for p in BODY),
    )
    http_server.static("/a/1.html", html, "text/html; charset=utf-8")
    items = [
        Item(
            "N. Korean diplomat in Kuwait defects to South", http_server.url("/a/1.html"), published
        )
    ]
    feed = http_server.static("/rss.xml", rss(items))
    (tmp_path / "watchlists").symlink_to(ROOT / "config" / "watchlists")
    config: dict[str, Any] = {
        "database": {"url": f"sqlite:///{tmp_path / 'monitor.db'}"},
        "fetch": {"allow_private_networks": True, "retries": 0},
        "feeds": [{"id": "wire", "url": feed, "outlet": "Yonhap"}],
        "channels": [
            {"name": "out", "type": "file", "mode": "immediate", "path": str(tmp_path / "out")}
        ],
    }
    (tmp_path / "monitor.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return tmp_path


def test_poll_refuses_an_unmigrated_database_and_names_the_fix(workspace: Path) -> None:
    proc = monitor("poll", "-c", "monitor.yaml", cwd=workspace)
    assert proc.returncode == 1
    assert "monitor db upgrade" in proc.stderr


@pytest.mark.slow
def test_poll_stores_matches_groups_and_delivers_then_lists_it_all(workspace: Path) -> None:
    assert monitor("db", "upgrade", "-c", "monitor.yaml", cwd=workspace).returncode == 0
    proc = monitor("poll", "-c", "monitor.yaml", "--json", cwd=workspace)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert (report["feeds_ok"], report["new_articles"]) == (1, 1)
    assert report["deliveries"]["sent"] == 1  # the immediate alert went out before exit
    assert [p.suffix for p in sorted((workspace / "out").iterdir())] == [".html", ".txt"]

    articles = json.loads(monitor("articles", "-c", "monitor.yaml", "--json", cwd=workspace).stdout)
    assert len(articles) == 1 and articles[0]["date_source"] == "meta"
    assert (
        "Popular Articles" not in articles[0]["body"] and "acting ambassador" in articles[0]["body"]
    )

    feeds = json.loads(monitor("feeds", "-c", "monitor.yaml", "--json", cwd=workspace).stdout)
    assert [(f["id"], f["status"], f["consecutive_failures"]) for f in feeds] == [("wire", "ok", 0)]

    stories = json.loads(monitor("stories", "-c", "monitor.yaml", "--json", cwd=workspace).stdout)
    assert len(stories) == 1
    assert stories[0]["origins"] == ["Yonhap"] and [a["kind"] for a in stories[0]["alerts"]] == [
        "new"
    ]

    one = monitor("story", str(stories[0]["id"]), "-c", "monitor.yaml", cwd=workspace)
    assert one.returncode == 0 and "alert new" in one.stdout and "Kuwait" in one.stdout

    table = monitor("poll", "-c", "monitor.yaml", cwd=workspace)  # unchanged: 304, nothing new
    assert (
        table.returncode == 0
        and "not-modified" in table.stdout
        and "0 new articles" in table.stdout
    )


@pytest.mark.slow
def test_digest_dry_run_prints_and_deliveries_list_the_outbox(workspace: Path) -> None:
    assert monitor("db", "upgrade", "-c", "monitor.yaml", cwd=workspace).returncode == 0
    assert monitor("poll", "-c", "monitor.yaml", cwd=workspace).returncode == 0
    files_before = sorted((workspace / "out").iterdir())
    dry = monitor("digest", "-c", "monitor.yaml", "--dry-run", "--since", "2d", cwd=workspace)
    assert dry.returncode == 0, dry.stderr
    assert "N. Korean diplomat in Kuwait defects to South" in dry.stdout and "Yonhap" in dry.stdout
    assert sorted((workspace / "out").iterdir()) == files_before  # a dry run writes nothing

    outbox = json.loads(monitor("deliveries", "-c", "monitor.yaml", "--json", cwd=workspace).stdout)
    assert [(d["channel"], d["kind"], d["status"]) for d in outbox] == [("out", "alert", "sent")]
    again = monitor("deliveries", "send", "-c", "monitor.yaml", cwd=workspace)
    assert again.returncode == 0
    assert sorted((workspace / "out").iterdir()) == files_before  # nothing is sent twice


@pytest.mark.slow
def test_an_unknown_feed_id_is_bad_usage(workspace: Path) -> None:
    monitor("db", "upgrade", "-c", "monitor.yaml", cwd=workspace)
    proc = monitor("poll", "-c", "monitor.yaml", "--feed", "nope", cwd=workspace)
    assert proc.returncode == 2 and "no feed with id nope" in proc.stderr


@pytest.mark.slow
def test_demo_runs_offline_and_shows_corroboration_and_a_folded_copy(tmp_path: Path) -> None:
    proc = monitor("demo", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "copy:" in out  # a wire copy folded under its original
    assert "corroborated" in out
    summary = out.strip().splitlines()[-3:]
    assert any("stories" in line for line in summary)
    n_stories = int(out.split(" stories;")[0].rsplit(";", 1)[-1].strip())
    assert n_stories >= 3
    written = sorted(p.suffix for p in (tmp_path / "demo-out").iterdir() if p.is_file())
    assert ".html" in written and ".txt" in written
