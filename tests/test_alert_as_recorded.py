"""Each alert is rendered from what it recorded, not from the story at send time.

The class of cases: a story that grows between an alert and its delivery (further
corroboration, more articles). The alert for two independent origins says two, lists the
origins and articles the story had then, and leads with the article that raised it; the
alert for three says three. Sent together after the story grew, they still differ.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from monitor.delivery import drain, enqueue_alert
from monitor.delivery.asof import as_of_alert
from monitor.delivery.model import ArticleRecord, StoryRecord
from monitor.store.db import transaction
from monitor.store.models import AlertRow, StoryArticleRow, StoryRow
from tests.alertdata import T0, Seeder, file_channel, later, make_config

OUTLETS = ["Yonhap", "NK News", "Daily NK"]


def test_corroboration_alerts_sent_late_each_say_their_own_count(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    cfg = make_config([file_channel("now", tmp_path / "out")])
    with transaction(sessions) as s:
        seed = Seeder(s)
        arts = [
            seed.article(f"Diplomat defects, says {o}", o, at=later(10 * i))
            for i, o in enumerate(OUTLETS)
        ]
        story = StoryRow(
            key="s1", watchlist="nk-defections", headline="Diplomat defects",
            first_seen=T0, last_seen=later(20), origin_count=3, origins=OUTLETS,
            confirmed=False, stale=False, people=[], terms=["defect"], score=3.0,
        )  # fmt: skip
        s.add(story)
        s.flush()
        for i, art in enumerate(arts):
            s.add(StoryArticleRow(story_id=story.id, article_id=art.id, origins=[OUTLETS[i]],
                                  added_at=later(10 * i)))  # fmt: skip
        alerts = []
        for n, art in ((2, arts[1]), (3, arts[2])):
            row = AlertRow(
                key=f"s1:corroborated:{n}",
                story_id=story.id,
                kind="corroborated",
                origin_count=n,
                article_id=art.id,
                created_at=later(10 * (n - 1)),
            )
            s.add(row)
            s.flush()
            alerts.append(row)
        for row in alerts:  # both queued, sent only after the story reached three origins
            enqueue_alert(s, cfg, seed.raised(row), row.created_at)
    report = asyncio.run(drain(cfg, sessions, now=later(60), owner="w"))
    assert report.sent == 2
    texts = sorted(p.read_text(encoding="utf-8") for p in (tmp_path / "out").glob("*.txt"))
    two = next(t for t in texts if "(2 independent origins)" in t)
    three = next(t for t in texts if "(3 independent origins)" in t)
    assert "Daily NK" not in two and "NK News" in two  # the story as it was then
    assert all(o in three for o in OUTLETS)


def record(
    article_id: int, minutes: float, origins: tuple[str, ...], copy_of: int | None = None
) -> ArticleRecord:
    at = T0 + timedelta(minutes=minutes)
    return ArticleRecord(article_id, f"https://x/{article_id}", origins[0] if origins else "Copy",
                         f"t{article_id}", at, at, copy_of, origins, at)  # fmt: skip


def story(*articles: ArticleRecord) -> StoryRecord:
    return StoryRecord(
        id=1, key="k", watchlist="w", headline="h", first_seen=T0, last_seen=T0,
        origin_count=3, origins=("A", "B", "C"), confirmed=False, stale=False, people=(),
        terms=(), score=1.0, articles=articles,
    )  # fmt: skip


def test_as_of_alert_keeps_what_the_story_had_and_leads_with_the_cause() -> None:
    full = story(record(1, 0, ("A",)), record(2, 10, ("B",)), record(3, 15, (), copy_of=2),
                 record(4, 20, ("C",)))  # fmt: skip
    then = as_of_alert(full, at=T0 + timedelta(minutes=10), article_id=2, origin_count=2)
    assert [a.id for a in then.articles] == [2, 1]  # the cause first; nothing added later
    assert (then.origins, then.origin_count) == (("B", "A"), 2)
    later_alert = as_of_alert(full, at=T0 + timedelta(minutes=20), article_id=4, origin_count=3)
    assert [a.id for a in later_alert.articles] == [4, 1, 2, 3]
    assert set(later_alert.origins) == {"A", "B", "C"}


def test_as_of_alert_without_recorded_links_falls_back_to_the_story() -> None:
    old = story(ArticleRecord(1, "https://x/1", "A", "t", T0, T0))  # rows from before
    same = as_of_alert(old, at=T0, article_id=None, origin_count=None)
    assert (same.origins, same.origin_count, len(same.articles)) == (("A", "B", "C"), 3, 1)
