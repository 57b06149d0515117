"""Alert decisions: compare a story before and after an article joined it.

`new` when a story opens with fresh news (a stale opener waits, and so does a report
that is only news about a long-known defector, `person_news`: the first fresh report of
an act raises `new` then); `corroborated` each time the independent origin count grows after
that; `confirmed` when an official origin first appears after `new` (when it arrives
with the article that raises `new`, that alert says confirmed instead). Keys are
(story key, kind, count), so reprocessing an article cannot raise an alert twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from monitor.stories.acts import act_age, act_sentence
from monitor.stories.model import Alert, AlertKind, StorySummary

__all__ = ["LONG_AGO_DAYS", "Act", "Named", "alert_key", "decide_alerts", "person_news"]

#: an act dated at least this many days before publication is background, not news
LONG_AGO_DAYS = 365
_PRONOUN = re.compile(r"\b(?:he|she|his|her|him)\b|그는|그가|그녀", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Act:
    """Where a report makes a claim of an act (an accepted keyword that is no status)."""

    field: str  # "title" or "body"
    start: int  # offset in that field


@dataclass(frozen=True, slots=True)
class Named:
    """Where a report names a person (a target-person match)."""

    person: str
    field: str
    start: int
    end: int


def _about(text: str, lo: int, hi: int, field: str, people: set[str], named: list[Named]) -> bool:
    """The sentence [lo, hi) speaks of one of `people`: names one, their family name, or a
    personal pronoun (a report about one person refers back to them)."""
    sentence = text[lo:hi]
    if any(n.field == field and n.person in people and lo <= n.start < hi for n in named):
        return True
    if _PRONOUN.search(sentence):
        return True
    family = {p.split()[0] for p in people if " " in p}
    return any(re.search(rf"\b{re.escape(f)}\b", sentence) for f in family)


def person_news(
    title: str,
    text: str,
    published: datetime | None,
    *,
    subjects: Mapping[str, int | None],
    acts: Iterable[Act],
    named: Iterable[Named] = (),
) -> str | None:
    """Why a report is news about long-known defectors rather than a new defection, or None.

    It is when every subject is a defector whose defection was public before the year of
    publication (`subjects`: person -> the watchlist's `known_since`), and every act the
    report claims speaks of them and is dated at least `LONG_AGO_DAYS` before publication
    ("Thae, who fled to the South four years ago, won a seat"). An undated act, a recent
    one ("left the North in May" in July), an act of someone else, a subject first made
    public this year (a first interview) or a subject the watchlist cannot date: news.
    """
    if published is None or not subjects:
        return None
    years = {p: y for p, y in subjects.items() if y is not None and y < published.year}
    if len(years) != len(subjects):
        return None
    people = set(years)
    named = list(named)
    now = published.date()
    for act in acts:
        field = title if act.field == "title" else text
        lo, hi = act_sentence(field, act.start)
        if not _about(field, lo, hi, act.field, people, named):
            return None
        age = act_age(field, act.start, now)
        if age is None or age < LONG_AGO_DAYS:
            return None
    known = ", ".join(f"{p} (known since {y})" for p, y in sorted(years.items()))
    return f"person news: {known}; no act dated within {LONG_AGO_DAYS} days"


def alert_key(story_key: str, kind: AlertKind, count: int) -> str:
    """The idempotency key stored in the alerts table's unique column."""
    return f"{story_key}:{kind}:{count}"


def _alert(kind: AlertKind, story: StorySummary, count: int) -> Alert:
    return Alert(
        kind=kind,
        story_key=story.key,
        key=alert_key(story.key, kind, count),
        origin_count=story.origin_count,
        origins=tuple(sorted(story.origins)),
        confirmed=story.confirmed,
    )


def decide_alerts(
    before: StorySummary | None, after: StorySummary, *, stale: bool, quiet: bool = False
) -> list[Alert]:
    """Alerts to raise for one article; `before` is None when the article opened the story.

    `quiet`: the article reports no new act (`person_news`); like a stale one it cannot
    announce a story, but it corroborates and confirms an announced one."""
    if (stale or quiet) and (before is None or not before.announced):
        return []  # old news: stored and grouped, but nobody is told it is breaking
    if before is None or not before.announced:
        return [_alert("new", after, 1)]
    alerts: list[Alert] = []
    if after.origin_count > before.origin_count:
        alerts.append(_alert("corroborated", after, after.origin_count))
    if after.confirmed and not before.confirmed:
        alerts.append(_alert("confirmed", after, 1))
    return alerts
