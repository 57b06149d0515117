"""Analysts' corrections (the desk): record, withdraw, read, and the articles to export.

A correction is never deleted; withdrawing it records who and when. The one in force for an
(article, watchlist, kind of question) is the newest not withdrawn: "not relevant" then
"relevant" means relevant, and withdrawing the later one brings the earlier back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.store.models import ArticleRow, FeedbackRow, HitRow, StoryArticleRow, StoryRow

Label = Literal["not-relevant", "relevant", "belongs-to", "not-same-story", "copy-of", "not-a-copy"]
LABELS: tuple[str, ...] = get_args(Label)
#: Which question a label answers: a later answer to the same question overrides an earlier one.
QUESTION = {
    "not-relevant": "relevance",
    "relevant": "relevance",
    "belongs-to": "story",
    "not-same-story": "story",
    "copy-of": "copy",
    "not-a-copy": "copy",
}
NEEDS_OTHER = {"belongs-to": "story", "copy-of": "article"}


class FeedbackError(ValueError):
    """A correction that cannot be recorded (unknown label, missing target); says which."""


@dataclass(frozen=True, slots=True)
class Feedback:
    """One correction as recorded, with whether it is still in force."""

    id: int
    label: str
    watchlist: str | None
    article_id: int | None
    story_id: int | None
    other_id: int | None
    note: str | None
    who: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _value(row: FeedbackRow) -> Feedback:
    return Feedback(
        row.id,
        row.label,
        row.watchlist,
        row.article_id,
        row.story_id,
        row.other_id,
        row.note,
        row.who,
        row.created_at,
        row.revoked_at,
        row.revoked_by,
    )


def add_feedback(
    session: Session,
    *,
    label: str,
    who: str,
    now: datetime,
    article_id: int,
    watchlist: str | None = None,
    story_id: int | None = None,
    other_id: int | None = None,
    note: str | None = None,
) -> Feedback:
    """Record one correction of an article; refuses unknown labels and missing targets."""
    if label not in LABELS:
        raise FeedbackError(f"unknown feedback {label!r} (one of: {', '.join(LABELS)})")
    if session.get(ArticleRow, article_id) is None:
        raise FeedbackError(f"no article {article_id}")
    needs = NEEDS_OTHER.get(label)
    if needs and other_id is None:
        raise FeedbackError(f"{label} needs the {needs} it refers to")
    if needs == "story" and session.get(StoryRow, other_id) is None:
        raise FeedbackError(f"{label}: no story {other_id}")
    if needs == "article" and (other_id == article_id or session.get(ArticleRow, other_id) is None):
        raise FeedbackError(f"{label}: no other article {other_id}")
    if story_id is not None and session.get(StoryRow, story_id) is None:
        raise FeedbackError(f"no story {story_id}")
    row = FeedbackRow(
        label=label,
        who=who,
        created_at=now,
        article_id=article_id,
        watchlist=watchlist,
        story_id=story_id,
        other_id=other_id if needs else None,
        note=(note or "").strip()[:2000] or None,
    )
    session.add(row)
    session.flush()
    return _value(row)


def revoke_feedback(session: Session, feedback_id: int, *, who: str, now: datetime) -> bool:
    """Withdraw a correction (kept on record); False when there is none in force by that id."""
    done = session.execute(
        update(FeedbackRow)
        .where(FeedbackRow.id == feedback_id, FeedbackRow.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=who)
    )
    return bool(getattr(done, "rowcount", 0))


def feedback_of_articles(session: Session, article_ids: Iterable[int]) -> list[Feedback]:
    """Every correction of these articles, withdrawn ones too, oldest first."""
    ids = sorted(set(article_ids))
    if not ids:
        return []
    stmt = (
        select(FeedbackRow)
        .where(FeedbackRow.article_id.in_(ids))
        .order_by(FeedbackRow.created_at, FeedbackRow.id)
    )
    return [_value(r) for r in session.scalars(stmt)]


def in_force(feedback: Sequence[Feedback]) -> list[Feedback]:
    """The corrections that decide: per (article, watchlist, question), the newest active one."""
    latest: dict[tuple[int | None, str | None, str], Feedback] = {}
    for f in sorted(feedback, key=lambda f: (f.created_at, f.id)):
        if f.active:
            latest[(f.article_id, f.watchlist, QUESTION[f.label])] = f
    return sorted(latest.values(), key=lambda f: (f.created_at, f.id))


@dataclass(frozen=True, slots=True)
class CorrectedArticle:
    """A stored article with what the pipeline decided about it, for the corpus export."""

    id: int
    outlet: str
    feed_id: str
    url: str
    title: str
    body: str | None
    published_at: datetime | None
    discovered_at: datetime
    hits: dict[str, float]  # watchlist -> score
    people: tuple[str, ...]
    stories: dict[str, str]  # watchlist -> story key
    copy_of: int | None
    origins: tuple[str, ...]


def corrected_articles(session: Session) -> tuple[list[Feedback], list[CorrectedArticle]]:
    """The corrections in force, and the articles they name (those corrected, the articles
    they call originals, the articles of the stories they assign to), oldest first."""
    every = all_feedback(session)
    active = in_force(every)
    ids = {f.article_id for f in active if f.article_id is not None}
    ids |= {f.other_id for f in active if f.label == "copy-of" and f.other_id is not None}
    story_ids = {f.other_id for f in active if f.label == "belongs-to" and f.other_id}
    if story_ids:
        ids |= set(
            session.scalars(
                select(StoryArticleRow.article_id).where(StoryArticleRow.story_id.in_(story_ids))
            )
        )
    return active, _articles(session, sorted(ids))


def _articles(session: Session, ids: list[int]) -> list[CorrectedArticle]:
    if not ids:
        return []
    rows = session.scalars(select(ArticleRow).where(ArticleRow.id.in_(ids))).all()
    hits: dict[int, dict[str, float]] = {}
    people: dict[int, list[str]] = {}
    for h in session.scalars(select(HitRow).where(HitRow.article_id.in_(ids))):
        hits.setdefault(h.article_id, {})[h.watchlist] = float(h.score)
        people.setdefault(h.article_id, []).extend(str(p) for p in h.people or ())
    stories: dict[int, dict[str, str]] = {}
    copy_of: dict[int, int] = {}
    origins: dict[int, list[str]] = {}
    for link, watchlist, key in session.execute(
        select(StoryArticleRow, StoryRow.watchlist, StoryRow.key)
        .join(StoryRow, StoryRow.id == StoryArticleRow.story_id)
        .where(StoryArticleRow.article_id.in_(ids))
    ):
        stories.setdefault(link.article_id, {})[watchlist] = key
        if link.copy_of is not None:
            copy_of[link.article_id] = link.copy_of
        origins.setdefault(link.article_id, []).extend(str(o) for o in link.origins or ())
    return [
        CorrectedArticle(
            id=r.id,
            outlet=r.outlet,
            feed_id=r.feed_id,
            url=r.url,
            title=r.title,
            body=r.body,
            published_at=r.published_at,
            discovered_at=r.discovered_at,
            hits=hits.get(r.id, {}),
            people=tuple(dict.fromkeys(people.get(r.id, ()))),
            stories=stories.get(r.id, {}),
            copy_of=copy_of.get(r.id),
            origins=tuple(dict.fromkeys(origins.get(r.id, ()))),
        )
        for r in sorted(rows, key=lambda r: (r.published_at or r.discovered_at, r.id))
    ]


def story_keys(session: Session, story_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(story_ids))
    if not ids:
        return {}
    rows = session.execute(select(StoryRow.id, StoryRow.key).where(StoryRow.id.in_(ids)))
    return {int(i): str(k) for i, k in rows}


def all_feedback(session: Session) -> list[Feedback]:
    """Every correction, withdrawn ones too, oldest first (`monitor feedback list`)."""
    return [_value(r) for r in session.scalars(select(FeedbackRow).order_by(FeedbackRow.id))]


def feedback_json(f: Feedback) -> dict[str, object]:
    return {
        "id": f.id,
        "label": f.label,
        "watchlist": f.watchlist,
        "article": f.article_id,
        "story": f.story_id,
        "other": f.other_id,
        "note": f.note,
        "who": f.who,
        "at": f.created_at.isoformat(),
        "withdrawn_at": f.revoked_at.isoformat() if f.revoked_at else None,
        "withdrawn_by": f.revoked_by,
    }


@dataclass(frozen=True, slots=True)
class RulePrecision:
    """How one rule of a watchlist did by the analysts' word: hits it took part in, and how
    many of those articles are marked not relevant (or relevant) there."""

    watchlist: str
    rule: str
    term: str
    hits: int
    not_relevant: int
    confirmed: int

    @property
    def precision(self) -> float | None:
        judged = self.not_relevant + self.confirmed
        return None if judged == 0 else self.confirmed / judged


def rule_precision(session: Session, watchlist: str | None = None) -> list[RulePrecision]:
    """Per (watchlist, rule, term) of the stored hits' explanations: hits, and the corrections
    in force on those articles; most contested first."""
    verdicts: dict[tuple[int, str | None], str] = {}
    for f in in_force(all_feedback(session)):
        if f.article_id is not None and QUESTION[f.label] == "relevance":
            verdicts[(f.article_id, f.watchlist)] = f.label  # every article: one read of all
    stmt = select(HitRow.article_id, HitRow.watchlist, HitRow.explanation)
    if watchlist:
        stmt = stmt.where(HitRow.watchlist == watchlist)
    counts: dict[tuple[str, str, str], list[int]] = {}
    for article_id, wl, explanation in session.execute(stmt):
        matches = (explanation or {}).get("matches")
        seen: set[tuple[str, str]] = set()
        for m in matches if isinstance(matches, list) else ():
            if isinstance(m, dict):
                seen.add((str(m.get("rule") or ""), str(m.get("term") or "")))
        verdict = verdicts.get((article_id, wl)) or verdicts.get((article_id, None))
        for rule, term in seen:
            c = counts.setdefault((wl, rule, term), [0, 0, 0])
            c[0] += 1
            c[1] += verdict == "not-relevant"
            c[2] += verdict == "relevant"
    out = [RulePrecision(w, r, t, n, bad, good) for (w, r, t), (n, bad, good) in counts.items()]
    return sorted(out, key=lambda p: (-p.not_relevant, -p.hits, p.watchlist, p.rule, p.term))


def relevance_in_force(
    session: Session, article_ids: Iterable[int]
) -> dict[tuple[int, str | None], Feedback]:
    """The relevance correction in force per (article, watchlist) of these articles (watchlist
    None: a correction for every watchlist)."""
    out: dict[tuple[int, str | None], Feedback] = {}
    for f in in_force(feedback_of_articles(session, article_ids)):
        if f.article_id is not None and QUESTION[f.label] == "relevance":
            out[(f.article_id, f.watchlist)] = f
    return out
