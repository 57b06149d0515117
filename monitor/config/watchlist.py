"""The schema of one watchlist file (config/watchlists/*.yaml)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def _is_hangul(c: str) -> bool:
    """Hangul syllables and jamo (compatibility jamo included)."""
    o = ord(c)
    return 0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeywordConfig(_Strict):
    term: str = Field(description="Canonical term; a trailing * matches any word ending.")
    forms: list[str] = Field(
        default_factory=list, description="Explicit inflected forms, matched as whole words."
    )
    weight: float | None = Field(
        None, ge=0, description="Weight of this keyword; default weights.keyword."
    )
    needs_context: bool = Field(
        True,
        description="false for terms specific enough to count without a context term nearby "
        "(탈북: 'escape from the North').",
    )
    late_weight: float | None = Field(
        None,
        ge=0,
        description="Weight past the title and lead (claims.lead_sentences): a plural "
        "'defectors' deep in a story is background more often than news. Default: weight.",
    )
    reverse: bool = Field(
        False,
        description="The term itself moves toward the watched country (월북: 'went to the "
        "North'): a claim only when its subject is returning (claims.returning).",
    )

    @field_validator("term")
    @classmethod
    def _check_term(cls, v: str) -> str:
        if not v.strip() or not v.strip().rstrip("*").strip():
            raise ValueError("a keyword term must not be empty")
        return v


class PersonConfig(_Strict):
    name: str = Field(description="Canonical name, family name first for Korean names.")
    aliases: list[str] = Field(
        default_factory=list, description="Other names generation cannot know."
    )
    hangul: str | None = Field(None, description="The name in Hangul, e.g. 태영호.")
    role: Literal["target", "context"] = Field(
        "target",
        description="target: naming them makes a hit; context: adds weight, never hits alone.",
    )
    korean: bool = Field(
        True, description="Korean name: generate separator, order and romanization variants."
    )
    alternatives: bool = Field(
        True,
        description="Also generate alternative romanizations (Ri/Lee, Jo/Cho ...); false for "
        "names whose other spellings belong to many other people.",
    )
    note: str = Field("", description="One line: who this is.")
    known_since: int | None = Field(
        None,
        ge=1900,
        le=2100,
        description="The year this person's defection became public (it may be later than "
        "the defection itself: a first interview years on). A report published in a later "
        "year whose only acts are dated long before is news about the person, not a new "
        "defection: stored, grouped and in digests, but no `new` alert (docs/alerts.md).",
    )

    @field_validator("hangul")
    @classmethod
    def _check_hangul(cls, v: str | None) -> str | None:
        """The Hangul field holds Hangul: a romanized name typed here would never match."""
        if v is None:
            return v
        letters = [c for c in v if c.isalpha()]
        if not letters or not all(_is_hangul(c) for c in letters):
            raise ValueError(
                f"{v!r} is not written in Hangul (e.g. 태영호); put romanized spellings in "
                "name or aliases"
            )
        return v

    @field_validator("aliases")
    @classmethod
    def _check_aliases(cls, v: list[str]) -> list[str]:
        for alias in v:
            if len(alias.split()) < 2 and alias.isascii() and len(alias.strip()) < 4:
                raise ValueError(
                    f"alias {alias!r} is too short to match on its own; give the full name"
                )
        return v


_LEXICON_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_GAP = re.compile(r"^~\d+$")


def pattern_tokens(pattern: str) -> list[str]:
    """A claim pattern's tokens: KW, KW=forms, LEXICON names, ~N gaps, word|word alternatives."""
    return pattern.split()


def _patterns(description: str) -> list[str]:
    """An optional list of patterns or terms (empty by default), described for the schema."""
    default: list[str] = Field(default_factory=list, description=description)
    return default


