"""Typed values that flow between pipeline stages. No I/O here."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

#: What an alert says about its story; channels filter on it, messages badge with it.
AlertKind = Literal["new", "corroborated", "confirmed"]
ALERT_KINDS: tuple[AlertKind, ...] = ("new", "corroborated", "confirmed")


def alert_kind(value: str) -> AlertKind:
    """A stored kind as an AlertKind (an unknown one, from an older schema, reads as `new`)."""
    return value if value in ALERT_KINDS else "new"


class DateSource(enum.StrEnum):
    """Where an article's publication date came from (most trusted first)."""

    META = "meta"  # <meta property="article:published_time">, itemprop, Dublin Core ...
    JSONLD = "jsonld"  # schema.org datePublished in JSON-LD
    TIME = "time"  # <time datetime> inside the article
    FEED = "feed"  # the feed entry's published/updated date
    NONE = "none"


class ExtractionStatus(enum.StrEnum):
    """How an article's body was obtained."""

    PAGE = "page"  # extracted from the fetched article page
    FEED_FALLBACK = "feed-fallback"  # page failed or had no body: feed content/summary used
    BLOCKED = "blocked"  # link refused by the SSRF guard; feed text used
    EMPTY = "empty"  # nothing usable anywhere (title only)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one HTTP GET returned. A 304 is a result (`not_modified`), not an error."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    body: bytes
    headers: dict[str, str]
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    redirected_permanently: bool = False  # every hop was a 301/308: the feed moved


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a parsed feed, normalized."""

    feed_id: str
    guid: str | None
    url: str  # the link as given (absolute)
    canonical_url: str  # tracking parameters and fragment removed
    title: str
    summary: str = ""  # plain text
    content: str = ""  # plain text of content:encoded / atom content
    author: str | None = None
    published_at: datetime | None = None  # timezone-aware UTC
    source: str | None = None  # <source> of an aggregator's item: the outlet that published it
    # False when `url` is no page of this entry's own (the feed, the home page, a page many
    # entries share): the entry's text is its body and nothing is fetched
    has_page: bool = True


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed's entries plus what went wrong while parsing (bozo), if anything."""

    entries: list[FeedEntry]
    title: str | None = None
    bozo: str | None = None  # feedparser's complaint, when it had one
    encoding: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class Extracted:
    """What the extractor pulled out of an article page."""

    text: str
    title: str | None = None
    author: str | None = None
    language: str | None = None
    published_at: datetime | None = None
    date_source: DateSource = DateSource.NONE


@dataclass(frozen=True, slots=True)
class Article:
    """A stored news article: the unit that matching, stories and alerts work on."""

    canonical_url: str
    url: str
    feed_id: str
    outlet: str
    title: str
    text: str
    guid: str | None = None
    author: str | None = None
    language: str | None = None
    published_at: datetime | None = None
    date_source: DateSource = DateSource.NONE
    extraction: ExtractionStatus = ExtractionStatus.PAGE
    extraction_error: str | None = None
    discovered_at: datetime | None = None
    id: int | None = None  # database id once stored
    # what the feed said of the item, as parsed (feed_entry_record): shown on the desk
    feed_entry: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    """An alert just recorded, with what the outbox filters on (no need to read it back)."""

    id: int
    key: str  # idempotency key
    kind: AlertKind
    story_id: int
    story_key: str
    watchlist: str
    score: float  # the story's score
    confirmed: bool  # the story is confirmed by an official source
    created_at: datetime
    article_id: int | None = None  # the article that raised it
    origin_count: int | None = None  # the origin count it recorded


# -- stories as messages show them, read from the database (store/reads.py) ---------------


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """One article of a story, with the article it copies (syndication) if any."""

    id: int
    url: str
    outlet: str
    title: str
    published_at: datetime | None
    discovered_at: datetime
    copy_of: int | None = None
    origins: tuple[str, ...] = ()  # what its story link credits (none for a copy)
    added_at: datetime | None = None  # when it joined the story (alerts show the story then)
    lead: str | None = None  # the body's first sentence
    stale: bool = False  # old when it was found (published long before discovery)


@dataclass(frozen=True, slots=True)
class HitRecord:
    """A watchlist hit on one of the story's articles, with its explanation JSON."""

    article_id: int
    score: float
    people: tuple[str, ...]
    explanation: dict[str, object]


@dataclass(frozen=True, slots=True)
class StoryRecord:
    """A story row plus its articles, hits and alerts: everything a message shows."""

    id: int
    key: str
    watchlist: str
    headline: str
    first_seen: datetime
    last_seen: datetime
    origin_count: int
    origins: tuple[str, ...]
    confirmed: bool
    stale: bool
    people: tuple[str, ...]
    terms: tuple[str, ...]
    score: float
    articles: tuple[ArticleRecord, ...] = ()
    hits: tuple[HitRecord, ...] = ()
    # unannounced (`stale`) because every report is news about long-known defectors
    # (stories.alerts.person_news), not because any was old when found
    person_news: bool = False


@dataclass(frozen=True, slots=True)
class FeedProblem:
    """A feed the reader should know is not being watched properly (shown in digests)."""

    feed_id: str
    status: str  # failing, disabled
    since: datetime | None  # last poll
    detail: str
