"""What every channel's `send` takes: the message, and the little it may ask of the outbox."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from monitor.delivery.model import Digest

__all__ = ["Outgoing", "SendContext"]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One claimed delivery, built and ready: the channel renders and sends it."""

    dedupe_key: str  # stable per (channel, delivery): a repeat after a crash reuses it
    digest: Digest
    now: datetime  # the message's Date
    progress: Mapping[str, Any] = field(default_factory=dict)  # saved by an earlier attempt
    maybe_sent: bool = False  # an earlier attempt was in flight when its worker died


@dataclass(frozen=True, slots=True)
class SendContext:
    """Shared resources: the HTTP client, and a way to save how far a multi-part send got."""

    client: httpx.AsyncClient
    save_progress: Callable[[Mapping[str, Any]], None] = lambda _progress: None
