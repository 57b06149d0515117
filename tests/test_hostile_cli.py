"""Every listing over a database full of hostile text: no crash, no markup, no escape codes.

The class of cases: text that came from a feed (titles, outlets, authors, alert keys built
from them, error messages) is printed by Rich-based listings. Whatever it contains (Rich
markup, emoji codes, HTML, Slack control sequences, NUL and other control characters, bidi
overrides, ten thousand characters), each command exits 0 and prints it as the literal text,
with the control characters neutralized; `--json` round-trips it exactly.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select, update
from typer.testing import CliRunner

from monitor.cli import app as monitor_app
from monitor.store import db
from monitor.store.db import transaction
from monitor.store.models import ArticleRow, DeliveryRow, Feed, StoryRow
from tests.conftest import ROOT
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer, Response

BODY = (
    "A North Korean diplomat has defected to South Korea, the Unification Ministry said in "
    "Seoul on Monday. Pyongyang did not comment on the defection."
)
# What a feed can carry (printable: it goes through XML) ...
FEED_TITLES = [
    "[/] North Korean defector warns",
    "[red]x[/red] North Korean diplomat defects",
    ":fire: North Korean defector :new: arrives",
    "<script>alert(1)</script> North Korean defector",
    "<!channel> <@U123ABC> North Korean defector",
    "\u202eRTL override\u202c and \u200fmarks: North Korean defector",
    "North Korean defector " + "x" * 10_000,
]
# ... and what rows stored before input cleaning, or written by other tools, may hold.
RAW = "[/]\x00 NUL \x1b[2J\x1b]0;pwned\x07 \x9b31m C1 \u202e[bold]:fire:"
CONTROLS = ("\x00", "\x1b", "\x07", "\x9b", "\u202e", "\u202c")
# On a terminal a control character shows as U+FFFD; bidi overrides and marks are dropped.
VISIBLE = {"\x00": "\ufffd", "\x1b": "\ufffd", "\x07": "\ufffd", "\x9b": "\ufffd"}
VISIBLE |= {"\u202e": "", "\u202c": "", "\u200f": ""}


def run(*args: str) -> Any:
    result = CliRunner().invoke(monitor_app, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"monitor {' '.join(args)} raised") from result.exception
    return result


@pytest.fixture
def hostile_db(tmp_path: Path, http_server: LoopbackServer, database_url: str) -> Path:
    published = datetime.now(UTC) - timedelta(hours=2)
    items = [
        Item(t, http_server.url(f"/gone/{i}.html"), published, guid=f"g{i}", summary=BODY)
        for i, t in enumerate(FEED_TITLES)
    ]
    http_server.static("/rss.xml", rss(items))
    http_server.route("/gone/", Response(404))
    (tmp_path / "watchlists").symlink_to(ROOT / "config" / "watchlists")
    config = {
        "database": {"url": database_url},
        "fetch": {"allow_private_networks": True, "retries": 0},
        "feeds": [
            {"id": "hostile", "url": http_server.url("/rss.xml"), "outlet": "[b]Out:fire:let"},
            {"id": "broken", "url": http_server.url("/gone/feed.xml")},
        ],
        "channels": [
            {"name": "now", "type": "file", "mode": "immediate", "path": str(tmp_path / "o")},
            {
                "name": "daily",
                "type": "file",
                "mode": "digest",
                "schedule": "0 8 * * *",
                "path": str(tmp_path / "d"),
            },
        ],
    }
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(yaml.safe_dump(config), encoding="utf-8")
    assert run("db", "upgrade", "-c", str(cfg)).exit_code == 0
    # a quiet digest slot first: it leaves a `skipped` row (which `deliveries` crashed on)
    assert run("digest", "-c", str(cfg), "--since", "1m", "--channel", "daily").exit_code == 0
    polled = run("poll", "-c", str(cfg))  # one feed fails: the poll still reports the other
    assert "broken" in polled.output and "hostile" in polled.output, polled.output
    engine = db.make_engine(database_url)
    sessions = db.session_factory(engine)
    raw = raw_text(database_url)
    with transaction(sessions) as s:  # raw rows: as if stored before cleaning existed
        first = s.scalars(select(ArticleRow.id).order_by(ArticleRow.id)).first()
        story = s.scalars(select(StoryRow.id).order_by(StoryRow.id)).first()
        assert first is not None and story is not None
        s.execute(update(ArticleRow).where(ArticleRow.id == first).values(title=raw, outlet=raw))
        s.execute(update(StoryRow).where(StoryRow.id == story).values(headline=raw))
        s.execute(update(Feed).values(last_error=raw, consecutive_failures=3))
        s.execute(update(DeliveryRow).values(last_error=raw))
    engine.dispose()
    return cfg


def raw_text(database_url: str) -> str:
    """PostgreSQL text cannot hold NUL at all, so no row there can carry one."""
    return RAW.replace("\x00", "") if database_url.startswith("postgresql") else RAW


LISTINGS = [
    ("feeds",),
    ("feeds", "--wide"),
    ("articles",),
    ("articles", "--hits", "--wide"),
    ("articles", "--misses"),
    ("deliveries", "--wide"),
    ("stories",),
    ("deliveries",),
    ("deliveries", "--status", "skipped"),
    ("status",),
    ("digest", "--dry-run", "--since", "1d"),
    ("rematch", "--dry-run", "--since", "1d"),
]


def assert_safe(output: str) -> None:
    assert "Traceback" not in output
    for char in CONTROLS:
        assert char not in output, repr(char)
    assert "🔥" not in output and "🆕" not in output  # emoji codes stay text


def test_every_listing_prints_hostile_text_literally(hostile_db: Path, database_url: str) -> None:
    cfg = str(hostile_db)
    seen = ""
    for args in LISTINGS:
        result = run(*args, "-c", cfg)
        assert result.exit_code == 0, (args, result.output)
        assert_safe(result.output)
        seen += result.output
    skipped = run("deliveries", "--status", "skipped", "-c", cfg, "--json")
    assert {d["channel"] for d in json.loads(skipped.output)} == {"daily"}  # quiet digest slots
    for story_id in [s["id"] for s in json.loads(run("stories", "-c", cfg, "--json").output)]:
        result = run("story", str(story_id), "-c", cfg)
        assert result.exit_code == 0, result.output
        assert_safe(result.output)
        seen += result.output
    for literal in ("[/]", "[red]x[/red]", ":fire:", "<script>", "<!channel>", "[b]Out:fire:let"):
        assert literal in seen, literal
    # scripts get the stored text exactly
    for command in ("feeds", "articles", "stories", "deliveries", "status"):
        result = run(command, "-c", cfg, "--json")
        assert result.exit_code == 0, result.output
        assert raw_text(database_url) in strings(json.loads(result.stdout)), command


def strings(data: Any) -> list[str]:
    """Every string value in a JSON document."""
    if isinstance(data, dict):
        return [s for v in data.values() for s in strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in strings(v)]
    return [data] if isinstance(data, str) else []


@pytest.mark.parametrize("title", [*FEED_TITLES, RAW])
def test_match_prints_a_hostile_headline_literally(title: str, tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(f"{title}\nA North Korean defector spoke in Seoul.\n", encoding="utf-8")
    result = run("match", str(article), "-c", str(ROOT / "config" / "monitor.yaml"))
    assert result.exit_code == 0, result.output
    assert_safe(result.output)
    expected = "".join(VISIBLE.get(c, c) for c in title)[:30]
    assert "".join(expected.split()) in "".join(result.output.split())  # as wrapped at 80
    assert len(result.output) < 8000  # a 10,000-character title is cut for the terminal
