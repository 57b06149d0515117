"""The drain loop: claim due deliveries, render them from the database, send, mark.

`drain` is what `monitor deliveries send`, `monitor poll` and the daemon's delivery tick
run. A delivery is marked sent only after its channel accepted it, so a crash between the
two sends it again later (at-least-once; the repeat carries the same Message-ID).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
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
        return compose_alert(session, channel, claim.alert_id, claim.payload, cfg=cfg)
    return compose_digest(session, cfg, channel, DigestSpan.from_payload(claim.payload, channel))


def _progress_saver(
    sessions: sessionmaker[Session], claim: outbox.Claim
) -> Callable[[Mapping[str, Any]], None]:
    def save(progress: Mapping[str, Any]) -> None:
        with transaction(sessions) as s:
            outbox.save_progress(s, claim, {**claim.payload, **progress})

    return save


async def _renewing(
    send: Awaitable[str | None],
    sessions: sessionmaker[Session],
    claim: outbox.Claim,
    owner: str,
    lease: timedelta,
) -> str | None:
    """Await the send, renewing the claim's lease every third of it (a slow send keeps it)."""
    task = asyncio.ensure_future(send)
    every = max(0.5, lease.total_seconds() / 3)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=every)
            if done:
                return task.result()
            with transaction(sessions) as s:
                if not outbox.renew_lease(s, claim, owner, datetime.now(UTC) + lease):
                    log.warning("delivery %s: lease lost while sending", claim.id)
    finally:
        task.cancel()  # a cancelled drain (shutdown) or a database error ends the send too


async def _deliver(
    cfg: AppConfig,
    sessions: sessionmaker[Session],
    claim: outbox.Claim,
    now: datetime,
    client: httpx.AsyncClient,
    after_accept: AfterAccept | None,
    owner: str,
) -> Outcome:
    """Send one claimed delivery; a failure fails it only when it is about this message."""
    channel = outbox.find_channel(cfg, claim.channel)
    policy = cfg.monitor.delivery
    if channel is None:  # left the config since the claim: it waits for the channel
        with transaction(sessions) as s:
            outbox.retry_later(s, claim, "channel is not in the config", now, counts=False)
        return Outcome(claim.id, claim.channel, "pending", "channel is not in the config")
    approved = bool(claim.payload.get("repeat_approved"))  # `monitor deliveries retry`
    if claim.maybe_sent and channel.on_maybe_sent == "hold" and not approved:
        with transaction(sessions) as s:
            outbox.hold_unsure(s, claim, now)
        log.warning("delivery %s (%s): maybe sent before a crash; held", claim.id, claim.channel)
        return Outcome(claim.id, claim.channel, "unsure", "maybe sent before a crash")
    msg_id: str | None = None
    try:
        with transaction(sessions) as s:
            digest = load_message(cfg, s, channel, claim)
            outbox.mark_sending(s, claim, owner, now, policy.lease)  # in flight from here
        out = Outgoing(claim.dedupe_key, digest, now, claim.payload, claim.maybe_sent)
        sending = channels.send(channel, out, SendContext(client, _progress_saver(sessions, claim)))
        msg_id = await _renewing(sending, sessions, claim, owner, policy.lease)
    except SendError as exc:
        return _after_error(sessions, policy, claim, now, exc)
    if after_accept is not None:
        after_accept(claim)  # tests inject a crash here: accepted but not yet marked
    with transaction(sessions) as s:
        outbox.mark_sent(s, claim, now, msg_id)
        revived = outbox.revive_failed(s, claim.channel, now) if claim.attempts > 1 else 0
    if claim.attempts > 1:
        log.info(
            "channel %s answers again after %d tries%s",
            claim.channel,
            claim.attempts - 1,
            f"; {revived} failed deliveries queued again" if revived else "",
        )
    log.info("delivery %s (%s) sent", claim.id, claim.channel)
    return Outcome(claim.id, claim.channel, "sent", None, msg_id)


def _after_error(
    sessions: sessionmaker[Session],
    policy: DeliveryConfig,
    claim: outbox.Claim,
    now: datetime,
    exc: SendError,
) -> Outcome:
    """Fail the message for its own reasons; otherwise the channel is down or busy: wait.

    The channel's queue head is its probe: nothing behind it is tried until it goes, so a
    down channel costs one try per backoff step (capped at max_backoff), for as long as it
    takes, and no delivery is failed for the channel's sake. A Retry-After wait is no try.
    """
    if exc.fails_message:
        with transaction(sessions) as s:
            outbox.mark_failed(s, claim, now, exc.message)
        log.warning("delivery %s (%s) failed: %s", claim.id, claim.channel, exc.message)
        return Outcome(claim.id, claim.channel, "failed", exc.message)
    if exc.retry_after is not None:
        wait = max(timedelta(seconds=exc.retry_after), timedelta(seconds=1))
        with transaction(sessions) as s:
            outbox.retry_later(s, claim, exc.message, now + wait, counts=False)
        log.info("channel %s asks to wait %ss: %s", claim.channel, wait.seconds, exc.message)
        return Outcome(claim.id, claim.channel, "pending", exc.message)
    delay = backoff_delay(policy, claim.attempts)
    with transaction(sessions) as s:
        outbox.retry_later(s, claim, exc.message, now + delay)
    level = logging.WARNING if claim.attempts >= policy.max_attempts else logging.INFO
    log.log(
        level,
        "channel %s %s (try %d): %s; next try in %ds",
        claim.channel,
        "is down" if claim.attempts >= policy.max_attempts else "did not take a message",
        claim.attempts,
        exc.message,
        delay.total_seconds(),
    )
    return Outcome(claim.id, claim.channel, "pending", exc.message)


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
                lease = cfg.monitor.delivery.lease
                claims = outbox.claim(s, owner, clock, lease=lease, channels=names)
            if not claims:
                break
            results = await asyncio.gather(
                *(_deliver(cfg, sessions, c, clock, http, after_accept, owner) for c in claims),
                return_exceptions=True,  # every channel's send finishes before an error rises
            )
            outcomes.extend(r for r in results if isinstance(r, Outcome))
            errors = [r for r in results if isinstance(r, BaseException)]
            if errors:
                raise errors[0]
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
