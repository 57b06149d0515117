"""parse_feed on real-world feeds, feedparser's own test cases and the bad inputs a poller meets."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config.models import FetchConfig
from monitor.domain import FetchResult, ParsedFeed
from monitor.errors import ParseError
from monitor.feeds import html_to_text, parse_feed
from monitor.http import Fetcher
from tests.conftest import FIXTURES
from tests.loopback import LoopbackServer, Response

DATA = FIXTURES / "data"
CASES = sorted((DATA / "feedparser-cases").rglob("*.xml"))
REAL = DATA / "real-feeds"
NOW = datetime(2024, 6, 1, tzinfo=UTC)

# Entry counts from data/README.md. no_encoding_ISO-8859-1 has 10 items, one of them
# empty (no link, no guid, no title): parse_feed skips it.
REAL_FEEDS = {
    "feedjira/AmazonWebServicesBlog.xml": 10,
    "feedjira/DuplicateContentAtomFeed.xml": 10,
    "feedjira/FeedBurnerXHTML.xml": 10,
    "feedjira/HuffPostCanada.xml": 2,
    "feedjira/TechCrunch.xml": 20,
    "feedjira/TypePadNews.xml": 10,
    "feedjira/google_alerts_atom.xml": 20,
    "feedjira/youtube_atom.xml": 15,
    "miniflux/encoding_ISO-8859-1.xml": 40,
    "miniflux/encoding_WINDOWS-1251.xml": 50,
    "miniflux/large_atom.xml": 25,
    "miniflux/large_rss.xml": 25,
    "miniflux/no_encoding_ISO-8859-1.xml": 9,
    "miniflux/rdf_UTF8.xml": 60,
    "miniflux/small_atom.xml": 20,
    "miniflux/urdu_UTF8.xml": 26,
    "netnewswire/489.rss": 10,
    "netnewswire/4fsodonline.atom": 25,
    "netnewswire/DaringFireball.atom": 48,
    "netnewswire/DaringFireball.rss": 47,
    "netnewswire/aktuality.rss": 30,
    "netnewswire/bio.rdf": 30,
    "netnewswire/cloudblog.rss": 20,
    "netnewswire/kc0011.rss": 20,
    "netnewswire/livemint.xml": 25,
    "netnewswire/macworld.rss": 30,
    "netnewswire/medscape.rss": 20,
    "netnewswire/phpxml.rss": 20,
    "netnewswire/russcox.atom": 19,
    "netnewswire/scriptingNews.rss": 50,
}
BOZO_FEEDS = {
    "feedjira/AmazonWebServicesBlog.xml",
    "feedjira/TechCrunch.xml",
    "feedjira/TypePadNews.xml",
    "feedjira/youtube_atom.xml",
    "miniflux/no_encoding_ISO-8859-1.xml",
}
NON_ASCII_TITLES = {
    "miniflux/urdu_UTF8.xml": "امریکہ کے ساتھ خفیہ معلومات کا تبادلہ",
    "netnewswire/kc0011.rss": "建国35周年纪念，华表，和平鸽",
    "miniflux/encoding_WINDOWS-1251.xml": "Цитата #",
    "netnewswire/aktuality.rss": "zvýšili odhad rastu",
}


def header_lines(data: bytes) -> dict[str, str]:
    """The `Header: Name: value` lines feedparser's harness turns into HTTP headers."""
    found = re.finditer(rb"^Header:\s*([^:\r\n]+):\s*(.*?)\s*$", data, re.M)
    return {m.group(1).decode().strip(): m.group(2).decode().strip() for m in found}


def parse(body: bytes, headers: dict[str, str] | None = None) -> ParsedFeed:
    return parse_feed(
        body, headers or {}, feed_id="f", base_url="https://news.example.com/rss", now=NOW
    )


def rss(items: str, encoding: str | None = "utf-8") -> str:
    decl = f'<?xml version="1.0" encoding="{encoding}"?>' if encoding else '<?xml version="1.0"?>'
    return f'{decl}<rss version="2.0"><channel><title>Desk</title>{items}</channel></rss>'


