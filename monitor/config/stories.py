"""The `stories:` section of monitor.yaml: grouping, syndication, origins, staleness."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from monitor.config.types import Duration


class StoriesConfig(BaseModel):
    """How hits group into stories and which sources corroborate (docs/stories.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window: Duration = Field(
        timedelta(days=45),
        description="A hit joins only stories seen within this window (follow-ups often come "
        "weeks later: the defector named, an interview).",
    )
    stale_after: Duration = Field(
        timedelta(days=3),
        description="An article published longer than this before discovery raises no `new` alert.",
    )
    official_sources: list[str] = Field(
        default_factory=lambda: [
            "Unification Ministry",
            "National Intelligence Service",
            "Joint Chiefs of Staff",
            "Ministry of National Defense",
        ],
        description="Origins that mark a story confirmed.",
    )
    join_score: float = Field(
        2.0,
        ge=0,
        description="A hit joins the best open story whose similarity score reaches this "
        "(shared people, event terms and headline/lead words; see docs/stories.md).",
    )
    copy_similarity: float = Field(
        0.75,
        gt=0.5,
        le=1.0,
        description="SimHash similarity (1 - differing bits/64) at or above which a body is "
        "a syndicated copy of a stored one.",
    )
