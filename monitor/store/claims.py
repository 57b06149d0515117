"""Claiming due feeds with a lease, so several workers never poll one feed at once.

PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` picks due, unleased feeds that no other
worker is claiming right now, and the same transaction writes `lease_owner`/`lease_until`.
SQLite has one writer at a time; the same conditional UPDATE makes the claim safe there.
A worker that dies keeps its claims only until `lease_until`; then any worker takes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.orm import Session

from monitor.store.models import DeliveryRow, Feed

SYNC_LOCK_KEY = 0x6E6D5F73796E63  # "nm_sync": one worker at a time writes config into the tables


def sync_lock(session: Session) -> None:
    """Serialize config syncs between workers starting together (PostgreSQL advisory lock).

    Released at commit. SQLite needs none: its writers are serialized already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SYNC_LOCK_KEY})


def _due(now: datetime) -> object:
    return and_(
        Feed.disabled_reason.is_(None),
        or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now),
        or_(Feed.lease_until.is_(None), Feed.lease_until <= now),
    )


def claim_due_feeds(
    session: Session,
    feed_ids: Sequence[str],
    owner: str,
    now: datetime,
    *,
    lease: timedelta,
    limit: int = 500,
) -> list[str]:
    """Lease up to `limit` of `feed_ids` that are due and unclaimed; return the ids taken."""
    if not feed_ids:
        return []
    rows = session.scalars(
        select(Feed.id)
        .where(Feed.id.in_(list(feed_ids)), _due(now))  # type: ignore[arg-type]
        .order_by(Feed.next_poll_at, Feed.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite renders no lock clause
    ).all()
    taken: list[str] = []
    for feed_id in rows:
        result = session.execute(
            update(Feed)
            .where(Feed.id == feed_id, _due(now))  # type: ignore[arg-type]
            .values(lease_owner=owner, lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            taken.append(feed_id)
    return taken


def renew_leases(session: Session, owner: str, feed_ids: Sequence[str], until: datetime) -> int:
    """Extend this worker's leases on feeds it is still polling (a slow feed is not stolen)."""
    if not feed_ids:
        return 0
    result = session.execute(
        update(Feed)
        .where(Feed.id.in_(list(feed_ids)), Feed.lease_owner == owner)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def release_feed(session: Session, feed: Feed, owner: str | None) -> None:
    """Drop `owner`'s lease on a feed row it has finished with (no-op for other owners)."""
    if owner is not None and feed.lease_owner == owner:
        feed.lease_owner = None
        feed.lease_until = None


def release_all(session: Session, owner: str) -> tuple[int, int]:
    """At shutdown: give back every feed and pending delivery this worker still holds.

    Returns (feeds, deliveries) released. The feeds keep their due time, so another worker
    (or this one after a restart) polls them at once.
    """
    feeds = session.execute(
        update(Feed)
        .where(Feed.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    deliveries = session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.lease_owner == owner, DeliveryRow.status == "pending")
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(feeds.rowcount), int(deliveries.rowcount)  # type: ignore[attr-defined]


def release_deliveries(session: Session, owner: str) -> int:
    """Give back `owner`'s pending delivery claims (after a database outage cut its sends
    short). A row that was in flight keeps its mark: its next send is "maybe sent"."""
    result = session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.lease_owner == owner, DeliveryRow.status == "pending")
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def leased_by(session: Session, owner: str, now: datetime) -> list[str]:
    """The feeds `owner` holds a live lease on (status, tests)."""
    return list(
        session.scalars(select(Feed.id).where(Feed.lease_owner == owner, Feed.lease_until > now))
    )
