"""A huge feed is taken a window at a time: newest first, the rest over the next passes.

The class of cases: a feed far bigger than a pass should take (an archive dump, a
misconfigured endpoint). Each pass takes the newest `fetch.max_entries_per_pass` entries
(fresh news is never stuck behind the backlog) plus the next slice of the backlog; a
conditional GET must not hide the backlog behind a 304.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor import feeds as feeds_module
from monitor.config import AppConfig, MonitorConfig
from monitor.domain import FeedEntry, ParsedFeed
from monitor.errors import ParseError
from monitor.feeds import parse_feed
from monitor.pipeline import window as window_module
from monitor.pipeline.poll import Poller, next_backlog
from monitor.pipeline.window import newest_first, parse_window, window
from monitor.store.db import transaction
from monitor.store.models import ArticleRow, Feed
from tests.conftest import FIXTURES
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer, Response
from tests.test_feeds import header_lines

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def entry(i: int, dated: bool = True) -> FeedEntry:
    url = f"http://news.example/{i}"
    when = T0 + timedelta(minutes=i) if dated else None
    return FeedEntry(
        feed_id="f", guid=None, url=url, canonical_url=url, title=str(i), published_at=when
    )


@pytest.mark.parametrize(
    ("total", "cap", "skip", "taken", "backlog"),
    [
        (10, 20, 0, list(range(9, -1, -1)), 0),  # small feed: all of it, newest first
        (10, 4, 0, [9, 8, 7, 6], 4),  # first pass: the newest cap, backlog starts
        (10, 4, 4, [9, 8, 7, 6, 5, 4, 3, 2], 8),  # the newest again (fresh news) + next slice
        (10, 4, 8, [9, 8, 7, 6, 1, 0], 0),  # the last slice: the feed is taken whole
        (5, 4, 4, [4, 3, 2, 1, 0], 0),  # a backlog smaller than a slice ends at once
    ],
)
def test_a_pass_takes_the_newest_entries_and_the_next_slice_of_the_backlog(
    total: int, cap: int, skip: int, taken: list[int], backlog: int
) -> None:
    entries = [entry(i) for i in range(total)]
    assert [int(e.title or "") for e in window(entries, cap, skip)] == taken
    assert next_backlog(total, cap, skip) == backlog


def test_undated_entries_come_after_dated_ones_in_feed_order() -> None:
    mixed = [entry(1, dated=False), entry(5), entry(2, dated=False), entry(9)]
    assert [e.title for e in newest_first(mixed)] == ["9", "5", "1", "2"]


def _config(url: str, feed_url: str, cap: int) -> AppConfig:
    monitor = MonitorConfig.model_validate(
        {
            "feeds": [{"id": "big", "url": feed_url}],
            "fetch": {"fetch_articles": False, "retries": 0, "max_entries_per_pass": cap},
        }
    )
    return AppConfig(monitor=monitor, watchlists=[], path="t.yaml", database_url=url)


def test_a_big_feed_behind_an_etag_is_taken_whole_over_several_passes(
    sessions: sessionmaker[Session], http_server: LoopbackServer
) -> None:
    items = [
        Item(f"story {i}", f"http://news.example/{i}", T0 + timedelta(minutes=i)) for i in range(25)
    ]
    state: dict[str, Any] = {"items": items}

    def feed(_req: Any) -> Response:
        body = rss(state["items"])
        # an ETag and Last-Modified of its own, and 304 for a request that sends them back
        return Response(
            body=body, headers={"Content-Type": "application/rss+xml"}, conditional=True
        )

    feed_url = http_server.route("/big.xml", feed)
    cfg = _config(str(sessions.kw["bind"].url), feed_url, cap=10)
    poller = Poller(cfg, sessions)

    def stored() -> set[int]:
        with transaction(sessions) as s:
            urls = s.scalars(select(ArticleRow.url))
            return {int(u.rsplit("/", 1)[1]) for u in urls}

    def backlog() -> int:
        with transaction(sessions) as s:
            row = s.get(Feed, "big")
            return row.backlog if row is not None else -1

    asyncio.run(poller.run())
    assert stored() == set(range(15, 25)) and backlog() == 10
    state["items"] = [*items, Item("story 25", "http://news.example/25", T0 + timedelta(hours=1))]
    asyncio.run(poller.run())  # the fresh item at once, and the next slice
    assert stored() == set(range(6, 26)) and backlog() == 20
    asyncio.run(poller.run())
    assert stored() == set(range(26)) and backlog() == 0
    report = asyncio.run(poller.run())  # taken whole: the ETag is kept and answers 304
    assert report.feeds[0].outcome == "not-modified"


# --- the window is taken before feedparser: same entries, a small document -----------------

FEEDS = FIXTURES / "data"
FIXTURE_FEEDS = sorted([*FEEDS.glob("feedparser-cases/**/*.xml"), *FEEDS.glob("real-feeds/**/*.*")])
BASE = "http://e.com/x"


def _full(data: bytes, headers: dict[str, str]) -> ParsedFeed | None:
    try:
        return parse_feed(data, headers, feed_id="x", base_url=BASE, now=T0)
    except ParseError:
        return None


def _windowed(data: bytes, headers: dict[str, str], cap: int, skip: int) -> tuple[ParsedFeed, int]:
    with _frozen_now():
        return parse_window(data, headers, feed_id="x", base_url=BASE, cap=cap, skip=skip)


@contextmanager
def _frozen_now() -> Iterator[None]:
    """parse_window's `now` (future dates are dropped) is the tests' T0, as `_full`'s."""
    real = feeds_module.parse_feed

    def at_t0(*args: Any, **kwargs: Any) -> ParsedFeed:
        return real(*args, **{**kwargs, "now": T0})

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(window_module, "parse_feed", at_t0)
        yield


