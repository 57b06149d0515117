"""`monitor feeds import|export|add`: OPML in and out, feed discovery through the real fetcher
against a loopback site, and monitor.yaml edited with its comments and order kept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.errors import ParseError
from monitor.opml import OpmlFeed, discover_feed_links, feed_id_for, parse_opml, render_opml
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer

CONFIG = """\
# my monitor: comments stay where they are
database:
  url: sqlite:///data/monitor.db   # the default

fetch:
  allow_private_networks: true     # the test site is on loopback

feeds:
  # wire services first
  - id: wire
    url: https://wire.example/rss.xml
    outlet: Wire   # keep this name
"""

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Exported from a reader</title></head>
  <body>
    <outline text="News">
      <outline type="rss" text="Wire" xmlUrl="https://wire.example/rss.xml?utm_source=reader"/>
      <outline type="rss" text="Daily Herald" title="Daily Herald"
               xmlUrl="https://herald.example/feed" htmlUrl="https://herald.example/"/>
      <outline type="rss" text="&#xD55C;&#xAD6D; &#xB274;&#xC2A4;" xmlUrl="https://kr.example/rss"/>
    </outline>
    <outline type="rss" text="Daily Herald" xmlUrl="https://herald.example/feed"/>
  </body>
</opml>
"""


def monitor(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=None if stdin is None else stdin.decode(),
        timeout=120,
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "monitor.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    (tmp_path / "watchlists").mkdir()
    return path


def test_parse_opml_walks_folders_and_keeps_each_feed_once() -> None:
    feeds = parse_opml(OPML)
    assert [f.url for f in feeds] == [
        "https://wire.example/rss.xml?utm_source=reader",
        "https://herald.example/feed",
        "https://kr.example/rss",
    ]
    assert feeds[1] == OpmlFeed(
        "https://herald.example/feed", "Daily Herald", "https://herald.example/"
    )
    assert feeds[2].title == "한국 뉴스"


@pytest.mark.parametrize(
    "data",
    [
        b"<html><body>not opml</body></html>",
        b"<opml><body><outline",  # cut short
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<opml><body><outline text="&x;" xmlUrl="https://a.example/rss"/></body></opml>',
    ],
)
def test_bad_or_hostile_opml_is_refused_or_read_without_entities(data: bytes) -> None:
    try:
        feeds = parse_opml(data)
    except ParseError:
        return
    assert all("root:" not in (f.title or "") for f in feeds)


def test_render_opml_round_trips_and_escapes() -> None:
    feeds = [
        OpmlFeed("https://a.example/rss?x=1&y=2", 'A "quoted" <name>'),
        OpmlFeed("https://b.example/", None),
    ]
    assert [(f.url, f.title) for f in parse_opml(render_opml(feeds).encode())] == [
        ("https://a.example/rss?x=1&y=2", 'A "quoted" <name>'),
        ("https://b.example/", "https://b.example/"),
    ]


@pytest.mark.parametrize(
    ("title", "url", "taken", "expected"),
    [
        ("Daily Herald", "https://herald.example/feed", set(), "daily-herald"),
        ("Daily Herald", "https://herald.example/feed", {"daily-herald"}, "daily-herald-2"),
        ("한국 뉴스", "https://kr.example/rss", set(), "kr-example"),  # no Latin letters: the host
        (None, "https://www.example.org/rss", set(), "www-example-org"),
        ("Café Crème", "https://c.example/", set(), "cafe-creme"),
    ],
)
def test_feed_ids_are_short_unique_slugs(
    title: str | None, url: str, taken: set[str], expected: str
) -> None:
    assert feed_id_for(title, url, taken) == expected


def test_discovery_prefers_announced_feeds_then_common_paths() -> None:
    page = b"""<html><head>
      <link rel="stylesheet" href="/s.css">
      <link rel="alternate" type="application/atom+xml" href="/atom">
      <link rel="alternate" type="application/rss+xml; charset=utf-8" href="https://feeds.example/x">
      <link rel="alternate" hreflang="ko" href="/ko/">
    </head></html>"""
    found = discover_feed_links(page, "https://site.example/news/today")
    assert found[:2] == ["https://site.example/atom", "https://feeds.example/x"]
    assert "https://site.example/feed" in found and "https://site.example/ko/" not in found


def test_import_adds_new_feeds_keeping_comments_and_order(tmp_path: Path, config: Path) -> None:
    opml = tmp_path / "subscriptions.opml"
    opml.write_bytes(OPML)
    proc = monitor("feeds", "import", str(opml), "--config", str(config), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "added 2 feeds" in proc.stdout and "1 feed already there" in proc.stdout
    text = config.read_text(encoding="utf-8")
    assert text.startswith(CONFIG)  # everything before is byte for byte as it was
    assert "# keep this name" in text and "# the test site is on loopback" in text
    cfg = load_config(config, env={})
    assert [f.id for f in cfg.feeds] == ["wire", "daily-herald", "kr-example"]
    assert cfg.feeds[1].outlet == "Daily Herald"
    again = monitor("feeds", "import", str(opml), "--config", str(config), cwd=tmp_path)
    assert "added 0 feeds" in again.stdout and config.read_text(encoding="utf-8") == text


def test_import_dry_run_changes_nothing_and_bad_files_are_usage_errors(
    tmp_path: Path, config: Path
) -> None:
    opml = tmp_path / "s.opml"
    opml.write_bytes(OPML)
    proc = monitor("feeds", "import", str(opml), "--config", str(config), "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0 and "would add 2 feeds" in proc.stdout
    assert config.read_text(encoding="utf-8") == CONFIG
    (tmp_path / "x.opml").write_text("<html/>")
    bad = monitor(
        "feeds", "import", str(tmp_path / "x.opml"), "--config", str(config), cwd=tmp_path
    )
    assert (
        bad.returncode == 2 and "not an OPML file" in bad.stderr and "Traceback" not in bad.stderr
    )


def test_export_is_opml_that_imports_back(tmp_path: Path, config: Path) -> None:
    proc = monitor("feeds", "export", "--config", str(config), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert parse_opml(proc.stdout.encode()) == [OpmlFeed("https://wire.example/rss.xml", "Wire")]


def test_add_finds_the_feed_a_page_announces_and_fetches_it_once(
    tmp_path: Path, config: Path, http_server: LoopbackServer
) -> None:
    feed = rss(
        [Item("First", http_server.url("/a/1")), Item("Second", http_server.url("/a/2"))],
        title="Loopback Times",
    )
    http_server.static("/feeds/main.xml", feed)
    http_server.static(
        "/",
        '<html><head><link rel="alternate" type="application/rss+xml" href="/feeds/main.xml">'
        "</head><body>home</body></html>",
        "text/html; charset=utf-8",
    )
    proc = monitor(
        "feeds", "add", http_server.url("/"), "--config", str(config), "--json", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["id"] == "loopback-times" and doc["url"] == http_server.url("/feeds/main.xml")
    assert doc["entries"] == 2
    assert len(http_server.hits("/feeds/main.xml")) == 1
    cfg = load_config(config, env={})
    assert cfg.feeds[-1].url == http_server.url("/feeds/main.xml")
    assert "# wire services first" in config.read_text(encoding="utf-8")
    again = monitor(
        "feeds", "add", http_server.url("/feeds/main.xml"), "--config", str(config), cwd=tmp_path
    )
    assert again.returncode == 2 and "already in" in again.stderr


def test_add_tries_common_paths_and_says_when_there_is_no_feed(
    tmp_path: Path, config: Path, http_server: LoopbackServer
) -> None:
    http_server.static("/", "<html><body>no links here</body></html>", "text/html")
    http_server.static("/rss.xml", rss([Item("Only", http_server.url("/o"))], title="Plain Site"))
    ok = monitor(
        "feeds", "add", http_server.url("/"), "--config", str(config), "--id", "plain", cwd=tmp_path
    )
    assert ok.returncode == 0, ok.stderr
    assert load_config(config, env={}).feeds[-1].id == "plain"
    bare = LoopbackServer()
    with bare:
        bare.static("/", "<html><body>nothing</body></html>", "text/html")
        before = config.read_text(encoding="utf-8")
        proc = monitor("feeds", "add", bare.url("/"), "--config", str(config), cwd=tmp_path)
    assert (
        proc.returncode == 1 and "no feed found" in proc.stderr and "Traceback" not in proc.stderr
    )
    assert config.read_text(encoding="utf-8") == before
