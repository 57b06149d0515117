"""The one recipe for a message: which stories a delivery covers, read, then built.

A digest delivery is enqueued (to know whether it would be empty), sent later (rendered from
the database at send time) and previewed by `monitor digest --dry-run`: all three call
`compose_digest` with the same `DigestSpan`, so they can never disagree about what it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from monitor.config.models import AppConfig
from monitor.delivery.asof import as_of_alert
from monitor.delivery.build import Channel, build_alert, build_digest
from monitor.delivery.errors import MessageGone
from monitor.delivery.links import DeskLinks
from monitor.delivery.model import Digest
from monitor.domain import AlertKind, RaisedAlert, alert_kind
from monitor.store.reads import (
    active_story_ids,
    alert_of,
    alert_record,
    feed_problems,
    load_stories,
    stories_of_deliveries,
)

__all__ = ["AlertSpan", "DigestSpan", "compose_alert", "compose_digest", "digest_story_ids"]


@dataclass(frozen=True, slots=True)
class DigestSpan:
    """What one digest covers: stories active in [since, until) and the held alerts' stories."""

    since: datetime
    until: datetime
    held: tuple[int, ...] = ()  # ids of `held` alert deliveries folded into this digest
    window: bool = True  # False: only the held alerts (an immediate channel's catch-up)

    def to_payload(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "held": list(self.held),
            "window": self.window,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], channel: Channel) -> DigestSpan:
        """The span a delivery row stores; rows without `window` follow the channel's mode."""
        return cls(
            since=datetime.fromisoformat(payload["since"]),
            until=datetime.fromisoformat(payload["until"]),
            held=tuple(int(i) for i in payload.get("held") or ()),
            window=bool(payload.get("window", channel.mode == "digest")),
        )


@dataclass(frozen=True, slots=True)
class AlertSpan:
    """What an alert delivery shows: its story as of the alert (kind, time, the article that
    raised it, the origin count it recorded), so the send reads only the story."""

    story_id: int
    kind: AlertKind
    at: datetime
    article_id: int | None = None
    origin_count: int | None = None
    recorded: bool = False  # article_id and origin_count came with the span (else: read them)

    @classmethod
    def of(cls, alert: RaisedAlert) -> AlertSpan:
        return cls(
            alert.story_id,
            alert.kind,
            alert.created_at,
            alert.article_id,
            alert.origin_count or None,
            recorded=True,
        )

    def to_payload(self) -> dict[str, Any]:
        return {
            "story_id": self.story_id,
            "kind": self.kind,
            "at": self.at.isoformat(),
            "article_id": self.article_id,
            "origin_count": self.origin_count,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> AlertSpan | None:
        """None for rows written before alert rows carried their span (read the alert)."""
        if "story_id" not in payload:
            return None
        article_id, origin_count = payload.get("article_id"), payload.get("origin_count")
        return cls(
            int(payload["story_id"]),
            alert_kind(str(payload.get("kind"))),
            datetime.fromisoformat(payload["at"]),
            int(article_id) if article_id is not None else None,
            int(origin_count) if origin_count else None,
            recorded="article_id" in payload,
        )


def digest_story_ids(session: Session, span: DigestSpan) -> list[int]:
    """The stories a digest covers: its window (when it has one) plus its held alerts."""
    ids: set[int] = set()
    if span.window:
        ids.update(active_story_ids(session, span.since, span.until))
    ids.update(stories_of_deliveries(session, span.held))
    return sorted(ids)


def compose_digest(
    session: Session,
    cfg: AppConfig,
    channel: Channel,
    span: DigestSpan,
    *,
    with_feed_problems: bool = True,
) -> Digest:
    """The digest a channel gets for a span (feed problems listed unless told otherwise)."""
    records = load_stories(session, digest_story_ids(session, span))
    problems = (
        feed_problems(session, [f.id for f in cfg.feeds if f.enabled]) if with_feed_problems else []
    )
    return build_digest(
        channel,
        records,
        since=span.since,
        until=span.until,
        feed_problems=problems,
        desk=desk_links(cfg, channel.name, span.until),
    )


def desk_links(cfg: AppConfig, channel: str, at: datetime) -> DeskLinks | None:
    """Links to the desk for a message sent at `at`, when `web.public_url` is set."""
    web = cfg.monitor.web
    key = web.link_key.get_secret_value() if web.link_key else None
    return DeskLinks.of(web.public_url, channel, at, key, web.link_max_age)


def compose_alert(
    session: Session,
    channel: Channel,
    alert_id: int | None,
    payload: Mapping[str, Any],
    *,
    cfg: AppConfig | None = None,
) -> Digest:
    """One alert's message, read at send time; MessageGone when its alert or story was deleted."""
    span = AlertSpan.from_payload(payload) if alert_id is not None else None
    if span is None and alert_id is not None:
        found = alert_of(session, alert_id)
        span = None if found is None else AlertSpan(found[0], alert_kind(found[1]), found[2])
    if span is None:
        raise MessageGone("the alert of this delivery was deleted", permanent=True)
    stories = load_stories(session, [span.story_id])
    if not stories:
        raise MessageGone("the story of this alert was deleted", permanent=True)
    if span.recorded:
        article_id, origin_count = span.article_id, span.origin_count
    else:
        article_id, origin_count = alert_record(session, alert_id) if alert_id else (None, None)
    story = as_of_alert(stories[0], at=span.at, article_id=article_id, origin_count=origin_count)
    links = desk_links(cfg, channel.name, span.at) if cfg else None
    return build_alert(channel, story, span.kind, at=span.at, desk=links)
