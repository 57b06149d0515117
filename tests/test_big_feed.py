"""A huge feed is taken a window at a time: newest first, the rest over the next passes.

The class of cases: a feed far bigger than a pass should take (an archive dump, a
misconfigured endpoint). Each pass takes the newest `fetch.max_entries_per_pass` entries
(fresh news is never stuck behind the backlog) plus the next slice of the backlog; a
conditional GET must not hide the backlog behind a 304.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, MonitorConfig
from monitor.domain import FeedEntry
from monitor.pipeline.poll import Poller, next_backlog
from monitor.pipeline.window import newest_first, window
from monitor.store.db import transaction
from monitor.store.models import ArticleRow, Feed
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer, Response

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
