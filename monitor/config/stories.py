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
    copy_window: Duration = Field(
        timedelta(days=30),
        description="A new body is compared with every body stored within this window to find "
        "the agency text it copies, whatever story either is in.",
    )
    copy_containment: float = Field(
        0.45,
        gt=0.0,
        le=1.0,
        description="Share of the shorter text's word 4-shingles (captions, datelines and "
        "trailers removed) found in a stored body at or above which the new one is its copy "
        "(real copies 0.53-0.98, unrelated reports at most 0.36).",
    )
