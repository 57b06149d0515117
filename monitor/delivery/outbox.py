"""The outbox: deliveries are rows first; workers claim, send and mark them.

A delivery is claimed with a lease (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED; SQLite:
one writer at a time) and a conditional UPDATE, so two workers never both take it. Each
channel is a queue: only its oldest pending row may be sent, which keeps messages in order.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from monitor.config.models import AppConfig
from monitor.delivery import schedule
from monitor.delivery.build import Channel, accepts
from monitor.delivery.compose import AlertSpan, DigestSpan, compose_digest
from monitor.domain import RaisedAlert
from monitor.store.insert import insert_new
from monitor.store.models import DeliveryRow

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=30)  # delivery.lease; renewed while a send runs
MAX_CATCH_UP = timedelta(days=7)  # a digest after a long outage covers at most this much
STATUSES = ("pending", "sent", "failed", "held", "folded", "skipped", "unsure")


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this worker holds the lease on and may now send."""

    id: int
    channel: str
    dedupe_key: str
    kind: str
    alert_id: int | None
    attempts: int  # including this one
    payload: dict[str, Any]
    maybe_sent: bool = False  # an earlier send was in flight when its worker died


def find_channel(cfg: AppConfig, name: str) -> Channel | None:
    return next((c for c in cfg.monitor.channels if c.name == name), None)


def _insert(session: Session, values: dict[str, Any]) -> int | None:
    """Insert unless (channel, dedupe_key) exists; a concurrent twin loses quietly."""
    return insert_new(session, DeliveryRow, values, ["channel", "dedupe_key"])


def _sent_today(session: Session, channel: Channel, now: datetime) -> int:
    start = schedule.local_day_start(channel.timezone, now)
    return int(
        session.scalar(
            select(func.count(DeliveryRow.id)).where(
                DeliveryRow.channel == channel.name,
                DeliveryRow.kind == "alert",
                DeliveryRow.status.in_(("pending", "sent", "failed")),
                DeliveryRow.created_at >= start,
            )
        )
        or 0
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
        new_id = _insert(
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


def held_rows(session: Session, channel: str) -> list[DeliveryRow]:
    return list(
        session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.channel == channel, DeliveryRow.status == "held")
            .order_by(DeliveryRow.id)
        )
    )


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
    if session.scalar(
        select(DeliveryRow.id).where(
            DeliveryRow.channel == channel.name, DeliveryRow.dedupe_key == key
        )
    ):
        return None
    held = held_rows(session, channel.name)
    span = DigestSpan(
        since,
        slot,
        held=tuple(h.id for h in held),
        window=channel.mode == "digest" if window is None else window,
    )
    digest = compose_digest(session, cfg, channel, span, with_feed_problems=False)
    send = not digest.empty or (channel.send_empty and channel.mode == "digest")
    new_id = _insert(
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
    for h in held:
        h.status, h.folded_into = "folded", new_id
    log.info("channel %s: digest %s enqueued (%s)", channel.name, key, digest.subject)
    return new_id


def _last_digest_until(session: Session, channel: str) -> datetime | None:
    row = session.scalar(
        select(DeliveryRow)
        .where(DeliveryRow.channel == channel, DeliveryRow.kind == "digest")
        .order_by(DeliveryRow.id.desc())
        .limit(1)
    )
    until = row.payload.get("until") if row is not None else None
    return datetime.fromisoformat(until) if until else None


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
        if channel.mode == "immediate" and not held_rows(session, channel.name):
            continue
        since = prev or slot - timedelta(days=1)
        last = _last_digest_until(session, channel.name)
        if last is not None and last < since:
            since = max(last, slot - MAX_CATCH_UP)
        new_id = enqueue_digest(session, cfg, channel.name, slot, since, now)
        if new_id is not None:
            created.append(new_id)
    return created


def claim(
    session: Session,
    owner: str,
    now: datetime,
    *,
    lease: timedelta = LEASE,
    channels: Collection[str] | None = None,
) -> list[Claim]:
    """Lease the oldest pending delivery of each channel, if it is due and nobody holds it.

    `channels` limits the claim to the channels in the running config: a delivery whose
    channel left the config (a bad edit, a rename) waits, pending, until it comes back.
    """
    query = select(DeliveryRow.channel, func.min(DeliveryRow.id)).where(
        DeliveryRow.status == "pending"
    )
    if channels is not None:
        query = query.where(DeliveryRow.channel.in_(list(channels)))
    heads = session.execute(query.group_by(DeliveryRow.channel)).all()
    if not heads:
        return []
    rows = session.scalars(
        select(DeliveryRow)
        .where(DeliveryRow.id.in_([head_id for _, head_id in heads]))
        .order_by(DeliveryRow.id)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite renders no lock clause
    ).all()
    claims: list[Claim] = []
    for row in rows:
        if row.status != "pending" or row.next_attempt_at > now:
            continue
        if row.lease_until is not None and row.lease_until > now:
            continue  # another worker is sending it (or crashed and the lease runs out)
        took = session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.id == row.id,
                DeliveryRow.status == "pending",
                DeliveryRow.attempts == row.attempts,
            )
            .values(lease_owner=owner, lease_until=now + lease, attempts=row.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if took.rowcount == 1:  # type: ignore[attr-defined]
            claims.append(
                Claim(
                    row.id,
                    row.channel,
                    row.dedupe_key,
                    row.kind,
                    row.alert_id,
                    row.attempts + 1,
                    dict(row.payload or {}),
                    maybe_sent=row.sending_at is not None,
                )
            )
    return claims


def _done(**values: Any) -> dict[str, Any]:
    """Column values that end a send: lease given back, nothing in flight."""
    return {"lease_owner": None, "lease_until": None, "sending_at": None, **values}


def mark_sending(
    session: Session, claim: Claim, owner: str, now: datetime, lease: timedelta
) -> bool:
    """Record that the send starts now (and renew the lease); False if the claim was lost."""
    result = session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == claim.id, DeliveryRow.lease_owner == owner)
        .values(sending_at=now, lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renew_lease(session: Session, claim: Claim, owner: str, until: datetime) -> bool:
    """Keep a long send's claim alive; False when another worker has taken it meanwhile."""
    result = session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == claim.id, DeliveryRow.lease_owner == owner)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(session: Session, claim: Claim, now: datetime, message_id: str | None) -> None:
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == claim.id)
        .values(**_done(status="sent", sent_at=now, message_id=message_id, failed_scope=None))
        .execution_options(synchronize_session=False)
    )


