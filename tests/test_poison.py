"""Poison items: one entry with a NUL byte or a reference to no character fails alone.

The class of cases: bytes a feed or page may carry that no database text column or UTF-8
encoder accepts (raw NUL, `&#0;`, `&#xD800;`..`&#xDFFF;` in hex or decimal, past U+10FFFF,
other control characters) in any field (title, body, author, link, GUID). The entry is
stored with that character cleaned out, and the feed's other entries are stored too, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, MonitorConfig
from monitor.feeds import defuse, parse_feed
from monitor.pipeline.poll import Poller
from monitor.store.articles import list_articles
from monitor.store.db import transaction
from tests.loopback import LoopbackServer, Response

POISON = [
    ("raw NUL", "\x00"),
    ("NUL reference", "&#0;"),
    ("hex surrogate", "&#xD800;"),
    ("decimal surrogate", "&#56320;"),
    ("past the last code point", "&#x110000;"),
    ("escape and bell", "\x1b[2J\x07"),
    ("C1 control", "&#x9b;"),
]


def feed(entries: list[tuple[str, str]], base: str) -> bytes:
    items = "".join(
        f"<item><title>Entry {i} {p}</title><link>{base}/a/{i}?x={p}</link>"
        f"<guid>g-{i}-{p}</guid><author>By {p}Kim</author>"
        f"<description>Body {p} of entry {i}, a defector spoke in Seoul.</description></item>"
        for i, (_, p) in enumerate(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>{base}/</link>{items}<item><title>Clean entry</title><link>{base}/clean</link>"
        "<description>Nothing odd here.</description></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(("name", "poison"), POISON)
def test_parse_cleans_each_poison_and_keeps_every_entry(name: str, poison: str) -> None:
    parsed = parse_feed(
        feed([(name, poison)], "http://ex.org"), {}, feed_id="f", base_url="http://ex.org/"
    )
    assert [e.title.split()[0] for e in parsed.entries] == ["Entry", "Clean"]
    entry = parsed.entries[0]
    for text in (entry.title, entry.summary, entry.author or "", entry.url, entry.guid):
        text.encode("utf-8")  # no lone surrogate
        assert not any(c in text for c in "\x00\x1b\x07\x9b"), (name, text)
    assert entry.author and entry.author.endswith("Kim")


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        (b"&#xD7FF; &#xE000; &#55295; &#57344; &#x10FFFF; &#54620;", True),  # real characters
        (b"&#xD800;", False),
        (b"&#57343;", False),
        (b"&#x0000;", False),
        (b"&#1114112;", False),
    ],
)
def test_defuse_replaces_only_references_to_no_character(raw: bytes, kept: bool) -> None:
    assert (defuse(raw) == raw) is kept
    if not kept:
        assert defuse(raw) == b"&#xFFFD;"


def test_utf16_feeds_keep_their_zero_bytes() -> None:
    body = '\ufeff<?xml version="1.0" encoding="utf-16"?><rss/>'.encode("utf-16")
    assert defuse(body) == body


def test_a_poisoned_feed_stores_every_entry_on_both_backends(
    http_server: LoopbackServer, sessions: sessionmaker[Session], database_url: str
) -> None:
    base = http_server.base_url
    http_server.route("/rss.xml", Response(body=feed(POISON, base)))
    monitor = MonitorConfig.model_validate(
        {
            "feeds": [{"id": "poison", "url": http_server.url("/rss.xml")}],
            "fetch": {"allow_private_networks": True, "retries": 0, "fetch_articles": False},
        }
    )
    cfg = AppConfig(monitor=monitor, watchlists=[], path="t.yaml", database_url=database_url)
    report = asyncio.run(Poller(cfg, sessions).run())
    assert report.count("ok") == 1, report.to_json()
    assert report.new_articles == len(POISON) + 1
    with transaction(sessions) as s:
        stored = list_articles(s)
    assert len(stored) == len(POISON) + 1
    assert all("\x00" not in (a.title + (a.body or "")) for a in stored)
    assert sorted(a.author or "" for a in stored)[-1].endswith("Kim")
