"""Replays make no duplicates: the same article twice, or a story's articles in any order."""

from __future__ import annotations

import json
import random
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import load_config
from monitor.domain import Article
from monitor.pipeline.ingest import Processor, make_processor
from monitor.store.db import transaction
from monitor.store.models import AlertRow, StoryArticleRow, StoryRow
from tests.conftest import FIXTURES, ROOT
from tests.seeding import add_feed, store_article

ROWS = [json.loads(line) for line in (FIXTURES / "corpus" / "dev.jsonl").read_text().splitlines()]


def processor() -> Processor:
    p = make_processor(load_config(ROOT / "config" / "monitor.yaml", env={}))
    assert p is not None
    return p


def event_rows(event: str) -> list[dict]:
    rows = [r for r in ROWS if r["labels"]["event"] == event]
    return sorted(rows, key=lambda r: r["published"])


def store(sessions: sessionmaker[Session], row: dict) -> Article:
    published = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
    feed = row["feed"].lower()
    with transaction(sessions) as s:
        add_feed(s, feed, published)
        return store_article(
            s,
            url=row["url"],
            text=row["labels"]["body"],
            when=published,
            feed_id=feed,
            outlet=row["outlet"],
            title=row["title"],
        )


def counts(sessions: sessionmaker[Session]) -> tuple[int, int, int, list[str]]:
    with transaction(sessions) as s:
        stories = s.scalar(select(func.count()).select_from(StoryRow)) or 0
        links = s.scalar(select(func.count()).select_from(StoryArticleRow)) or 0
        kinds = sorted(s.scalars(select(AlertRow.kind)))
        alerts = len(kinds)
    return stories, links, alerts, kinds


def process(sessions: sessionmaker[Session], proc: Processor, article: Article) -> None:
    assert article.published_at is not None
    with transaction(sessions) as s:
        proc(s, article, article.published_at)


def test_processing_the_same_articles_again_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    rows = event_rows("thae-yong-ho-2016")
    articles = [store(sessions, r) for r in rows]
    first = processor()
    for a in articles:
        process(sessions, first, a)
    once = counts(sessions)
    assert once[0] == 1 and once[1] == len(rows) and once[3].count("new") == 1
    # the same worker again, then a fresh worker (empty index) again: nothing new
    for proc in (first, processor()):
        for a in articles:
            process(sessions, proc, a)
        assert counts(sessions) == once


EVENTS = sorted({r["labels"]["event"] for r in ROWS if r["labels"]["event"]})


@pytest.mark.parametrize("order", ["reversed", "shuffled"])
@pytest.mark.parametrize("event", EVENTS)
def test_any_order_within_a_story_gives_one_story_and_one_new_alert(
    sessions: sessionmaker[Session], event: str, order: str
) -> None:
    rows = list(reversed(event_rows(event)))  # newest first: the follow-ups arrive before the news
    if order == "shuffled":
        random.Random(event).shuffle(rows)
    proc = processor()
    for r in rows:
        process(sessions, proc, store(sessions, r))
    stories, links, alerts, kinds = counts(sessions)
    assert (stories, links) == (1, len(rows))
    assert kinds.count("new") == 1
    with transaction(sessions) as s:
        keys = list(s.scalars(select(AlertRow.key)))
    assert len(keys) == len(set(keys)) == alerts


def test_a_copy_adds_no_origin_and_raises_no_corroboration(sessions: sessionmaker[Session]) -> None:
    original = next(r for r in ROWS if r["id"] == "dev-047")  # an AP report
    copy = next(r for r in ROWS if r["labels"]["syndicated_from"] == original["id"])
    proc = processor()
    a, b = store(sessions, original), store(sessions, copy)
    process(sessions, proc, a)
    before = counts(sessions)
    process(sessions, proc, b)
    after = counts(sessions)
    assert after[0] == 1 and after[2] == before[2]  # same story, no new alert
    with transaction(sessions) as s:
        link = s.scalars(select(StoryArticleRow).where(StoryArticleRow.article_id == b.id)).one()
        story = s.get(StoryRow, link.story_id)
        assert link.copy_of == a.id
        assert story is not None and story.origin_count == len(story.origins)


def test_a_copy_placed_before_its_original_is_folded_under_it(
    sessions: sessionmaker[Session],
) -> None:
    """Feeds are polled concurrently: the earlier publication stays the original."""
    original = next(r for r in ROWS if r["id"] == "dev-047")
    copy = next(r for r in ROWS if r["labels"]["syndicated_from"] == original["id"])
    proc = processor()
    b, a = store(sessions, copy), store(sessions, original)
    process(sessions, proc, b)  # the copy arrives first ...
    process(sessions, proc, a)  # ... then the original, published earlier
    with transaction(sessions) as s:
        links = {link.article_id: link.copy_of for link in s.scalars(select(StoryArticleRow))}
    assert links == {b.id: a.id, a.id: None}
