"""An alert shows the story as it was when the alert was raised, not as it is when sent.

Corroboration alerts for two and for three independent origins are sent a moment apart; read
from the story at send time both said "3 independent origins" and listed the same articles.
Each alert records its origin count and the article that raised it, and each story link
when it was added: `as_of_alert` cuts the story back to that moment (pure).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from monitor.delivery.model import StoryRecord

__all__ = ["as_of_alert"]


def as_of_alert(
    story: StoryRecord, *, at: datetime, article_id: int | None, origin_count: int | None
) -> StoryRecord:
    """`story` with only the articles it had when the alert was raised, their origins and the
    alert's recorded origin count; the article that raised it comes first."""
    cause = next((a for a in story.articles if a.id == article_id), None)
    cutoff = cause.added_at if cause is not None and cause.added_at is not None else at
    kept = [a for a in story.articles if a.added_at is None or a.added_at <= cutoff]
    kept.sort(key=lambda a: a.id != article_id)  # stable: the cause first, then as loaded
    origins = tuple(dict.fromkeys(o for a in kept if a.copy_of is None for o in a.origins))
    if not any(a.origins for a in kept):  # links written before they carried origins
        origins = story.origins
    count = origin_count or len(origins) or story.origin_count
    if len(origins) > count:  # never list more origins than the alert counted
        origins = origins[:count]
    ids = {a.id for a in kept}
    return replace(
        story,
        articles=tuple(kept),
        hits=tuple(h for h in story.hits if h.article_id in ids),
        origins=origins,
        origin_count=count,
        last_seen=max((a.discovered_at for a in kept), default=story.last_seen),
    )