class PhraseConfig(_Strict):
    name: str = Field(description="What the phrase family claims, shown in explanations.")
    pattern: str = Field(
        description="Tokens: LEXICON names, word|word* alternatives, ~N (up to N words between)."
    )
    weight: float | None = Field(None, ge=0, description="Default weights.keyword.")
    needs_context: bool = Field(True, description="As for keywords.")
    title_weight: float | None = Field(
        None,
        ge=0,
        description="The least the phrase weighs in the title (default: weight x "
        "title_factor). A headline phrase that names who moves and where ('North Korean pilot "
        "flies MiG-19 to South Korea') can make a hit alone: a feed item may carry no body.",
    )


class ClaimsConfig(_Strict):
    """What makes a keyword a claim: who moves, where to, and not negated or only cited."""

    lexicon: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Named word families used in patterns (WANT: [want*, wish*, ask*]).",
    )
    phrases: list[PhraseConfig] = Field(
        default_factory=list,
        description="Phrase families that make a claim without a keyword "
        "('WANT ~3 STAY ~3 SOUTH': asked to stay in South Korea).",
    )
    negation: list[str] = _patterns("Patterns around KW that negate it ('no ~3 INTENT of KW').")
    sources: list[str] = _patterns(
        "Patterns around KW where the people named are only sources "
        "('interview* ~6 KW': interviews with defectors)."
    )
    senses: list[str] = _patterns(
        "Patterns around KW where it has another sense ('KW ~1 to|from ~4 party': "
        "a lawmaker defected to another party)."
    )
    reverse: list[str] = _patterns(
        "Patterns around KW that send the move toward the watched country "
        "('KW ~4 NORTH': defected to the North)."
    )
    returning: list[str] = _patterns(
        "Terms in a reversed claim's sentence that make it count anyway (a defector going back)."
    )
    retraction: list[str] = _patterns(
        "Contrast words (however, but, 그러나): a negated claim whose sentence has "
        "one retracts the claims before it in its paragraph (speculation, then a denial)."
    )
    others: list[str] = _patterns(
        "Words that give a negation other subjects (the other two, the rest, "
        "나머지): no retraction then."
    )
    status: list[str] = _patterns(
        "Patterns around an accepted KW that name people by what they once did, not an act "
        "('KW=defector*': Defector Thae wins a seat; 'north koreans ~1 who ~1 have ~0 KW': "
        "helps North Koreans who have escaped). A status still counts for the hit; only "
        "acts decide whether a report about a known defector is news (docs/alerts.md)."
    )
    foreign: list[str] = _patterns(
        "Subjects that are not the watched people (Russian, Cuban): a keyword "
        "whose sentence names one and no context term is no claim."
    )
    carry_subjects: list[str] = _patterns(
        "Terms (lexicon names allowed) that name one of the watched people as a subject "
        "(a North Korean soldier): a keyword with no context term in its sentence counts "
        "when that sentence refers back with one of `carry_pronouns` and the sentence "
        "before names such a subject ('A North Korean soldier crossed the line. Troops "
        "took him into custody')."
    )
    carry_pronouns: list[str] = _patterns(
        "Words that refer back to the previous sentence's subject (he, him, they, them)."
    )
    article_context: bool = Field(
        False,
        description="A strong keyword (weight >= threshold) without a context term in its "
        "sentence counts when the title or the lead names the context.",
    )
    lead_sentences: int = Field(2, ge=0, description="How many body sentences are the lead.")

    @model_validator(mode="after")
    def _check_patterns(self) -> ClaimsConfig:
        for name in self.lexicon:
            if not _LEXICON_NAME.match(name):
                raise ValueError(f"lexicon name {name!r} must be UPPER_CASE")
        groups = {
            "negation": self.negation,
            "sources": self.sources,
            "senses": self.senses,
            "reverse": self.reverse,
            "status": self.status,
            "phrases": [p.pattern for p in self.phrases],
        }
        for group, patterns in groups.items():
            for pattern in patterns:
                tokens = pattern_tokens(pattern)
                kws = [t for t in tokens if t == "KW" or t.startswith("KW=")]
                if group == "phrases" and kws:
                    raise ValueError(f"{group}: {pattern!r}: a phrase has no KW slot")
                if group != "phrases" and len(kws) != 1:
                    raise ValueError(f"{group}: {pattern!r}: needs exactly one KW slot")
                for t in tokens:
                    names = t[3:].split("|") if t.startswith("KW=") else t.split("|")
                    for name in names:
                        if name in ("KW", "PERCENT") or not _LEXICON_NAME.match(name):
                            continue
                        if name not in self.lexicon:
                            raise ValueError(f"{group}: {pattern!r}: no lexicon entry {name!r}")
                if not tokens or _GAP.match(tokens[0]) or _GAP.match(tokens[-1]):
                    raise ValueError(f"{group}: {pattern!r}: must not start or end with a gap")
        for term in self.carry_subjects:
            if _LEXICON_NAME.match(term) and term not in self.lexicon:
                raise ValueError(f"carry_subjects: no lexicon entry {term!r}")
        return self


