"""The schema of one watchlist file (config/watchlists/*.yaml)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


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

    @field_validator("aliases")
    @classmethod
    def _check_aliases(cls, v: list[str]) -> list[str]:
        for alias in v:
            if len(alias.split()) < 2 and alias.isascii() and len(alias.strip()) < 4:
                raise ValueError(
                    f"alias {alias!r} is too short to match on its own; give the full name"
                )
        return v


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
