"""The clock and time zones, defined once: UTC now, and a zone by name that falls back to UTC.

Pure stages take `now` as an argument; only the edges (the poller, the daemon, the CLI, row
defaults) read the clock, through `utcnow`, so tests and replays can fix it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["Clock", "utcnow", "zone"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Now, timezone-aware UTC (what every timestamp in the database is)."""
    return datetime.now(UTC)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; UTC (with a warning) for a name this system does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r: using UTC", name)
        return ZoneInfo("UTC")