def mark_failed(session: Session, claim: Claim, now: datetime, error: str) -> None:
    """Give up on this message for its own reason (the channel refused this message)."""
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == claim.id)
        .values(
            **_done(
                status="failed",
                last_error=error[:2000],
                next_attempt_at=now,
                failed_scope="message",
            )
        )
        .execution_options(synchronize_session=False)
    )


def retry_later(
    session: Session, claim: Claim, error: str, retry_at: datetime, *, counts: bool = True
) -> None:
    """Back to pending, due at `retry_at` (the channel's next probe). `counts=False` gives the
    attempt back: waiting for a rate limit (Retry-After) is not a failed try."""
    values = _done(status="pending", last_error=error[:2000], next_attempt_at=retry_at)
    if not counts:
        values["attempts"] = max(0, claim.attempts - 1)
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == claim.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def hold_unsure(session: Session, claim: Claim, now: datetime) -> None:
    """A maybe-sent delivery on a channel that holds them: an operator decides."""
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == claim.id)
        .values(  # sending_at stays: a retry by the operator still flags the repeat
            status="unsure",
            attempts=max(0, claim.attempts - 1),
            last_error="a send was in flight when its worker died: it may have gone out "
            "(`monitor deliveries retry ID` sends it again)",
            next_attempt_at=now,
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )


def revive_failed(session: Session, channel: str, now: datetime) -> int:
    """Failed deliveries of `channel` not failed by their own message go back to pending.

    Called when the channel answers again after an outage: rows that older versions failed
    for the channel's sake (too many attempts while it was down) are sent after all, in order.
    """
    result = session.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.channel == channel,
            DeliveryRow.status == "failed",
            or_(DeliveryRow.failed_scope.is_(None), DeliveryRow.failed_scope != "message"),
        )
        .values(**_done(status="pending", attempts=0, next_attempt_at=now))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def save_progress(session: Session, claim: Claim, payload: dict[str, Any]) -> None:
    """Remember how far a multi-part message got, so a retry does not repeat the parts."""
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == claim.id)
        .values(payload=payload)
        .execution_options(synchronize_session=False)
    )


def retry_delivery(session: Session, delivery_id: int, now: datetime) -> bool:
    """failed or unsure -> pending, due now, attempts reset (`monitor deliveries retry ID`).

    An unsure row keeps its maybe-sent mark, so the channel flags the repeat, and is sent
    (the operator approved the possible repeat) rather than held again.
    """
    row = session.get(DeliveryRow, delivery_id)
    if row is None or row.status not in ("failed", "unsure"):
        return False
    unsure = row.status == "unsure"
    payload = {**(row.payload or {}), "repeat_approved": True} if unsure else row.payload
    result = session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == delivery_id, DeliveryRow.status.in_(("failed", "unsure")))
        .values(
            **_done(
                status="pending",
                attempts=0,
                next_attempt_at=now,
                payload=payload,
                sending_at=row.sending_at if unsure else None,
            )
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def list_deliveries(
    session: Session, *, status: str | None = None, limit: int | None = 200
) -> list[DeliveryRow]:
    q = select(DeliveryRow).order_by(DeliveryRow.id.desc())
    if status:
        q = q.where(DeliveryRow.status == status)
    if limit:
        q = q.limit(limit)
    return list(session.scalars(q))


def delivery_to_json(row: DeliveryRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "channel": row.channel,
        "kind": row.kind,
        "dedupe_key": row.dedupe_key,
        "alert_id": row.alert_id,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "last_error": row.last_error,
        "message_id": row.message_id,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "folded_into": row.folded_into,
    }