@pytest.mark.parametrize("path", FIXTURE_FEEDS, ids=lambda p: str(p.relative_to(FEEDS)))
def test_every_fixture_feed_gives_the_same_window_narrowed_or_whole(path: Path) -> None:
    """Under the cap feedparser reads the body itself; over it, the narrowed document yields
    exactly the entries (every field, same order) the whole parse's window would."""
    data = path.read_bytes()
    headers = header_lines(data) if "feedparser-cases" in path.parts else {}
    full = _full(data, headers)
    if full is None:
        return
    n = len(full.entries)
    under, total = _windowed(data, headers, cap=max(n, 1), skip=0)
    assert under == dataclasses.replace(full, entries=newest_first(full.entries))
    assert total == n
    for cap, skip in [(1, 0), (1, 1), (2, 2), (max(1, n // 3), max(1, n // 3))]:
        if n <= cap:
            continue
        got, total = _windowed(data, headers, cap, skip)
        assert got.entries == window(full.entries, cap, skip), (cap, skip)
        assert (got.title, got.bozo, got.version, got.encoding) == (
            full.title,
            full.bozo,
            full.version,
            full.encoding,
        )
        assert total == n


def _atom(entries: int) -> bytes:
    body = "".join(
        f"<entry><id>urn:e:{i}</id><title>e {i}</title><link href='/p/{i}'/>"
        f"<updated>2026-11-01T00:{i % 60:02d}:00Z</updated></entry>"
        for i in range(entries)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>A</title>{body}</feed>"
    ).encode()


def _rss(items: int) -> bytes:
    return rss(
        [
            Item(f"s {i}", f"http://news.example/{i}", T0 + timedelta(minutes=i))
            for i in range(items)
        ]
    )


# The class: feeds over the cap that the streaming scan must not read itself (entities it
# would have to resolve, markup only feedparser's loose parser recovers, JSON) still get
# today's window, from a whole parse.
WHOLE_PARSE = {
    "doctype with an entity": _rss(6)
    .replace(b"<rss", b'<!DOCTYPE rss [<!ENTITY who "Kim">]>\n<rss', 1)
    .replace(b"<title>s 5</title>", b"<title>s 5 &who;</title>"),
    "an HTML entity no DTD defines": _rss(6).replace(
        b"<title>s 5</title>", b"<title>s&nbsp;5</title>"
    ),
    "an unclosed element": _rss(6).replace(b"</channel></rss>", b""),
    "a stray ampersand": _rss(6).replace(b"<title>s 2</title>", b"<title>s & 2</title>"),
    "a JSON Feed": json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [
                {
                    "id": str(i),
                    "url": f"http://j.example/{i}",
                    "date_published": f"2026-11-01T00:0{i}:00Z",
                }
                for i in range(6)
            ],
        }
    ).encode(),
}


@pytest.mark.parametrize("body", WHOLE_PARSE.values(), ids=list(WHOLE_PARSE))
def test_a_feed_the_scan_cannot_read_gets_the_same_window_from_a_whole_parse(body: bytes) -> None:
    full = _full(body, {})
    assert full is not None and len(full.entries) == 6
    got, total = _windowed(body, {}, cap=2, skip=2)
    assert got.entries == window(full.entries, 2, 2) and total == 6
    assert feeds_module._narrow(body, lambda d: [0], base_url=BASE, now=T0) is None


@pytest.mark.parametrize("body", [_rss(3000), _atom(3000)], ids=["rss", "atom"])
def test_feedparser_is_handed_only_the_window_of_a_big_feed(
    body: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    real = feeds_module.feedparser.parse

    def spy(stream: Any, **kwargs: Any) -> Any:
        data = stream.read()
        seen.append(len(data))
        return real(io.BytesIO(data), **kwargs)

    monkeypatch.setattr(feeds_module.feedparser, "parse", spy)
    got, total = parse_window(body, {}, feed_id="x", base_url=BASE, cap=20, skip=100)
    assert total == 3000 and len(got.entries) == 40
    assert seen and seen[0] < len(body) / 30  # 40 of 3000 entries, and the feed's own head


def test_entries_sharing_a_page_keep_their_identity_whichever_pass_takes_them() -> None:
    """A podcast's episodes all link the show's page: each is named by its GUID even when the
    window holds one of them (the page counts come from the whole feed)."""
    items = [
        Item(f"episode {i}", "http://pod.example/show", T0 + timedelta(days=i), guid=f"ep-{i}")
        for i in range(6)
    ] + [Item(f"news {i}", f"http://news.example/{i}", T0 - timedelta(days=i)) for i in range(6)]
    body = rss(items)
    full = _full(body, {})
    assert full is not None
    names = {e.guid: e.canonical_url for e in full.entries}
    for skip in (0, 1, 2, 4):
        got, _ = _windowed(body, {}, cap=1, skip=skip)
        assert got.entries and all(names[e.guid] == e.canonical_url for e in got.entries)
        assert got.entries == window(full.entries, 1, skip)


def test_a_backlog_of_2000_entries_is_worked_off_in_four_passes_of_500(
    sessions: sessionmaker[Session], http_server: LoopbackServer
) -> None:
    """Each pass stores the newest 500 entries not stored yet; after four all 2,000 are
    stored once; the small feed beside it gets its fresh item every pass."""
    big = rss(
        [
            Item(f"story {i}", f"http://news.example/{i}", T0 + timedelta(minutes=i))
            for i in range(2000)
        ]
    )
    fresh: list[Item] = []

    def small(_req: Any) -> Response:
        n = len(fresh)
        fresh.append(
            Item(f"fresh {n}", f"http://small.example/{n}", T0 + timedelta(days=9, minutes=n))
        )
        return Response(body=rss(fresh), headers={"Content-Type": "application/rss+xml"})

    monitor = MonitorConfig.model_validate(
        {
            "feeds": [
                {"id": "big", "url": http_server.route("/big.xml", Response(body=big))},
                {"id": "small", "url": http_server.route("/small.xml", small)},
            ],
            "fetch": {"fetch_articles": False, "retries": 0, "max_entries_per_pass": 500},
        }
    )
    cfg = AppConfig(
        monitor=monitor, watchlists=[], path="t.yaml", database_url=str(sessions.kw["bind"].url)
    )
    poller = Poller(cfg, sessions)

    def stored(feed: str) -> list[str]:
        with transaction(sessions) as s:
            return list(s.scalars(select(ArticleRow.url).where(ArticleRow.feed_id == feed)))

    for n in range(1, 5):
        report = asyncio.run(poller.run())
        by_feed = {f.feed_id: f for f in report.feeds}
        assert by_feed["big"].outcome == "ok" and by_feed["big"].new_articles == 500
        assert by_feed["small"].outcome == "ok" and by_feed["small"].new_articles == 1
        urls = stored("big")
        assert len(urls) == len(set(urls)) == 500 * n  # nothing twice
        assert {int(u.rsplit("/", 1)[1]) for u in urls} == set(range(2000 - 500 * n, 2000))
        assert len(stored("small")) == n
    with transaction(sessions) as s:
        row = s.get(Feed, "big")
        assert row is not None and row.backlog == 0
    report = asyncio.run(poller.run())  # taken whole: nothing more, nothing again
    assert {f.feed_id: f.new_articles for f in report.feeds} == {"big": 0, "small": 1}
    assert len(stored("big")) == 2000


# The class: how a feed's bytes reach the parser. Valid UTF-8 that says UTF-8 or nothing is
# handed on as the very same bytes (a 24 MB feed is not copied twice); anything else is
# decoded and re-declared as UTF-8, as before.
AS_IS = {
    "undeclared UTF-8": ("<rss><channel><title>평양</title></channel></rss>".encode(), True),
    "declared UTF-8": (b'<?xml version="1.0" encoding="UTF-8"?><rss/>', True),
    "declared latin-1": (b'<?xml version="1.0" encoding="iso-8859-1"?><rss>\xe9</rss>', False),
    "UTF-8 with a BOM": (b'\xef\xbb\xbf<?xml version="1.0"?><rss/>', False),
    "UTF-16": ('<?xml version="1.0" encoding="utf-16"?><rss/>'.encode("utf-16"), False),
}


@pytest.mark.parametrize(("body", "same"), AS_IS.values(), ids=list(AS_IS))
def test_valid_utf8_reaches_the_parser_uncopied_and_the_rest_re_declared(
    body: bytes, same: bool
) -> None:
    out, decoded = feeds_module._as_utf8(body, {})
    assert (out is body) == same and decoded.text == ""
    text = out.decode("utf-8")
    assert not text.startswith("\ufeff")
    assert "<rss" in text and ("encoding" not in text or 'encoding="utf-8"' in text.lower())
