"""Pure clock rules of a channel: digest slots (cron), quiet hours, the local day."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache

from apscheduler.triggers.cron import CronTrigger

from monitor.clock import zone

log = logging.getLogger(__name__)
_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_LOOKBACKS = (timedelta(hours=3), timedelta(days=2), timedelta(days=9), timedelta(days=400))


@lru_cache(maxsize=64)
def _trigger(schedule: str, tz: str) -> CronTrigger:
    return CronTrigger.from_crontab(schedule, timezone=zone(tz))


def digest_slots(schedule: str, tz: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(previous slot, latest slot) at or before `now`, in UTC; None where there is none."""
    trigger = _trigger(schedule, tz)
    for back in _LOOKBACKS:
        slots: list[datetime] = []
        t = trigger.get_next_fire_time(None, now - back)
        while t is not None and t <= now:
            slots.append(t.astimezone(UTC))
            t = trigger.get_next_fire_time(None, t + timedelta(seconds=1))
        if len(slots) >= 2:
            return slots[-2], slots[-1]
    return (None, slots[-1]) if slots else (None, None)


def parse_quiet_hours(value: str | None) -> tuple[time, time] | None:
    """'22:00-07:00' -> (22:00, 07:00); None (with a warning) when it does not parse."""
    if not value:
        return None
    m = _QUIET.match(value)
    if not m:
        log.warning("quiet_hours %r is not HH:MM-HH:MM: ignored", value)
        return None
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    try:
        return time(h1, m1), time(h2, m2)
    except ValueError:
        log.warning("quiet_hours %r is not a valid time range: ignored", value)
        return None


def in_quiet_hours(quiet: str | None, tz: str, now: datetime) -> bool:
    """Whether `now` falls in the window (which may wrap past midnight)."""
    window = parse_quiet_hours(quiet)
    if window is None:
        return False
    start, end = window
    local = now.astimezone(zone(tz)).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def local_day_start(tz: str, now: datetime) -> datetime:
    """Midnight of `now`'s day in the channel's time zone, as UTC (for daily caps)."""
    local = now.astimezone(zone(tz))
    midnight = datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)
    return midnight.astimezone(UTC)
