"""Migrations and storage queries, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
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
from monitor.store.models import Base, Feed, modelled

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


# One row in every table of revision 0002, written in that revision's own columns (raw SQL:
# the ORM models follow the head). Each later migration must keep every one of them.
_SEED_0002 = (
    "INSERT INTO feeds (id, url, config_url, outlet, consecutive_failures, entries_seen,"
    " created_at, updated_at) VALUES ('f', 'https://a.test/feed', 'https://a.test/feed', 'A',"
    " 0, 1, :now, :now)",
    "INSERT INTO articles (id, canonical_url, url, feed_id, outlet, title, body, body_length,"
    " date_source, extraction, fingerprint, discovered_at) VALUES (1, 'https://a.test/1',"
    " 'https://a.test/1', 'f', 'A', 'A defector', 'Body.', 5, 'meta', 'page', 42, :now)",
    "INSERT INTO stories (id, key, watchlist, headline, first_seen, last_seen, origin_count,"
    " origins, confirmed, stale, people, terms, centroid, prints, article_count, score, seq,"
    " created_at, updated_at) VALUES (1, 'k', 'w', 'A defector', :now, :now, 1, '[]', false,"
    " false, '[]', '{}', '{}', '[[1, 42]]', 1, 1.0, 1, :now, :now)",
    "INSERT INTO hits (article_id, watchlist, score, people, explanation, created_at)"
    " VALUES (1, 'w', 3.0, '[]', '{}', :now)",
    "INSERT INTO story_articles (story_id, article_id, origins, stale, reasons, added_at)"
    " VALUES (1, 1, '[]', false, '[]', :now)",
    "INSERT INTO alerts (id, key, story_id, kind, origin_count, article_id, created_at)"
    " VALUES (1, 'a', 1, 'new', 1, 1, :now)",
    "INSERT INTO deliveries (channel, dedupe_key, kind, alert_id, status, attempts,"
    " next_attempt_at, payload, created_at) VALUES ('mail', 'a', 'alert', 1, 'sent', 1, :now,"
    " '{}', :now)",
)
_SEEDED = ("feeds", "articles", "stories", "hits", "story_articles", "alerts", "deliveries")


def _rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in _SEEDED}
        counts["alerts with their delivery"] = conn.execute(
            text("SELECT count(*) FROM deliveries WHERE alert_id = 1")
        ).scalar()
    return {t: int(n or 0) for t, n in counts.items()}


def _article_columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("articles")}


def test_migrations_keep_every_row_and_0005_drops_the_article_fingerprint(
    database_url: str,
) -> None:
    """SQLite rewrites a table to alter it; with foreign keys on, dropping the old copy
    cascaded into its children (0003 emptied articles through feeds)."""
    db.upgrade(database_url, "0002")
    engine = db.make_engine(database_url)
    with engine.begin() as conn:
        for statement in _SEED_0002:
            conn.execute(text(statement), {"now": NOW})
    seeded = _rows(engine)
    assert set(seeded.values()) == {1}

    db.upgrade(database_url, "0004")
    assert _rows(engine) == seeded
    assert "fingerprint" in _article_columns(engine)
    db.upgrade(database_url, "0005")
    assert _rows(engine) == seeded
    assert "fingerprint" not in _article_columns(engine)
    db.downgrade(database_url, "0004")
    assert _rows(engine) == seeded
    assert "fingerprint" in _article_columns(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT fingerprint FROM articles")).scalar() is None
    db.upgrade(database_url)
    assert _rows(engine) == seeded
    assert db.current_revision(engine) == db.head_revision()
    engine.dispose()


def test_the_migrations_build_the_schema_the_models_describe(engine: Engine) -> None:
    """A column dropped from a model (articles.fingerprint) needs its migration, and back."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": modelled})
        assert compare_metadata(context, Base.metadata) == []


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
