"""The copy index in the database: sampled shingle postings of every body in the window.

Kept in tables rather than in a worker's memory, so it survives restarts and every worker
on one PostgreSQL database sees the bodies the others stored. Lookup is one indexed query
(postings by hash, grouped by article, within the window); the few candidates it returns
are measured exactly from their stored bodies (monitor/stories/copies.py). Values leave
this module, never rows.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, String, Table, any_, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from monitor.store.insert import new_rows
from monitor.store.models import ArticleCopyRow, ArticleRow, CopyPostingRow
from monitor.stories.copies import Signature

__all__ = [
    "Candidate",
    "candidates",
    "copy_link",
    "forget_before",
    "index_article",
    "promote_root",
]

_POSTINGS = cast(Table, CopyPostingRow.__table__)
_INDEX = cast(Table, ArticleCopyRow.__table__)


def _one_of(column: Any, name: str, dialect: str) -> Any:
    """`column IN (the integers of parameter name)`, with the list bound as ONE parameter
    (`_listed`): a JSON array read by `json_each` on SQLite, an array on PostgreSQL. An
    expanding IN renders a named parameter for each value at every execution, which cost
    more CPU than the query itself for a body's ~110 hashes."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(BigInteger)))
    listed = func.json_each(bindparam(name, type_=String)).table_valued("value")
    return column.in_(select(listed.c.value))


def _listed(values: Sequence[int], dialect: str) -> Any:
    """The parameter `_one_of` reads."""
    return list(values) if dialect == "postgresql" else json.dumps(list(values))


# The index's statements run for every stored article: each is built once per backend, so
# an execution costs no statement construction or coercion of each value.
@functools.cache
def _shared(dialect: str) -> Any:
    """The indexed bodies seen since `since` sharing at least `min_shared` of the given
    hashes, most shared first, at most `limit`: counted and cut in the database, since a
    boilerplate shingle (a site's standing line) can be shared by a large part of the window,
    and every body sharing it would otherwise come back as a row."""
    shared = func.count()
    return (
        select(CopyPostingRow.article_id, shared)
        .join(ArticleCopyRow, ArticleCopyRow.article_id == CopyPostingRow.article_id)
        .where(
            _one_of(CopyPostingRow.hash, "hashes", dialect),
            ArticleCopyRow.seen_at >= bindparam("since"),
            CopyPostingRow.article_id != bindparam("exclude"),
        )
        .group_by(CopyPostingRow.article_id)
        .having(shared >= bindparam("min_shared"))
        .order_by(shared.desc(), CopyPostingRow.article_id)
        .limit(bindparam("limit"))
    )


@functools.cache
def _measurable(dialect: str) -> Any:
    """What an exact check needs of the given indexed bodies."""
    return (
        select(
            ArticleCopyRow.article_id,
            ArticleCopyRow.samples,
            ArticleCopyRow.copy_of,
            ArticleCopyRow.seen_at,
            ArticleRow.body,
        )
        .join(ArticleRow, ArticleRow.id == ArticleCopyRow.article_id)
        .where(_one_of(ArticleCopyRow.article_id, "ids", dialect))
    )


#: The postings' executemany goes to the driver as it is: one row of two integers each,
#: ~110 rows an article, where Core's executemany processed every row's parameters.
_ADD_POSTINGS = "INSERT INTO {table} (hash, article_id) VALUES ({marks})"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored body sharing samples with a new one: enough to measure it exactly."""

    article_id: int
    shared: int
    samples: int
    root: int | None  # what it copies itself (None: an original)
    body: str | None  # None after retention dropped it
    seen_at: datetime


def candidates(
    session: Session, sig: Signature, *, since: datetime, exclude: int, min_shared: int, limit: int
) -> list[Candidate]:
    """Indexed bodies seen since `since` sharing at least `min_shared` samples, most first."""
    if not sig.sample:
        return []
    dialect = session.get_bind().dialect.name
    rows = session.execute(
        _shared(dialect),
        {
            "hashes": _listed(sig.sample, dialect),
            "since": since,
            "exclude": exclude,
            "min_shared": min_shared,
            "limit": limit,
        },
    )
    counts = {int(aid): int(n) for aid, n in rows}
    best = list(counts)  # most shared first, then the earlier stored
    if not best:
        return []
    rows2 = session.execute(_measurable(dialect), {"ids": _listed(best, dialect)})
    found = {
        int(aid): Candidate(int(aid), counts[int(aid)], int(samples), root, body, seen)
        for aid, samples, root, seen, body in rows2
    }
    return [found[a] for a in best if a in found]


def index_article(
    session: Session,
    article_id: int,
    sig: Signature,
    *,
    seen_at: datetime,
    root: int | None,
    source: int | None,
    share: float,
) -> bool:
    """Record a body in the index (once: False when it was already there)."""
    values = {
        "article_id": article_id,
        "seen_at": seen_at,
        "samples": len(sig.sample),
        "copy_of": root,
        "source_id": source,
        "share": share,
    }
    stmt = new_rows(session, _INDEX, ["article_id"], ["article_id"])
    if session.execute(stmt, values).first() is None:
        return False  # indexed before (a replay)
    if sig.sample:
        mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
        session.connection().exec_driver_sql(
            _ADD_POSTINGS.format(table=_POSTINGS.name, marks=f"{mark}, {mark}"),
            [(h, article_id) for h in sig.sample],
        )
    return True


def copy_link(session: Session, article_id: int) -> tuple[int | None, int | None, float]:
    """(root original, direct source, containment) of an indexed article; Nones if original."""
    row = session.get(ArticleCopyRow, article_id)
    if row is None:
        return None, None, 0.0
    return row.copy_of, row.source_id, row.share


def promote_root(session: Session, old_root: int, new_root: int, share: float) -> None:
    """An earlier-published original arrived after its copy: it becomes the root of them all."""
    session.execute(
        update(ArticleCopyRow)
        .where((ArticleCopyRow.copy_of == old_root) | (ArticleCopyRow.article_id == old_root))
        .values(copy_of=new_root)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(ArticleCopyRow)
        .where(ArticleCopyRow.article_id == old_root)
        .values(source_id=new_root, share=share)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(ArticleCopyRow)
        .where(ArticleCopyRow.article_id == new_root)
        .values(copy_of=None, source_id=None, share=0.0)
        .execution_options(synchronize_session=False)
    )


def forget_before(session: Session, before: datetime) -> int:
    """Drop postings of bodies older than the window (retention); their rows stay."""
    old = select(ArticleCopyRow.article_id).where(ArticleCopyRow.seen_at < before)
    done = session.execute(delete(CopyPostingRow).where(CopyPostingRow.article_id.in_(old)))
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
