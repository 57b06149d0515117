"""Feeds in the database: config synced in, poll outcomes recorded, state listed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.config import FeedConfig
from monitor.store.claims import release_feed
from monitor.store.models import Feed
from monitor.urls import mask_url, mask_urls_in

__all__ = [
    "FeedOutcome",
    "FeedState",
    "PollRecorded",
    "feed_status",
    "feed_to_json",
    "finish_poll",
    "finish_polls",
    "get_feeds",
    "move_feed",
    "poll_target",
    "record_poll",
    "sync_feeds",
]


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


@dataclass(frozen=True, slots=True)
class FeedState:
    """A feed's row as a value: what polling, listings and health read of it."""

    id: str
    url: str
    config_url: str
    outlet: str | None
    etag: str | None
    last_modified: str | None
    last_polled_at: datetime | None
    last_outcome: str | None
    last_http_status: int | None
    last_error: str | None
    last_error_kind: str | None
    consecutive_failures: int
    next_poll_at: datetime | None
    disabled_reason: str | None
    last_new_article_at: datetime | None
    entries_seen: int
    backlog: int
    lease_owner: str | None
    lease_until: datetime | None
    created_at: datetime | None

    @classmethod
    def of(cls, row: Feed) -> FeedState:
        return cls(**{name: getattr(row, name) for name in cls.__slots__})


def get_feeds(session: Session, ids: Iterable[str] | None = None) -> list[FeedState]:
    """Feeds by id order (only `ids` when given)."""
    stmt = select(Feed).order_by(Feed.id)
    if ids is not None:
        stmt = stmt.where(Feed.id.in_(list(ids)))
    return [FeedState.of(row) for row in session.scalars(stmt)]


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


def poll_target(session: Session, feed_id: str) -> tuple[str, str | None, str | None, int]:
    """(URL, ETag, Last-Modified, backlog) to poll a synced feed with."""
    row = session.get(Feed, feed_id)
    if row is None:
        raise LookupError(f"feed {feed_id!r} is not in the database (sync_feeds first)")
    return row.url, row.etag, row.last_modified, row.backlog or 0


@dataclass(frozen=True, slots=True)
class PollRecorded:
    """What recording a poll decided: the outcome (or `disabled`) and when the feed is due."""

    outcome: str
    next_poll_at: datetime | None


def finish_poll(
    session: Session,
    feed_id: str,
    result: FeedOutcome,
    *,
    owner: str | None,
    now: datetime,
    interval: timedelta,
    max_backoff: timedelta,
    jitter: float = 0.0,
) -> PollRecorded:
    """Record a poll (`record_poll`), drop `owner`'s lease; the outcome and the next due time."""
    (recorded,) = finish_polls(
        session,
        [(feed_id, result, interval, jitter)],
        owner=owner,
        now=now,
        max_backoff=max_backoff,
    )
    return recorded


def finish_polls(
    session: Session,
    polls: Sequence[tuple[str, FeedOutcome, timedelta, float]],
    *,
    owner: str | None,
    now: datetime,
    max_backoff: timedelta,
) -> list[PollRecorded]:
    """`finish_poll` for many feeds (id, outcome, interval, jitter) in one read and one flush:
    a pass where most feeds answer 304 writes their outcomes in batches."""
    rows = {
        r.id: r for r in session.scalars(select(Feed).where(Feed.id.in_([p[0] for p in polls])))
    }
    out: list[PollRecorded] = []
    for feed_id, result, interval, jitter in polls:
        row = rows.get(feed_id)
        if row is None:
            raise LookupError(f"feed {feed_id!r} is not in the database (sync_feeds first)")
        record_poll(
            session, row, result, now=now, interval=interval, max_backoff=max_backoff, jitter=jitter
        )
        release_feed(session, row, owner)
        out.append(
            PollRecorded(
                "disabled" if row.disabled_reason else result.outcome,
                None if row.disabled_reason else row.next_poll_at,
            )
        )
    return out


def move_feed(session: Session, feed_id: str, url: str) -> None:
    """A permanent redirect: poll `url` from now on (config_url keeps what config says)."""
    session.execute(
        update(Feed)
        .where(Feed.id == feed_id)
        .values(url=url)
        .execution_options(synchronize_session=False)
    )


def _masked(text: str | None) -> str | None:
    """Errors are stored without the credentials a feed URL may carry (they are shown)."""
    return None if text is None else mask_urls_in(text)


def feed_to_json(feed: FeedState) -> dict[str, Any]:
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


def feed_status(feed: FeedState | Feed) -> str:
    if feed.disabled_reason:
        return "disabled"
    if feed.last_outcome is None:
        return "new"
    if feed.consecutive_failures:
        return "failing"
    return "ok"
