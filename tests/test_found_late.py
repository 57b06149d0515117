"""Old news found late is said, briefly: a digest never claims nothing matched when it did.

The class of cases: stories whose articles were published long before they were found (a
new deployment's first polls, a feed that resurfaces old items). Their `last_seen` is old,
they raise no "new" alert, yet they were found in this digest's period: the digest lists
them in a short "found late" section (text, HTML, Slack), apart from the news.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from monitor.delivery.compose import DigestSpan, compose_digest
from monitor.delivery.render import render_html, render_text, slack_messages
from monitor.store.db import transaction
from monitor.store.models import StoryArticleRow
from tests.alertdata import T0, Seeder, make_config


def test_stories_found_late_get_their_own_short_section(
    sessions: sessionmaker[Session],
) -> None:
    cfg = make_config([{"name": "daily", "type": "file", "mode": "digest", "path": "/tmp/x"}])
    old = T0 - timedelta(days=12)
    with transaction(sessions) as s:
        seed = Seeder(s)
        for i in range(2):
            story = seed.story(f"old{i}", f"Defector interview {i}", at=old - timedelta(days=i),
                               stale=True)  # fmt: skip
            s.query(StoryArticleRow).filter_by(story_id=story.id).update(
                {"added_at": T0 + timedelta(hours=i)}  # found during this digest's day
            )
        fresh = seed.story("new", "Soldier crosses the border", at=T0 + timedelta(hours=3))
        seed.alert(fresh, at=T0 + timedelta(hours=3))
    channel = cfg.monitor.channels[0]
    with transaction(sessions) as s:
        digest = compose_digest(s, cfg, channel, DigestSpan(T0, T0 + timedelta(days=1)))
    assert [st.headline for st in digest.stories] == ["Soldier crosses the border"]
    assert [st.headline for st in digest.found_late] == [
        "Defector interview 0",
        "Defector interview 1",
    ]
    assert digest.subject.endswith("2 older reports found late")
    text = render_text(digest)
    assert "Found late: 2 older reports, not breaking news" in text
    assert "Defector interview 1" in text and "Nothing matched" not in text
    assert "Found late: 2 older reports" in render_html(digest)
    assert "Found late: 2 older reports" in json.dumps(slack_messages(digest))


def test_a_period_with_only_old_news_is_not_called_empty(sessions: sessionmaker[Session]) -> None:
    cfg = make_config([{"name": "daily", "type": "file", "mode": "digest", "path": "/tmp/x"}])
    with transaction(sessions) as s:
        story = Seeder(s).story("old", "Old report", at=T0 - timedelta(days=11), stale=True)
        s.query(StoryArticleRow).filter_by(story_id=story.id).update({"added_at": T0})
    with transaction(sessions) as s:
        digest = compose_digest(
            s,
            cfg,
            cfg.monitor.channels[0],
            DigestSpan(T0 - timedelta(hours=1), T0 + timedelta(hours=1)),
        )
    assert not digest.empty
    assert digest.subject == "1 older report found late: nk-defections"
    assert "Nothing matched" not in render_text(digest)


def test_news_about_known_defectors_is_listed_apart_from_old_news(
    sessions: sessionmaker[Session],
) -> None:
    """A story left unannounced because its reports are news about long-known defectors
    (an election win, a memoir: `stories.alerts.person_news`), not because they are old,
    is listed under its own heading: calling it "found late" would be wrong."""
    cfg = make_config([{"name": "daily", "type": "file", "mode": "digest", "path": "/tmp/x"}])
    with transaction(sessions) as s:
        seed = Seeder(s)
        person = seed.story(
            "thae", "Defector Thae wins a seat", at=T0 + timedelta(hours=1), stale=True,
            people=("Thae Yong-ho",),
        )  # fmt: skip
        s.query(StoryArticleRow).filter_by(story_id=person.id).update({"stale": False})
        old = seed.story("old", "Old report", at=T0 - timedelta(days=11), stale=True)
        s.query(StoryArticleRow).filter_by(story_id=old.id).update({"added_at": T0})
    with transaction(sessions) as s:
        digest = compose_digest(
            s, cfg, cfg.monitor.channels[0], DigestSpan(T0, T0 + timedelta(days=1))
        )
    assert [st.headline for st in digest.person_news] == ["Defector Thae wins a seat"]
    assert [st.headline for st in digest.found_late] == ["Old report"]
    assert not digest.stories and not digest.empty
    assert digest.subject == (
        "1 older report found late; 1 report about known defectors: nk-defections"
    )
    text = render_text(digest)
    assert "About known defectors: 1 report, no new defection reported" in text
    assert "[PERSON] Defector Thae wins a seat (Thae Yong-ho;" in text
    assert "[STALE] Defector Thae" not in text
    assert "About known defectors: 1 report" in render_html(digest)
    assert "About known defectors: 1 report" in json.dumps(slack_messages(digest))
