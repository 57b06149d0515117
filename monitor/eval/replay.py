"""`monitor eval`: replay a labeled corpus through the daemon's own code and score it.

Contract (design.md): articles in `published` order, the clock at each one's `published` time,
a fresh temporary database, the same extraction, matching, story and alert code, no network.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, FeedConfig
from monitor.domain import Article, Extracted, FeedEntry
from monitor.errors import MonitorError
from monitor.eval import scores as metrics_eval
from monitor.extract.article import extract_article
from monitor.pipeline.ingest import ArticleProcessor
from monitor.pipeline.poll import build_article
from monitor.store import copies, db
from monitor.store.articles import insert_article
from monitor.store.db import transaction
from monitor.store.feeds import sync_feeds
from monitor.store.outcomes import ArticleOutcome, article_outcome
from monitor.urls import canonical_url


class CorpusError(MonitorError):
    """The corpus file is missing or a line is not a valid corpus record."""


@dataclass(frozen=True, slots=True)
class CorpusItem:
    id: str
    outlet: str
    feed: str
    url: str
    published: datetime
    title: str
    html: str | None
    text: str | None
    labels: dict[str, Any]


def json_lines(path: Path, what: str) -> Iterator[tuple[int, Any]]:
    """(line number, decoded value) of each non-blank line; a clear error for anything else."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CorpusError(f"cannot read {what} {path}: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except ValueError as exc:
            raise CorpusError(f"{path}:{n}: not a JSON line ({exc})") from exc


