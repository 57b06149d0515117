"""Read stories, their articles, hits and alerts from the database as plain records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.domain import ArticleRecord, FeedProblem, HitRecord, StoryRecord
from monitor.store.models import (
    AlertRow,
    ArticleRow,
    DeliveryRow,
    Feed,
    HitRow,
    StoryArticleRow,
    StoryRow,
)
from monitor.stories.events import event_labels
from monitor.text import lead_sentence
from monitor.urls import mask_urls_in


def _strs(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _person_news(unannounced: bool, reports_stale: Iterable[bool]) -> bool:
    """Unannounced, though none of its reports was old when found: news about long-known
    defectors (stories.alerts.person_news), not old news found late."""
    flags = list(reports_stale)
    return unannounced and bool(flags) and not any(flags)


def load_stories(session: Session, story_ids: Iterable[int]) -> list[StoryRecord]:
    """Stories by id with everything a message shows, in one read."""
    ids = sorted(set(story_ids))
    if not ids:
        return []
    rows = session.execute(  # one read: a story's links, their articles and their hits
        select(StoryRow, StoryArticleRow, ArticleRow, HitRow)
        .outerjoin(StoryArticleRow, StoryArticleRow.story_id == StoryRow.id)
        .outerjoin(ArticleRow, ArticleRow.id == StoryArticleRow.article_id)
        .outerjoin(
            HitRow, (HitRow.article_id == ArticleRow.id) & (HitRow.watchlist == StoryRow.watchlist)
        )
        .where(StoryRow.id.in_(ids))
        .order_by(StoryRow.id, StoryArticleRow.id)
    ).all()
    stories: dict[int, StoryRow] = {}
    articles: dict[int, list[ArticleRecord]] = {}
    hits: dict[int, list[HitRecord]] = {}
    for story, link, art, h in rows:
        stories[story.id] = story
        if link is None or art is None:
            continue
        articles.setdefault(link.story_id, []).append(
            ArticleRecord(
                id=art.id,
                url=art.url,
                outlet=art.outlet,
                title=art.title,
                published_at=art.published_at,
                discovered_at=art.discovered_at,
                copy_of=link.copy_of,
                origins=_strs(link.origins),
                added_at=link.added_at,
                lead=lead_sentence(art.body, art.title),
                stale=bool(link.stale),
            )
        )
        if h is not None:
            hits.setdefault(link.story_id, []).append(
                HitRecord(h.article_id, h.score, _strs(h.people), dict(h.explanation or {}))
            )
    return [
        StoryRecord(
            id=s.id,
            key=s.key,
            watchlist=s.watchlist,
            headline=s.headline,
            first_seen=s.first_seen,
            last_seen=s.last_seen,
            origin_count=s.origin_count,
            origins=_strs(s.origins),
            confirmed=s.confirmed,
            stale=s.stale,
            people=_strs(s.people),
            terms=event_labels(_strs(s.terms)),
            score=s.score,
            articles=tuple(articles.get(s.id, ())),
            hits=tuple(hits.get(s.id, ())),
            person_news=_person_news(s.stale, [a.stale for a in articles.get(s.id, ())]),
        )
        for s in sorted(stories.values(), key=lambda s: s.id)
    ]


def active_story_ids(session: Session, since: datetime, until: datetime) -> list[int]:
    """Stories seen, or alerted about, within [since, until)."""
    seen = select(StoryRow.id).where(StoryRow.last_seen >= since, StoryRow.last_seen < until)
    alerted = select(AlertRow.story_id).where(
        AlertRow.created_at >= since, AlertRow.created_at < until
    )
    # articles found in the window: a story of old news found late has an old last_seen
    found = select(StoryArticleRow.story_id).where(
        StoryArticleRow.added_at >= since, StoryArticleRow.added_at < until
    )
    return sorted(
        set(session.scalars(seen)) | set(session.scalars(alerted)) | set(session.scalars(found))
    )


def stories_of_deliveries(session: Session, delivery_ids: Iterable[int]) -> list[int]:
    """The stories of the alerts behind these deliveries (a digest's held alerts)."""
    ids = list(delivery_ids)
    if not ids:
        return []
    stmt = (
        select(AlertRow.story_id)
        .join(DeliveryRow, DeliveryRow.alert_id == AlertRow.id)
        .where(DeliveryRow.id.in_(ids))
    )
    return sorted(set(session.scalars(stmt)))


def alert_of(session: Session, alert_id: int) -> tuple[int, str, datetime] | None:
    """(story id, kind, raised at) of an alert, or None when it was deleted."""
    row = session.get(AlertRow, alert_id)
    return None if row is None else (row.story_id, row.kind, row.created_at)


def alert_record(session: Session, alert_id: int) -> tuple[int | None, int | None]:
    """(article that raised it, origin count it recorded) of an alert; Nones when unknown."""
    row = session.get(AlertRow, alert_id)
    return (None, None) if row is None else (row.article_id, row.origin_count or None)


#: Failures in a row before a feed shows in digests (one blip is not worth a reader's time).
FAILING_AFTER = 3


def feed_problems(session: Session, feed_ids: Iterable[str]) -> list[FeedProblem]:
    """Configured feeds that are disabled or have failed FAILING_AFTER times in a row."""
    rows = session.scalars(select(Feed).where(Feed.id.in_(list(feed_ids))).order_by(Feed.id))
    out = []
    for row in rows:
        if row.disabled_reason:
            reason = mask_urls_in(row.disabled_reason)
            out.append(FeedProblem(row.id, "disabled", row.last_polled_at, reason))
        elif (row.consecutive_failures or 0) >= FAILING_AFTER:
            error = mask_urls_in(row.last_error or "unknown")
            detail = f"{row.consecutive_failures} failures in a row: {error}"
            out.append(FeedProblem(row.id, "failing", row.last_polled_at, detail))
    return out
