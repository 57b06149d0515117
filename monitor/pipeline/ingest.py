"""What happens to each stored article: match watchlists, assign stories, raise alerts.

The same code runs for `monitor poll`, the daemon, `monitor rematch` and `monitor eval`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from monitor.config import AppConfig
from monitor.delivery import outbox
from monitor.domain import Article
from monitor.match import Hit, Matcher, compile_watchlists
from monitor.store import queries, stories_repo
from monitor.store.models import ArticleRow
from monitor.stories import (
    StoryCandidate,
    StoryIndex,
    add_to_story,
    article_origins,
    assign,
    copy_origins,
    decide_alerts,
    fingerprint,
    is_stale,
    normalize_outlet,
    open_story,
    wire_source,
)
from monitor.stories.subjects import Mention, split_people

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _IndexState:
    index: StoryIndex
    seq: int = 0


class StoryIndexes:
    """Per-watchlist in-memory indexes of open stories, synced from the database by `seq`.

    Only rows read back from the database enter an index (never this worker's uncommitted
    writes), so a rolled-back transaction cannot leave a phantom story behind.
    """

    def __init__(self) -> None:
        self._by_watchlist: dict[str, _IndexState] = {}

    def synced(self, session: Session, watchlist: str, since: datetime) -> tuple[StoryIndex, int]:
        """The watchlist's index, current with the database, and the next `seq` to write.

        Call under the watchlist's lock: then the rows read and the sequence are exact.
        """
        state = self._by_watchlist.get(watchlist)
        if state is None:  # first use: the stories in the window, and the sequence so far
            state = self._by_watchlist[watchlist] = _IndexState(
                StoryIndex(), stories_repo.max_seq(session, watchlist)
            )
            rows = stories_repo.open_stories(session, watchlist, since)
        else:
            rows = stories_repo.changed_since(session, watchlist, state.seq)
        for row in rows:
            state.index.put(stories_repo.to_summary(row))
            state.seq = max(state.seq, row.seq)
        return state.index, state.seq + 1


class Processor:
    """Match an article; for each hit, store it, place the article in a story, raise alerts."""

    def __init__(self, cfg: AppConfig, matcher: Matcher) -> None:
        self.cfg = cfg
        self.matcher = matcher
        self.indexes = StoryIndexes()

    def __call__(self, session: Session, article: Article, now: datetime) -> None:
        assert article.id is not None
        report = self.matcher.match(article.title, article.text)
        for hit in report.hits:
            queries.store_hit(
                session, article.id, hit.watchlist, hit.score, list(hit.people), hit.to_json(), now
            )
            self.place(session, article, hit, now)

    def place(self, session: Session, article: Article, hit: Hit, now: datetime) -> list[int]:
        """Assign the article's hit to a story and record the alerts it raises (their ids)."""
        assert article.id is not None
        stories_cfg = self.cfg.monitor.stories
        stories_repo.lock_watchlist(session, hit.watchlist)
        if stories_repo.story_of_article(session, article.id, hit.watchlist) is not None:
            return []  # replayed: already placed, nothing to raise again
        outlet = normalize_outlet(article.outlet)
        people = split_people(
            article.text,
            (
                Mention(m.term, m.field, m.start)
                for m in hit.matches
                if m.rule == "target-person" and m.term in hit.target_people
            ),
        )
        candidate = StoryCandidate(
            article_id=article.id,
            watchlist=hit.watchlist,
            outlet=outlet,
            title=article.title,
            text=article.text,
            published_at=article.published_at,
            discovered_at=article.discovered_at or now,
            # leaders named everywhere link nothing; names recalled as background neither
            people=people.subjects,
            background=people.background,
            terms=frozenset(hit.terms),
            fingerprint=fingerprint(article.text) if article.text else None,
            origins=tuple(
                article_origins(
                    article.text,
                    own_outlet=outlet,
                    official_sources=stories_cfg.official_sources,
                )
            ),
        )
        since = candidate.time - stories_cfg.window - timedelta(days=1)
        index, seq = self.indexes.synced(session, hit.watchlist, since)
        assignment = assign(candidate, index, stories_cfg, now)
        stale = is_stale(candidate, stories_cfg)
        origins: list[str] = list(candidate.origins)
        if assignment.copy_of is not None:
            original = session.get(ArticleRow, assignment.copy_of)
            if original is not None and _earlier(article, original):
                # feeds are polled concurrently: the copy may be placed before its original.
                # The earlier publication is the original; the stored one becomes its copy.
                stories_repo.repoint_copies(session, original.id, article.id)
                assignment = replace(assignment, copy_of=None, reasons=("original of a copy",))
            elif original is not None:
                origins = copy_origins(
                    [o for o in candidate.origins if o != outlet],
                    original_source=wire_source(original.body or "", own_outlet=original.outlet),
                    original_origins=stories_repo.link_origins(session, original.id),
                    outlet=outlet,
                )
        if assignment.story_id is None:
            before = None
            draft = open_story(candidate, assignment, stories_cfg, story_id=0)
            story_id = stories_repo.insert_story(session, draft, seq=seq, score=hit.score, now=now)
            after = replace(draft, story_id=story_id)
        else:
            before = index.get(assignment.story_id)
            if before is None:
                return []
            after = add_to_story(before, candidate, assignment, stories_cfg)
            story_id = before.story_id
            stories_repo.update_story(session, after, seq=seq, score=hit.score, now=now)
        stories_repo.link_article(
            session, story_id, article.id, assignment, origins=origins, stale=stale, now=now
        )
        alert_ids = []
        for alert in decide_alerts(before, after, stale=stale):
            alert_id = stories_repo.insert_alert(session, alert, story_id, article.id, now)
            if alert_id is not None:
                alert_ids.append(alert_id)
                outbox.enqueue_alert(session, self.cfg, alert_id, now)
                log.info("alert %s: %s (%s)", alert.kind, after.headline, alert.key)
        return alert_ids


def _earlier(article: Article, stored: ArticleRow) -> bool:
    return (
        article.published_at is not None
        and stored.published_at is not None
        and article.published_at < stored.published_at
    )


def make_processor(cfg: AppConfig) -> Processor | None:
    """The article processor for this config; None while no watchlist is configured."""
    if not cfg.watchlists:
        return None
    return Processor(cfg, compile_watchlists(cfg.watchlists))
