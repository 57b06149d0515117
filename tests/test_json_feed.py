"""JSON Feed 1.0 and 1.1 are feeds; other JSON is named for what it is.

The class of cases: a feed URL that answers JSON. A JSON Feed (jsonfeed.org, version 1 or
1.1) yields its items through the same normalization as RSS and Atom (plain text, links,
UTC dates, authors, identity); any other JSON is a clear ParseError, not "not well-formed
XML".
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, MonitorConfig
from monitor.errors import ParseError
from monitor.feeds import parse_feed
from monitor.pipeline.poll import Poller
from monitor.store.articles import list_articles
from monitor.store.db import transaction
from tests.loopback import LoopbackServer, Response

FEED_1_1: dict[str, Any] = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Desk",
    "home_page_url": "https://news.example.org/",
    "authors": [{"name": "The Desk"}],
    "items": [
        {
            "id": "1",
            "url": "https://news.example.org/a/1?utm_source=json",
            "title": "Diplomat defects",
            "content_html": "<p>A North Korean <b>diplomat</b> defected.</p><p>Second.</p>",
            "date_published": "2024-05-02T09:30:00+09:00",
            "authors": [{"name": "Kim"}, {"name": "Lee"}],
        },
        {
            "id": "2",
            "external_url": "https://elsewhere.example.com/story",
            "title": "Linked &amp; noted",
            "content_text": "Plain text body.",
            "date_modified": "2024-05-03T00:00:00Z",
        },
        {"id": "3", "content_text": "A micro post without title or link."},
    ],
}


def parse(data: object, content_type: str = "application/feed+json") -> Any:
    body = json.dumps(data).encode()
    return parse_feed(
        body,
        {"Content-Type": content_type},
        feed_id="j",
        base_url="https://news.example.org/feed.json",
    )


def test_a_json_feed_1_1_is_normalized_like_any_feed() -> None:
    feed = parse(FEED_1_1)
    assert feed.version == "json11" and feed.title == "Desk" and feed.bozo is None
    first, second, third = feed.entries
    assert first.canonical_url == "https://news.example.org/a/1"
    assert first.content == "A North Korean diplomat defected.\n\nSecond."
    assert first.published_at == datetime(2024, 5, 2, 0, 30, tzinfo=UTC)
    assert first.author == "Kim, Lee"
    assert second.url == "https://elsewhere.example.com/story"
    assert second.title == "Linked & noted"  # an escaped entity in plain text, as for RSS
    assert second.published_at == datetime(2024, 5, 3, tzinfo=UTC)
    assert second.author == "The Desk"  # the feed's author stands in
    assert third.url == "" and third.content == "A micro post without title or link."
    assert len({e.canonical_url for e in feed.entries}) == 3


def test_a_json_feed_1_0_with_its_single_author() -> None:
    data = {
        "version": "https://jsonfeed.org/version/1",
        "title": "Old",
        "items": [{"id": "a", "url": "https://x.org/a", "author": {"name": "Park"}, "title": "T"}],
    }
    feed = parse(data, "application/json")
    assert feed.version == "json1"
    assert [(e.author, e.title) for e in feed.entries] == [("Park", "T")]


@pytest.mark.parametrize(
    "data",
    [{"status": "ok", "results": []}, [1, 2, 3], {"version": "2.0", "items": []}],
)
def test_other_json_is_named_not_called_broken_xml(data: object) -> None:
    with pytest.raises(ParseError) as info:
        parse(data, "application/json")
    assert "JSON" in str(info.value) and "XML" not in str(info.value)


def test_json_that_does_not_parse_says_so() -> None:
    with pytest.raises(ParseError, match="looks like JSON"):
        parse_feed(b'{"version": ', {}, feed_id="j", base_url="https://x.org/")


def test_a_polled_json_feed_is_stored(
    http_server: LoopbackServer, sessions: sessionmaker[Session], database_url: str
) -> None:
    http_server.route(
        "/feed.json",
        Response(
            body=json.dumps(FEED_1_1).encode(), headers={"Content-Type": "application/feed+json"}
        ),
    )
    monitor = MonitorConfig.model_validate(
        {
            "feeds": [{"id": "j", "url": http_server.url("/feed.json")}],
            "fetch": {"allow_private_networks": True, "retries": 0, "fetch_articles": False},
        }
    )
    cfg = AppConfig(monitor=monitor, watchlists=[], path="t.yaml", database_url=database_url)
    report = asyncio.run(Poller(cfg, sessions).run())
    assert report.count("ok") == 1 and report.new_articles == 3
    with transaction(sessions) as s:
        assert len(list_articles(s)) == 3
