"""Pure: analysts' corrections → corpus records (shared/corpus/README.md) that `monitor eval`
replays, so every correction becomes a regression case for the next watchlist change.

Labels come from the corrections in force; where an article has none for a question (an
original that a "copy of" names, a story's other reports), the pipeline's own verdict stands,
so the exported file is a consistent corpus on its own. Bodies are exported as stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from monitor.store.feedback import CorrectedArticle, Feedback
from monitor.stories.outlets import normalize_outlet


def corpus_id(article_id: int) -> str:
    return f"desk-{article_id}"


def to_corpus(
    feedback: Sequence[Feedback],
    articles: Sequence[CorrectedArticle],
    story_keys: dict[int, str],
    *,
    watchlist: str | None = None,
) -> list[dict[str, Any]]:
    """One corpus record per article, oldest first; `watchlist` keeps that watchlist's
    corrections only (corrections without a watchlist count for every one)."""
    exported = {a.id for a in articles}
    mine = [f for f in feedback if watchlist is None or f.watchlist in (None, watchlist)]
    by_article: dict[int, dict[str, Feedback]] = {}
    for f in mine:
        if f.article_id is not None:
            by_article.setdefault(f.article_id, {})[f.label] = f
    out = []
    for a in articles:
        said = by_article.get(a.id, {})
        hits = {w: s for w, s in a.hits.items() if watchlist is None or w == watchlist}
        stories = {w: k for w, k in a.stories.items() if watchlist is None or w == watchlist}
        if "relevant" in said or "not-relevant" in said:
            relevant = "relevant" in said
        else:
            relevant = bool(hits)
        event: str | None = next(iter(stories.values()), None)
        if "belongs-to" in said:
            event = story_keys.get(said["belongs-to"].other_id or -1, event)
        elif "not-same-story" in said:
            event = f"desk-event-{a.id}"  # an event of its own, apart from the story it was in
        syndicated: str | None = None
        if "copy-of" in said and said["copy-of"].other_id in exported:
            syndicated = corpus_id(int(said["copy-of"].other_id or 0))
        elif "not-a-copy" not in said and a.copy_of in exported:
            syndicated = corpus_id(int(a.copy_of or 0))
        own = normalize_outlet(a.outlet)
        why = [
            f"desk: {f.label} by {f.who} {f.created_at.astimezone(UTC):%Y-%m-%d}"
            + (f" ({f.note})" if f.note else "")
            for f in said.values()
        ]
        out.append(
            {
                "id": corpus_id(a.id),
                "outlet": a.outlet,
                "feed": a.feed_id,
                "url": a.url,
                "published": (a.published_at or a.discovered_at).astimezone(UTC).isoformat(),
                "title": a.title,
                "text": a.body or "",
                "labels": {
                    "relevant": relevant,
                    "event": event if relevant else None,
                    "people": list(a.people),
                    "name_variants": [],
                    "syndicated_from": syndicated,
                    "origin": [o for o in a.origins if o != own] if not syndicated else [],
                    "hard": "; ".join(why) or None,
                    "body": a.body or "",
                },
            }
        )
    return out
