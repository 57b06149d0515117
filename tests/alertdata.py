"""Builders for alert tests: a config with channels, and ORM rows seeded directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from monitor.config.models import AppConfig, MonitorConfig
from monitor.domain import RaisedAlert, alert_kind
from monitor.store.models import AlertRow, ArticleRow, Feed, HitRow, StoryArticleRow, StoryRow

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def make_config(
    channels: list[dict[str, Any]], *, delivery: dict[str, Any] | None = None, url: str = ""
) -> AppConfig:
    data: dict[str, Any] = {"channels": channels}
    if delivery:
        data["delivery"] = delivery
    return AppConfig(
        monitor=MonitorConfig.model_validate(data),
        watchlists=[],
        path="monitor.yaml",
        database_url=url,
    )


def file_channel(name: str, path: Path, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "file", "mode": "immediate", "path": str(path), **extra}


def match(term: str, snippet: str, rule: str = "keyword", weight: float = 1.0) -> dict[str, Any]:
    return {
        "rule": rule,
        "term": term,
        "text": term,
        "field": "body",
        "start": 0,
        "end": 1,
        "snippet": snippet,
        "weight": weight,
    }


class Seeder:
    """Insert articles, hits, stories, story_articles and alerts as the pipeline would."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self.n = 0
        if session.get(Feed, "test-feed") is None:
            session.add(
                Feed(
                    id="test-feed", url="http://127.0.0.1/feed", config_url="http://127.0.0.1/feed"
                )
            )
            session.flush()

    def article(
        self, title: str, outlet: str = "Yonhap", *, url: str | None = None, at: datetime = T0
    ) -> ArticleRow:
        self.n += 1
        row = ArticleRow(
            canonical_url=url or f"https://news.example/{self.n}",
            url=url or f"https://news.example/{self.n}",
            feed_id="test-feed",
            outlet=outlet,
            title=title,
            body="body",
            published_at=at,
            discovered_at=at,
        )
        self.s.add(row)
        self.s.flush()
        return row

    def story(
        self,
        key: str,
        headline: str,
        *,
        watchlist: str = "nk-defections",
        at: datetime = T0,
        origins: tuple[str, ...] = ("Yonhap",),
        confirmed: bool = False,
        stale: bool = False,
        score: float = 3.0,
        people: tuple[str, ...] = (),
        terms: tuple[str, ...] = ("defect",),
        articles: list[tuple[ArticleRow, ArticleRow | None]] | None = None,
        snippet: str | None = None,
    ) -> StoryRow:
        row = StoryRow(
            key=key,
            watchlist=watchlist,
            headline=headline,
            first_seen=at,
            last_seen=at,
            origin_count=len(origins),
            origins=list(origins),
            confirmed=confirmed,
            stale=stale,
            people=list(people),
            terms=list(terms),
            score=score,
        )
        self.s.add(row)
        self.s.flush()
        if articles is None:
            articles = [(self.article(headline, origins[0] if origins else "Yonhap", at=at), None)]
        for art, copy_of in articles:
            self.s.add(
                StoryArticleRow(
                    story_id=row.id,
                    article_id=art.id,
                    copy_of=copy_of.id if copy_of else None,
                    added_at=at,
                    stale=stale,  # an unannounced story's reports were old when found
                )
            )
            if copy_of is None:
                matches = [match(t, snippet or f"... {headline} ...") for t in terms]
                self.s.add(
                    HitRow(
                        article_id=art.id,
                        watchlist=watchlist,
                        score=score,
                        people=list(people),
                        explanation={"matches": matches},
                        created_at=at,
                    )
                )
        self.s.flush()
        return row

    def alert(self, story: StoryRow, kind: str = "new", *, at: datetime = T0) -> AlertRow:
        row = AlertRow(
            key=f"{story.key}:{kind}:{at.isoformat()}",
            story_id=story.id,
            kind=kind,
            origin_count=story.origin_count,
            created_at=at,
        )
        self.s.add(row)
        self.s.flush()
        return row

    def raised(self, alert: AlertRow) -> RaisedAlert:
        """The alert as ingestion hands it to the outbox, with its story's filter fields."""
        story = self.s.get(StoryRow, alert.story_id)
        assert story is not None
        return RaisedAlert(
            id=alert.id,
            key=alert.key,
            kind=alert_kind(alert.kind),
            story_id=story.id,
            story_key=story.key,
            watchlist=story.watchlist,
            score=story.score,
            confirmed=story.confirmed,
            created_at=alert.created_at,
            article_id=alert.article_id,
            origin_count=alert.origin_count,
        )


def later(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)
