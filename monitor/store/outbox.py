"""Delivery rows: insert once per (channel, key), claim with a lease, mark, retry, list.

A delivery is claimed with a lease (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED; SQLite:
one writer at a time) and a conditional UPDATE, so two workers never both take it. Each
channel is a queue: only its oldest pending row may be sent, which keeps messages in order.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from monitor.store.insert import insert_new
from monitor.store.models import AlertRow, DeliveryRow

LEASE = timedelta(seconds=30)  # delivery.lease; renewed while a send runs
STATUSES = ("pending", "sent", "failed", "held", "folded", "skipped", "unsure")


def insert_delivery(session: Session, values: dict[str, Any]) -> int | None:
    """Insert unless (channel, dedupe_key) exists; a concurrent twin loses quietly."""
    return insert_new(session, DeliveryRow, values, ["channel", "dedupe_key"])


def delivery_exists(session: Session, channel: str, dedupe_key: str) -> bool:
    return (
        session.scalar(
            select(DeliveryRow.id).where(
                DeliveryRow.channel == channel, DeliveryRow.dedupe_key == dedupe_key
            )
        )
        is not None
    )


def alerts_counted_since(session: Session, channel: str, start: datetime) -> int:
    """Alert deliveries of a channel created since `start` that count against its daily cap."""
    return int(
        session.scalar(
            select(func.count(DeliveryRow.id)).where(
                DeliveryRow.channel == channel,
                DeliveryRow.kind == "alert",
                DeliveryRow.status.in_(("pending", "sent", "failed")),
                DeliveryRow.created_at >= start,
            )
        )
        or 0
    )


def held_ids(session: Session, channel: str) -> list[int]:
    """The channel's held alert deliveries, oldest first (its next digest takes them)."""
    return list(
        session.scalars(
            select(DeliveryRow.id)
            .where(DeliveryRow.channel == channel, DeliveryRow.status == "held")
            .order_by(DeliveryRow.id)
        )
    )


def fold_into(session: Session, held: Sequence[int], digest_id: int) -> None:
    """Held alerts taken by a digest: `folded`, pointing at it."""
    if held:
        session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(list(held)))
            .values(status="folded", folded_into=digest_id)
            .execution_options(synchronize_session=False)
        )


def last_digest_until(session: Session, channel: str) -> datetime | None:
    """Where the channel's latest digest ended (the next one starts there)."""
    payload = session.scalar(
        select(DeliveryRow.payload)
        .where(DeliveryRow.channel == channel, DeliveryRow.kind == "digest")
        .order_by(DeliveryRow.id.desc())
        .limit(1)
    )
    until = payload.get("until") if payload else None
    return datetime.fromisoformat(until) if until else None


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
    heads = select(func.min(DeliveryRow.id)).where(DeliveryRow.status == "pending")
    if channels is not None:
        heads = heads.where(DeliveryRow.channel.in_(list(channels)))
    rows = session.scalars(  # each channel's head row, in one statement
        select(DeliveryRow)
        .where(DeliveryRow.id.in_(heads.group_by(DeliveryRow.channel).scalar_subquery()))
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


def alert_send_times(
    session: Session, delivery_ids: Sequence[int]
) -> list[tuple[datetime, datetime | None]]:
    """(alert raised, delivery sent) of these deliveries that carry an alert."""
    stmt = (
        select(AlertRow.created_at, DeliveryRow.sent_at)
        .join(AlertRow, AlertRow.id == DeliveryRow.alert_id)
        .where(DeliveryRow.id.in_(list(delivery_ids)), DeliveryRow.kind == "alert")
    )
    return [(created, sent) for created, sent in session.execute(stmt)]