# --- third-party corpora ----------------------------------------------------------------------


@pytest.mark.parametrize("path", CASES, ids=lambda p: str(p.relative_to(DATA)))
def test_every_feedparser_case_parses_or_fails_cleanly(path: Path) -> None:
    data = path.read_bytes()
    try:
        feed = parse_feed(data, header_lines(data), feed_id="case", base_url="http://e.com/x")
    except ParseError as exc:
        assert str(exc)
        return
    for entry in feed.entries:
        assert entry.canonical_url
        assert entry.url == "" or entry.url.startswith(("http://", "https://"))
        assert entry.guid
        assert entry.published_at is None or entry.published_at.tzinfo is not None


def test_illformed_cases_are_reported() -> None:
    reported = 0
    illformed = [p for p in CASES if "illformed" in p.parts]
    for path in illformed:
        try:
            feed = parse_feed(path.read_bytes(), {}, feed_id="x", base_url="http://e.com/")
            reported += feed.bozo is not None
        except ParseError:
            reported += 1
    assert len(illformed) == 19
    assert reported >= 14  # feedparser itself flags 14 of the 19 as bozo


@pytest.mark.parametrize(("name", "count"), REAL_FEEDS.items())
def test_real_feeds(name: str, count: int) -> None:
    feed = parse_feed((REAL / name).read_bytes(), {}, feed_id="real", base_url="http://e.com/")
    assert len(feed.entries) == count
    assert (feed.bozo is not None) == (name in BOZO_FEEDS)
    for entry in feed.entries:
        assert entry.url.startswith(("http://", "https://")), entry
        assert entry.guid
        assert entry.title or entry.summary or entry.content
        assert "<" not in entry.title and "&amp;" not in entry.title
    assert any(e.title for e in feed.entries)  # Scripting News posts are mostly untitled
    assert feed.title or name == "feedjira/DuplicateContentAtomFeed.xml"  # it has none


@pytest.mark.parametrize(("name", "fragment"), NON_ASCII_TITLES.items())
def test_non_ascii_titles_decode(name: str, fragment: str) -> None:
    feed = parse_feed((REAL / name).read_bytes(), {}, feed_id="real", base_url="http://e.com/")
    assert any(fragment in e.title for e in feed.entries)


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"   \n\t"])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(ParseError, match="empty"):
        parse(body)


@pytest.mark.parametrize("headers", [{}, {"Content-Type": "text/html; charset=utf-8"}])
def test_html_page_instead_of_a_feed(headers: dict[str, str]) -> None:
    page = (
        b"<!DOCTYPE html>\n<html><head><title>Daily News</title></head><body>"
        b'<h1>Top stories</h1><p>Welcome</p><a href="/rss.xml">RSS</a></body></html>'
    )
    with pytest.raises(ParseError, match="HTML page"):
        parse(page, headers)


@pytest.mark.parametrize("body", [b"<<<this is not xml", b"\x00\x01\x02\xff binary", b"{}"])
def test_garbage_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse(body)


def test_truncated_xml_keeps_the_entries_it_can() -> None:
    body = rss(
        "<item><title>First</title><link>https://news.example.com/1</link></item>"
        "<item><title>Second</title><link>https://news.example.com/2</link></item>"
        "<item><title>Third</title><link>https://news.ex"
    ).encode()
    body = body[: body.rindex(b"https://news.ex") + 15]
    feed = parse(body)
    assert feed.bozo and "SAXParseException" in feed.bozo
    assert [e.title for e in feed.entries][:2] == ["First", "Second"]


def test_a_body_that_looks_like_a_url_or_path_is_never_opened(http_server: LoopbackServer) -> None:
    url = http_server.static("/feed.xml", rss("<item><link>https://a.example/1</link></item>"))
    for body in (url.encode(), b"/etc/hostname", b"file:///etc/hostname"):
        with pytest.raises(ParseError):
            parse(body)
    assert not http_server.hits("/feed.xml")


# --- encodings --------------------------------------------------------------------------------

KOREAN = "북한 이탈주민 탈북 소식"


