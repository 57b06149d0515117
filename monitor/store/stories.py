"""Stories in the database: summaries for assignment, story rows, links and alert rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from monitor.store.insert import insert_new
from monitor.store.models import AlertRow, ArticleRow, StoryArticleRow, StoryRow
from monitor.stories import Alert, StorySummary, wire_source
from monitor.stories.place import Original, Placement

_LOCKS = "story_locks"  # session.info: (the transaction, the watchlists it has locked)


def lock_watchlist(session: Session, watchlist: str) -> None:
    """Serialize story assignment per watchlist across workers (PostgreSQL advisory lock).

    SQLite serializes writers by itself. Holding the lock to the end of the transaction makes
    `seq` grow in commit order, which the in-memory indexes rely on. A lock this transaction
    holds already is not asked for again (a batch places many articles under one lock).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    txn = session.get_transaction()
    held: tuple[Any, set[str]] | None = session.info.get(_LOCKS)
    if held is None or held[0] is not txn:  # a new transaction holds no lock yet
        held = session.info[_LOCKS] = (txn, set())
    if watchlist in held[1]:
        return
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"story:{watchlist}"})
    held[1].add(watchlist)


def lock_watchlists(session: Session, watchlists: Iterable[str]) -> None:
    """Take the locks of all these watchlists now, in name order.

    A batch that placed its articles taking each lock as it came could deadlock with another
    worker's batch taking the same two in the other order; in one order they queue instead.
    """
    for watchlist in sorted(set(watchlists)):
        lock_watchlist(session, watchlist)


def open_stories(
    session: Session, watchlist: str, since: datetime
) -> list[tuple[StorySummary, int]]:
    """(summary, seq) of a watchlist's stories seen since `since` (a worker's first load)."""
    stmt = select(StoryRow).where(StoryRow.watchlist == watchlist, StoryRow.last_seen >= since)
    return [(to_summary(row), row.seq) for row in session.scalars(stmt.order_by(StoryRow.seq))]


def changed_since(session: Session, watchlist: str, seq: int) -> list[tuple[StorySummary, int]]:
    """(summary, seq) of a watchlist's stories changed after `seq` (the (watchlist, seq) index)."""
    stmt = select(StoryRow).where(StoryRow.watchlist == watchlist, StoryRow.seq > seq)
    return [(to_summary(row), row.seq) for row in session.scalars(stmt.order_by(StoryRow.seq))]


def max_seq(session: Session, watchlist: str) -> int:
    value = session.scalar(select(func.max(StoryRow.seq)).where(StoryRow.watchlist == watchlist))
    return int(value or 0)


def to_summary(row: StoryRow) -> StorySummary:
    terms = [decode_term(t) for t in row.terms or ()]
    return StorySummary(
        story_id=row.id,
        key=row.key,
        watchlist=row.watchlist,
        headline=row.headline,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        people=frozenset(row.people or ()),
        event_terms=frozenset(tag for tag, _ in terms),
        term_weights={tag: w for tag, w in terms if w != 1.0},
        centroid=frozenset(row.centroid or ()),
        fingerprints=tuple((int(a), int(f)) for a, f in (row.prints or ())),
        origins=frozenset(row.origins or ()),
        confirmed=row.confirmed,
        announced=not row.stale,
        articles=row.article_count,
        score=row.score,
    )


def encode_term(tag: str, weight: float) -> str:
    """An event term as stored: the tag, with `@weight` when it weighs less than 1."""
    return tag if weight >= 1.0 else f"{tag}@{weight:g}"


def decode_term(stored: str) -> tuple[str, float]:
    """(tag, weight) from a stored term (rows written before weights weigh 1)."""
    tag, _, weight = str(stored).partition("@")
    try:
        return tag, float(weight) if weight else 1.0
    except ValueError:
        return str(stored), 1.0


def _values(summary: StorySummary, seq: int) -> dict[str, Any]:
    return {
        "first_seen": summary.first_seen,
        "last_seen": summary.last_seen,
        "people": sorted(summary.people),
        "headline": summary.headline,
        "terms": sorted(
            encode_term(t, summary.term_weights.get(t, 1.0)) for t in summary.event_terms
        ),
        "centroid": sorted(summary.centroid),
        "prints": [[a, f] for a, f in summary.fingerprints],
        "origins": sorted(summary.origins),
        "origin_count": summary.origin_count,
        "confirmed": summary.confirmed,
        "stale": not summary.announced,
        "article_count": summary.articles,
        "score": summary.score,
        "seq": seq,
    }


