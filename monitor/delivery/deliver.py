"""The drain loop: claim due deliveries, render them from the database, send, mark.

`drain` is what `monitor deliveries send`, `monitor poll` and the daemon's delivery tick
run. A delivery is marked sent only after its channel accepted it, so a crash between the
two sends it again later (at-least-once; the repeat carries the same Message-ID).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.models import AppConfig, DeliveryConfig
from monitor.delivery import channels, outbox
from monitor.delivery.build import Channel
from monitor.delivery.channels import Outgoing, SendContext
from monitor.delivery.compose import DigestSpan, compose_alert, compose_digest
from monitor.delivery.errors import SendError
from monitor.delivery.model import Digest
from monitor.store.db import transaction

log = logging.getLogger(__name__)
MAX_MESSAGES_PER_DRAIN = 1000
AfterAccept = Callable[[outbox.Claim], None]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one claimed delivery in this drain."""

    id: int
    channel: str
    status: str  # sent, pending (retry scheduled), failed
    error: str | None = None
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class DrainReport:
    """Counts of one drain pass, and each delivery's outcome in the order handled."""

    outcomes: tuple[Outcome, ...] = field(default_factory=tuple)

    @property
    def sent(self) -> int:
        return sum(o.status == "sent" for o in self.outcomes)

    @property
    def retrying(self) -> int:
        return sum(o.status == "pending" for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(o.status == "failed" for o in self.outcomes)


def backoff_delay(
    policy: DeliveryConfig, attempts: int, rng: random.Random | None = None
) -> timedelta:
    """Exponential (backoff * 2^(n-1), capped) with equal jitter: half fixed, half random."""
    base = policy.backoff.total_seconds() * (2 ** max(0, attempts - 1))
    cap = min(base, policy.max_backoff.total_seconds())
    r = (rng or random).random()
    return timedelta(seconds=cap / 2 + r * cap / 2)


def load_message(cfg: AppConfig, session: Session, channel: Channel, claim: outbox.Claim) -> Digest:
    """Render input for a delivery, read from the database at send time."""
    if claim.kind == "alert":
        return compose_alert(session, channel, claim.alert_id, claim.payload)
    return compose_digest(session, cfg, channel, DigestSpan.from_payload(claim.payload, channel))


def _progress_saver(
    sessions: sessionmaker[Session], claim: outbox.Claim
) -> Callable[[Mapping[str, Any]], None]:
    def save(progress: Mapping[str, Any]) -> None:
        with transaction(sessions) as s:
            outbox.save_progress(s, claim, {**claim.payload, **progress})

    return save


async def _deliver(
    cfg: AppConfig,
    sessions: sessionmaker[Session],
    claim: outbox.Claim,
    now: datetime,
    client: httpx.AsyncClient,
    after_accept: AfterAccept | None,
) -> Outcome:
    channel = outbox.find_channel(cfg, claim.channel)
    msg_id: str | None = None
    try:
        if channel is None:
            raise SendError(f"channel {claim.channel!r} is not in the config", permanent=True)
        with transaction(sessions) as s:
            digest = load_message(cfg, s, channel, claim)
        out = Outgoing(claim.dedupe_key, digest, now, progress=claim.payload)
        msg_id = await channels.send(
            channel, out, SendContext(client, _progress_saver(sessions, claim))
        )
    except SendError as exc:
        policy = cfg.monitor.delivery
        retry_at: datetime | None = None
        if not exc.permanent and claim.attempts < policy.max_attempts:
            delay = backoff_delay(policy, claim.attempts)
            if exc.retry_after is not None:
                delay = max(timedelta(seconds=exc.retry_after), timedelta(seconds=1))
            retry_at = now + delay
        with transaction(sessions) as s:
            status = outbox.mark_failed_attempt(s, claim, now, exc.message, retry_at=retry_at)
        log.warning(
            "delivery %s (%s, attempt %s): %s -> %s",
            claim.id,
            claim.channel,
            claim.attempts,
            exc.message,
            status,
        )
        return Outcome(claim.id, claim.channel, status, exc.message)
    if after_accept is not None:
        after_accept(claim)  # tests inject a crash here: accepted but not yet marked
    with transaction(sessions) as s:
        outbox.mark_sent(s, claim, now, msg_id)
    log.info("delivery %s (%s) sent", claim.id, claim.channel)
    return Outcome(claim.id, claim.channel, "sent", None, msg_id)


async def drain(
    cfg: AppConfig,
    sessions: sessionmaker[Session],
    *,
    now: datetime | None = None,
    owner: str,
    client: httpx.AsyncClient | None = None,
    max_messages: int = MAX_MESSAGES_PER_DRAIN,
    after_accept: AfterAccept | None = None,
) -> DrainReport:
    """Send every due pending delivery: channels in parallel, each channel in order.

    `now` fixes the clock for the whole pass (tests and replays); `after_accept` is a test
    hook run after a channel accepted a message and before the row is marked sent.
    """
    own = client is None
    http = client or httpx.AsyncClient(follow_redirects=False)
    outcomes: list[Outcome] = []
    try:
        while len(outcomes) < max_messages:
            clock = now or datetime.now(UTC)
            with transaction(sessions) as s:
                names = [c.name for c in cfg.monitor.channels]
                claims = outbox.claim(s, owner, clock, channels=names)
            if not claims:
                break
            results = await asyncio.gather(
                *(_deliver(cfg, sessions, c, clock, http, after_accept) for c in claims)
            )
            outcomes.extend(results)
    finally:
        if own:
            await http.aclose()
    return DrainReport(tuple(outcomes))


async def tick(
    cfg: AppConfig, sessions: sessionmaker[Session], *, now: datetime | None = None, owner: str
) -> DrainReport:
    """The daemon's delivery tick: enqueue due digest slots, then drain."""
    clock = now or datetime.now(UTC)
    with transaction(sessions) as s:
        outbox.enqueue_due_digests(s, cfg, clock)
    return await drain(cfg, sessions, now=now, owner=owner)