def test_euc_kr_declared_in_headers() -> None:
    body = rss(f"<item><title>{KOREAN}</title><link>/a/1</link></item>", None)
    feed = parse(body.encode("euc-kr"), {"Content-Type": "application/rss+xml; charset=EUC-KR"})
    assert feed.entries[0].title == KOREAN
    assert feed.encoding == "cp949"  # what browsers decode EUC-KR as


def test_euc_kr_declared_in_the_xml_declaration() -> None:
    body = rss(f"<item><title>{KOREAN}</title><link>/a/1</link></item>", "EUC-KR")
    for headers in ({}, {"Content-Type": "application/xml"}, {"Content-Type": "text/xml"}):
        assert parse(body.encode("euc-kr"), headers).entries[0].title == KOREAN


def test_windows_1252_feed() -> None:
    title = "“Defector” says: €5 café — naïve"
    body = rss(f"<item><title>{title}</title><link>/a/1</link></item>", "windows-1252")
    assert parse(body.encode("windows-1252")).entries[0].title == title
    plain = rss(f"<item><title>{title}</title><link>/a/1</link></item>", None)
    headers = {"Content-Type": "application/rss+xml; charset=windows-1252"}
    assert parse(plain.encode("windows-1252"), headers).entries[0].title == title


def test_euc_kr_feed_fetched_over_http(http_server: LoopbackServer) -> None:
    body = rss(f"<item><title>{KOREAN}</title><link>/news/1</link></item>", None)
    url = http_server.route(
        "/kr.xml",
        Response(
            body=body.encode("euc-kr"),
            headers={"Content-Type": "application/rss+xml; charset=EUC-KR"},
            gzip=True,
        ),
    )

    async def get() -> FetchResult:
        async with Fetcher(FetchConfig(retries=0)) as fetcher:
            return await fetcher.fetch(url)

    result = asyncio.run(get())
    feed = parse_feed(result.body, result.headers, feed_id="kr", base_url=result.final_url)
    assert feed.entries[0].title == KOREAN
    assert feed.entries[0].url == http_server.url("/news/1")


# --- entry normalization ----------------------------------------------------------------------


def test_entry_fields_are_normalized() -> None:
    item = """<item>
      <title>Kim &amp;amp; Co: &lt;b&gt;defector&lt;/b&gt; &#8217;arrives&#8217;</title>
      <link>/world/2024/05/31/story.html?utm_source=rss&amp;id=7#top</link>
      <guid isPermaLink="false">story-7</guid>
      <author>desk@news.example.com (Jane Roe)</author>
      <pubDate>Fri, 31 May 2024 18:30:00 +0900</pubDate>
      <description>&lt;p&gt;First &amp;amp; foremost.&lt;/p&gt;
        &lt;p&gt;Second&lt;br/&gt;line.&lt;/p&gt;
        &lt;script&gt;track()&lt;/script&gt;</description>
    </item>"""
    (entry,) = parse(rss(item).encode()).entries
    assert (
        entry.url == "https://news.example.com/world/2024/05/31/story.html?utm_source=rss&id=7#top"
    )
    assert entry.canonical_url == "https://news.example.com/world/2024/05/31/story.html?id=7"
    assert entry.guid == "story-7"
    assert entry.title == "Kim & Co: defector ’arrives’"
    assert entry.summary == "First & foremost.\n\nSecond\nline."
    assert entry.author == "Jane Roe"
    assert entry.published_at == datetime(2024, 5, 31, 9, 30, tzinfo=UTC)


