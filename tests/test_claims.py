"""Claiming due feeds with leases: one owner at a time, expiry, release (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import FeedConfig
from monitor.store import claims
from monitor.store.db import transaction
from monitor.store.feeds import sync_feeds
from monitor.store.models import Feed

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def seed(sessions: sessionmaker[Session], n: int) -> list[str]:
    feeds = [FeedConfig(id=f"f{i:03d}", url=f"https://example.org/{i}.xml") for i in range(n)]
    with transaction(sessions) as s:
        sync_feeds(s, feeds, T0)
    return [f.id for f in feeds]


def claim(sessions: sessionmaker[Session], ids: list[str], owner: str, now: datetime) -> list[str]:
    with transaction(sessions) as s:
        return claims.claim_due_feeds(s, ids, owner, now, lease=LEASE)


def test_a_claimed_feed_belongs_to_one_worker_until_its_lease_expires(
    sessions: sessionmaker[Session],
) -> None:
    ids = seed(sessions, 5)
    assert claim(sessions, ids, "a", T0) == ids
    assert claim(sessions, ids, "b", T0 + timedelta(seconds=10)) == []  # leased by a
    # a died without finishing: after the lease, b takes them
    assert claim(sessions, ids, "b", T0 + LEASE) == ids
    with transaction(sessions) as s:
        assert set(s.scalars(select(Feed.lease_owner))) == {"b"}


def test_feeds_not_due_or_disabled_are_not_claimed(sessions: sessionmaker[Session]) -> None:
    ids = seed(sessions, 3)
    with transaction(sessions) as s:
        s.get(Feed, "f000").next_poll_at = T0 + timedelta(minutes=5)  # type: ignore[union-attr]
        s.get(Feed, "f001").disabled_reason = "410 Gone"  # type: ignore[union-attr]
    assert claim(sessions, ids, "a", T0) == ["f002"]
    # later f000 is due; f002 (claimed, never recorded as polled) is due again after its lease
    assert claim(sessions, ids, "a", T0 + timedelta(minutes=6)) == ["f002", "f000"]


def test_renewal_keeps_a_slow_feed_and_release_gives_everything_back(
    sessions: sessionmaker[Session],
) -> None:
    ids = seed(sessions, 4)
    assert claim(sessions, ids, "a", T0) == ids
    with transaction(sessions) as s:
        assert claims.renew_leases(s, "a", ["f000"], T0 + LEASE * 3) == 1
    assert claim(sessions, ids, "b", T0 + LEASE) == ["f001", "f002", "f003"]
    with transaction(sessions) as s:
        assert claims.leased_by(s, "a", T0 + LEASE) == ["f000"]
        assert claims.release_all(s, "a") == (1, 0)
    assert claim(sessions, ids, "c", T0 + LEASE) == ["f000"]


def test_limit_bounds_one_claim(sessions: sessionmaker[Session]) -> None:
    ids = seed(sessions, 10)
    with transaction(sessions) as s:
        first = claims.claim_due_feeds(s, ids, "a", T0, lease=LEASE, limit=4)
    assert len(first) == 4
    assert sorted(first + claim(sessions, ids, "b", T0)) == ids


def test_concurrent_claims_skip_rows_another_transaction_holds(
    sessions: sessionmaker[Session], database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")
    ids = seed(sessions, 6)
    with sessions() as a, a.begin():
        took_a = claims.claim_due_feeds(a, ids, "a", T0, lease=LEASE, limit=3)
        # a has not committed: b neither waits for a's rows nor takes them
        took_b = claim(sessions, ids, "b", T0)
    assert len(took_a) == 3
    assert sorted(took_a + took_b) == ids
