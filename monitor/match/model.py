"""Matching's values: the compiled watchlist the matcher reads (entries, kinds), and what it
returns (hits with their explanation, misses that help tune a watchlist).

`compile` builds the first, `matcher` reads them and builds the second; both import this
module and neither imports the other's internals, so the two no longer import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from monitor.match.claims import ClaimRules

Field = Literal["title", "body"]
Rule = Literal["keyword", "target-person", "context-person"]
MissReason = Literal[
    "no-context",
    "excluded",
    "below-threshold",
    "context-person-only",
    "negated",  # "showed no intention of defecting", "귀순 의사 없어"
    "source",  # defectors only as the sources of another story
    "other-sense",  # a lawmaker who defected to another party
    "reverse",  # the move goes toward the watched country, by someone not returning
    "foreign-subject",  # a Russian pilot: no context term, a foreign subject in the sentence
]


@dataclass(frozen=True, slots=True)
class Match:
    """One occurrence that contributed to a hit: which rule, what, where, and how much."""

    rule: Rule
    term: str  # canonical: the keyword as configured, or the person's canonical name
    text: str  # as written in the article
    field: Field
    start: int  # offsets in that field's original text
    end: int
    snippet: str
    weight: float
    context: str | None = None  # the context term that licensed a keyword, as written
    context_from: str | None = None  # "article" (the title or lead), "sentence-before"
    phrase: str | None = None  # the claim pattern that found this phrase (rule "keyword")
    #: the status pattern that fits a keyword: it names people by what they once did
    #: ("Defector Thae"), not an act the article reports (claims.status)
    status: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "term": self.term,
            "text": self.text,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "snippet": self.snippet,
            "weight": round(self.weight, 3),
        }
        if self.context is not None:
            data["context"] = self.context
        if self.context_from is not None:
            data["context_from"] = self.context_from
        if self.phrase is not None:
            data["phrase"] = self.phrase
        if self.status is not None:
            data["status"] = self.status
        return data


@dataclass(frozen=True, slots=True)
class Miss:
    """Why something did not count: tells a maintainer which rule to tune."""

    watchlist: str
    reason: MissReason
    term: str | None = None
    text: str | None = None
    field: Field | None = None
    start: int | None = None
    snippet: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "watchlist": self.watchlist,
            "reason": self.reason,
            "term": self.term,
            "text": self.text,
            "field": self.field,
            "start": self.start,
            "snippet": self.snippet,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Hit:
    """A watchlist whose score reached its threshold, with every contributing match."""

    watchlist: str
    score: float
    threshold: float
    people: tuple[str, ...]  # canonical names, target and context people
    target_people: tuple[str, ...]
    terms: tuple[str, ...]  # canonical keyword terms that counted
    matches: tuple[Match, ...]

    def to_json(self) -> dict[str, Any]:
        """The explanation stored with the hit in the database and printed by the CLI."""
        return {
            "watchlist": self.watchlist,
            "score": round(self.score, 3),
            "threshold": self.threshold,
            "people": list(self.people),
            "target_people": list(self.target_people),
            "terms": list(self.terms),
            "matches": [m.to_json() for m in self.matches],
        }


@dataclass(frozen=True, slots=True)
class MatchReport:
    """Everything one article produced, over every watchlist matched."""

    hits: list[Hit] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)
    mentions: dict[str, list[str]] = field(default_factory=dict)  # watchlist -> people

    @property
    def hit(self) -> bool:
        return bool(self.hits)

    def get(self, watchlist: str) -> Hit | None:
        """The hit of one watchlist, if it hit."""
        return next((h for h in self.hits if h.watchlist == watchlist), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "hits": [h.to_json() for h in self.hits],
            "misses": [m.to_json() for m in self.misses],
            "mentions": self.mentions,
        }


# -- the compiled watchlists (compile.py builds them, matcher.py reads them) ----------------

#: What an automaton entry stands for.
KEYWORD, CONTEXT, EXCLUSION, TARGET, CONTEXT_PERSON, ANCHOR = range(6)


@dataclass(frozen=True, slots=True)
class Entry:
    """One use of a pattern: in which watchlist, as what, standing for which canonical term."""

    watchlist: int
    kind: int
    canonical: str
    prefix: bool = False  # `term*`: the occurrence extends to the end of the word
    weight: float = 0.0
    needs_context: bool = True
    reverse: bool = False  # the term moves toward the watched country (월북)
    phrase: str | None = None  # a claim phrase family's pattern (found from an anchor)
    late_weight: float | None = None  # the weight past the title and lead, if different
    title_weight: float | None = None  # the least it weighs in the title (a claim phrase)

    @property
    def is_person(self) -> bool:
        return self.kind in (TARGET, CONTEXT_PERSON)


@dataclass(frozen=True, slots=True)
class CompiledWatchlist:
    """The parts of one watchlist the matcher needs after compilation."""

    id: str
    threshold: float
    title_factor: float
    context_person_weight: float
    window: int | None  # None: same sentence
    people: dict[str, str]  # canonical name -> role
    keyword_weight: float
    claims: ClaimRules


@dataclass(frozen=True, slots=True)
class CompileStats:
    """How big the compiled automaton is and how long it took, for the benchmark and logs."""

    patterns: int
    entries: int
    seconds: float
