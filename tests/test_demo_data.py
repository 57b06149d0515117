"""The bundled demo content and its server: what `monitor demo` relies on."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import feedparser
import httpx
import pytest

from monitor.config.loader import load_config
from monitor.demo import DATA_DIR, DEMO_NOW, DemoServer, load_manifest, write_demo_config
from monitor.extract.article import extract_article
from tests.conftest import ROOT

MANIFEST = load_manifest()
ARTICLES = {a.path: a for a in MANIFEST.articles}


def _extract(html: str, url: str) -> tuple[str, datetime | None] | None:
    found = extract_article(html, url)
    return None if found is None else (found.text, found.published_at)


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as c:
        yield c


@pytest.fixture(scope="module")
def extracted(demo: DemoServer, client: httpx.Client) -> dict[str, tuple[str, datetime | None]]:
    out = {}
    for a in MANIFEST.articles:
        resp = client.get(demo.url(a.path))
        found = _extract(resp.text, demo.url(a.path))
        assert found is not None, f"no body extracted from {a.path}"
        out[a.path] = found
    return out


def test_every_feed_is_served_and_parses(demo: DemoServer, client: httpx.Client) -> None:
    feeds = demo.feed_urls()
    assert len(feeds) == 6
    assert {f.language for f in feeds} == {"en", "ko"}
    for feed in feeds:
        resp = client.get(feed.url)
        assert resp.status_code == 200, feed.url
        kind = next(f.format for f in MANIFEST.feeds if f.id == feed.feed_id)
        assert resp.headers["content-type"] == f"application/{kind}+xml; charset=utf-8"
        assert b"{base}" not in resp.content
        parsed = feedparser.parse(resp.content)
        assert not parsed.bozo, (feed.url, parsed.get("bozo_exception"))
        assert parsed.version.startswith(kind)
        expected = {demo.url(a.path) for a in MANIFEST.articles if a.feed == feed.feed_id}
        assert {e.link for e in parsed.entries} == expected


def test_every_entry_has_its_date_and_links_to_a_page(
    demo: DemoServer, client: httpx.Client
) -> None:
    for feed in demo.feed_urls():
        for entry in feedparser.parse(client.get(feed.url).content).entries:
            article = ARTICLES[entry.link.removeprefix(demo.base_url)]
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            assert datetime(*stamp[:6], tzinfo=UTC) == article.published, entry.link
            page = client.get(entry.link)
            assert page.status_code == 200, entry.link
            assert page.headers["content-type"] == "text/html; charset=utf-8"
            assert f'href="{entry.link}"' in page.text  # canonical link carries the live address
            assert "{base}" not in page.text


def test_dates_sit_just_before_the_demo_now_except_the_old_feature() -> None:
    for a in MANIFEST.articles:
        age = DEMO_NOW - a.published
        if a.stale:
            assert age > timedelta(days=365), a.path
        else:
            # fresh news: younger than the default stories.stale_after (3 days)
            assert timedelta(0) < age < timedelta(days=3), a.path
    assert MANIFEST.now == DEMO_NOW


def test_conditional_get_answers_304(demo: DemoServer, client: httpx.Client) -> None:
    url = demo.feed_urls()[0].url
    first = client.get(url)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]

    by_etag = client.get(url, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag.headers["etag"] == etag

    by_date = client.get(url, headers={"If-Modified-Since": last_modified})
    assert by_date.status_code == 304

    other_etag = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other_etag.status_code == 200
    assert other_etag.content == first.content

    earlier = format_datetime(DEMO_NOW - timedelta(days=1), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200


def test_unknown_paths_404_and_head_has_no_body(demo: DemoServer, client: httpx.Client) -> None:
    assert client.get(demo.url("/yonhap/view/AEN00000000000000000.html")).status_code == 404
    assert client.get(demo.url("/../pyproject.toml")).status_code == 404
    head = client.head(demo.feed_urls()[0].url)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0


def test_served_counts_feed_polls(client: httpx.Client) -> None:
    with DemoServer() as server:
        assert not server.all_feeds_polled()
        for feed in server.feed_urls():
            client.get(feed.url)
        assert server.all_feeds_polled()
        assert server.served(MANIFEST.feeds[0].path) == 1


def test_stopped_server_releases_its_port(client: httpx.Client) -> None:
    server = DemoServer().start()
    url = server.feed_urls()[0].url
    assert client.get(url).status_code == 200
    server.close()
    with pytest.raises(httpx.ConnectError):
        client.get(url)
    with pytest.raises(RuntimeError):
        _ = server.base_url


def test_manifest_lists_every_page_and_feed() -> None:
    pages = {
        "/" + p.relative_to(DATA_DIR).as_posix() for p in DATA_DIR.rglob("*.html") if p.is_file()
    }
    assert pages == set(ARTICLES)
    assert len(pages) >= 24
    for feed in MANIFEST.feeds:
        assert (DATA_DIR / feed.path.lstrip("/")).is_file()
    feed_ids = {f.id for f in MANIFEST.feeds}
    for a in MANIFEST.articles:
        assert a.feed in feed_ids
        assert a.relevant == (a.event is not None), a.path
        if a.copy_of is not None:
            original = ARTICLES[a.copy_of]
            assert original.event == a.event
            assert original.outlet != a.outlet
            assert original.published < a.published
    assert sum(not a.page_date for a in MANIFEST.articles) >= 3
    assert {a.language for a in MANIFEST.articles} == {"en", "ko"}


def test_every_event_is_reported_by_two_outlets_and_distractors_are_many() -> None:
    events: dict[str, set[str]] = {}
    for a in MANIFEST.articles:
        if a.event is not None:
            events.setdefault(a.event, set()).add(a.outlet)
    assert set(events) == set(MANIFEST.events)
    fresh = {a.event for a in MANIFEST.articles if a.event and not a.stale}
    assert len(fresh) >= 3
    for event in fresh:
        assert len(events[event]) >= 2, event
    assert sum(not a.relevant for a in MANIFEST.articles) >= 6
    assert sum(a.copy_of is not None for a in MANIFEST.articles) >= 1


def test_the_wire_copy_is_a_near_duplicate(
    extracted: dict[str, tuple[str, datetime | None]],
) -> None:
    copies = [a for a in MANIFEST.articles if a.copy_of]
    for copy in copies:
        assert copy.copy_of is not None
        copy_text, original_text = extracted[copy.path][0], extracted[copy.copy_of][0]
        assert copy_text != original_text
        ratio = difflib.SequenceMatcher(None, copy_text, original_text).ratio()
        assert ratio > 0.8, (copy.path, ratio)
    unrelated = difflib.SequenceMatcher(
        None, extracted[copies[0].path][0], extracted[MANIFEST.articles[0].path][0]
    ).ratio()
    assert unrelated < 0.5


@pytest.mark.parametrize("path", sorted(ARTICLES))
def test_extraction_keeps_the_body_and_drops_the_chrome(
    path: str, extracted: dict[str, tuple[str, datetime | None]]
) -> None:
    text, _ = extracted[path]
    assert ARTICLES[path].lead[:80] in text
    leaked = [m for m in MANIFEST.chrome_markers if m in text]
    assert leaked == []


@pytest.mark.parametrize("path", sorted(ARTICLES))
def test_publication_date_comes_from_metadata_never_from_the_header(
    path: str, extracted: dict[str, tuple[str, datetime | None]]
) -> None:
    article = ARTICLES[path]
    _, published = extracted[path]
    assert published == (article.published if article.page_date else None)


def test_demo_config_validates_and_points_at_the_server(demo: DemoServer, tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    path = write_demo_config(
        tmp_path / "monitor.yaml",
        base_url=demo.base_url,
        database_url=f"sqlite:///{tmp_path / 'demo.db'}",
        output_dir=out,
        watchlists_dir=ROOT / "config" / "watchlists",
    )
    app = load_config(path, env={})
    assert [(f.id, f.outlet, f.url, f.language) for f in app.monitor.feeds] == [
        tuple(f) for f in demo.feed_urls()
    ]
    assert app.database_url == f"sqlite:///{tmp_path / 'demo.db'}"
    assert app.monitor.fetch.allow_private_networks is True
    [channel] = app.monitor.channels
    assert (channel.type, channel.mode, Path(channel.path)) == ("file", "digest", out.resolve())
    assert app.monitor.watchlist_paths == [str((ROOT / "config" / "watchlists").resolve())]
