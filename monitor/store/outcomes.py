"""What processing left behind for one article: hits, its story link, alerts (`monitor eval`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.models import AlertRow, ArticleRow, HitRow, StoryArticleRow, StoryRow

__all__ = ["ArticleOutcome", "StoredHit", "article_outcome"]


@dataclass(frozen=True, slots=True)
class StoredHit:
    watchlist: str
    score: float
    people: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ArticleOutcome:
    """One stored article's hits (best first), first story link and alert kinds."""

    hits: tuple[StoredHit, ...]
    story_key: str | None
    copy_of: int | None  # article id
    origins: tuple[str, ...]
    reasons: tuple[str, ...]  # why it joined its story
    linked_stale: bool | None  # None: the article joined no story
    alerts: tuple[str, ...]
    published_at: datetime | None
    discovered_at: datetime | None


def article_outcome(session: Session, article_id: int) -> ArticleOutcome:
    hits = sorted(
        (
            StoredHit(h.watchlist, h.score, tuple(h.people or ()))
            for h in session.scalars(select(HitRow).where(HitRow.article_id == article_id))
        ),
        key=lambda h: -h.score,
    )
    link = session.scalars(
        select(StoryArticleRow).where(StoryArticleRow.article_id == article_id)
    ).first()
    story = session.get(StoryRow, link.story_id) if link is not None else None
    art = session.get(ArticleRow, article_id)
    alerts = session.scalars(
        select(AlertRow.kind).where(AlertRow.article_id == article_id).order_by(AlertRow.id)
    )
    return ArticleOutcome(
        hits=tuple(hits),
        story_key=story.key if story is not None else None,
        copy_of=link.copy_of if link is not None else None,
        origins=tuple(link.origins or ()) if link is not None else (),
        reasons=tuple(str(r) for r in link.reasons or ()) if link is not None else (),
        linked_stale=link.stale if link is not None else None,
        alerts=tuple(alerts),
        published_at=art.published_at if art is not None else None,
        discovered_at=art.discovered_at if art is not None else None,
    )
