"""Values that story assignment and alert decisions take and return. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from monitor.domain import AlertKind
from monitor.stories.events import distinctive_tokens, event_profile

__all__ = ["Alert", "AlertKind", "Assignment", "CopyOf", "StoryCandidate", "StorySummary"]


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """A hit article about to join a story; derived tokens are computed once, here."""

    article_id: int
    watchlist: str
    outlet: str
    title: str
    text: str
    published_at: datetime | None
    discovered_at: datetime
    people: frozenset[str] = frozenset()  # canonical names from the matcher
    terms: frozenset[str] = frozenset()  # matched keyword terms (too common to tell events apart)
    fingerprint: int | None = None  # fingerprint.fingerprint(text)
    origins: tuple[str, ...] = ()  # origins.article_origins(text, own_outlet=outlet)
    background: frozenset[str] = frozenset()  # people named only as background (subjects.py)
    event: frozenset[str] = field(default=frozenset(), init=False)  # every event tag named
    weights: Mapping[str, float] = field(default_factory=dict, init=False, compare=False)
    tokens: frozenset[str] = field(default=frozenset(), init=False)  # distinctive tokens

    def __post_init__(self) -> None:
        profile = event_profile(self.title, self.text, self.published_at or self.discovered_at)
        object.__setattr__(self, "weights", profile)
        object.__setattr__(self, "event", frozenset(profile))
        object.__setattr__(
            self, "tokens", distinctive_tokens(self.title, self.text, ignore=self.terms)
        )

    @property
    def time(self) -> datetime:
        """When the news happened as far as we know: publication, else discovery."""
        return self.published_at or self.discovered_at


@dataclass(frozen=True, slots=True)
class StorySummary:
    """What assignment needs to know about one open story (one row plus aggregates)."""

    story_id: int
    key: str
    watchlist: str
    headline: str
    first_seen: datetime
    last_seen: datetime
    people: frozenset[str] = frozenset()
    event_terms: frozenset[str] = frozenset()  # roles, places, details, counts, dates named
    #: each event term's weight (events.event_profile; the heaviest among the story's
    #: original reports); a term missing here weighs 1
    term_weights: Mapping[str, float] = field(default_factory=dict, compare=False, hash=False)
    centroid: frozenset[str] = frozenset()  # distinctive headline/lead tokens of its articles
    fingerprints: tuple[tuple[int, int], ...] = ()  # (article id, fingerprint)
    origins: frozenset[str] = frozenset()  # distinct independent origins
    confirmed: bool = False  # an official source is among the origins
    announced: bool = False  # a `new` alert was raised (False while only stale reports exist)
    articles: int = 0  # how many articles it holds, copies included
    score: float = 0.0  # the highest score of its hits (channels filter on it)

    @property
    def origin_count(self) -> int:
        """The independent origin count that `corroborated` alerts track."""
        return len(self.origins)


@dataclass(frozen=True, slots=True)
class CopyOf:
    """What the copy index found: the original this body copies, and that original's story."""

    article_id: int  # the root original (a copy of a copy points to the root)
    story_id: int | None  # its story in the candidate's watchlist, if it has one
    reason: str = "copy"  # e.g. "copy of 12: 0.91 of the shorter text's shingles"


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where a candidate goes: an existing story (story_id) or a new one (story_id None)."""

    story_id: int | None
    story_key: str
    copy_of: int | None  # article id of the text this one republishes
    score: float  # the winning story's score; 0.0 for a new story
    reasons: tuple[str, ...]  # why, for `monitor story` and logs

    @property
    def new_story(self) -> bool:
        return self.story_id is None


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert to enqueue; `key` is unique, so a replay never raises it twice."""

    kind: AlertKind
    story_key: str
    key: str
    origin_count: int
    origins: tuple[str, ...]
    confirmed: bool