def test_atom_content_updated_date_and_relative_link() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>Atom desk</title><id>urn:x</id>
      <entry><id>tag:news.example.com,2024:1</id>
        <title type="html">A &lt;i&gt;b&lt;/i&gt; &amp;amp; c</title>
        <link rel="alternate" href="stories/1"/><updated>2024-05-30T23:00:00-05:00</updated>
        <author><name>Desk</name></author>
        <summary>Short.</summary>
        <content type="html">&lt;h2&gt;Head&lt;/h2&gt;&lt;p&gt;Body text.&lt;/p&gt;</content>
      </entry></feed>"""
    (entry,) = parse(body).entries
    assert entry.url == "https://news.example.com/stories/1"
    assert entry.guid == "tag:news.example.com,2024:1"
    assert entry.title == "A b & c"
    assert (entry.summary, entry.content) == ("Short.", "Head\n\nBody text.")
    assert entry.author == "Desk"
    assert entry.published_at == datetime(2024, 5, 31, 4, 0, tzinfo=UTC)


def test_absurd_future_dates_are_dropped() -> None:
    items = (
        "<item><link>/a</link><pubDate>Sat, 01 Jun 2024 20:00:00 GMT</pubDate></item>"
        "<item><link>/b</link><pubDate>Mon, 01 Jan 2035 00:00:00 GMT</pubDate></item>"
    )
    dates = [e.published_at for e in parse(rss(items).encode()).entries]
    assert dates == [datetime(2024, 6, 1, 20, 0, tzinfo=UTC), None]


def test_entries_without_link_or_guid_are_skipped() -> None:
    items = (
        "<item><title>Only a title</title><description>text</description></item>"
        '<item><title>Guid only</title><guid isPermaLink="false">g-1</guid></item>'
        "<item><title>Linked</title><link>https://news.example.com/x</link></item>"
    )
    entries = parse(rss(items).encode()).entries
    assert [e.title for e in entries] == ["Guid only", "Linked"]
    assert entries[0].url == "" and entries[0].guid == "g-1"
    assert entries[0].canonical_url != entries[1].canonical_url


def test_valid_empty_feed_is_not_an_error() -> None:
    feed = parse(rss("").encode())
    assert feed.entries == [] and feed.bozo is None and feed.title == "Desk"


# --- html_to_text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("Line<br>next<br/>last", "Line\nnext\nlast"),
        ("<div>A <b>bold</b>\n   move</div>", "A bold move"),
        ("Tom &amp; Jerry &lt;3 &#8212; &eacute;", "Tom & Jerry <3 — é"),
        ("<p>x</p><script>alert(1)</script><style>p{}</style><p>y</p>", "x\n\ny"),
        ("Plain text\n\nwith paragraphs", "Plain text\n\nwith paragraphs"),
        ("<ul><li>a</li><li>b</li></ul>", "a\n\nb"),
        ("", ""),
        ("<p> </p>", ""),
    ],
)
def test_html_to_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


def test_hostile_sizes_are_capped_or_skipped() -> None:
    """Feed text is untrusted: giant titles are cut, over-long links skipped, long GUIDs hashed."""
    from monitor.feeds import MAX_TEXT, MAX_TITLE, MAX_URL

    long_link = "https://example.org/" + "a" * (MAX_URL + 10)
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{'T' * (MAX_TITLE * 3)}</title><link>https://example.org/ok</link>"
        f"<guid>{'g' * (MAX_URL + 5)}</guid><description>{'word ' * MAX_TEXT}</description></item>"
        f"<item><title>too long</title><link>{long_link}</link></item>"
        "</channel></rss>"
    ).encode()
    parsed = parse_feed(body, {}, feed_id="f", base_url="https://example.org/")
    (entry,) = parsed.entries
    assert len(entry.title) == MAX_TITLE and len(entry.summary) <= MAX_TEXT
    assert entry.guid is not None and entry.guid.startswith("sha1:") and len(entry.guid) < 100


def test_an_aggregator_item_names_its_own_outlet() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>News search</title>'
        b"<item><title>N. Korean soldier defects - Yonhap News Agency</title>"
        b"<link>https://news.example.com/rss/articles/abc</link>"
        b'<source url="https://en.yna.co.kr">Yonhap News Agency</source></item>'
        b"<item><title>Plain</title><link>https://news.example.com/2</link></item>"
        b"</channel></rss>"
    )
    parsed = parse_feed(body, {}, feed_id="g", base_url="https://news.example.com/")
    assert [e.source for e in parsed.entries] == ["Yonhap News Agency", None]
    assert parsed.entries[0].title == "N. Korean soldier defects"  # the appended name is cut
