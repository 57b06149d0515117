"""What the analyst's desk lists: stories by watchlist, state, day and person, newest first.

The story list reads one page of ids here (filters in SQL, so a page of a 10,000-story
database costs one indexed query), then `reads.load_stories` for those ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import String, case, cast, func, select
from sqlalchemy.orm import Session

from monitor.domain import Article, StoryRecord
from monitor.store.articles import row_to_article
from monitor.store.models import ArticleCopyRow, ArticleRow, HitRow, StoryArticleRow, StoryRow
from monitor.store.reads import _strs
from monitor.stories.events import event_labels

State = Literal["new", "corroborated", "confirmed", "stale"]
STATES: tuple[str, ...] = get_args(State)


@dataclass(frozen=True, slots=True)
class StoryFilter:
    """The list's filters; None means any. `since`/`until`: stories seen within [since, until)."""

    watchlist: str | None = None
    state: str | None = None
    person: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class StoryLine(StoryRecord):
    """One story as the list shows it: the story row alone (no article is read), with how
    many reports it has."""

    article_count: int = 0


def story_page(
    session: Session, f: StoryFilter, *, offset: int = 0, limit: int = 50
) -> tuple[list[StoryLine], int]:
    """(one page of stories, newest first; how many match in all)."""
    stmt = select(StoryRow.id)
    if f.watchlist:
        stmt = stmt.where(StoryRow.watchlist == f.watchlist)
    if f.state == "confirmed":
        stmt = stmt.where(StoryRow.confirmed.is_(True))
    elif f.state == "corroborated":
        stmt = stmt.where(StoryRow.confirmed.is_(False), StoryRow.origin_count >= 2)
    elif f.state == "new":
        stmt = stmt.where(
            StoryRow.confirmed.is_(False), StoryRow.origin_count < 2, StoryRow.stale.is_(False)
        )
    elif f.state == "stale":
        stmt = stmt.where(StoryRow.stale.is_(True))
    if f.person:
        # a person any report names (subject or not): one element of a JSON list of names,
        # quotes included, as the JSON encoder wrote it (non-ASCII as \u escapes)
        name = json.dumps(f.person.strip())[1:-1].lower()
        pattern = f'%"{_escape_like(name)}"%'
        named = (
            select(StoryArticleRow.story_id)
            .join(HitRow, HitRow.article_id == StoryArticleRow.article_id)
            .where(func.lower(cast(HitRow.people, String)).like(pattern, escape="\\"))
        )
        stmt = stmt.where(
            func.lower(cast(StoryRow.people, String)).like(pattern, escape="\\")
            | StoryRow.id.in_(named)
        )
    if f.since is not None:
        stmt = stmt.where(StoryRow.last_seen >= f.since)
    if f.until is not None:
        stmt = stmt.where(StoryRow.first_seen < f.until)
    ordered = stmt.order_by(StoryRow.last_seen.desc(), StoryRow.id.desc())
    page: list[tuple[int, int]]
    if f.person:  # the names are read once: the page and the number of matches in one pass
        page = [
            (int(i), int(n))
            for i, n in session.execute(
                ordered.add_columns(func.count().over()).offset(offset).limit(limit)
            )
        ]
    else:  # a count apart is cheaper than a window over every row
        total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        page = [(i, total) for i in session.scalars(ordered.offset(offset).limit(limit))]
    if not page:
        return [], int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    ids = [row[0] for row in page]
    columns = [getattr(StoryRow, name) for name in LINE_COLUMNS]  # not the clustering state
    rows = session.execute(select(*columns).where(StoryRow.id.in_(ids))).all()
    unannounced = [int(r[LINE_COLUMNS.index("id")]) for r in rows if r[LINE_COLUMNS.index("stale")]]
    person = _person_news_ids(session, unannounced)
    lines = {}
    for r in rows:
        values = dict(zip(LINE_COLUMNS, r, strict=True))
        values["origins"], values["people"] = _strs(values["origins"]), _strs(values["people"])
        values["terms"] = event_labels(_strs(values["terms"]))
        lines[values["id"]] = StoryLine(**values, person_news=values["id"] in person)
    return [lines[i] for i in ids if i in lines], int(page[0][1])


def _person_news_ids(session: Session, unannounced: list[int]) -> set[int]:
    """Of these unannounced stories, those none of whose reports was old when found: news
    about long-known defectors, not old news (`reads.load_stories` says the same)."""
    if not unannounced:
        return set()
    old = func.sum(case((StoryArticleRow.stale.is_(True), 1), else_=0))
    rows = session.execute(
        select(StoryArticleRow.story_id)
        .where(StoryArticleRow.story_id.in_(unannounced))
        .group_by(StoryArticleRow.story_id)
        .having(old == 0)
    )
    return {int(sid) for (sid,) in rows}


LINE_COLUMNS = (
    "id", "key", "watchlist", "headline", "first_seen", "last_seen", "origin_count", "origins",
    "confirmed", "stale", "people", "terms", "article_count", "score",
)  # fmt: skip


def watchlists_with_stories(session: Session) -> list[str]:
    return sorted(session.scalars(select(StoryRow.watchlist).distinct()))


def story_ids_of_key(session: Session, key: str) -> int | None:
    """A story's id from its key (the key digests and `monitor stories` show)."""
    return session.scalar(select(StoryRow.id).where(StoryRow.key == key))


def bodies(session: Session, article_ids: list[int]) -> dict[int, str]:
    """Stored bodies of these articles ('' once retention dropped one)."""
    if not article_ids:
        return {}
    rows = session.execute(
        select(ArticleRow.id, ArticleRow.body).where(ArticleRow.id.in_(article_ids))
    )
    return {i: b or "" for i, b in rows}


def copy_shares(session: Session, article_ids: list[int]) -> dict[int, float]:
    """How much of each copy's text its source holds (containment, the copy index's share)."""
    if not article_ids:
        return {}
    rows = session.execute(
        select(ArticleCopyRow.article_id, ArticleCopyRow.share).where(
            ArticleCopyRow.article_id.in_(article_ids), ArticleCopyRow.copy_of.is_not(None)
        )
    )
    return {i: float(s) for i, s in rows}


def article_row(session: Session, article_id: int) -> Article | None:
    """One stored article as a value (its body '' once retention dropped it)."""
    row = session.get(ArticleRow, article_id)
    return None if row is None else row_to_article(row)
