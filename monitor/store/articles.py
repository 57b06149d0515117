"""Articles in the database: which feed entries are new, storing and listing articles."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from monitor.domain import Article, DateSource, ExtractionStatus, FeedEntry
from monitor.store.insert import new_rows
from monitor.store.models import ArticleRow, HitRow, StoryArticleRow, StoryRow

__all__ = [
    "ArticleMatch",
    "article_matches",
    "article_text",
    "articles_json",
    "articles_since",
    "count_articles",
    "insert_article",
    "insert_articles",
    "list_articles",
    "row_to_article",
    "unseen_entries",
]


def unseen_entries(session: Session, entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """The entries whose article is not stored yet (by canonical URL, or by a global GUID).

    A GUID counts across feeds only when it is globally unique by form (a URL or tag: URI);
    short GUIDs such as "1234" are compared within their own feed.
    """
    if not entries:
        return []
    urls = {e.canonical_url for e in entries}
    guids = {e.guid for e in entries if e.guid}
    known_urls: set[str] = set()
    known_guids: set[tuple[str | None, str]] = set()
    for chunk in _chunks(sorted(urls), 500):
        known_urls.update(
            session.scalars(
                select(ArticleRow.canonical_url).where(ArticleRow.canonical_url.in_(chunk))
            )
        )
    for chunk in _chunks(sorted(guids), 500):
        for feed_id, guid in session.execute(
            select(ArticleRow.feed_id, ArticleRow.guid).where(ArticleRow.guid.in_(chunk))
        ):
            if guid is None:
                continue
            known_guids.add((None, guid) if _global_guid(guid) else (feed_id, guid))
    out: list[FeedEntry] = []
    seen: set[str] = set()
    for e in entries:
        if e.canonical_url in known_urls or e.canonical_url in seen:
            continue
        if e.guid and ((None, e.guid) in known_guids or (e.feed_id, e.guid) in known_guids):
            continue
        seen.add(e.canonical_url)
        out.append(e)
    return out


def _global_guid(guid: str) -> bool:
    return "://" in guid or guid.startswith(("tag:", "urn:"))


def _chunks(items: list[str], n: int) -> Iterable[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def insert_article(session: Session, article: Article) -> int | None:
    """Store a new article; return its id, or None when another worker stored it first."""
    return insert_articles(session, [article])[0]


def insert_articles(session: Session, articles: Sequence[Article]) -> list[int | None]:
    """Store new articles in one statement; each one's id, or None where one was stored first.

    One `INSERT ... ON CONFLICT (canonical_url) DO NOTHING RETURNING` for all the rows
    (`new_rows`): the rows that conflict return nothing, so the ids are matched back by
    canonical URL (the order of RETURNING is not promised). A URL given twice is stored
    once, for its first article.
    """
    firsts: dict[str, Article] = {}
    for a in articles:
        firsts.setdefault(a.canonical_url, a)
    if not firsts:
        return []
    stmt = new_rows(session, ArticleRow.__table__, ["canonical_url"], ["id", "canonical_url"])
    rows = session.execute(stmt, [_article_values(a) for a in firsts.values()])
    ids = {url: int(aid) for aid, url in rows}
    return [ids.get(a.canonical_url) if firsts[a.canonical_url] is a else None for a in articles]


def _article_values(article: Article) -> dict[str, Any]:
    return {
        "canonical_url": article.canonical_url,
        "url": article.url,
        "guid": article.guid,
        "feed_id": article.feed_id,
        "outlet": article.outlet,
        "title": article.title,
        "body": article.text,
        "body_length": len(article.text),
        "author": article.author,
        "language": article.language,
        "published_at": article.published_at,
        "date_source": article.date_source.value,
        "extraction": article.extraction.value,
        "extraction_error": article.extraction_error,
        "discovered_at": article.discovered_at,
        "feed_entry": dict(article.feed_entry) if article.feed_entry else None,
    }


def row_to_article(row: ArticleRow) -> Article:
    return Article(
        id=row.id,
        canonical_url=row.canonical_url,
        url=row.url,
        guid=row.guid,
        feed_id=row.feed_id,
        outlet=row.outlet,
        title=row.title,
        text=row.body or "",
        author=row.author,
        language=row.language,
        published_at=row.published_at,
        date_source=DateSource(row.date_source),
        extraction=ExtractionStatus(row.extraction),
        extraction_error=row.extraction_error,
        discovered_at=row.discovered_at,
        feed_entry=row.feed_entry,
    )


def list_articles(
    session: Session,
    *,
    since: datetime | None = None,
    feed_id: str | None = None,
    limit: int | None = None,
    hit: bool | None = None,
) -> list[ArticleRow]:
    """Article rows newest first (inside the store, and for tests that inspect rows); `hit`
    True keeps articles with a watchlist hit, False those without."""
    stmt = select(ArticleRow).order_by(ArticleRow.discovered_at.desc(), ArticleRow.id.desc())
    if hit is not None:
        has_hit = select(HitRow.id).where(HitRow.article_id == ArticleRow.id).exists()
        stmt = stmt.where(has_hit if hit else ~has_hit)
    if since is not None:
        stmt = stmt.where(ArticleRow.discovered_at >= since)
    if feed_id is not None:
        stmt = stmt.where(ArticleRow.feed_id == feed_id)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class ArticleMatch:
    """One watchlist's verdict on a stored article, and the story it joined there."""

    watchlist: str
    score: float
    story_id: int | None
    story_key: str | None
    copy_of: int | None


