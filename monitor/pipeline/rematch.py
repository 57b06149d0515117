"""Re-run matching over stored articles after a watchlist change (`monitor rematch`, reload).

A name added to a watchlist should alert on the article that came in yesterday, and an
exclusion added to silence a false positive should take that hit away. Gained hits go
through the same story and alert placement as ingestion; lost hits are removed (stories
and alerts already raised stay: they were sent). Articles whose body retention dropped
are skipped, since matching them on the title alone would lose hits that were right.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig
from monitor.match import compile_watchlists
from monitor.pipeline.ingest import Processor
from monitor.store.articles import articles_since
from monitor.store.db import transaction
from monitor.store.hits import delete_hit, hits_of_articles, store_hit

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HitChange:
    """One hit gained or lost by one article on one watchlist."""

    watchlist: str
    article_id: int
    title: str
    score: float  # the new score (gained) or the stored one (lost)
    people: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RematchReport:
    """What a rematch changed (or, with dry_run, would change)."""

    since: datetime
    dry_run: bool
    articles: int  # articles matched again
    skipped: int  # articles without a body (retention dropped it)
    gained: list[HitChange] = field(default_factory=list)
    lost: list[HitChange] = field(default_factory=list)
    alerts: list[int] = field(default_factory=list)  # alert ids raised by gained hits

    def by_watchlist(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(lambda: {"gained": 0, "lost": 0})
        for c in self.gained:
            out[c.watchlist]["gained"] += 1
        for c in self.lost:
            out[c.watchlist]["lost"] += 1
        return dict(out)

    def to_json(self) -> dict[str, Any]:
        def change(c: HitChange) -> dict[str, Any]:
            return {
                "watchlist": c.watchlist,
                "article_id": c.article_id,
                "title": c.title,
                "score": round(c.score, 3),
                "people": list(c.people),
            }

        return {
            "since": self.since.isoformat(),
            "dry_run": self.dry_run,
            "articles": self.articles,
            "skipped": self.skipped,
            "by_watchlist": self.by_watchlist(),
            "gained": [change(c) for c in self.gained],
            "lost": [change(c) for c in self.lost],
            "alerts": self.alerts,
        }


def rematch(
    cfg: AppConfig,
    sessions: sessionmaker[Session],
    since: datetime,
    *,
    dry_run: bool,
    now: datetime | None = None,
    processor: Processor | None = None,
) -> RematchReport:
    """Match every article discovered or published since `since` against the current config.

    Only watchlists in `cfg` are compared: hits of a watchlist no longer configured are left
    alone (removing a file should not erase history). One short transaction per article.
    """
    now = now or datetime.now(UTC)
    configured = {w.id for w in cfg.watchlists}
    if processor is None and cfg.watchlists:
        processor = Processor(cfg, compile_watchlists(cfg.watchlists))
    with transaction(sessions) as s:
        articles = articles_since(s, since)
        stored = hits_of_articles(s, [a.id for a in articles if a.id is not None])
    gained: list[HitChange] = []
    lost: list[HitChange] = []
    alerts: list[int] = []
    skipped = 0
    for article in articles:
        assert article.id is not None
        if not article.text:
            skipped += 1
            continue
        hits = processor.matcher.match(article.title, article.text).hits if processor else []
        new = {h.watchlist: h for h in hits}
        old = {w: h for w, h in stored.get(article.id, {}).items() if w in configured}
        added = [h for w, h in new.items() if w not in old]
        removed = [h for w, h in old.items() if w not in new]
        gained += [
            HitChange(h.watchlist, article.id, article.title, h.score, tuple(h.people))
            for h in added
        ]
        lost += [
            HitChange(h.watchlist, article.id, article.title, h.score, h.people) for h in removed
        ]
        if dry_run or not (added or removed or new):
            continue
        with transaction(sessions) as s:
            for gone in removed:
                delete_hit(s, article.id, gone.watchlist)
            for hit in new.values():
                _, created = store_hit(
                    s, article.id, hit.watchlist, hit.score, list(hit.people), hit.to_json(), now
                )
                if created and processor is not None:
                    placed = processor.place(s, article, hit, now)
                    alerts += [a.id for a in placed.alerts] if placed else []
    report = RematchReport(since, dry_run, len(articles) - skipped, skipped, gained, lost, alerts)
    log.info(
        "rematch since %s%s: %d articles, %d hits gained, %d lost, %d alerts",
        since.isoformat(timespec="seconds"),
        " (dry run)" if dry_run else "",
        report.articles,
        len(gained),
        len(lost),
        len(alerts),
    )
    return report
