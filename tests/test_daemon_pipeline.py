"""What the daemon added to polling: 301 moves, link-less entries, leases, retention."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.pipeline.poll import Poller
from monitor.store import claims
from monitor.store.articles import list_articles
from monitor.store.db import transaction
from monitor.store.feeds import sync_feeds
from monitor.store.hits import store_hit
from monitor.store.models import ArticleRow, Feed, HitRow
from monitor.store.retention import drop_old_bodies
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer, Response
from tests.test_pipeline import make_config

NOW = datetime.now(UTC)
ATOM_NO_LINK = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:feed</id>
<updated>2026-11-20T08:00:00Z</updated>
<entry><id>urn:uuid:1234</id><title>A bulletin without a page</title>
<updated>2026-11-20T08:00:00Z</updated>
<content type="text">The whole text is here.</content></entry>
</feed>"""


def test_a_feed_that_moved_permanently_is_polled_at_its_new_address(
    http_server: LoopbackServer, sessions: sessionmaker[Session], database_url: str
) -> None:
    new = http_server.static("/new.xml", rss([Item("t", "https://example.org/a", NOW)]))
    old = http_server.route("/old.xml", Response(301, headers={"Location": new}))
    cfg = make_config(database_url, [{"id": "f", "url": old}], fetch_articles=False)
    asyncio.run(Poller(cfg, sessions).run())
    with transaction(sessions) as s:
        row = s.get(Feed, "f")
        assert row is not None
        assert (row.url, row.config_url, row.last_outcome) == (new, old, "ok")
    asyncio.run(Poller(cfg, sessions).run())
    assert len(http_server.hits("/old.xml")) == 1 and len(http_server.hits("/new.xml")) == 2


def test_an_entry_without_a_link_is_stored_from_the_feed_text_without_a_fetch(
    http_server: LoopbackServer, sessions: sessionmaker[Session], database_url: str
) -> None:
    url = http_server.static("/atom.xml", ATOM_NO_LINK, "application/atom+xml")
    cfg = make_config(database_url, [{"id": "f", "url": url}])
    report = asyncio.run(Poller(cfg, sessions).run())
    assert report.new_articles == 1
    assert [r.path for r in http_server.requests] == ["/atom.xml"]  # no page request
    with transaction(sessions) as s:
        (art,) = list_articles(s)
        assert (art.body, art.extraction) == ("The whole text is here.", "feed-fallback")
        assert art.canonical_url.startswith("urn:")


def test_a_poll_ends_the_workers_lease_on_the_feed(
    http_server: LoopbackServer, sessions: sessionmaker[Session], database_url: str
) -> None:
    url = http_server.static("/f.xml", rss([]))
    cfg = make_config(database_url, [{"id": "f", "url": url}], fetch_articles=False)
    with transaction(sessions) as s:
        sync_feeds(s, cfg.feeds, NOW)
        assert claims.claim_due_feeds(s, ["f"], "w1", NOW, lease=timedelta(minutes=5)) == ["f"]
    asyncio.run(Poller(cfg, sessions, owner="w1").run(["f"]))
    with transaction(sessions) as s:
        row = s.get(Feed, "f")
        assert row is not None and (row.lease_owner, row.lease_until) == (None, None)
        assert row.next_poll_at is not None and row.next_poll_at > NOW


def test_retention_drops_old_bodies_and_keeps_hits(
    http_server: LoopbackServer, sessions: sessionmaker[Session], database_url: str
) -> None:
    items = [Item(f"t{i}", f"https://example.org/{i}", NOW, summary=f"body {i}") for i in (1, 2)]
    url = http_server.static("/f.xml", rss(items))
    cfg = make_config(database_url, [{"id": "f", "url": url}], fetch_articles=False)
    asyncio.run(Poller(cfg, sessions).run())
    with transaction(sessions) as s:
        old, _ = s.scalars(select(ArticleRow).order_by(ArticleRow.id)).all()
        old.discovered_at = NOW - timedelta(days=100)
        store_hit(s, old.id, "w", 3.0, [], {}, NOW)
    with transaction(sessions) as s:
        assert drop_old_bodies(s, NOW, timedelta(days=90)) == 1
    with transaction(sessions) as s:
        bodies = s.execute(select(ArticleRow.title, ArticleRow.body).order_by(ArticleRow.id)).all()
        assert [tuple(b) for b in bodies] == [("t1", None), ("t2", "body 2")]
        assert s.scalar(select(HitRow.watchlist)) == "w"
