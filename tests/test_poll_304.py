"""A pass where every feed answers 304 reads each feed row once (when the pass picks the
feeds) and writes the outcomes in batches, not two transactions per feed (issue 13)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from monitor.config import AppConfig, MonitorConfig
from monitor.pipeline.poll import Poller
from monitor.store import db
from monitor.store.db import transaction
from monitor.store.feeds import get_feeds
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer

FEEDS = 40


def test_an_all_304_pass_records_every_feed_in_a_few_transactions(
    http_server: LoopbackServer, sqlite_url: str
) -> None:
    now = datetime.now(UTC)
    feeds = [
        {
            "id": f"f{i}",
            "url": http_server.static(f"/f{i}.xml", rss([Item(f"t{i}", f"urn:x:{i}", now)])),
        }
        for i in range(FEEDS)
    ]
    monitor = MonitorConfig.model_validate(
        {
            "feeds": feeds,
            "fetch": {"allow_private_networks": True, "fetch_articles": False, "per_host": 8},
        }
    )
    cfg = AppConfig(monitor=monitor, watchlists=[], path="t.yaml", database_url=sqlite_url)
    db.upgrade(sqlite_url)
    engine = db.make_engine(sqlite_url)
    sessions = db.session_factory(engine)
    poller = Poller(cfg, sessions)
    first = asyncio.run(poller.run())
    assert first.count("ok") == FEEDS
    with transaction(sessions) as s:
        before = {f.id: f.last_polled_at for f in get_feeds(s)}
    begun: list[int] = []
    reads: list[str] = []  # statements that read one feed row by its id
    event.listen(engine, "begin", lambda _conn: begun.append(1))

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if sql.lstrip().upper().startswith("SELECT") and "feeds.id = " in sql:
            reads.append(sql)

    event.listen(engine, "before_cursor_execute", statement)
    second = asyncio.run(poller.run())
    assert second.count("not-modified") == FEEDS
    assert all(f.next_poll_at is not None for f in second.feeds)
    # every feed's row records the 304 and its next due time
    with transaction(sessions) as s:
        rows = get_feeds(s)
    assert {r.last_outcome for r in rows} == {"not-modified"}
    assert all(r.last_polled_at and r.last_polled_at > before[r.id] for r in rows)
    assert all(
        r.next_poll_at and r.last_polled_at and r.next_poll_at > r.last_polled_at for r in rows
    )
    # read once, when the pass picks the feeds: no feed row is read again on its own
    assert reads == []
    # then the outcomes: at most one transaction a feed (two before: read, write), and one
    # for all that answered within the same few milliseconds (how many depends on the pace)
    assert len(begun) <= FEEDS + 1
