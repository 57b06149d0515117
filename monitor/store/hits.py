"""Watchlist hits in the database: one per (article, watchlist)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.models import HitRow
from monitor.store.outcomes import StoredHit

__all__ = ["delete_hit", "hits_of_articles", "insert_hit", "store_hit"]


def insert_hit(
    session: Session,
    article_id: int,
    watchlist: str,
    score: float,
    people: list[str],
    explanation: dict[str, Any],
    now: datetime,
) -> HitRow:
    """The hit of a watchlist on an article stored in this transaction (it has none yet)."""
    row = HitRow(
        article_id=article_id,
        watchlist=watchlist,
        score=score,
        people=people,
        explanation=explanation,
        created_at=now,
    )
    session.add(row)
    return row


def store_hit(
    session: Session,
    article_id: int,
    watchlist: str,
    score: float,
    people: list[str],
    explanation: dict[str, Any],
    now: datetime,
) -> tuple[int, bool]:
    """Insert or update the hit of `watchlist` on an article. Returns (hit id, created)."""
    row = session.scalar(
        select(HitRow).where(HitRow.article_id == article_id, HitRow.watchlist == watchlist)
    )
    if row is not None:
        row.score, row.people, row.explanation = score, people, explanation
        return row.id, False
    row = insert_hit(session, article_id, watchlist, score, people, explanation, now)
    session.flush()
    return row.id, True


def delete_hit(session: Session, article_id: int, watchlist: str) -> bool:
    row = session.scalar(
        select(HitRow).where(HitRow.article_id == article_id, HitRow.watchlist == watchlist)
    )
    if row is None:
        return False
    session.delete(row)
    return True


def hits_of_articles(
    session: Session, article_ids: Sequence[int]
) -> dict[int, dict[str, StoredHit]]:
    """Stored hits by article id, then watchlist (read 500 articles at a time)."""
    out: dict[int, dict[str, StoredHit]] = {}
    ids = list(article_ids)
    for i in range(0, len(ids), 500):
        stmt = select(HitRow).where(HitRow.article_id.in_(ids[i : i + 500]))
        for row in session.scalars(stmt):
            out.setdefault(row.article_id, {})[row.watchlist] = StoredHit(
                row.watchlist, row.score, tuple(row.people or ())
            )
    return out
