"""New articles are stored in batches: one transaction for many, still all or nothing each.

The poller writes the articles that completed together in one transaction
(`Poller._store_batch`), placing them one after the other in it; an article whose
processing fails undoes the batch, which is then stored one article per transaction. Real
SQLite and PostgreSQL, the shipped watchlist, the real processor.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, MonitorConfig
from monitor.daemon.metrics import Metrics
from monitor.domain import Article
from monitor.pipeline import poll
from monitor.pipeline.ingest import Ingested, Processor, make_processor
from monitor.pipeline.poll import Poller
from monitor.store import db
from monitor.store.db import transaction, unless_committed
from monitor.store.models import (
    AlertRow,
    ArticleRow,
    DeliveryRow,
    HitRow,
    StoryArticleRow,
    StoryRow,
)
from monitor.store.stories import lock_watchlist, lock_watchlists
from tests.conftest import shipped_watchlist
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

# Two events, two reports of each in one feed: the reports of one event share its people,
# place and details, the two events share nothing but the watchlist's terms.
REPORTS = {
    "a1": (
        "North Korean diplomat Ri Song-chol defects to South Korea from Bangkok",
        "Ri Song-chol, a North Korean diplomat posted in Bangkok, defected to South Korea "
        "with his wife, officials in Seoul said. Ri Song-chol left the embassy in Bangkok "
        "last week and reached Seoul on Tuesday, the unification ministry said.",
    ),
    "a2": (
        "Bangkok envoy Ri Song-chol defected to the South, Seoul confirms",
        "The unification ministry in Seoul confirmed that Ri Song-chol, the North Korean "
        "diplomat who left the embassy in Bangkok with his wife, defected to South Korea "
        "and arrived in Seoul on Tuesday.",
    ),
    "b1": (
        "Two North Korean fishermen defect across the sea border near Baengnyeong",
        "Two North Korean fishermen crossed the sea border in a wooden boat near "
        "Baengnyeong island and defected to South Korea, the Joint Chiefs of Staff said. "
        "The fishermen told the navy near Baengnyeong they wanted to defect.",
    ),
    "b2": (
        "Fishermen in wooden boat near Baengnyeong defect to South Korea",
        "The navy found a wooden boat near Baengnyeong island carrying two North Korean "
        "fishermen who said they wanted to defect, the Joint Chiefs of Staff said; the two "
        "fishermen defected to South Korea after crossing the sea border.",
    ),
}


def config(url: str, feed_url: str) -> AppConfig:
    monitor = MonitorConfig.model_validate(
        {
            "feeds": [{"id": "f", "url": feed_url, "outlet": "Wire"}],
            "fetch": {"allow_private_networks": True, "fetch_articles": False, "retries": 0},
        }
    )
    return AppConfig(
        monitor=monitor, watchlists=[shipped_watchlist()], path="t.yaml", database_url=url
    )


def feed(server: LoopbackServer, names: list[str]) -> str:
    items = [
        Item(
            REPORTS[n][0],
            f"http://news.example/{n}",
            NOW - timedelta(minutes=10 - i),
            summary=REPORTS[n][1],
        )
        for i, n in enumerate(names)
    ]
    return server.static("/feed.xml", rss(items))


@pytest.fixture
def one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The feed's four articles make one batch: it is written when the fourth arrives."""
    monkeypatch.setattr(poll, "STORE_BATCH", 4)
    monkeypatch.setattr(poll, "STORE_WAIT", 60.0)


class Recording:
    """The real processor, recording the transaction of each call; it fails for `fail`."""

    def __init__(self, processor: Processor, fail: str | None = None) -> None:
        self.processor = processor
        self.fail = fail
        self.calls: list[tuple[str, int]] = []  # (article's URL, its transaction)

    def __call__(self, session: Session, article: Article, now: datetime, **kw: Any) -> Ingested:
        self.calls.append((article.url, id(session.get_transaction())))
        done = self.processor(session, article, now, **kw)
        if self.fail and article.url.endswith(self.fail):
            raise RuntimeError("processing broke")
        return done

    def shared_transactions(self) -> int:
        """How many calls ran in a transaction with another call."""
        txns = [t for _, t in self.calls]
        return sum(1 for t in txns if txns.count(t) > 1)


def poll_once(cfg: AppConfig, sessions: sessionmaker[Session], processor: Any) -> poll.PollReport:
    return asyncio.run(Poller(cfg, sessions, processor=processor, clock=lambda: NOW).run())


