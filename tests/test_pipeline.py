"""Polling end to end: a real loopback server, real extraction, a real database."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import socket
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, MonitorConfig
from monitor.domain import Article, FeedEntry
from monitor.pipeline.ingest import Ingested
from monitor.pipeline.poll import Poller, PollReport
from monitor.store import db
from monitor.store.articles import list_articles
from monitor.store.db import transaction
from monitor.store.feeds import get_feeds
from monitor.store.models import Feed
from tests.conftest import FIXTURES
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer, Response

CORPUS = FIXTURES / "corpus" / "dev.jsonl"
PUB = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def make_config(url: str, feeds: list[dict[str, Any]], **fetch: Any) -> AppConfig:
    fetch_cfg = {
        "allow_private_networks": True,
        "retries": 1,
        "retry_backoff": 0.05,
        "read_timeout": 2,
        "connect_timeout": 2,
        "total_timeout": 10,
        "extraction_workers": 1,
        **fetch,
    }
    monitor = MonitorConfig.model_validate({"feeds": feeds, "fetch": fetch_cfg})
    return AppConfig(monitor=monitor, watchlists=[], path="test.yaml", database_url=url)


def run_poll(cfg: AppConfig, sessions: sessionmaker[Session], **kw: Any) -> PollReport:
    return asyncio.run(Poller(cfg, sessions, **kw).run())


@pytest.fixture
def sessions(sqlite_url: str) -> sessionmaker[Session]:
    db.upgrade(sqlite_url)
    return db.session_factory(db.make_engine(sqlite_url))


def tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


def token_f1(got: str, want: str) -> float:
    g, w = tokens(got), tokens(want)
    overlap = sum((g & w).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(g.values()), overlap / sum(w.values())
    return 2 * p * r / (p + r)


def serve_corpus(server: LoopbackServer) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Serve every corpus page, and one RSS feed per outlet feed that lists its pages."""
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    by_feed: dict[str, list[Item]] = {}
    for row in rows:
        path = f"/pages/{row['id']}.html"
        server.static(path, row["html"], "text/html; charset=utf-8")
        published = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
        by_feed.setdefault(row["feed"], []).append(
            Item(row["title"], server.url(path), published, guid=row["url"])
        )
    feeds = []
    for feed_id, items in sorted(by_feed.items()):
        server.static(f"/feeds/{feed_id}.xml", rss(items, title=feed_id))
        feeds.append({"id": feed_id, "url": server.url(f"/feeds/{feed_id}.xml"), "outlet": feed_id})
    return rows, feeds


@pytest.mark.slow
def test_corpus_pages_are_stored_once_with_clean_bodies_and_true_dates(
    http_server: LoopbackServer, sessions: sessionmaker[Session], sqlite_url: str
) -> None:
    rows, feeds = serve_corpus(http_server)
    cfg = make_config(sqlite_url, feeds)
    report = run_poll(cfg, sessions)
    assert report.count("ok") == len(feeds)
    assert report.new_articles == len(rows)
    with transaction(sessions) as s:
        stored = {a.url.rsplit("/", 1)[1].removesuffix(".html"): a for a in list_articles(s)}
    assert len(stored) == len(rows)
    f1s, wrong_dates = [], []
    for row in rows:
        art = stored[row["id"]]
        f1s.append(token_f1(art.body or "", row["labels"]["body"]))
        want = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
        if art.published_at != want:
            wrong_dates.append((row["id"], art.published_at, art.date_source, want))
    assert sum(f1s) / len(f1s) >= 0.95
    assert wrong_dates == []

    # the second pass sends validators, gets 304s and stores nothing new
    again = run_poll(cfg, sessions)
    assert again.count("not-modified") == len(feeds)
    assert again.new_articles == 0
    second = http_server.requests[-len(feeds) :]
    assert all("if-none-match" in r.headers and "if-modified-since" in r.headers for r in second)