def write_story(session: Session, summary: StorySummary, *, seq: int, now: datetime) -> int:
    """Insert a new story (story_id 0) or update it in one statement; return its id.

    `seq`: see StoryRow. The summary is exact (built under the watchlist's lock from the
    synced index), so an update overwrites without reading the row first.
    """
    if summary.story_id == 0:
        row = StoryRow(
            key=summary.key,
            watchlist=summary.watchlist,
            created_at=now,
            updated_at=now,
            **_values(summary, seq),
        )
        session.add(row)
        session.flush()
        return row.id
    done = session.execute(
        update(StoryRow)
        .where(StoryRow.id == summary.story_id)
        .values(**_values(summary, seq), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise LookupError(f"story {summary.story_id} vanished")
    return summary.story_id


def story_id_of(session: Session, article_id: int, watchlist: str) -> int | None:
    """The story of the watchlist the article is in, if any."""
    stmt = (
        select(StoryArticleRow.story_id)
        .join(StoryRow, StoryRow.id == StoryArticleRow.story_id)
        .where(StoryArticleRow.article_id == article_id, StoryRow.watchlist == watchlist)
    )
    return session.scalars(stmt.limit(1)).first()


def is_placed(session: Session, article_id: int, watchlist: str) -> bool:
    """The article is in a story of the watchlist already (a replay places nothing)."""
    return story_id_of(session, article_id, watchlist) is not None


def link_article(
    session: Session, story_id: int, article_id: int, placement: Placement, now: datetime
) -> None:
    """The article's row in its story: copy_of, origins, stale, and why it went there."""
    session.add(
        StoryArticleRow(
            story_id=story_id,
            article_id=article_id,
            copy_of=placement.assignment.copy_of,
            origins=list(placement.origins),
            stale=placement.stale,
            reasons=list(placement.assignment.reasons),
            added_at=now,
        )
    )


def story_voices(session: Session, story_id: int) -> frozenset[str]:
    """Outlets (as stored) of the story's original reports, copies left out."""
    rows = session.scalars(
        select(ArticleRow.outlet)
        .join(StoryArticleRow, StoryArticleRow.article_id == ArticleRow.id)
        .where(StoryArticleRow.story_id == story_id, StoryArticleRow.copy_of.is_(None))
    )
    return frozenset(rows)


def article_outlet(session: Session, article_id: int) -> str | None:
    """The outlet of a stored article (None when it is gone)."""
    return session.scalar(select(ArticleRow.outlet).where(ArticleRow.id == article_id))


def repoint_copies(session: Session, old_original: int, new_original: int) -> None:
    """`old_original` turned out to be a copy of `new_original`: it and its copies point there."""
    session.execute(
        update(StoryArticleRow)
        .where(
            (StoryArticleRow.article_id == old_original) | (StoryArticleRow.copy_of == old_original)
        )
        .values(copy_of=new_original)
        .execution_options(synchronize_session=False)
    )


def original(session: Session, article_id: int) -> Original | None:
    """What placement needs of a stored article that a new one copies (one read)."""
    row = session.execute(
        select(ArticleRow.published_at, ArticleRow.body, ArticleRow.outlet, StoryArticleRow.origins)
        .outerjoin(StoryArticleRow, StoryArticleRow.article_id == ArticleRow.id)
        .where(ArticleRow.id == article_id)
        .order_by(StoryArticleRow.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    published_at, body, outlet, origins = row
    return Original(
        article_id=article_id,
        published_at=published_at,
        wire=wire_source(body or "", own_outlet=outlet),
        origins=tuple(origins or ()),
    )


def insert_alert(
    session: Session, alert: Alert, story_id: int, article_id: int, now: datetime
) -> int | None:
    """Insert an alert unless its idempotency key exists; return the new id or None."""
    values = {
        "key": alert.key,
        "story_id": story_id,
        "kind": alert.kind,
        "origin_count": alert.origin_count,
        "article_id": article_id,
        "created_at": now,
    }
    return insert_new(session, AlertRow, values, ["key"])


def stories_json(
    session: Session, *, watchlist: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Stories newest first, each as `story_json` shows it (`monitor stories`, the demo)."""
    stmt = select(StoryRow).order_by(StoryRow.last_seen.desc(), StoryRow.id.desc())
    if watchlist:
        stmt = stmt.where(StoryRow.watchlist == watchlist)
    if limit:
        stmt = stmt.limit(limit)
    return [_story_json(session, row) for row in session.scalars(stmt)]


def story_by_ref(session: Session, ref: str) -> dict[str, Any] | None:
    """One story by id or key, as `monitor story` shows it; None when there is none."""
    row = session.get(StoryRow, int(ref)) if ref.isdigit() else None
    if row is None:
        row = session.scalars(select(StoryRow).where(StoryRow.key == ref)).first()
    return None if row is None else _story_json(session, row)


def _story_json(session: Session, row: StoryRow) -> dict[str, Any]:
    """One story with its articles (copies marked) and alerts, for the CLI and scripts."""
    links = session.execute(
        select(StoryArticleRow, ArticleRow)
        .join(ArticleRow, ArticleRow.id == StoryArticleRow.article_id)
        .where(StoryArticleRow.story_id == row.id)
        .order_by(StoryArticleRow.added_at, StoryArticleRow.id)
    ).all()
    alerts = session.scalars(
        select(AlertRow)
        .where(AlertRow.story_id == row.id)
        .order_by(AlertRow.created_at, AlertRow.id)
    ).all()
    return {
        "id": row.id,
        "key": row.key,
        "watchlist": row.watchlist,
        "headline": row.headline,
        "first_seen": row.first_seen,
        "last_seen": row.last_seen,
        "origin_count": row.origin_count,
        "origins": row.origins,
        "confirmed": row.confirmed,
        "stale": row.stale,
        "people": row.people,
        "score": row.score,
        "articles": [
            {
                "id": art.id,
                "title": art.title,
                "url": art.url,
                "outlet": art.outlet,
                "published_at": art.published_at,
                "discovered_at": art.discovered_at,
                "copy_of": link.copy_of,
                "origins": link.origins,
                "stale": link.stale,
                "reasons": link.reasons,
            }
            for link, art in links
        ],
        "alerts": [
            {
                "kind": a.kind,
                "key": a.key,
                "origin_count": a.origin_count,
                "at": a.created_at,
                "article_id": a.article_id,
            }
            for a in alerts
        ],
    }
