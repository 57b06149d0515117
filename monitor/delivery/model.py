"""Typed values between loading, building, rendering and sending a message: no I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from monitor.domain import AlertKind, ArticleRecord, FeedProblem, HitRecord, StoryRecord

__all__ = [
    "ArticleLink",
    "ArticleRecord",
    "Digest",
    "DigestSection",
    "DigestStory",
    "Evidence",
    "FeedProblem",
    "HitRecord",
    "MessageKind",
    "Rendered",
    "StoryRecord",
]

MessageKind = Literal["alert", "digest"]


# -- what a message shows (build.py produces these, render.py consumes them) ---------------


@dataclass(frozen=True, slots=True)
class ArticleLink:
    """An article as a link with its outlet; syndicated copies fold under their original."""

    title: str
    url: str | None  # None when the URL is not http(s): never link it
    outlet: str
    published_at: datetime | None
    copies: tuple[ArticleLink, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """A matched person or term with a short snippet that shows it in context; `label` says
    what matched in words (`keyword "defected"`, `person Thae Yong-ho`), not matcher syntax."""

    term: str
    snippet: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class DigestStory:
    """One story as a reader sees it."""

    key: str
    watchlist: str
    headline: str
    badge: AlertKind
    first_seen: datetime  # when the service first saw a report of it
    last_seen: datetime
    origins: tuple[str, ...]
    people: tuple[str, ...]
    terms: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    articles: tuple[ArticleLink, ...]
    stale: bool
    score: float
    lead: str | None = None  # the first report's lead sentence
    first_published: datetime | None = None  # the earliest publication time, shown apart
    also_named: tuple[str, ...] = ()  # known people named only as background or context
    desk_url: str | None = None  # the story's page on the analyst's desk (web.public_url)
    feedback_url: str | None = None  # signed one-click "not relevant" (web.link_key)


@dataclass(frozen=True, slots=True)
class DigestSection:
    """The stories of one watchlist, newest first."""

    watchlist: str
    stories: tuple[DigestStory, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """A message: a scheduled digest, or one alert (a digest of one story with its kind)."""

    kind: MessageKind
    channel: str
    subject: str
    since: datetime | None
    until: datetime
    timezone: str
    sections: tuple[DigestSection, ...] = ()
    alert_kind: AlertKind | None = None  # for kind == "alert"
    counts: dict[str, int] = field(default_factory=dict)
    feed_problems: tuple[FeedProblem, ...] = ()  # digests only: coverage the reader lacks
    # digests only: old reports first found in this period (stale stories), listed briefly
    found_late: tuple[DigestStory, ...] = ()
    # digests only: reports about long-known defectors that report no new defection
    # (stories.alerts.person_news: never announced, so never `new`), listed briefly
    person_news: tuple[DigestStory, ...] = ()

    @property
    def stories(self) -> tuple[DigestStory, ...]:
        return tuple(s for sec in self.sections for s in sec.stories)

    @property
    def empty(self) -> bool:
        return not self.stories and not self.found_late and not self.person_news


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message rendered for one channel: subject, plain text, HTML."""

    subject: str
    text: str
    html: str
