"""The `daemon:` section of monitor.yaml: how `monitor run` ticks, leases, stops and reloads."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from monitor.config.types import Duration


class DaemonConfig(BaseModel):
    """Timing of the daemon's jobs; defaults suit one process polling a few hundred feeds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    poll_tick: Duration = Field(
        timedelta(seconds=5), description="How often the daemon claims the feeds that are due."
    )
    delivery_tick: Duration = Field(
        timedelta(seconds=10), description="How often the outbox is drained."
    )
    lease: Duration = Field(
        timedelta(minutes=5),
        description="How long a claimed feed stays claimed without renewal; a dead worker's "
        "claims come back after this.",
    )
    max_claims: int = Field(500, ge=1, description="Most feeds one worker claims in one poll tick.")
    grace_period: Duration = Field(
        timedelta(seconds=30),
        description="On SIGTERM/SIGINT, how long in-flight fetches and deliveries may finish.",
    )
    reload_check: Duration = Field(
        timedelta(seconds=3),
        description="How often monitor.yaml and the watchlist files are checked for changes.",
    )
    rematch_window: Duration = Field(
        timedelta(days=7),
        description="After a watchlist change, articles discovered or published this recently "
        "are matched again (a newly added name alerts on them).",
    )
    retention_every: Duration = Field(
        timedelta(hours=1), description="How often the retention job drops old article bodies."
    )
    healthy_tick_age: Duration | None = Field(
        None,
        description="/healthz fails when the last poll tick is older than this "
        "(default: three poll ticks, at least 30s).",
    )