def load_corpus(path: Path) -> list[CorpusItem]:
    """Read a corpus JSONL file (format: shared/corpus/README.md), in `published` order."""
    items = []
    for n, row in json_lines(path, "corpus"):
        try:
            items.append(
                CorpusItem(
                    id=str(row["id"]),
                    outlet=row.get("outlet") or row.get("feed") or "unknown",
                    feed=row.get("feed") or "corpus",
                    url=row["url"],
                    published=_parse_time(row["published"]),
                    title=row.get("title") or "",
                    html=row.get("html"),
                    text=row.get("text"),
                    labels=row.get("labels") or {},
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CorpusError(f"{path}:{n}: not a corpus record ({exc!r})") from exc
    return sorted(items, key=lambda i: (i.published, i.id))


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _extract(item: CorpusItem) -> Extracted | None:
    if item.html is not None:
        return extract_article(item.html, item.url)
    if item.text:
        return Extracted(text=item.text)
    return None


@contextmanager
def temporary_database() -> Iterator[sessionmaker[Session]]:
    with tempfile.TemporaryDirectory(prefix="monitor-eval-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'eval.db'}"
        db.upgrade(url)
        engine = db.make_engine(url)
        try:
            yield db.session_factory(engine)
        finally:
            engine.dispose()


def replay(
    items: list[CorpusItem],
    cfg: AppConfig,
    sessions: sessionmaker[Session],
    processor: ArticleProcessor | None,
    *,
    executor: Executor | None = None,
) -> list[dict[str, Any]]:
    """Feed every item through build_article → store → processor; return predictions."""
    extracted: list[Extracted | None]
    if executor is not None:
        extracted = list(executor.map(_extract, items, chunksize=4))
    else:
        extracted = [_extract(i) for i in items]
    feed_ids = sorted({_feed_id(i.feed) for i in items})
    with transaction(sessions) as s:
        sync_feeds(
            s,
            [FeedConfig(id=f, url="https://corpus.invalid/feed") for f in feed_ids],
            items[0].published if items else datetime.now(UTC),
        )
    ids: dict[int, str] = {}
    seen_urls: set[str] = set()
    for item, ext in zip(items, extracted, strict=True):
        now = item.published
        canonical = canonical_url(item.url)
        if canonical in seen_urls:  # two records, one URL: keep both (each is scored)
            canonical = f"{canonical}{'&' if '?' in canonical else '?'}eval-id={item.id}"
        seen_urls.add(canonical)
        article = item_article(item, ext, canonical)
        with transaction(sessions) as s:
            article_id = insert_article(s, article)
            if article_id is None:
                continue
            ids[article_id] = item.id
            if processor is not None:
                processor(s, replace(article, id=article_id), now, fresh=True)
    return _predictions(items, ids, extracted, sessions, cfg.monitor.stories.stale_after)


def item_article(item: CorpusItem, ext: Extracted | None, canonical: str | None = None) -> Article:
    """The Article the pipeline builds from one corpus record (as the daemon would)."""
    canonical = canonical or canonical_url(item.url)
    entry = FeedEntry(
        feed_id=_feed_id(item.feed),
        guid=canonical,
        url=item.url,
        canonical_url=canonical,
        title=item.title,
        published_at=item.published,
    )
    # the record's own outlet: an aggregator feed carries many outlets
    feed = FeedConfig(id=entry.feed_id, url="https://corpus.invalid/feed", outlet=item.outlet)
    return build_article(entry, feed, ext, now=item.published)


def extract_item(item: CorpusItem) -> Extracted | None:
    """Extract one record's page (or take its plain text)."""
    return _extract(item)


def _feed_id(feed: str) -> str:
    """A valid feed id from the corpus's feed name (ASCII, at most 64 characters)."""
    return re.sub(r"[^a-z0-9._-]+", "-", feed.lower()).strip("-._")[:64] or "corpus"


def _predictions(
    items: list[CorpusItem],
    ids: dict[int, str],
    extracted: list[Extracted | None],
    sessions: sessionmaker[Session],
    stale_after: timedelta,
) -> list[dict[str, Any]]:
    by_corpus_id = {v: k for k, v in ids.items()}
    found_dates = {
        i.id: (e.published_at if e else None) for i, e in zip(items, extracted, strict=True)
    }
    out = []
    empty = ArticleOutcome((), None, None, (), (), None, (), None, None)
    with transaction(sessions) as s:
        for item in items:
            aid = by_corpus_id.get(item.id)
            done = article_outcome(s, aid) if aid else empty
            hits = done.hits
            people: list[str] = []
            for h in hits:
                people.extend(p for p in h.people if p not in people)
            story_key = done.story_key
            copy_of = ids.get(done.copy_of) if done.copy_of else None
            origins = list(done.origins)
            reasons = list(done.reasons)
            stale = bool(done.linked_stale)
            root, source, share = copies.copy_link(s, aid) if aid else (None, None, 0.0)
            if done.linked_stale is None and aid:  # not a hit: the copy index knows its root
                copy_of = ids.get(root) if root else None
            if done.linked_stale is None and done.published_at and done.discovered_at:
                stale = done.discovered_at - done.published_at > stale_after
            alerts = list(done.alerts)
            found = found_dates.get(item.id)
            out.append(
                {
                    "id": item.id,
                    "hit": bool(hits),
                    "score": round(hits[0].score, 3) if hits else 0.0,
                    "watchlists": [h.watchlist for h in hits],
                    "people": people,
                    "story": story_key,
                    "copy_of": copy_of,
                    "origins": origins,
                    "alerts": alerts,
                    "stale": stale,
                    "published": found.isoformat() if found else None,
                    # for --explain only (not written with --predictions): why it went there
                    "_reasons": reasons,
                    "_copy": {"source": ids.get(source) if source else None, "share": share},
                }
            )
    return out


def score(items: list[CorpusItem], predictions: list[dict[str, Any]]) -> dict[str, Any]:
    pred = {p["id"]: p for p in predictions}
    gold_rel = {i.id: bool(i.labels.get("relevant")) for i in items}
    gold_event = {
        i.id: str(i.labels["event"])
        for i in items
        if i.labels.get("relevant") and i.labels.get("event")
    }
    events = set(gold_event.values())
    new_alerts = [p for p in predictions if "new" in p["alerts"]]
    return {
        "articles": len(items),
        "relevance": metrics_eval.relevance({k: v["hit"] for k, v in pred.items()}, gold_rel),
        "stories": {
            **metrics_eval.bcubed({k: v["story"] for k, v in pred.items()}, gold_event),
            "events": len(events),
            "predicted_stories": len({pred[k]["story"] for k in gold_event if pred[k]["story"]}),
        },
        "syndication": metrics_eval.syndication(
            {k: v["copy_of"] for k, v in pred.items()},
            {i.id: i.labels.get("syndicated_from") for i in items},
        ),
        "alerts": {
            **metrics_eval.alert_counts([p["alerts"] for p in predictions]),
            "new_on_irrelevant": sum(1 for p in new_alerts if not gold_rel.get(p["id"])),
            "new_on_stale": sum(1 for p in new_alerts if p["stale"]),
            "events_with_one_new": sum(
                1
                for e in events
                if sum(1 for k, ev in gold_event.items() if ev == e and "new" in pred[k]["alerts"])
                == 1
            ),
        },
    }
