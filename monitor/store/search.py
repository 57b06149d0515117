"""Full-text search over stored articles: SQLite FTS5 or PostgreSQL text search, one function.

Migration 0006 builds the index (an FTS5 table kept by triggers; a stored tsvector column
with a GIN index). A query is cut into words (letters and digits only, so no user text
reaches either engine's query syntax) and every word must occur, as a prefix: `태영호` finds
`태영호는` (particles), `defect` finds `defected`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, text
from sqlalchemy.orm import Session

from monitor.store.models import ArticleRow, HitRow

MAX_WORDS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One stored article that every word of the query occurs in."""

    id: int
    title: str
    outlet: str
    url: str
    published_at: datetime | None
    discovered_at: datetime
    watchlists: tuple[str, ...]  # the watchlists it hit (empty: a miss)


def query_words(query: str) -> list[str]:
    """The words searched for: letters and digits, at most MAX_WORDS, case folded."""
    return [w.casefold() for w in _WORD.findall(query)][:MAX_WORDS]


def _ts_expr() -> ColumnElement[Any]:
    # migration 0006's generated column (PostgreSQL only, so not in the models)
    return literal_column("articles.search_vector")


def search_articles(
    session: Session, query: str, *, hit: bool | None = None, limit: int = 50
) -> list[SearchResult]:
    """Articles containing every word of `query` (prefixes), newest stored first; `hit` True keeps
    those a watchlist matched, False those none did. An empty query finds nothing."""
    words = query_words(query)
    if not words:
        return []
    dialect = session.get_bind().dialect.name
    stmt = select(ArticleRow.id)
    if dialect == "sqlite":
        match = " ".join(f'"{w}"*' for w in words)  # \w+ words hold no quote
        fts: Select[tuple[Any]] = (
            select(literal_column("rowid"))
            .select_from(text("articles_fts"))
            .where(text("articles_fts MATCH :q").bindparams(q=match))
        )
        stmt = stmt.where(ArticleRow.id.in_(fts))
    elif dialect == "postgresql":
        tsquery = " & ".join(f"{w}:*" for w in words)
        stmt = stmt.where(_ts_expr().op("@@")(func.to_tsquery("simple", tsquery)))
    else:  # pragma: no cover - the two supported backends
        raise RuntimeError(f"no full-text search on {dialect}")
    if hit is not None:
        has_hit = select(HitRow.id).where(HitRow.article_id == ArticleRow.id).exists()
        stmt = stmt.where(has_hit if hit else ~has_hit)
    stmt = stmt.order_by(ArticleRow.id.desc()).limit(limit)  # newest stored first: the id order
    ids_found = list(session.scalars(stmt))
    if not ids_found:
        return []
    rows = session.execute(
        select(
            ArticleRow.id,
            ArticleRow.title,
            ArticleRow.outlet,
            ArticleRow.url,
            ArticleRow.published_at,
            ArticleRow.discovered_at,
        ).where(ArticleRow.id.in_(ids_found))
    ).all()
    hits: dict[int, list[str]] = {}
    for article_id, watchlist in session.execute(
        select(HitRow.article_id, HitRow.watchlist)
        .where(HitRow.article_id.in_(ids_found))
        .order_by(HitRow.watchlist)
    ):
        hits.setdefault(article_id, []).append(watchlist)
    by_id = {r[0]: r for r in rows}
    return [
        SearchResult(
            id=i,
            title=by_id[i][1],
            outlet=by_id[i][2],
            url=by_id[i][3],
            published_at=by_id[i][4],
            discovered_at=by_id[i][5],
            watchlists=tuple(hits.get(i, ())),
        )
        for i in ids_found
        if i in by_id
    ]
