"""The desk's store functions on both backends: full-text search (FTS5 kept by triggers;
PostgreSQL's GIN expression index), feedback in force, and migration 0006 up and down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import FeedConfig
from monitor.domain import Article
from monitor.store import db
from monitor.store import feedback as fb
from monitor.store.articles import insert_article
from monitor.store.db import transaction
from monitor.store.feeds import sync_feeds
from monitor.store.hits import insert_hit
from monitor.store.search import query_words, search_articles

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TEXTS = [
    ("Soldier defected across the MDL", "A North Korean soldier defected on Tuesday.", True),
    ("탈북민 태영호는 말했다", "태영호는 국회에서 발언했다.", True),
    ("Birth defects study", "Researchers counted birth defects in Ohio.", False),
    ("Café prices rise", "Prices at the café rose again.", False),
]


def store(sessions: sessionmaker[Session]) -> list[int]:
    ids = []
    with transaction(sessions) as s:
        sync_feeds(s, [FeedConfig(id="f", url="https://feeds.invalid/rss")], NOW)
        for n, (title, body, hit) in enumerate(TEXTS):
            art = Article(
                canonical_url=f"https://news.invalid/{n}",
                url=f"https://news.invalid/{n}",
                feed_id="f",
                outlet="Wire",
                title=title,
                text=body,
                discovered_at=NOW + timedelta(minutes=n),
            )
            aid = insert_article(s, art)
            assert aid is not None
            ids.append(aid)
            if hit:
                insert_hit(s, aid, "nk", 3.0, [], {}, NOW)
    return ids


@pytest.mark.parametrize(
    ("query", "hit", "want"),
    [
        ("defect", None, [0, 2]),  # prefix: defected, defects
        ("defect", True, [0]),
        ("defect", False, [2]),
        ("soldier defected", None, [0]),  # every word
        ("SOLDIER", None, [0]),  # case
        ("태영호", None, [1]),  # Hangul with a particle (태영호는)
        ("cafe", None, [3]),  # diacritics folded on SQLite; PostgreSQL's 'simple' keeps them
        ("mdl tuesday", None, [0]),  # title and body together
        ("nothing-here", None, []),
        ("", None, []),
        ('" OR 1=1 --', None, []),  # no query syntax reaches either engine
        ("NEAR(a b) *", None, []),
    ],
)
def test_search_finds_every_word_as_a_prefix(
    sessions: sessionmaker[Session], query: str, hit: bool | None, want: list[int]
) -> None:
    ids = store(sessions)
    with transaction(sessions) as s:
        if query == "cafe" and s.get_bind().dialect.name == "postgresql":
            want = []
        got = search_articles(s, query, hit=hit)
    assert sorted(r.id for r in got) == sorted(ids[i] for i in want)
    assert all(bool(r.watchlists) == TEXTS[ids.index(r.id)][2] for r in got)


def test_search_follows_bodies_changed_and_articles_deleted(
    sessions: sessionmaker[Session],
) -> None:
    ids = store(sessions)
    with transaction(sessions) as s:
        s.execute(text("UPDATE articles SET body = NULL WHERE id = :i"), {"i": ids[0]})
        s.execute(text("DELETE FROM hits WHERE article_id = :i"), {"i": ids[1]})
        s.execute(text("DELETE FROM articles WHERE id = :i"), {"i": ids[1]})
    with transaction(sessions) as s:
        assert [r.id for r in search_articles(s, "tuesday")] == []  # body dropped
        assert [r.id for r in search_articles(s, "soldier")] == [ids[0]]  # title stays
        assert search_articles(s, "태영호") == []


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("Thae Yong-ho", ["thae", "yong", "ho"]),
        ("  ", []),
        ("a" * 5 + " b" * 20, ["aaaaa"] + ["b"] * 11),
    ],
)
def test_query_words(query: str, words: list[str]) -> None:
    assert query_words(query) == words


def test_feedback_in_force_is_the_newest_answer_to_each_question(
    sessions: sessionmaker[Session],
) -> None:
    ids = store(sessions)
    a = ids[0]
    with transaction(sessions) as s:
        first = fb.add_feedback(
            s, label="not-relevant", who="alice", now=NOW, article_id=a, watchlist="nk"
        )
        later = fb.add_feedback(
            s,
            label="relevant",
            who="bob",
            now=NOW + timedelta(minutes=1),
            article_id=a,
            watchlist="nk",
        )
        other_wl = fb.add_feedback(
            s, label="not-relevant", who="bob", now=NOW, article_id=a, watchlist="x"
        )
        copy = fb.add_feedback(
            s, label="copy-of", who="bob", now=NOW, article_id=a, other_id=ids[2]
        )
    with transaction(sessions) as s:
        active = {f.id for f in fb.in_force(fb.feedback_of_articles(s, [a]))}
    assert active == {later.id, other_wl.id, copy.id}
    with transaction(sessions) as s:
        assert fb.revoke_feedback(s, later.id, who="alice", now=NOW + timedelta(minutes=2))
        assert not fb.revoke_feedback(s, later.id, who="alice", now=NOW)
    with transaction(sessions) as s:
        every = fb.feedback_of_articles(s, [a])
        active = {f.id for f in fb.in_force(every)}
        assert active == {first.id, other_wl.id, copy.id}, "withdrawn, the earlier answer is back"
        kept = next(f for f in every if f.id == later.id)
        assert kept.revoked_by == "alice" and not kept.active
        corrections, articles = fb.corrected_articles(s)
    assert {x.id for x in articles} == {a, ids[2]}  # the corrected one and its original
    assert {f.id for f in corrections} == active


def test_migration_0006_down_and_up_again(database_url: str) -> None:
    db.upgrade(database_url)
    db.downgrade(database_url, "0004")  # through 0005, which rebuilds articles on SQLite
    db.upgrade(database_url)
    engine = db.make_engine(database_url)
    try:
        ids = store(db.session_factory(engine))
        with transaction(db.session_factory(engine)) as s:
            assert [r.id for r in search_articles(s, "birth")] == [ids[2]]
    finally:
        engine.dispose()