class WeightsConfig(_Strict):
    keyword: float = Field(2.0, description="A keyword with context nearby (default weight).")
    target_person: float = Field(3.0, description="A target person named.")
    context_person: float = Field(0.5, description="A context person, next to a keyword.")
    title_factor: float = Field(1.5, description="Multiplier for matches in the title.")


class WatchlistConfig(_Strict):
    id: str = Field(description="Unique id, e.g. nk-defections.")
    description: str = Field("", description="What this watchlist is for.")
    keywords: list[str | KeywordConfig] = Field(
        default_factory=list,
        description="Phrases; a trailing * matches any ending (defect*); or a mapping with "
        "term, forms, weight, needs_context.",
    )
    context: list[str] = Field(
        default_factory=list,
        description="Terms that must occur near a keyword (North Korea, 북한).",
    )
    context_window: int | Literal["sentence"] = Field(
        "sentence",
        description="'sentence' (same sentence), or the most words between keyword and context.",
    )
    exclusions: list[str] = Field(
        default_factory=list, description="Phrases that veto a keyword occurrence they cover."
    )
    people: list[PersonConfig] = Field(default_factory=list)
    claims: ClaimsConfig = Field(
        default_factory=ClaimsConfig,
        description="Claim rules: negation, sources, direction, foreign subjects, phrases.",
    )
    threshold: float = Field(2.0, gt=0, description="Score at or above which an article is a hit.")
    weights: WeightsConfig = Field(default_factory=WeightsConfig)

    @field_validator("id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        if not re.match(r"^[a-z0-9][a-z0-9._-]{0,63}$", v):
            raise ValueError(
                f"{v!r} is not a valid watchlist id (lowercase, digits, '.', '_', '-')"
            )
        return v

    @field_validator("people")
    @classmethod
    def _people_once(cls, people: list[PersonConfig]) -> list[PersonConfig]:
        """A person listed twice gets two weights and two explanations for one mention."""
        seen: dict[str, int] = {}
        for i, person in enumerate(people):
            for spelling in (person.name, person.hangul):
                if not spelling:
                    continue
                key = " ".join(spelling.replace("-", " ").casefold().split())
                if key in seen:
                    raise ValueError(
                        f"people[{i}] ({person.name}) repeats people[{seen[key]}] "
                        f"({spelling!r}); list each person once, other spellings as aliases"
                    )
                seen[key] = i
        return people

    @model_validator(mode="after")
    def _targets_hit_alone(self) -> WatchlistConfig:
        targets = any(p.role == "target" for p in self.people)
        if targets and self.weights.target_person < self.threshold:
            raise ValueError(
                f"weights.target_person ({self.weights.target_person}) must be at least "
                f"threshold ({self.threshold}): a named target person makes a hit alone"
            )
        return self

    def keyword_configs(self) -> list[KeywordConfig]:
        """Keywords with the string shorthand expanded."""
        return [k if isinstance(k, KeywordConfig) else KeywordConfig(term=k) for k in self.keywords]