def article_matches(session: Session, article_ids: Sequence[int]) -> dict[int, list[ArticleMatch]]:
    """Hits of these articles with their stories (two reads, whatever the number of ids)."""
    if not article_ids:
        return {}
    hits = session.execute(
        select(HitRow.article_id, HitRow.watchlist, HitRow.score)
        .where(HitRow.article_id.in_(article_ids))
        .order_by(HitRow.article_id, HitRow.watchlist)
    ).all()
    links = {
        (article_id, watchlist): (story_id, key, copy_of)
        for article_id, watchlist, story_id, key, copy_of in session.execute(
            select(
                StoryArticleRow.article_id,
                StoryRow.watchlist,
                StoryRow.id,
                StoryRow.key,
                StoryArticleRow.copy_of,
            )
            .join(StoryRow, StoryRow.id == StoryArticleRow.story_id)
            .where(StoryArticleRow.article_id.in_(article_ids))
        )
    }
    out: dict[int, list[ArticleMatch]] = {}
    for article_id, watchlist, score in hits:
        story_id, key, copy_of = links.get((article_id, watchlist), (None, None, None))
        out.setdefault(article_id, []).append(
            ArticleMatch(watchlist, float(score), story_id, key, copy_of)
        )
    return out


def article_text(session: Session, article_id: int) -> tuple[str, str | None] | None:
    """(title, body) of a stored article; body None when retention dropped it; None if absent."""
    row = session.execute(
        select(ArticleRow.title, ArticleRow.body).where(ArticleRow.id == article_id)
    ).first()
    return None if row is None else (row[0] or "", row[1])


def count_articles(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ArticleRow)) or 0)


def articles_since(session: Session, since: datetime) -> list[Article]:
    """Articles discovered or published since `since`, oldest first (`monitor rematch`)."""
    stmt = (
        select(ArticleRow)
        .where(or_(ArticleRow.discovered_at >= since, ArticleRow.published_at >= since))
        .order_by(ArticleRow.discovered_at, ArticleRow.id)
    )
    return [row_to_article(row) for row in session.scalars(stmt)]


def articles_json(
    session: Session,
    *,
    since: datetime | None = None,
    feed_id: str | None = None,
    limit: int | None = None,
    hit: bool | None = None,
) -> list[dict[str, Any]]:
    """Stored articles newest first, as `monitor articles` shows them: what matched (watchlist,
    score, story) and the body."""
    rows = list_articles(session, since=since, feed_id=feed_id, limit=limit, hit=hit)
    matches = article_matches(session, [r.id for r in rows])
    return [
        {
            "id": r.id,
            "url": r.url,
            "canonical_url": r.canonical_url,
            "feed": r.feed_id,
            "outlet": r.outlet,
            "title": r.title,
            "published_at": r.published_at,
            "date_source": r.date_source,
            "discovered_at": r.discovered_at,
            "extraction": r.extraction,
            "extraction_error": r.extraction_error,
            "language": r.language,
            "author": r.author,
            "body_length": r.body_length,
            "hits": [
                {
                    "watchlist": m.watchlist,
                    "score": m.score,
                    "story": m.story_id,
                    "story_key": m.story_key,
                    "copy_of": m.copy_of,
                }
                for m in matches.get(r.id, [])
            ],
            "body": r.body,
        }
        for r in rows
    ]