def seed_feed(server: LoopbackServer, path: str, pages: list[str]) -> str:
    items = [Item(f"story {p}", server.url(p), PUB, guid=server.url(p)) for p in pages]
    return server.static(path, rss(items))


def test_an_article_in_two_feeds_is_stored_once(
    http_server: LoopbackServer, sessions: sessionmaker[Session], sqlite_url: str
) -> None:
    http_server.static(
        "/a.html",
        "<html><body><article><p>" + "Words here. " * 40 + "</p></article></body></html>",
        "text/html",
    )
    feeds = [
        {"id": "one", "url": seed_feed(http_server, "/one.xml", ["/a.html"])},
        {"id": "two", "url": seed_feed(http_server, "/two.xml", ["/a.html?utm_source=rss"])},
    ]
    report = run_poll(make_config(sqlite_url, feeds), sessions)
    assert report.new_articles == 1
    assert len(http_server.hits("/a.html")) + len(http_server.hits("/a.html?utm_source=rss")) == 1


def test_private_article_links_are_refused_unless_allowed(
    http_server: LoopbackServer, sessions: sessionmaker[Session], sqlite_url: str
) -> None:
    http_server.static("/p.html", "<html><body><p>secret</p></body></html>", "text/html")
    items = [Item("t", http_server.url("/p.html"), PUB, summary="The feed's own summary text.")]
    url = http_server.static("/f.xml", rss(items))
    cfg = make_config(sqlite_url, [{"id": "f", "url": url}], allow_private_networks=False)
    report = run_poll(cfg, sessions)
    assert report.count("ok") == 1  # the feed URL itself is trusted config
    assert http_server.hits("/p.html") == []  # the link was never fetched
    with transaction(sessions) as s:
        (art,) = list_articles(s)
    assert art.extraction == "blocked"
    assert art.body == "The feed's own summary text."
    assert art.extraction_error and "127.0.0.1" in art.extraction_error


