"""The pass is a bounded pipeline: pages never pile up ahead of extraction, and matching
happens before an article's transaction (issue 13; issue 9's "outside the write
transaction")."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from monitor.config import AppConfig, MonitorConfig, WatchlistConfig
from monitor.domain import Article
from monitor.pipeline.ingest import Ingested, make_processor
from monitor.pipeline.poll import FEED_TURNS, PIPELINE_BOUND, Poller, PollReport
from monitor.pipeline.prepare import Analysis, analyse
from monitor.store import db
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer

PAGE = (
    "<html><body><article><h1>{title}</h1><p>{text} Officials in Seoul said the man, a "
    "former soldier, crossed the border at night and asked for protection.</p></article>"
    "</body></html>"
)


class SlowExecutor(Executor):
    """Threads that take a moment per job, so fetching could run far ahead of them."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(2)

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        def slow() -> Any:
            time.sleep(0.005)
            return fn(*args, **kwargs)

        return self._pool.submit(slow)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _config(url: str, feeds: list[dict[str, Any]], watchlists: list[WatchlistConfig]) -> AppConfig:
    monitor = MonitorConfig.model_validate(
        {
            "feeds": feeds,
            "fetch": {"allow_private_networks": True, "max_connections": 4, "per_host": 4},
        }
    )
    return AppConfig(monitor=monitor, watchlists=watchlists, path="t.yaml", database_url=url)


def _serve(server: LoopbackServer, feeds: int, per_feed: int, text: str) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    out = []
    for f in range(feeds):
        items = []
        for i in range(per_feed):
            path = f"/p/{f}-{i}.html"
            title = f"Report {f}-{i}"
            server.static(path, PAGE.format(title=title, text=text), "text/html")
            items.append(Item(title, server.url(path), now))
        out.append({"id": f"f{f}", "url": server.static(f"/f/{f}.xml", rss(items))})
    return out


def _slow_pass(
    server: LoopbackServer,
    sqlite_url: str,
    at_commit: Callable[[], None],
    feeds: int = 6,
    per_feed: int = 15,
) -> tuple[PollReport, AppConfig]:
    """A pass over `feeds` feeds of `per_feed` new pages each on slow workers; `at_commit`
    runs as each article is processed (in its transaction, on the event loop's thread)."""
    cfg = _config(sqlite_url, _serve(server, feeds, per_feed, "Nothing to see."), [])
    db.upgrade(sqlite_url)
    sessions = db.session_factory(db.make_engine(sqlite_url))

    def processor(session: Session, article: Article, now: datetime, **_: Any) -> Ingested:
        at_commit()
        assert article.id is not None
        return Ingested(article.id, now)

    with SlowExecutor() as executor:
        report = asyncio.run(Poller(cfg, sessions, processor=processor, executor=executor).run())
    return report, cfg


def test_pages_between_fetch_and_commit_never_exceed_the_bound(
    http_server: LoopbackServer, sqlite_url: str
) -> None:
    lock = threading.Lock()
    stored = 0
    ahead: list[int] = []  # pages fetched and not yet stored, seen at each commit

    def see() -> None:
        nonlocal stored
        with lock:
            fetched = sum(1 for r in http_server.requests if r.path.startswith("/p/"))
            ahead.append(fetched - stored)
            stored += 1

    report, cfg = _slow_pass(http_server, sqlite_url, see)
    assert report.new_articles == 90 and stored == 90
    bound = cfg.monitor.fetch.max_connections + PIPELINE_BOUND
    assert max(ahead) <= bound
    assert max(ahead) > 1  # the line did fill: pages were fetched ahead, up to the bound


def test_entries_waiting_for_the_pipeline_are_not_tasks_yet(
    http_server: LoopbackServer, sqlite_url: str
) -> None:
    # every feed is parsed long before its articles are extracted: 90 entries wait at once,
    # and a task each would be memory the process keeps after the pass (issue 13's RSS)
    tasks: list[int] = []  # tasks of the pass's event loop, seen at each commit
    report, cfg = _slow_pass(
        http_server, sqlite_url, lambda: tasks.append(len(asyncio.all_tasks()))
    )
    assert report.new_articles == 90 and len(tasks) == 90
    bound = cfg.monitor.fetch.max_connections + PIPELINE_BOUND
    # the pass itself, one per feed (6), and one per entry holding a pipeline slot
    assert max(tasks) <= 1 + 6 + bound


def test_feeds_are_fetched_as_the_pipeline_takes_their_entries(
    http_server: LoopbackServer, sqlite_url: str
) -> None:
    # a pass does not fetch and parse every feed before its first article is stored: a feed
    # waits for its turn until an earlier feed's entries are all in the pipeline, so what
    # waits (parsed entries) is bounded by the turns, not by the number of feeds
    feeds_fetched: list[int] = []  # feed requests the server had seen, at each commit
    report, cfg = _slow_pass(
        http_server,
        sqlite_url,
        lambda: feeds_fetched.append(
            sum(1 for r in http_server.requests if r.path.startswith("/f/"))
        ),
        feeds=12,
        per_feed=8,
    )
    assert report.new_articles == 96 and report.count("ok") == 12
    turns = FEED_TURNS * cfg.monitor.fetch.max_connections
    assert feeds_fetched[0] <= turns < 12  # not all twelve before the first article
    assert feeds_fetched[-1] == 12


def test_articles_reach_their_transaction_matched_and_fingerprinted(
    http_server: LoopbackServer, sqlite_url: str
) -> None:
    watchlist = WatchlistConfig.model_validate(
        {
            "id": "w",
            "threshold": 2.0,
            "keywords": ["defect*"],
            "context": ["North Korea", "North Korean"],
        }
    )
    feeds = _serve(http_server, 1, 3, "A North Korean soldier defected to the South.")
    cfg = _config(sqlite_url, feeds, [watchlist])
    db.upgrade(sqlite_url)
    sessions = db.session_factory(db.make_engine(sqlite_url))
    real = make_processor(cfg)
    assert real is not None
    given: list[tuple[Analysis | None, Analysis]] = []

    def processor(
        session: Session,
        article: Article,
        now: datetime,
        *,
        fresh: bool = False,
        analysis: Analysis | None = None,
    ) -> Ingested:
        given.append((analysis, analyse(real.matcher, article)))  # what matching here gives
        return real(session, article, now, fresh=fresh, analysis=analysis)

    with ThreadPoolExecutor(2) as executor:
        report = asyncio.run(Poller(cfg, sessions, processor=processor, executor=executor).run())
    assert report.new_articles == 3 and len(given) == 3
    for analysis, here in given:
        assert analysis is not None  # matched before the transaction, not inside it
        assert [h.watchlist for h in analysis.hits] == ["w"]
        assert analysis == here  # the worker's match is the one the processor would make
        assert analysis.fingerprint is not None
