"""Session-taking functions the pipeline and the CLI use; ORM rows stay in here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from monitor.config import FeedConfig
from monitor.domain import Article, DateSource, ExtractionStatus, FeedEntry
from monitor.store.insert import insert_new
from monitor.store.models import AlertRow, ArticleRow, Feed, HitRow, StoryArticleRow, StoryRow
from monitor.urls import mask_url, mask_urls_in


def sync_feeds(session: Session, feeds: Sequence[FeedConfig], now: datetime) -> None:
    """Make the feeds table match config: add new feeds (due now), update URL and outlet.

    `url` is where the feed lives now (a 301 may move it); `config_url` is what config says.
    A feed whose URL changed in config starts afresh (no validators, no failures, enabled).
    Feeds removed from config keep their rows (their articles reference them) but are not polled.
    """
    rows = {f.id: f for f in session.scalars(select(Feed))}
    for cfg in feeds:
        row = rows.get(cfg.id)
        if row is None:
            session.add(
                Feed(
                    id=cfg.id, url=cfg.url, config_url=cfg.url, outlet=cfg.outlet, next_poll_at=now
                )
            )
            continue
        if row.config_url != cfg.url:
            row.url = row.config_url = cfg.url
            row.etag = row.last_modified = None
            row.consecutive_failures = 0
            row.disabled_reason = None
            row.next_poll_at = now
        row.outlet = cfg.outlet


def get_feeds(session: Session, ids: Iterable[str] | None = None) -> list[Feed]:
    stmt = select(Feed).order_by(Feed.id)
    if ids is not None:
        stmt = stmt.where(Feed.id.in_(list(ids)))
    return list(session.scalars(stmt))


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


def insert_article(
    session: Session, article: Article, fingerprint: int | None = None
) -> int | None:
    """Store a new article; return its id, or None when another worker stored it first."""
    values = {
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
        "fingerprint": fingerprint,
        "discovered_at": article.discovered_at,
    }
    return insert_new(session, ArticleRow, values, ["canonical_url"])


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
    )


def list_articles(
    session: Session,
    *,
    since: datetime | None = None,
    feed_id: str | None = None,
    limit: int | None = None,
    hit: bool | None = None,
) -> list[ArticleRow]:
    """Newest first; `hit` True keeps articles with a watchlist hit, False those without."""
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


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What one poll of one feed did, for the feed row and the summary table."""

    outcome: str  # ok, not-modified, failed, disabled
    http_status: int | None = None
    error: str | None = None
    error_kind: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    new_articles: int = 0
    entries: int = 0
    retry_after: float | None = None
    warning: str | None = None  # e.g. bozo feed that still yielded entries
    backlog: int = 0  # entries still to take from this feed (fetch.max_entries_per_pass)

    def __post_init__(self) -> None:
        # Shown in the summary and stored in the error column: no credential of a feed URL.
        object.__setattr__(self, "error", _masked(self.error))
        object.__setattr__(self, "warning", _masked(self.warning))


def record_poll(
    session: Session,
    feed: Feed,
    result: FeedOutcome,
    *,
    now: datetime,
    interval: timedelta,
    max_backoff: timedelta,
    jitter: float = 0.0,
) -> None:
    """Store a poll's outcome on the feed row and compute its next poll time.

    Success: next poll after the interval (plus jitter). Failure: the interval doubles per
    consecutive failure up to max_backoff; a Retry-After longer than that wins. 410 disables.
    """
    feed.last_polled_at = now
    feed.last_outcome = result.outcome
    feed.last_http_status = result.http_status
    feed.entries_seen = result.entries or feed.entries_seen
    if result.outcome in ("ok", "not-modified"):
        feed.consecutive_failures = 0
        feed.last_error = result.warning
        feed.last_error_kind = "bozo" if result.warning else None
        if result.etag is not None or result.last_modified is not None:
            feed.etag, feed.last_modified = result.etag, result.last_modified
        if result.outcome == "ok":
            feed.backlog = result.backlog
        if result.backlog:  # the next pass must get the whole feed again, not a 304
            feed.etag = feed.last_modified = None
        if result.new_articles:
            feed.last_new_article_at = now
        feed.next_poll_at = now + interval * (1 + jitter)
        return
    feed.consecutive_failures = (feed.consecutive_failures or 0) + 1
    feed.last_error = result.error
    feed.last_error_kind = result.error_kind
    if result.http_status == 410:
        feed.disabled_reason = f"410 Gone at {now.isoformat(timespec='seconds')}: {result.error}"
        feed.next_poll_at = None
        return
    delay = min(interval * (2 ** min(feed.consecutive_failures, 20)), max_backoff)
    if result.retry_after:
        delay = max(delay, timedelta(seconds=result.retry_after))
    feed.next_poll_at = now + delay


