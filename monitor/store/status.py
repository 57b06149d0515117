"""What `monitor status`, `/metrics` gauges and `monitor poll`'s summary count in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.store.models import AlertRow, DeliveryRow, HitRow, StoryRow

__all__ = [
    "FailedDelivery",
    "PendingQueue",
    "deliveries_by_status",
    "failed_deliveries",
    "open_story_count",
    "pending_queues",
    "row_counts",
]


@dataclass(frozen=True, slots=True)
class FailedDelivery:
    id: int
    channel: str
    kind: str
    last_error: str | None


@dataclass(frozen=True, slots=True)
class PendingQueue:
    """A channel's pending deliveries: how many, and its head row (what it waits for)."""

    channel: str
    pending: int
    head_created_at: datetime | None
    head_error: str | None


def deliveries_by_status(session: Session) -> dict[str, int]:
    stmt = select(DeliveryRow.status, func.count(DeliveryRow.id)).group_by(DeliveryRow.status)
    return {status: int(n) for status, n in session.execute(stmt)}


def failed_deliveries(session: Session, *, limit: int) -> list[FailedDelivery]:
    """The latest failed deliveries, newest first."""
    stmt = (
        select(DeliveryRow.id, DeliveryRow.channel, DeliveryRow.kind, DeliveryRow.last_error)
        .where(DeliveryRow.status == "failed")
        .order_by(DeliveryRow.id.desc())
        .limit(limit)
    )
    return [FailedDelivery(*row) for row in session.execute(stmt)]


def pending_queues(session: Session) -> list[PendingQueue]:
    """Channels with pending deliveries, by name."""
    heads = session.execute(
        select(DeliveryRow.channel, func.count(DeliveryRow.id), func.min(DeliveryRow.id))
        .where(DeliveryRow.status == "pending")
        .group_by(DeliveryRow.channel)
        .order_by(DeliveryRow.channel)
    ).all()
    out = []
    for channel, count, head_id in heads:
        head = session.get(DeliveryRow, head_id)
        out.append(
            PendingQueue(
                channel,
                int(count),
                head.created_at if head is not None else None,
                head.last_error if head is not None else None,
            )
        )
    return out


def open_story_count(session: Session, since: datetime) -> int:
    """Stories seen since `since` (the story window)."""
    stmt = select(func.count(StoryRow.id)).where(StoryRow.last_seen >= since)
    return int(session.scalar(stmt) or 0)


def row_counts(session: Session) -> dict[str, int]:
    """How many hits, stories and alerts are stored (a pass's yield is the difference)."""
    return {
        "hits": int(session.scalar(select(func.count(HitRow.id))) or 0),
        "stories": int(session.scalar(select(func.count(StoryRow.id))) or 0),
        "alerts": int(session.scalar(select(func.count(AlertRow.id))) or 0),
    }