def test_a_failing_page_falls_back_to_the_feed_text(
    http_server: LoopbackServer, sessions: sessionmaker[Session], sqlite_url: str
) -> None:
    items = [Item("t", http_server.url("/missing.html"), PUB, summary="Summary from the feed.")]
    url = http_server.static("/f.xml", rss(items))
    run_poll(make_config(sqlite_url, [{"id": "f", "url": url}]), sessions)
    with transaction(sessions) as s:
        (art,) = list_articles(s)
    assert (art.extraction, art.body, art.date_source) == (
        "feed-fallback",
        "Summary from the feed.",
        "feed",
    )
    assert art.extraction_error and "404" in art.extraction_error


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_each_broken_feed_is_recorded_and_the_others_still_succeed(
    http_server: LoopbackServer, sessions: sessionmaker[Session], sqlite_url: str
) -> None:
    srv = http_server
    good = seed_feed(srv, "/good.xml", [])
    euc_kr = rss([Item("북한 주민 귀순", srv.url("/x.html"), PUB)], encoding="euc-kr")
    cp1252 = rss([Item("Café crème — “quoted”", srv.url("/y.html"), PUB)], encoding="windows-1252")
    srv.route(
        "/euc-kr.xml",
        Response(body=euc_kr, headers={"Content-Type": "application/rss+xml; charset=EUC-KR"}),
    )
    srv.route("/cp1252.xml", Response(body=cp1252, headers={"Content-Type": "text/xml"}))
    srv.route("/slow.xml", Response(delay=4, body=b"<rss/>"))
    srv.route("/404.xml", Response(404, b"nope"))
    srv.route("/410.xml", Response(410, b"gone"))
    srv.route("/500.xml", Response(500, b"oops"))
    srv.route("/429.xml", Response(429, b"slow down", headers={"Retry-After": "3600"}))
    srv.route("/loop.xml", Response(302, headers={"Location": "/loop2.xml"}))
    srv.route("/loop2.xml", Response(302, headers={"Location": "/loop.xml"}))
    srv.route(
        "/html.xml",
        Response(
            body=b"<html><body><h1>Welcome</h1></body></html>",
            headers={"Content-Type": "text/html"},
        ),
    )
    srv.route(
        "/invalid.xml",
        Response(
            body=b"<rss><channel><item><title>unclosed", headers={"Content-Type": "application/xml"}
        ),
    )
    srv.route("/empty.xml", Response(body=b""))
    srv.route("/huge.xml", Response(body=b"<rss>" + b" " * 3_000_000 + b"</rss>"))
    srv.route(
        "/bomb.xml",
        Response(body=gzip.compress(b"\0" * 50_000_000), headers={"Content-Encoding": "gzip"}),
    )
    feeds = {
        "good": good,
        "euc-kr": srv.url("/euc-kr.xml"),
        "cp1252": srv.url("/cp1252.xml"),
        "refused": f"http://127.0.0.1:{closed_port()}/rss",
        "dns": "http://no-such-host.invalid/rss",
        "timeout": srv.url("/slow.xml"),
        "http-404": srv.url("/404.xml"),
        "gone": srv.url("/410.xml"),
        "http-500": srv.url("/500.xml"),
        "rate-limited": srv.url("/429.xml"),
        "loop": srv.url("/loop.xml"),
        "html-page": srv.url("/html.xml"),
        "invalid-xml": srv.url("/invalid.xml"),
        "empty": srv.url("/empty.xml"),
        "huge": srv.url("/huge.xml"),
        "gzip-bomb": srv.url("/bomb.xml"),
    }
    cfg = make_config(
        sqlite_url,
        [{"id": k, "url": v} for k, v in feeds.items()],
        read_timeout=1,
        max_bytes="1MB",
        fetch_articles=False,
    )
    report = run_poll(cfg, sessions)
    by_id = {f.feed_id: f for f in report.feeds}
    assert {k for k, f in by_id.items() if f.outcome != "failed"} - {"invalid-xml"} == {
        "good",
        "euc-kr",
        "cp1252",
        "gone",
    }
    assert by_id["gone"].outcome == "disabled"
    expected_kind = {
        "refused": "connect",
        "dns": "dns",
        "timeout": "timeout",
        "http-404": "http-404",
        "http-500": "http-500",
        "rate-limited": "rate-limited",
        "loop": "redirect-loop",
        "html-page": "parse",
        "empty": "parse",
        "huge": "too-large",
        "gzip-bomb": "too-large",
    }
    for feed_id, kind in expected_kind.items():
        assert by_id[feed_id].error_kind == kind, (feed_id, by_id[feed_id].error)
        assert by_id[feed_id].error
    # broken XML is either refused as a parse error or kept with a recorded warning
    invalid = by_id["invalid-xml"]
    assert (invalid.outcome, invalid.error_kind) == ("failed", "parse") or (
        invalid.outcome == "ok" and invalid.warning and "not well-formed" in invalid.warning
    )
    with transaction(sessions) as s:
        rows = {f.id: f for f in get_feeds(s)}
        titles = {a.title for a in list_articles(s)}
    assert "북한 주민 귀순" in titles and "Café crème — “quoted”" in titles
    assert rows["http-500"].consecutive_failures == 1 and "500" in (
        rows["http-500"].last_error or ""
    )
    assert rows["gone"].disabled_reason
    # a 429 asking for an hour defers the feed by at least an hour
    assert rows["rate-limited"].next_poll_at and rows["rate-limited"].last_polled_at
    assert (
        rows["rate-limited"].next_poll_at - rows["rate-limited"].last_polled_at
    ).total_seconds() >= 3600


def third_party_feeds() -> list[Path]:
    base = FIXTURES / "data"
    return sorted([*base.glob("feedparser-cases/**/*.xml"), *base.glob("real-feeds/**/*.*")])


