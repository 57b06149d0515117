"""Migrations and storage queries, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import FeedConfig
from monitor.domain import Article, DateSource, ExtractionStatus, FeedEntry
from monitor.errors import DatabaseNotReadyError
from monitor.store import db
from monitor.store.articles import (
    count_articles,
    insert_article,
    list_articles,
    row_to_article,
    unseen_entries,
)
from monitor.store.db import transaction
from monitor.store.feeds import FeedOutcome, feed_status, record_poll, sync_feeds
from monitor.store.models import Feed

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TABLES = {"feeds", "articles", "hits", "stories", "story_articles", "alerts", "deliveries"}


def test_migrations_go_up_down_and_up_again(database_url: str) -> None:
    engine = db.make_engine(database_url)
    with pytest.raises(DatabaseNotReadyError, match="monitor db upgrade"):
        db.ensure_ready(engine)
    db.upgrade(database_url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    db.ensure_ready(engine)
    db.downgrade(database_url, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    db.upgrade(database_url)
    assert db.current_revision(engine) == db.head_revision()
    engine.dispose()


def test_auto_upgrade_migrates_an_empty_database(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.ensure_ready(engine, auto_upgrade=True)
    assert db.current_revision(engine) == db.head_revision()
    engine.dispose()


def test_sqlite_uses_wal_and_a_busy_timeout(sqlite_url: str) -> None:
    engine = db.make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def _feed(id: str, url: str) -> FeedConfig:
    return FeedConfig(id=id, url=url, outlet=id.upper())


def _entry(feed: str, url: str, guid: str | None = None) -> FeedEntry:
    return FeedEntry(feed_id=feed, guid=guid, url=url, canonical_url=url, title=f"title {url}")


def _article(feed: str, url: str, guid: str | None = None) -> Article:
    return Article(
        canonical_url=url,
        url=url,
        feed_id=feed,
        outlet=feed.upper(),
        title="A title",
        text="Body text.",
        guid=guid,
        published_at=NOW - timedelta(hours=2),
        date_source=DateSource.META,
        extraction=ExtractionStatus.PAGE,
        discovered_at=NOW,
    )


def test_sync_feeds_adds_updates_and_resets_on_url_change(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        sync_feeds(s, [_feed("a", "https://a.example/rss")], NOW)
    with transaction(sessions) as s:
        row = s.get(Feed, "a")
        assert row is not None and row.next_poll_at == NOW
        row.etag, row.consecutive_failures = '"x"', 3
    with transaction(sessions) as s:
        sync_feeds(s, [_feed("a", "https://a.example/new.xml")], NOW)
    with transaction(sessions) as s:
        row = s.get(Feed, "a")
        assert row is not None
        assert (row.url, row.etag, row.consecutive_failures) == (
            "https://a.example/new.xml",
            None,
            0,
        )


def test_an_article_is_stored_once_by_url_and_by_global_guid(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as s:
        sync_feeds(s, [_feed("a", "https://a.example/rss"), _feed("b", "https://b/rss")], NOW)
        assert insert_article(s, _article("a", "https://x.example/1", "tag:x,1")) is not None
        # the same canonical URL from another feed is refused, not duplicated
        assert insert_article(s, _article("b", "https://x.example/1")) is None
    with transaction(sessions) as s:
        fresh = unseen_entries(
            s,
            [
                _entry("b", "https://x.example/1"),  # same URL
                _entry("b", "https://mirror.example/1", "tag:x,1"),  # same global GUID
                _entry("b", "https://x.example/2", "7"),  # new
                _entry("b", "https://x.example/2", "7"),  # repeated within the feed
            ],
        )
        assert [e.url for e in fresh] == ["https://x.example/2"]
        assert count_articles(s) == 1


def test_short_guids_only_count_within_their_feed(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        sync_feeds(s, [_feed("a", "https://a/rss"), _feed("b", "https://b/rss")], NOW)
        insert_article(s, _article("a", "https://a.example/p?id=1", "1"))
    with transaction(sessions) as s:
        fresh = unseen_entries(
            s, [_entry("a", "https://a.example/other", "1"), _entry("b", "https://b/1", "1")]
        )
    assert [e.feed_id for e in fresh] == ["b"]


def test_articles_round_trip_with_aware_utc_times(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        sync_feeds(s, [_feed("a", "https://a/rss")], NOW)
        insert_article(s, _article("a", "https://a.example/1"))
    with transaction(sessions) as s:
        (row,) = list_articles(s)
        art = row_to_article(row)
    assert art.published_at == NOW - timedelta(hours=2)
    assert art.published_at is not None and art.published_at.tzinfo is not None
    assert art.date_source is DateSource.META


def test_failures_back_off_up_to_the_cap_and_410_disables(sessions: sessionmaker[Session]) -> None:
    interval, cap = timedelta(minutes=15), timedelta(hours=1)
    with transaction(sessions) as s:
        sync_feeds(s, [_feed("a", "https://a/rss")], NOW)
    delays = []
    for _ in range(4):
        with transaction(sessions) as s:
            row = s.get(Feed, "a")
            assert row is not None
            failed = FeedOutcome("failed", http_status=500, error="500", error_kind="http-500")
            record_poll(s, row, failed, now=NOW, interval=interval, max_backoff=cap)
            assert row.next_poll_at is not None
            delays.append(row.next_poll_at - NOW)
    assert delays == [
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    with transaction(sessions) as s:
        row = s.get(Feed, "a")
        assert row is not None
        ok = FeedOutcome("ok", http_status=200, etag='"e"', new_articles=1)
        record_poll(s, row, ok, now=NOW, interval=interval, max_backoff=cap)
        assert (row.consecutive_failures, row.etag, row.next_poll_at) == (0, '"e"', NOW + interval)
        gone = FeedOutcome("failed", http_status=410, error="gone", error_kind="http-410")
        record_poll(s, row, gone, now=NOW, interval=interval, max_backoff=cap)
        assert row.disabled_reason and "410" in row.disabled_reason
        assert feed_status(row) == "disabled"


def test_digests_list_feeds_that_keep_failing_or_are_disabled(
    sessions: sessionmaker[Session],
) -> None:
    from monitor.store.reads import FAILING_AFTER, feed_problems

    feeds = [_feed(n, f"https://{n}.example/rss") for n in ("blip", "broken", "gone", "fine")]
    with transaction(sessions) as s:
        sync_feeds(s, feeds, NOW)
        rows = {f.id: f for f in s.scalars(select(Feed))}  # rows: get_feeds returns values
        rows["blip"].consecutive_failures = 1
        rows["broken"].consecutive_failures, rows["broken"].last_error = FAILING_AFTER, "dns: x"
        rows["gone"].disabled_reason = "410 Gone"
    with transaction(sessions) as s:
        problems = feed_problems(s, ["blip", "broken", "gone", "fine"])
    assert [(p.feed_id, p.status) for p in problems] == [
        ("broken", "failing"),
        ("gone", "disabled"),
    ]
    assert "dns: x" in problems[0].detail
