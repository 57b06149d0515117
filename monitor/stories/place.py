"""Pure placement: given where assignment put a hit article, what its story becomes.

Ingest reads what placement needs (the synced index, and for a copy the stored original),
calls `assign` and `place`, and writes the `Placement` as it is: every decision between the
reads and the writes is made here, without I/O, so tests and benches call the very code the
pipeline runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from monitor.config.stories import StoriesConfig
from monitor.stories.alerts import decide_alerts
from monitor.stories.cluster import add_to_story, is_stale, open_story
from monitor.stories.index import StoryIndex
from monitor.stories.model import Alert, Assignment, StoryCandidate, StorySummary
from monitor.stories.origins import copy_origins

__all__ = ["Original", "Placement", "place"]


@dataclass(frozen=True, slots=True)
class Original:
    """What placement needs of the stored article a candidate copies."""

    article_id: int
    published_at: datetime | None
    wire: str  # the wire service its body credits (origins.wire_source)
    origins: tuple[str, ...]  # the origins recorded on its story link


@dataclass(frozen=True, slots=True)
class Placement:
    """One hit article placed: the story before and after, the link, the alerts to raise."""

    assignment: Assignment
    before: StorySummary | None  # None: the article opens a new story
    after: StorySummary  # story_id is 0 while the story is not written yet
    origins: tuple[str, ...]  # the origins recorded on the article's link
    stale: bool
    alerts: tuple[Alert, ...]
    repoint: int | None = None  # a stored article found to copy this one: it and its copies

    @property
    def opened(self) -> bool:
        return self.before is None


def _earlier(candidate: StoryCandidate, original: Original) -> bool:
    return (
        candidate.published_at is not None
        and original.published_at is not None
        and candidate.published_at < original.published_at
    )


def place(
    candidate: StoryCandidate,
    assignment: Assignment,
    index: StoryIndex,
    cfg: StoriesConfig,
    *,
    score: float,
    original: Original | None = None,
    voices: frozenset[str] = frozenset(),
    reposters: tuple[str, ...] = (),
    quiet: str | None = None,
) -> Placement | None:
    """The placement of a candidate where `assignment` put it (None: its story is gone).

    `original` is the stored article `assignment.copy_of` names. Feeds are polled
    concurrently, so a copy may be placed before its original: the earlier publication is
    the original, and the stored one becomes its copy (`repoint`). `score` is the hit's;
    the story keeps the highest score of its hits. `voices`: outlets whose own reports
    the story holds (crediting one adds no origin); `reposters`: sites a copy came through
    (never its origins); `quiet`: why the article announces nothing (alerts.person_news).
    """
    stale = is_stale(candidate, cfg)
    origins = candidate.origins
    repoint: int | None = None
    if assignment.copy_of is not None and original is not None:
        if _earlier(candidate, original):
            repoint = original.article_id
            assignment = replace(assignment, copy_of=None, reasons=("original of a copy",))
        else:
            origins = tuple(
                copy_origins(
                    [o for o in candidate.origins if o != candidate.outlet],
                    original_source=original.wire,
                    original_origins=list(original.origins),
                    outlet=candidate.outlet,
                    reposters=reposters,
                )
            )
    before: StorySummary | None = None
    if assignment.story_id is None:
        after = open_story(candidate, assignment, cfg, story_id=0)
    else:
        before = index.get(assignment.story_id)
        if before is None:
            return None
        after = add_to_story(before, candidate, assignment, cfg, voices=voices)
    after = replace(after, score=max(score, before.score if before else score))
    alerts = tuple(decide_alerts(before, after, stale=stale, quiet=quiet is not None))
    if quiet is not None:
        # announced only by a `new` alert: a quiet opener leaves the story unannounced
        announced = (before is not None and before.announced) or any(
            a.kind == "new" for a in alerts
        )
        after = replace(after, announced=announced)
        assignment = replace(assignment, reasons=(*assignment.reasons, quiet))
    return Placement(assignment, before, after, origins, stale, alerts, repoint)
