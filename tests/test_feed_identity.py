"""An entry's identity: its own page, else its GUID; a page that is not its own is not fetched.

The class of cases: entries whose link is no page of their own (the feed itself, an empty
`href=""` that resolves to it, the feed's home page, one page many entries share, as every
episode of a podcast links the show). Each is its own article (by GUID, else by what it
says), its body is its own text, and that foreign page is never fetched. A link to another
site's home page (a link post) is a real page and stays one.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, MonitorConfig
from monitor.domain import ExtractionStatus
from monitor.feeds import parse_feed
from monitor.pipeline.poll import Poller
from monitor.store.articles import list_articles
from monitor.store.db import transaction
from tests.loopback import LoopbackServer, Response

FEED_URL = "https://pod.example.org/feed.xml"


def rss(items: str, link: str = "https://pod.example.org/") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Show</title>'
        f"<link>{link}</link>{items}</channel></rss>"
    ).encode()


def item(title: str, link: str | None, guid: str | None = None, permalink: bool = False) -> str:
    out = f"<item><title>{title}</title><description>About {title}.</description>"
    if link is not None:
        out += f"<link>{link}</link>"
    if guid is not None:
        out += f'<guid isPermaLink="{"true" if permalink else "false"}">{guid}</guid>'
    return out + "</item>"


def parse(body: bytes) -> list[tuple[str, str, bool]]:
    feed = parse_feed(body, {}, feed_id="pod", base_url=FEED_URL)
    return [(e.canonical_url, e.url, e.has_page) for e in feed.entries]


def test_podcast_episodes_sharing_the_show_page_are_each_an_article() -> None:
    body = rss(
        "".join(item(f"Episode {i}", "https://pod.example.org/show", f"ep-{i}") for i in range(5))
    )
    entries = parse(body)
    assert len({c for c, _, _ in entries}) == 5
    assert all(not has_page for _, _, has_page in entries)
    assert all(url == "https://pod.example.org/show" for _, url, _ in entries)  # kept for readers


def test_entries_linking_the_feed_itself_or_its_home_page_have_no_page() -> None:
    body = rss(
        item("Post A", FEED_URL, "a")
        + item("Post B", "https://pod.example.org/", "b")
        + item("Post C", "", "c")  # an empty link resolves to the feed
        + item("Post D", "https://pod.example.org/2024/d.html", "d")
    )
    entries = parse(body)
    assert len({c for c, _, _ in entries}) == 4
    assert [has_page for _, _, has_page in entries] == [False, False, False, True]


def test_an_atom_entry_with_an_empty_href_is_its_own_article() -> None:
    entries = "".join(
        f'<entry><id>urn:post:{i}</id><title>Post {i}</title><link href=""/>'
        f'<content type="text">Text of post {i}.</content>'
        f"<updated>2024-01-0{i}T00:00:00Z</updated></entry>"
        for i in range(1, 4)
    )
    body = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{entries}</feed>'.encode()
    feed = parse_feed(body, {}, feed_id="pod", base_url=FEED_URL)
    assert len({e.canonical_url for e in feed.entries}) == 3
    assert [e.content for e in feed.entries] == [f"Text of post {i}." for i in range(1, 4)]
    assert not any(e.has_page for e in feed.entries)


def test_a_link_post_to_another_sites_home_page_is_a_real_page() -> None:
    entries = parse(rss(item("Nice site", "https://other.example.com/", "x")))
    assert entries == [("https://other.example.com/", "https://other.example.com/", True)]


def test_a_distinct_permalink_guid_is_the_entrys_page() -> None:
    body = rss(
        item("E1", "https://pod.example.org/show", "https://pod.example.org/ep/1", permalink=True)
        + item("E2", "https://pod.example.org/show", "https://pod.example.org/ep/2", permalink=True)
    )
    assert parse(body) == [
        ("https://pod.example.org/ep/1", "https://pod.example.org/ep/1", True),
        ("https://pod.example.org/ep/2", "https://pod.example.org/ep/2", True),
    ]


def test_without_a_guid_what_the_entry_says_is_its_identity() -> None:
    body = rss(item("First", FEED_URL) + item("Second", FEED_URL) + item("First", FEED_URL))
    entries = parse(body)
    assert len(entries) == 3 and len({c for c, _, _ in entries}) == 2  # a repeat is a repeat


def test_a_polled_podcast_stores_every_episode_and_never_fetches_the_show_page(
    http_server: LoopbackServer, sessions: sessionmaker[Session], database_url: str
) -> None:
    show = http_server.url("/show")
    http_server.route("/show", Response(body=b"<html><body><p>The show page.</p></body></html>"))
    items = "".join(item(f"Episode {i}", show, f"ep-{i}") for i in range(6))
    http_server.route("/feed.xml", Response(body=rss(items, link=http_server.url("/"))))
    monitor = MonitorConfig.model_validate(
        {
            "feeds": [{"id": "pod", "url": http_server.url("/feed.xml")}],
            "fetch": {"allow_private_networks": True, "retries": 0},
        }
    )
    cfg = AppConfig(monitor=monitor, watchlists=[], path="t.yaml", database_url=database_url)
    report = asyncio.run(Poller(cfg, sessions).run())
    assert report.new_articles == 6
    with transaction(sessions) as s:
        stored = list_articles(s)
    assert sorted(a.title for a in stored) == [f"Episode {i}" for i in range(6)]
    assert {a.extraction for a in stored} == {ExtractionStatus.FEED_FALLBACK}
    assert all((a.body or "").startswith("About Episode") for a in stored)
    assert http_server.hits("/show") == []