def placements(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Each placed article's name (the last part of its URL) → its story's id."""
    with transaction(sessions) as s:
        rows = s.execute(
            select(ArticleRow.url, StoryArticleRow.story_id).join(
                StoryArticleRow, StoryArticleRow.article_id == ArticleRow.id
            )
        )
        return {url.rsplit("/", 1)[1]: story for url, story in rows}


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with transaction(sessions) as s:
        return {
            row.__tablename__: int(s.scalar(select(func.count()).select_from(row)) or 0)
            for row in (ArticleRow, HitRow, StoryRow, StoryArticleRow, AlertRow, DeliveryRow)
        }


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    db.upgrade(database_url)
    return db.session_factory(db.make_engine(database_url))


@pytest.mark.usefixtures("one_batch")
def test_a_batch_crossing_two_stories_places_each_report_with_its_event(
    http_server: LoopbackServer, sessions: sessionmaker[Session], database_url: str
) -> None:
    cfg = config(database_url, feed(http_server, ["a1", "b1", "a2", "b2"]))
    processor = Recording(make_processor(cfg))  # type: ignore[arg-type]
    report = poll_once(cfg, sessions, processor)
    assert report.new_articles == 4
    assert processor.shared_transactions() == 4  # all four placed in one transaction
    placed = placements(sessions)
    assert placed["a1"] == placed["a2"] != placed["b1"] == placed["b2"]
    assert counts(sessions)["stories"] == 2


@pytest.mark.usefixtures("one_batch")
def test_an_article_failing_in_a_batch_is_kept_alone_and_the_others_are_stored_whole(
    http_server: LoopbackServer, sessions: sessionmaker[Session], database_url: str
) -> None:
    cfg = config(database_url, feed(http_server, ["a1", "b1", "a2", "b2"]))
    # b2 is placed last (the batch goes in URL order), after the others opened and joined
    # stories in the same transaction: all of that is undone, then redone one by one
    processor = Recording(make_processor(cfg), fail="/b2")  # type: ignore[arg-type]
    report = poll_once(cfg, sessions, processor)
    (fr,) = report.feeds
    assert (fr.outcome, fr.new_articles) == ("ok", 4)
    assert len(fr.article_errors) == 1 and "b2" in fr.article_errors[0]
    assert processor.shared_transactions() == 4  # the batch was tried
    placed = placements(sessions)
    assert sorted(placed) == ["a1", "a2", "b1"]  # b2 is stored, without its hit
    assert placed["a1"] == placed["a2"] != placed["b1"]
    assert counts(sessions) == {
        "articles": 4,
        "hits": 3,
        "stories": 2,
        "story_articles": 3,
        "alerts": counts(sessions)["alerts"],
        "deliveries": counts(sessions)["deliveries"],
    }
    with transaction(sessions) as s:  # each story opened once, its alert raised once
        kinds = s.execute(select(AlertRow.story_id, AlertRow.kind)).all()
    assert sorted(k for _, k in kinds if k == "new") == ["new", "new"]
    assert {sid for sid, k in kinds if k == "new"} == {placed["a1"], placed["b1"]}


@pytest.mark.usefixtures("one_batch")
def test_a_replayed_batch_stores_nothing_twice(
    http_server: LoopbackServer, sessions: sessionmaker[Session], database_url: str
) -> None:
    cfg = config(database_url, feed(http_server, ["a1", "b1", "a2", "b2"]))
    first = Poller(cfg, sessions, processor=make_processor(cfg), clock=lambda: NOW)
    assert asyncio.run(first.run()).new_articles == 4
    before = counts(sessions)
    # another worker that had the same four ready (the entries were unseen when it looked):
    # its batch inserts nothing, so nothing is matched, placed or raised again
    again = Poller(cfg, sessions, processor=make_processor(cfg), clock=lambda: NOW)
    prepared = [_prepared(cfg, n) for n in ["a1", "b1", "a2", "b2"]]
    replay = again._store_together([(cfg.feeds[0], p) for p in prepared])
    assert replay == ([(False, None)] * 4, False)
    assert counts(sessions) == before
    # and a batch of one stored article and one new one stores only the new one, whole
    fresh = _prepared(cfg, "a2", url="http://news.example/a3")
    outcomes, _ = again._store_together([(cfg.feeds[0], prepared[0]), (cfg.feeds[0], fresh)])
    assert [stored for stored, _ in outcomes] == [False, True]
    after = counts(sessions)
    assert (after["articles"], after["hits"], after["story_articles"]) == (
        before["articles"] + 1,
        before["hits"] + 1,
        before["story_articles"] + 1,
    )
    assert placements(sessions)["a3"] == placements(sessions)["a1"]


def _prepared(cfg: AppConfig, name: str, url: str | None = None) -> poll.Prepared:
    """The article of one report as an extraction worker hands it over (feed text)."""
    from monitor.domain import ExtractionStatus, FeedEntry
    from monitor.pipeline.prepare import PageJob, Watchlists, prepare

    link = url or f"http://news.example/{name}"
    title, summary = REPORTS[name]
    entry = FeedEntry(
        feed_id="f",
        guid=link,
        url=link,
        canonical_url=link,
        title=title,
        summary=summary,
        published_at=NOW - timedelta(minutes=5),
    )
    job = PageJob(
        entry,
        cfg.feeds[0],
        NOW,
        status=ExtractionStatus.FEED_FALLBACK,
        watchlists=Watchlists.of(cfg.watchlists),
    )
    return prepare(job)


@pytest.mark.usefixtures("one_batch")
def test_a_batch_wakes_the_delivery_loop_once_its_alerts_are_committed(
    http_server: LoopbackServer, sessions: sessionmaker[Session], database_url: str
) -> None:
    cfg = config(database_url, feed(http_server, ["a1", "b1", "a2", "b2"]))
    seen: list[int] = []

    def woken() -> None:  # what the delivery loop would find now, from another session
        seen.append(counts(sessions)["alerts"])

    poller = Poller(
        cfg, sessions, processor=make_processor(cfg), clock=lambda: NOW, on_alerts=woken
    )
    asyncio.run(poller.run())
    assert len(seen) == 1 and seen[0] > 0 and seen[0] == counts(sessions)["alerts"]


def test_a_cache_hears_of_a_transaction_that_did_not_commit_and_only_of_that(
    sessions: sessionmaker[Session],
) -> None:
    ended: list[str] = []
    with sessions() as s:
        with s.begin():
            assert unless_committed(s, "k", lambda: ended.append("first"))
            assert not unless_committed(s, "k", lambda: ended.append("again"))  # once each
        with pytest.raises(RuntimeError), s.begin():
            unless_committed(s, "k", lambda: ended.append("second"))
            raise RuntimeError("rolled back")
    assert ended == ["second"]


def test_a_watchlist_lock_is_asked_once_a_transaction_and_again_in_the_next(
    sessions: sessionmaker[Session], database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("advisory locks are PostgreSQL's; SQLite has one writer at a time")
    held = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    )
    sent: list[str] = []
    with sessions() as s:
        event.listen(s.get_bind(), "before_cursor_execute", lambda *a: sent.append(a[2]))
        for _ in range(2):  # the same session, two transactions
            with s.begin():
                lock_watchlists(s, ["w2", "w1", "w2"])
                lock_watchlist(s, "w1")
                assert s.scalar(held) == 2
    assert sum("pg_advisory_xact_lock" in sql for sql in sent) == 4


@pytest.mark.usefixtures("one_batch")
def test_metrics_count_what_was_stored_once_when_a_batch_is_stored_again_one_by_one(
    http_server: LoopbackServer, sessions: sessionmaker[Session], database_url: str
) -> None:
    """The batch's first try placed a1, a2 and b1 before b2 failed; all of it was undone
    and stored again one by one. The daemon's counters say what the database holds."""
    cfg = config(database_url, feed(http_server, ["a1", "b1", "a2", "b2"]))
    metrics = Metrics()
    processor = metrics.counting(Recording(make_processor(cfg), fail="/b2"))  # type: ignore[arg-type]
    report = asyncio.run(
        Poller(
            cfg, sessions, processor=processor, clock=lambda: NOW, on_feed_done=metrics.feed_done
        ).run()
    )
    assert report.new_articles == 4
    stored = counts(sessions)

    def value(name: str, **labels: str) -> float:
        return metrics.registry.get_sample_value(name, labels) or 0.0

    assert value("monitor_articles_total") == stored["articles"] == 4
    assert value("monitor_hits_total", watchlist="nk-defections") == stored["hits"] == 3
    assert value("monitor_stories_total") == stored["stories"] == 2
    assert value("monitor_alerts_total", kind="new") == 2
