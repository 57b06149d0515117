"""Parse a feed and keep a window of its entries: a huge feed never floods one pass.

Runs in an extraction worker for big bodies (its parse tree and its thousands of entries
live and die in that process, not in the daemon), in a thread for small ones. Entries are
taken newest first: the newest `cap` (news that just arrived) plus the `cap` after the
first `skip` (the backlog, worked off pass by pass).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime

from monitor.domain import FeedEntry, ParsedFeed
from monitor.feeds import parse_feed

_OLDEST = datetime.min.replace(tzinfo=UTC)


def newest_first(entries: list[FeedEntry]) -> list[FeedEntry]:
    """By publication time, newest first; undated entries keep their feed order after."""
    return sorted(entries, key=lambda e: e.published_at or _OLDEST, reverse=True)


def window(entries: list[FeedEntry], cap: int, skip: int) -> list[FeedEntry]:
    """The newest `cap` entries, then the `cap` entries after the first `skip`. Pure."""
    ordered = newest_first(entries)
    head = ordered[:cap]
    if skip <= 0 or len(ordered) <= cap:
        return head
    start = max(skip, cap)
    return head + ordered[start : start + cap]


def parse_window(
    body: bytes,
    headers: Mapping[str, str],
    *,
    feed_id: str,
    base_url: str,
    cap: int,
    skip: int,
) -> tuple[ParsedFeed, int]:
    """`parse_feed`, keeping only `window(entries, cap, skip)`; returns it and the total."""
    parsed = parse_feed(body, headers, feed_id=feed_id, base_url=base_url)
    total = len(parsed.entries)
    return dataclasses.replace(parsed, entries=window(parsed.entries, cap, skip)), total
