"""Parse a feed and keep a window of its entries: a huge feed never floods one pass.

Runs in an extraction worker for big bodies, in a thread for small ones. Entries are
taken newest first: the newest `cap` (news that just arrived) plus the `cap` after the
first `skip` (the backlog, worked off pass by pass). A feed with more entries than `cap` is
narrowed to that window before feedparser sees it (`parse_feed(select=...)`): feedparser's
tree of a 100,000-item feed took 421 MB in the worker; the window's is small.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from monitor.domain import FeedEntry, ParsedFeed
from monitor.feeds import parse_feed

_OLDEST = datetime.min.replace(tzinfo=UTC)
T = TypeVar("T")


def newest_first(entries: list[FeedEntry]) -> list[FeedEntry]:
    """By publication time, newest first; undated entries keep their feed order after."""
    return sorted(entries, key=lambda e: e.published_at or _OLDEST, reverse=True)


def window(entries: list[FeedEntry], cap: int, skip: int) -> list[FeedEntry]:
    """The newest `cap` entries, then the `cap` entries after the first `skip`. Pure."""
    return _take(newest_first(entries), cap, skip)


def window_indexes(dates: Sequence[datetime | None], cap: int, skip: int) -> list[int] | None:
    """`window` by the entries' dates alone (document order): the indexes it takes, or None
    when it takes them all. The same order as `newest_first`, so both agree. Pure."""
    if len(dates) <= cap:
        return None
    order = sorted(range(len(dates)), key=lambda i: dates[i] or _OLDEST, reverse=True)
    return _take(order, cap, skip)


def _take(ordered: list[T], cap: int, skip: int) -> list[T]:
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
    """`parse_feed`, keeping only `window(entries, cap, skip)`; returns it and the total.

    The total counts the feed's entries: those feedparser read, or for a narrowed feed those
    the scan found (an entry `parse_feed` skips, with neither link nor id, counts there).
    """
    scanned: list[int] = []

    def select(dates: Sequence[datetime | None]) -> list[int] | None:
        taken = window_indexes(dates, cap, skip)
        if taken is not None:
            scanned.append(len(dates))
        return taken

    parsed = parse_feed(body, headers, feed_id=feed_id, base_url=base_url, select=select)
    if scanned:  # narrowed to the window already, in document order
        return dataclasses.replace(parsed, entries=newest_first(parsed.entries)), scanned[0]
    total = len(parsed.entries)
    return dataclasses.replace(parsed, entries=window(parsed.entries, cap, skip)), total
