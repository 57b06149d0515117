"""Articles stored as ingestion stores them, for tests and benches alike (bench/assign.py,
bench/copies.py import it): one recipe, so a field added to `Article` is seeded everywhere."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.config import FeedConfig
from monitor.domain import Article, DateSource
from monitor.store.articles import insert_article
from monitor.store.feeds import sync_feeds


def add_feed(session: Session, feed_id: str, when: datetime) -> None:
    """The feed row an article needs (its URL is never fetched)."""
    sync_feeds(session, [FeedConfig(id=feed_id, url="https://x.invalid/rss")], when)


def store_article(
    session: Session,
    *,
    url: str,
    text: str,
    when: datetime,
    feed_id: str,
    outlet: str,
    title: str,
) -> Article:
    """Insert an article published and found at `when` (its feed must exist); returns it with
    its database id."""
    article = Article(
        canonical_url=url,
        url=url,
        feed_id=feed_id,
        outlet=outlet,
        title=title,
        text=text,
        published_at=when,
        date_source=DateSource.META,
        discovered_at=when,
    )
    article_id = insert_article(session, article)
    if article_id is None:
        raise ValueError(f"{url} is stored already")
    return replace(article, id=article_id)
