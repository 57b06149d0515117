"""The outbox's decisions: which channels get an alert (filters, quiet hours, caps), which
digest slots are due and what they cover. Deliveries are rows first; workers claim, send and
mark them through `store/outbox.py` (the SQL), re-exported here as the outbox's API.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from monitor.config.models import AppConfig
from monitor.delivery import schedule
from monitor.delivery.build import Channel, accepts
from monitor.delivery.compose import AlertSpan, DigestSpan, compose_digest
from monitor.domain import RaisedAlert
from monitor.store import outbox as store
from monitor.store.outbox import (
    LEASE,
    STATUSES,
    Claim,
    claim,
    delivery_to_json,
    hold_unsure,
    list_deliveries,
    mark_failed,
    mark_sending,
    mark_sent,
    renew_lease,
    retry_delivery,
    retry_later,
    revive_failed,
    save_progress,
)

__all__ = [
    "LEASE",
    "STATUSES",
    "Claim",
    "claim",
    "delivery_to_json",
    "enqueue_alert",
    "enqueue_digest",
    "enqueue_due_digests",
    "find_channel",
    "hold_unsure",
    "list_deliveries",
    "mark_failed",
    "mark_sending",
    "mark_sent",
    "renew_lease",
    "retry_delivery",
    "retry_later",
    "revive_failed",
    "save_progress",
]

log = logging.getLogger(__name__)
MAX_CATCH_UP = timedelta(days=7)  # a digest after a long outage covers at most this much


def find_channel(cfg: AppConfig, name: str) -> Channel | None:
    return next((c for c in cfg.monitor.channels if c.name == name), None)


def _sent_today(session: Session, channel: Channel, now: datetime) -> int:
    return store.alerts_counted_since(
        session, channel.name, schedule.local_day_start(channel.timezone, now)
    )


def enqueue_alert(session: Session, cfg: AppConfig, alert: RaisedAlert, now: datetime) -> list[int]:
    """One delivery per immediate channel that accepts the alert; returns the pending ids.

    Call it in the transaction that created the alert. In quiet hours or over its daily
    cap a channel gets a `held` row instead, which its next digest takes (nothing dropped).
    The row's payload names the alert's story and kind, so the send reads only the story.
    """
    pending: list[int] = []
    for channel in cfg.monitor.channels:
        if channel.mode != "immediate" or not accepts(channel, alert, alert.kind):
            continue
        status = "pending"
        if schedule.in_quiet_hours(channel.quiet_hours, channel.timezone, now):
            status, why = "held", "quiet hours"
        elif channel.daily_cap is not None and _sent_today(session, channel, now) >= (
            channel.daily_cap
        ):
            status, why = "held", f"daily cap {channel.daily_cap} reached"
        new_id = store.insert_delivery(
            session,
            {
                "channel": channel.name,
                "dedupe_key": f"alert:{alert.key}",
                "kind": "alert",
                "alert_id": alert.id,
                "status": status,
                "next_attempt_at": now,
                "created_at": now,
                "payload": AlertSpan.of(alert).to_payload(),
            },
        )
        if new_id is None:
            continue
        if status == "pending":
            pending.append(new_id)
        else:
            log.info(
                "channel %s: alert %s held for the next digest (%s)", channel.name, alert.key, why
            )
    return pending


def enqueue_digest(
    session: Session,
    cfg: AppConfig,
    channel_name: str,
    slot: datetime,
    since: datetime,
    now: datetime,
    *,
    window: bool | None = None,
) -> int | None:
    """One delivery per digest slot (two workers scheduling the same slot make one row).

    The digest covers stories active in [since, slot) (digest channels, or `window=True`)
    plus the alerts held for the channel (quiet hours, daily cap).

    Returns the new pending id, or None when the slot exists already or the digest would
    be empty (and the channel does not send empty digests).
    """
    channel = find_channel(cfg, channel_name)
    if channel is None:
        raise ValueError(f"no channel {channel_name!r} in config")
    key = f"digest:{channel.name}:{slot.isoformat()}"
    if store.delivery_exists(session, channel.name, key):
        return None
    held = store.held_ids(session, channel.name)
    span = DigestSpan(
        since,
        slot,
        held=tuple(held),
        window=channel.mode == "digest" if window is None else window,
    )
    digest = compose_digest(session, cfg, channel, span, with_feed_problems=False)
    send = not digest.empty or (channel.send_empty and channel.mode == "digest")
    new_id = store.insert_delivery(
        session,
        {
            "channel": channel.name,
            "dedupe_key": key,
            "kind": "digest",
            "status": "pending" if send else "skipped",
            "next_attempt_at": now,
            "created_at": now,
            "payload": span.to_payload(),
            "last_error": None if send else "empty digest (send_empty is false)",
        },
    )
    if new_id is None or not send:
        return None
    store.fold_into(session, held, new_id)
    log.info("channel %s: digest %s enqueued (%s)", channel.name, key, digest.subject)
    return new_id


def enqueue_due_digests(session: Session, cfg: AppConfig, now: datetime) -> list[int]:
    """Enqueue each channel's latest digest slot if it is not there yet (the daemon's tick).

    A digest covers the time since the previous digest (at most MAX_CATCH_UP), so slots
    missed while nothing ran are covered by the next one. Immediate channels get a digest
    at their slot only when alerts were held for them.
    """
    created: list[int] = []
    for channel in cfg.monitor.channels:
        prev, slot = schedule.digest_slots(channel.schedule, channel.timezone, now)
        if slot is None:
            continue
        if channel.mode == "immediate" and not store.held_ids(session, channel.name):
            continue
        since = prev or slot - timedelta(days=1)
        last = store.last_digest_until(session, channel.name)
        if last is not None and last < since:
            since = max(last, slot - MAX_CATCH_UP)
        new_id = enqueue_digest(session, cfg, channel.name, slot, since, now)
        if new_id is not None:
            created.append(new_id)
    return created
