"""What happens to each stored article: match watchlists, assign stories, raise alerts.

The same code runs for `monitor poll`, the daemon, `monitor rematch` and `monitor eval`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from monitor.config import AppConfig
from monitor.delivery import outbox
from monitor.domain import Article, RaisedAlert
from monitor.match import Hit, Matcher, compile_watchlists
from monitor.pipeline.copies import CopyResult, detect_copy
from monitor.pipeline.prepare import Analysis, analyse
from monitor.store import stories as story_store
from monitor.store.db import unless_committed
from monitor.store.hits import insert_hit, store_hit
from monitor.stories import StoryCandidate, StoryIndex, article_origins, assign, normalize_outlet
from monitor.stories import fingerprint as _fingerprint
from monitor.stories.alerts import Act, Named, person_news
from monitor.stories.copies import SignatureCache
from monitor.stories.model import CopyOf
from monitor.stories.place import Placement, place
from monitor.stories.subjects import Mention, split_people

log = logging.getLogger(__name__)

_SYNCED = "synced_watchlists"  # session.info: the watchlists synced in its transaction


@dataclass(slots=True)
class _IndexState:
    index: StoryIndex
    seq: int = 0


class StoryIndexes:
    """Per-watchlist in-memory indexes of open stories, synced from the database by `seq`.

    Only rows read back from the database enter an index. In a batch (many articles in one
    transaction) they include the stories an earlier article of the batch wrote, not yet
    committed: a watchlist synced in a transaction that does not commit is forgotten and
    read again on its next use, so a rolled-back batch cannot leave a phantom story behind.
    """

    def __init__(self) -> None:
        self._by_watchlist: dict[str, _IndexState] = {}

    def synced(self, session: Session, watchlist: str, since: datetime) -> tuple[StoryIndex, int]:
        """The watchlist's index, current with the database, and the next `seq` to write.

        Call under the watchlist's lock: then the rows read and the sequence are exact.
        """
        self._forget_unless_committed(session, watchlist)
        state = self._by_watchlist.get(watchlist)
        if state is None:  # first use: the stories in the window, and the sequence so far
            state = self._by_watchlist[watchlist] = _IndexState(
                StoryIndex(), story_store.max_seq(session, watchlist)
            )
            rows = story_store.open_stories(session, watchlist, since)
        else:
            rows = story_store.changed_since(session, watchlist, state.seq)
        for summary, seq in rows:
            state.index.put(summary)
            state.seq = max(state.seq, seq)
        return state.index, state.seq + 1

    def _forget_unless_committed(self, session: Session, watchlist: str) -> None:
        touched: set[str] = session.info.setdefault(_SYNCED, set())
        if unless_committed(session, _SYNCED, lambda: self._forget(touched)):
            touched.clear()  # a new transaction: what the last one synced is settled
        touched.add(watchlist)

    def _forget(self, watchlists: set[str]) -> None:
        for watchlist in watchlists:
            self._by_watchlist.pop(watchlist, None)
        watchlists.clear()


@dataclass(frozen=True, slots=True)
class Placed:
    """One hit's outcome: where it went (its story's id now written) and the alerts raised."""

    watchlist: str
    story_id: int
    opened: bool  # the article opened this story
    alerts: tuple[RaisedAlert, ...]


@dataclass(frozen=True, slots=True)
class Ingested:
    """What processing one article did: metrics and callers count from this, not the DB."""

    article_id: int
    at: datetime
    hits: tuple[Hit, ...] = ()
    placed: tuple[Placed, ...] = ()

    @property
    def alerts(self) -> tuple[RaisedAlert, ...]:
        return tuple(a for p in self.placed for a in p.alerts)

    @property
    def stories_opened(self) -> int:
        return sum(p.opened for p in self.placed)

    @property
    def stories_joined(self) -> int:
        return sum(not p.opened for p in self.placed)


class ArticleProcessor(Protocol):
    """What happens to a stored article next (matching, stories, alerts).

    `fresh`: the article was inserted in this very transaction, so it has no hit and no
    story link yet (nothing to look up before writing them). `analysis`: the article was
    matched and fingerprinted already (in an extraction worker, before the transaction).
    """

    def __call__(
        self,
        session: Session,
        article: Article,
        now: datetime,
        *,
        fresh: bool = False,
        analysis: Analysis | None = None,
    ) -> Ingested: ...


class Processor:
    """Match an article; for each hit, store it, place the article in a story, raise alerts.

    Matching and the candidate's derived values (fingerprint, origins, event terms) are
    computed before any statement; then per hit: read (lock, index sync, a copy's original),
    decide (`assign`, `place`: pure), write (story, link, alerts, deliveries).
    """

    def __init__(self, cfg: AppConfig, matcher: Matcher) -> None:
        self.cfg = cfg
        self.matcher = matcher
        self.indexes = StoryIndexes()
        # recent bodies' copy signatures: a copy's stored candidates are not shingled again
        self.signatures = SignatureCache()
        # watchlist -> target person -> the year the defection became public
        self.known_since = {
            wl.id: {p.name: p.known_since for p in wl.people if p.role == "target"}
            for wl in cfg.watchlists
        }

    def __call__(
        self,
        session: Session,
        article: Article,
        now: datetime,
        *,
        fresh: bool = False,
        analysis: Analysis | None = None,
    ) -> Ingested:
        assert article.id is not None
        if analysis is None:
            analysis = analyse(self.matcher, article)
        # every body, hit or not, enters the copy index: a later hit may copy it
        copy = detect_copy(
            session,
            article,
            self.cfg.monitor.stories,
            now,
            sig=analysis.copy_signature,
            cache=self.signatures,
        )
        hits = analysis.hits
        if not hits:
            return Ingested(article.id, now)
        print_ = analysis.fingerprint
        placed: list[Placed] = []
        for hit in hits:
            args = (article.id, hit.watchlist, hit.score, list(hit.people), hit.to_json(), now)
            if fresh:
                insert_hit(session, *args)
            else:
                store_hit(session, *args)
            done = self.place(
                session, article, hit, now, fresh=fresh, fingerprint=print_, copy=copy
            )
            if done is not None:
                placed.append(done)
        return Ingested(article.id, now, tuple(hits), tuple(placed))

    def candidate(
        self, article: Article, hit: Hit, now: datetime, print_: int | None
    ) -> StoryCandidate:
        """The hit article as story assignment sees it (pure: computed before any read)."""
        assert article.id is not None
        outlet = normalize_outlet(article.outlet)
        people = split_people(
            article.text,
            (
                Mention(m.term, m.field, m.start, m.end)
                for m in hit.matches
                if m.rule == "target-person" and m.term in hit.target_people
            ),
        )
        return StoryCandidate(
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
            fingerprint=print_,
            origins=tuple(
                article_origins(
                    article.text,
                    own_outlet=outlet,
                    official_sources=self.cfg.monitor.stories.official_sources,
                )
            ),
        )

    def place(
        self,
        session: Session,
        article: Article,
        hit: Hit,
        now: datetime,
        *,
        fresh: bool = False,
        fingerprint: int | None = None,
        copy: CopyResult | None = None,
    ) -> Placed | None:
        """Place the article's hit in a story and record the alerts it raises.

        None when there is nothing to do: the article was placed before (a replay), or the
        story it was assigned to is gone. `copy` is what the copy index found for the
        article (None: it was not asked).
        """
        assert article.id is not None
        cfg = self.cfg.monitor.stories
        if fingerprint is None and article.text:
            fingerprint = _fingerprint(article.text)
        candidate = self.candidate(article, hit, now, fingerprint)
        # read
        story_store.lock_watchlist(session, hit.watchlist)
        if not fresh and story_store.is_placed(session, article.id, hit.watchlist):
            return None  # replayed: already placed, nothing to raise again
        since = candidate.time - cfg.window - timedelta(days=1)
        index, seq = self.indexes.synced(session, hit.watchlist, since)
        copy_of = self._copy_of(session, copy, hit.watchlist)
        # decide
        assignment = assign(candidate, index, cfg, now, copy=copy_of)
        original = (
            story_store.original(session, assignment.copy_of)
            if assignment.copy_of is not None
            else None
        )
        known = self.known_since.get(hit.watchlist, {})
        quiet = person_news(
            article.title,
            article.text,
            article.published_at,
            subjects={p: known.get(p) for p in candidate.people},
            acts=[
                Act(m.field, m.start) for m in hit.matches if m.rule == "keyword" and not m.status
            ],
            named=[
                Named(m.term, m.field, m.start, m.end)
                for m in hit.matches
                if m.rule == "target-person"
            ],
        )
        voices = (
            frozenset(normalize_outlet(o) for o in story_store.story_voices(session, sid))
            if (sid := assignment.story_id) is not None
            else frozenset()
        )
        placement = place(
            candidate,
            assignment,
            index,
            cfg,
            score=hit.score,
            original=original,
            voices=voices,
            reposters=self._reposters(session, copy),
            quiet=quiet,
        )
        if placement is None:
            return None
        # write
        return self._write(session, placement, article.id, seq, now)

    @staticmethod
    def _reposters(session: Session, copy: CopyResult | None) -> tuple[str, ...]:
        """The site a copy was copied through (its direct source, when not the root)."""
        if copy is None or copy.match is None or copy.match.source == copy.match.root:
            return ()
        outlet = story_store.article_outlet(session, copy.match.source)
        return (outlet,) if outlet else ()

    @staticmethod
    def _copy_of(session: Session, copy: CopyResult | None, watchlist: str) -> CopyOf | None:
        """The copy index's answer as assignment takes it: the article, and its story here.

        A copy points at its root original; an original that arrived after its copy points
        at that copy (placement then sees the earlier publication and repoints the copy).
        """
        if copy is None:
            return None
        if copy.match is not None:
            target, reason = copy.match.root, copy.match.reason()
        elif copy.displaced is not None:
            target, reason = copy.displaced, "original of a copy"
        else:
            return None
        return CopyOf(target, story_store.story_id_of(session, target, watchlist), reason)

    def _write(
        self, session: Session, placement: Placement, article_id: int, seq: int, now: datetime
    ) -> Placed:
        if placement.repoint is not None:
            story_store.repoint_copies(session, placement.repoint, article_id)
        after = placement.after
        story_id = story_store.write_story(session, after, seq=seq, now=now)
        story_store.link_article(session, story_id, article_id, placement, now)
        raised: list[RaisedAlert] = []
        for alert in placement.alerts:
            alert_id = story_store.insert_alert(session, alert, story_id, article_id, now)
            if alert_id is None:
                continue
            note = RaisedAlert(
                id=alert_id,
                key=alert.key,
                kind=alert.kind,
                story_id=story_id,
                story_key=after.key,
                watchlist=after.watchlist,
                score=after.score,
                confirmed=after.confirmed,
                created_at=now,
                article_id=article_id,
                origin_count=alert.origin_count,
            )
            outbox.enqueue_alert(session, self.cfg, note, now)
            raised.append(note)
            log.info("alert %s: %s (%s)", alert.kind, after.headline, alert.key)
        return Placed(after.watchlist, story_id, placement.opened, tuple(raised))


def make_processor(cfg: AppConfig) -> Processor | None:
    """The article processor for this config; None while no watchlist is configured."""
    if not cfg.watchlists:
        return None
    return Processor(cfg, compile_watchlists(cfg.watchlists))
