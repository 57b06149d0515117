"""The schema of one watchlist file (config/watchlists/*.yaml)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    korean: bool = Field(True, description="Generate Korean romanization variants of the name.")
    note: str = Field("", description="One line: who this is.")


class WeightsConfig(_Strict):
    keyword: float = Field(2.0, description="A defection keyword with context nearby.")
    target_person: float = Field(3.0, description="A target person named.")
    context_person: float = Field(0.5, description="A context person, next to a keyword.")
    title_factor: float = Field(1.5, description="Multiplier for matches in the title.")


class WatchlistConfig(_Strict):
    id: str = Field(description="Unique id, e.g. nk-defections.")
    description: str = Field("", description="What this watchlist is for.")
    keywords: list[str] = Field(
        default_factory=list,
        description="Phrases; a trailing * matches any ending (defect*).",
    )
    context: list[str] = Field(
        default_factory=list,
        description="Terms that must occur near a keyword (North Korea, 북한).",
    )
    context_window: int | Literal["sentence"] = Field(
        "sentence", description="'sentence', or the number of words between keyword and context."
    )
    exclusions: list[str] = Field(
        default_factory=list, description="Phrases that veto a keyword occurrence they cover."
    )
    people: list[PersonConfig] = Field(default_factory=list)
    threshold: float = Field(2.0, description="Score at or above which an article is a hit.")
    weights: WeightsConfig = Field(default_factory=WeightsConfig)

    @field_validator("id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        if not re.match(r"^[a-z0-9][a-z0-9._-]{0,63}$", v):
            raise ValueError(
                f"{v!r} is not a valid watchlist id (lowercase, digits, '.', '_', '-')"
            )
        return v
