"""Alerts and digests: the outbox, rendering, and the email, Slack and file channels."""

from monitor.alerts.deliver import DrainReport, Outcome, drain, tick
from monitor.alerts.outbox import (
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
