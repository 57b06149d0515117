"""Delivery: the outbox, digest assembly and rendering, and the email, Slack and file channels."""

from monitor.delivery.deliver import DrainReport, Outcome, drain, tick
from monitor.delivery.outbox import (
    enqueue_alert,
    enqueue_digest,
    enqueue_due_digests,
    list_deliveries,
    retry_delivery,
)

__all__ = [
    "DrainReport",
    "Outcome",
    "drain",
    "enqueue_alert",
    "enqueue_digest",
    "enqueue_due_digests",
    "list_deliveries",
    "retry_delivery",
    "tick",
]
