"""The `stories:` section of monitor.yaml: grouping, syndication, origins, staleness."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from monitor.config.types import Duration


class StoriesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    window: Duration = Field(
        timedelta(days=14), description="A hit joins only stories seen within this window."
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
