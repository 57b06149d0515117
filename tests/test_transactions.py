"""An article is all or nothing on both backends: a kill mid-article leaves nothing behind.

The poller stores articles (a batch of them in one transaction) and then each one's hit,
story, alert and outbox rows. A process killed between the two must leave neither:
otherwise the article counts as seen and is never matched again (a lost alert). The child
process below runs the real poll path and SIGKILLs itself from inside the article
processor, after the hit was written.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.store import db
from monitor.store.models import ArticleRow, HitRow
from tests.conftest import ROOT
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer, Response

CHILD = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from monitor.config import AppConfig, MonitorConfig
    from monitor.pipeline.poll import Poller
    from monitor.store import db
    from monitor.store.hits import store_hit

    url, feed_url, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    monitor = MonitorConfig.model_validate({
        "feeds": [{"id": "f", "url": feed_url}],
        "fetch": {"fetch_articles": False, "retries": 0},
    })
    cfg = AppConfig(monitor=monitor, watchlists=[], path="t.yaml", database_url=url)
    calls = []

    def processor(session, article, now, **_kw):
        store_hit(session, article.id, "w", 3.0, [], {}, now)
        calls.append(article.id)
        if mode == "kill" and len(calls) == 2:
            os.kill(os.getpid(), signal.SIGKILL)  # mid-article: its hit is written, no commit
        if mode == "raise":
            raise RuntimeError("processing broke")

    poller = Poller(cfg, db.session_factory(db.make_engine(url)), processor=processor)
    asyncio.run(poller.run())
    """
)


def _run_child(url: str, feed_url: str, mode: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, url, feed_url, mode],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    if mode != "kill":
        assert proc.returncode == 0, proc.stderr.decode()
    return proc.returncode


def _counts(url: str) -> tuple[int, int]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            articles = conn.scalar(select(func.count()).select_from(ArticleRow))
            hits = conn.scalar(select(func.count()).select_from(HitRow))
        return int(articles or 0), int(hits or 0)
    finally:
        engine.dispose()


@pytest.fixture
def feed(http_server: LoopbackServer) -> str:
    items = [
        Item(f"story {i}", f"http://news.example/{i}", datetime(2026, 11, 1, i, tzinfo=UTC))
        for i in range(1, 4)
    ]
    body = rss(items)
    return http_server.route(
        "/feed.xml", Response(body=body, headers={"Content-Type": "application/rss+xml"})
    )


@pytest.mark.slow
def test_a_kill_inside_an_article_leaves_neither_the_article_nor_its_hit(
    database_url: str, feed: str
) -> None:
    db.upgrade(database_url)
    assert _run_child(database_url, feed, "kill") == -9
    articles, hits = _counts(database_url)
    # each article committed whole or not at all: in one batch with the interrupted one,
    # none (the first may have been stored before the others arrived, with its hit)
    assert articles == hits < 2
    _run_child(database_url, feed, "ok")  # the next pass matches the interrupted one again
    assert _counts(database_url) == (3, 3)


def test_a_processing_error_keeps_the_article_and_undoes_its_hit(
    database_url: str, feed: str
) -> None:
    db.upgrade(database_url)
    _run_child(database_url, feed, "raise")
    assert _counts(database_url) == (3, 0)


def test_sqlite_sends_begin_before_a_savepoint(tmp_path: Path) -> None:
    """The mechanism itself: a released savepoint is not a commit while BEGIN is open."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    other = db.make_engine(url, sqlite_begin="BEGIN")  # a reader: no write lock
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            with conn.begin_nested():
                conn.exec_driver_sql(
                    "INSERT INTO feeds (id, url, config_url, consecutive_failures, entries_seen,"
                    " created_at, updated_at) VALUES ('x', 'u', 'u', 0, 0, '2026', '2026')"
                )
            with other.connect() as peek:  # another connection sees nothing yet
                assert peek.exec_driver_sql("SELECT count(*) FROM feeds").scalar() == 0
            trans.rollback()
        with other.connect() as peek:
            assert peek.exec_driver_sql("SELECT count(*) FROM feeds").scalar() == 0
    finally:
        engine.dispose()
        other.dispose()