@pytest.mark.slow
def test_every_third_party_feed_is_ingested_without_a_crash(
    http_server: LoopbackServer, sessions: sessionmaker[Session], sqlite_url: str
) -> None:
    files = [p for p in third_party_feeds() if p.name != "LICENSE"]
    feeds = []
    for i, p in enumerate(files):
        path = f"/tp/{i}"
        http_server.route(
            path, Response(body=p.read_bytes(), headers={"Content-Type": "application/xml"})
        )
        feeds.append({"id": f"tp-{i}", "url": http_server.url(path)})
    report = run_poll(make_config(sqlite_url, feeds, fetch_articles=False), sessions)
    assert len(report.feeds) == len(files)
    bugs = [f for f in report.feeds if f.error_kind == "bug"]
    assert bugs == []
    failed = [f for f in report.feeds if f.outcome == "failed"]
    assert all(f.error_kind == "parse" and f.error for f in failed)
    assert report.count("ok") > len(files) * 0.8
    real = {f.feed_id for f, p in zip(report.feeds, files, strict=True) if "real-feeds" in str(p)}
    assert all(by.outcome == "ok" for by in report.feeds if by.feed_id in real)
    with transaction(sessions) as s:
        assert all(f.last_polled_at for f in s.query(Feed).all())


SEED_PAGES = Path(__file__).parent / "fixtures" / "pages"
CHROME = ["97.7 F", "- Advertisement -", "Popular Articles", "LATEST NEWS", "spot_img"]


def test_seed_pages_are_stored_without_chrome_and_with_their_metadata_date(
    http_server: LoopbackServer, sessions: sessionmaker[Session], sqlite_url: str
) -> None:
    feed_date = datetime(2024, 9, 7, 12, 0, tzinfo=UTC)  # the day the page was seen
    items = []
    for page in sorted(SEED_PAGES.glob("seed-*.html")):
        path = f"/news/{page.name}"
        http_server.static(path, page.read_bytes(), "text/html; charset=utf-8")
        items.append(Item(page.stem, http_server.url(path), feed_date))
    url = http_server.static("/seeds.xml", rss(items))
    run_poll(make_config(sqlite_url, [{"id": "seeds", "url": url, "outlet": "Seeds"}]), sessions)
    with transaction(sessions) as s:
        stored = {a.title: a for a in list_articles(s)}
    assert set(stored) == {"seed-000", "seed-003", "seed-004"}
    for art in stored.values():
        assert art.extraction == "page" and (art.body or "").count("\n\n") >= 3
        assert not [c for c in CHROME if c in (art.body or "")]
    # seed-000 and seed-003 carry publication metadata: that date, not the page's "today"
    assert stored["seed-000"].published_at == datetime(2024, 7, 18, 16, 12, 31, tzinfo=UTC)
    assert (stored["seed-000"].date_source, stored["seed-003"].date_source) == ("meta", "jsonld")
    assert stored["seed-003"].published_at != feed_date
    # seed-004 has none: the feed's date is used, and said so
    assert (stored["seed-004"].published_at, stored["seed-004"].date_source) == (feed_date, "feed")


def test_a_processing_failure_keeps_the_article_and_says_what_to_do(
    http_server: LoopbackServer, sessions: sessionmaker[Session], sqlite_url: str
) -> None:
    def broken_processor(
        session: Session,
        article: Article,
        now: datetime,
        *,
        fresh: bool = False,
        analysis: object = None,
    ) -> Ingested:
        if "bad" in article.url:
            raise RuntimeError("watchlist bug")
        assert article.id is not None
        return Ingested(article.id, now)

    items = [
        Item("good", http_server.url("/good.html"), PUB, summary="Good summary."),
        Item("bad", http_server.url("/bad.html"), PUB, summary="Bad summary."),
    ]
    url = http_server.static("/f.xml", rss(items))
    cfg = make_config(sqlite_url, [{"id": "f", "url": url}], fetch_articles=False)
    report = run_poll(cfg, sessions, processor=broken_processor)
    (feed,) = report.feeds
    assert (feed.outcome, feed.new_articles) == ("ok", 2)
    assert len(feed.article_errors) == 1 and "monitor rematch" in feed.article_errors[0]
    with transaction(sessions) as s:
        assert sorted(a.title for a in list_articles(s)) == ["bad", "good"]


