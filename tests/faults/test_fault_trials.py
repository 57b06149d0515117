"""The fault trials' short form (CI): the real daemon killed, starved of its channels, rate
limited, on SQLite and PostgreSQL. `python -m bench.faults.trial` runs them at length.

MONITOR_FAULT_KILLS sets the number of kills (30 here; 200 by hand).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.faults import trials
from bench.faults.harness import summary

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
KILLS = int(os.environ.get("MONITOR_FAULT_KILLS", "30"))


def _backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgres"


def test_random_kills_lose_no_alert_and_repeat_none_unflagged(
    database_url: str, tmp_path: Path
) -> None:
    counts = trials.kill(_backend(database_url), tmp_path, database_url, kills=KILLS, items=KILLS)
    print(summary(counts))  # the figures, with -s
    assert counts.kills == KILLS and counts.items == KILLS
    assert counts.ok, summary(counts)


def test_both_channels_down_then_up_deliver_every_alert_once_in_order(
    database_url: str, tmp_path: Path
) -> None:
    counts = trials.outage(_backend(database_url), tmp_path, database_url, seconds=10)
    print(summary(counts))
    assert counts.items > 0 and counts.ok, summary(counts)
    assert counts.duplicates == {"mail": 0, "slack": 0}  # no kill: not even documented ones


def test_a_429_storm_loses_nothing(database_url: str, tmp_path: Path) -> None:
    counts = trials.storm(_backend(database_url), tmp_path, database_url, answers=15)
    print(summary(counts))
    assert counts.ok, summary(counts)
    assert counts.duplicates == {"mail": 0, "slack": 0}