def _masked(text: str | None) -> str | None:
    """Errors are stored without the credentials a feed URL may carry (they are shown)."""
    return None if text is None else mask_urls_in(text)


def feed_to_json(feed: Feed) -> dict[str, Any]:
    return {
        "id": feed.id,
        "url": mask_url(feed.url),
        "outlet": feed.outlet,
        "status": feed_status(feed),
        "last_polled_at": feed.last_polled_at,
        "last_outcome": feed.last_outcome,
        "last_http_status": feed.last_http_status,
        "consecutive_failures": feed.consecutive_failures,
        "last_error": feed.last_error,
        "last_error_kind": feed.last_error_kind,
        "next_poll_at": feed.next_poll_at,
        "last_new_article_at": feed.last_new_article_at,
        "disabled_reason": feed.disabled_reason,
    }


def feed_status(feed: Feed) -> str:
    if feed.disabled_reason:
        return "disabled"
    if feed.last_outcome is None:
        return "new"
    if feed.consecutive_failures:
        return "failing"
    return "ok"


def insert_hit(
    session: Session,
    article_id: int,
    watchlist: str,
    score: float,
    people: list[str],
    explanation: dict[str, Any],
    now: datetime,
) -> HitRow:
    """The hit of a watchlist on an article stored in this transaction (it has none yet)."""
    row = HitRow(
        article_id=article_id,
        watchlist=watchlist,
        score=score,
        people=people,
        explanation=explanation,
        created_at=now,
    )
    session.add(row)
    return row


def store_hit(
    session: Session,
    article_id: int,
    watchlist: str,
    score: float,
    people: list[str],
    explanation: dict[str, Any],
    now: datetime,
) -> tuple[int, bool]:
    """Insert or update the hit of `watchlist` on an article. Returns (hit id, created)."""
    row = session.scalar(
        select(HitRow).where(HitRow.article_id == article_id, HitRow.watchlist == watchlist)
    )
    if row is not None:
        row.score, row.people, row.explanation = score, people, explanation
        return row.id, False
    row = insert_hit(session, article_id, watchlist, score, people, explanation, now)
    session.flush()
    return row.id, True


def delete_hit(session: Session, article_id: int, watchlist: str) -> bool:
    row = session.scalar(
        select(HitRow).where(HitRow.article_id == article_id, HitRow.watchlist == watchlist)
    )
    if row is None:
        return False
    session.delete(row)
    return True


def articles_since(session: Session, since: datetime) -> list[ArticleRow]:
    stmt = (
        select(ArticleRow)
        .where(or_(ArticleRow.discovered_at >= since, ArticleRow.published_at >= since))
        .order_by(ArticleRow.discovered_at, ArticleRow.id)
    )
    return list(session.scalars(stmt))


def row_counts(session: Session) -> dict[str, int]:
    """How many hits, stories and alerts are stored (a pass's yield is the difference)."""
    return {
        "hits": int(session.scalar(select(func.count(HitRow.id))) or 0),
        "stories": int(session.scalar(select(func.count(StoryRow.id))) or 0),
        "alerts": int(session.scalar(select(func.count(AlertRow.id))) or 0),
    }