def test_the_extraction_pool_replaces_itself_when_a_worker_dies() -> None:
    """A worker killed mid-task must not leave the daemon without extraction for good."""
    import os as _os
    from concurrent.futures.process import BrokenProcessPool

    from monitor.extract.article import extract_article
    from monitor.pipeline.poll import extraction_pool

    page = "<html><body><article>" + "<p>Officials in Seoul said the talks went on.</p>" * 30
    with extraction_pool(1) as pool:
        with pytest.raises(BrokenProcessPool):
            pool.submit(_os._exit, 1).result(timeout=60)  # the worker process dies
        result = pool.submit(extract_article, page + "</article></body></html>").result(timeout=60)
        assert result is not None and "Officials in Seoul" in result.text
        assert pool.restarts == 1


def test_a_stuck_extraction_falls_back_to_feed_text_and_the_worker_is_replaced(
    http_server: LoopbackServer, sessions: sessionmaker[Session], sqlite_url: str
) -> None:
    page = "<html><body><article>" + "<p>Officials in Seoul said so.</p>" * 50 + "</article>"
    http_server.static("/slow.html", page, "text/html")
    items = [Item("t", http_server.url("/slow.html"), PUB, summary="Feed summary.")]
    url = http_server.static("/f.xml", rss(items))
    cfg = make_config(sqlite_url, [{"id": "f", "url": url}], extraction_timeout=0.001)
    from monitor.pipeline.poll import extraction_pool

    with extraction_pool(1) as pool:
        run_poll(cfg, sessions, executor=pool)
        assert pool.restarts >= 1  # the stuck worker was replaced
        assert pool.submit(abs, -3).result(timeout=60) == 3  # and the pool works again
    with transaction(sessions) as s:
        (art,) = list_articles(s)
    assert (art.extraction, art.body) == ("feed-fallback", "Feed summary.")
    assert art.extraction_error and "extract-timeout" in art.extraction_error


def test_articles_from_an_aggregator_keep_each_items_outlet(
    http_server: LoopbackServer, sessions: sessionmaker[Session], sqlite_url: str
) -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>search</title>'
        f"<item><title>a</title><link>{http_server.url('/a')}</link>"
        '<source url="https://www.reuters.com">Reuters</source><description>x</description></item>'
        f"<item><title>b</title><link>{http_server.url('/b')}</link>"
        "<description>y</description></item></channel></rss>"
    )
    url = http_server.static("/agg.xml", body)
    cfg = make_config(
        sqlite_url, [{"id": "agg", "url": url, "outlet": "News Search"}], fetch_articles=False
    )
    run_poll(cfg, sessions)
    with transaction(sessions) as s:
        outlets = {a.title: a.outlet for a in list_articles(s)}
    assert outlets == {"a": "Reuters", "b": "News Search"}


def test_an_article_keeps_what_its_feed_said_of_the_item() -> None:
    """The desk shows the feed entry beside the body: its own fields, empty ones left out,
    a long summary cut (the body is stored anyway)."""
    from monitor.pipeline.prepare import ENTRY_TEXT_CHARS, feed_entry_record

    entry = FeedEntry(
        feed_id="wire",
        guid="urn:1",
        url="https://example.org/a/1",
        canonical_url="https://example.org/a/1",
        title="Diplomat defects",
        summary="x" * (ENTRY_TEXT_CHARS + 10),
        published_at=datetime(2026, 11, 19, 0, 40, tzinfo=UTC),
    )
    record = feed_entry_record(entry)
    assert record == {
        "guid": "urn:1",
        "link": "https://example.org/a/1",
        "title": "Diplomat defects",
        "published": "2026-11-19T00:40:00+00:00",
        "summary": "x" * ENTRY_TEXT_CHARS,
    }
