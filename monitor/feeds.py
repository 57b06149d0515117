"""Feed parsing: fetched bytes and headers in, normalized `FeedEntry`s out (pure, no I/O).

feedparser does the format and encoding work (RSS 0.9x-2.0, RDF, Atom; charset from
the Content-Type header or the XML declaration). This module never lets it fetch or
open anything: the body goes in as a stream. What comes out is plain text with absolute
links, canonical URLs and UTC dates, so later stages never see feed markup.
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import io
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import feedparser.api
from feedparser.datetimes import _parse_date as feedparser_date
from lxml import etree

from monitor.dates import parse_localized
from monitor.decode import Decoded, content_type_charset, declared_charset, decode_bytes
from monitor.domain import FeedEntry, ParsedFeed
from monitor.errors import ParseError
from monitor.sanitize import clean_text
from monitor.urls import canonical_url

# feedparser asks `xml.sax` for its preferred drivers (libxml2's) before expat on every
# parse; one that is not installed (it is not a dependency: expat is what parses our feeds)
# was searched for on sys.path again each time (0.3 ms of a 2.6 ms parse of a 10-item
# feed). The drivers that cannot be imported are dropped from the list once: `xml.sax`
# would skip them anyway, so the parser chosen is the same.
feedparser.api.PREFERRED_XML_PARSERS = [
    name for name in feedparser.api.PREFERRED_XML_PARSERS if importlib.util.find_spec(name)
]

__all__ = ["Select", "html_to_text", "parse_feed"]

# Given each entry's publication date in document order, the indexes of the entries to keep
# (None: keep them all). How a pass picks its window (`monitor.pipeline.window`).
Select = Callable[[Sequence[datetime | None]], Collection[int] | None]

logger = logging.getLogger(__name__)

FUTURE_TOLERANCE = timedelta(days=1)  # dates further ahead than this are wrong, not news

_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    ]
)
_SKIP = frozenset(
    ["script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head"]
)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<!--|<!\[CDATA\[")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
_PARSER_BUGS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    LookupError,
    RecursionError,
    UnicodeError,
)
_PARA, _LINE = "\x00P", "\x00L"
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)\b", re.I | re.S)


class _TextExtractor(HTMLParser):
    """Collects text; block elements become paragraph breaks, <br> a line break."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping.append(tag)
        elif tag == "br":
            self.parts.append(_LINE)
        elif tag in _BLOCK:
            self.parts.append(_PARA)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append(_LINE)
        elif tag in _BLOCK:
            self.parts.append(_PARA)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if tag in self._skipping:
                while self._skipping and self._skipping.pop() != tag:
                    pass
        elif tag in _BLOCK:
            self.parts.append(_PARA)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, paragraphs kept.

    Paragraphs are separated by a blank line, <br> becomes a newline, other whitespace
    collapses to one space. Text without markup keeps its own blank-line paragraphs.
    """
    if not markup:
        return ""
    if not _TAG.search(markup):
        return _plain_paragraphs(html.unescape(markup))
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # pathological markup: fall back to a crude strip
        return _plain_paragraphs(html.unescape(_TAG.sub(" ", markup)))
    paragraphs: list[str] = []
    for block in "".join(parser.parts).split(_PARA):
        lines = [_SPACE.sub(" ", line).strip() for line in block.split(_LINE)]
        text = "\n".join(line for line in lines if line)
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def _plain_paragraphs(text: str) -> str:
    """Normalize plain text: blank lines separate paragraphs, other whitespace collapses."""
    paragraphs = (_SPACE.sub(" ", p).strip() for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


# A numeric character reference to no character (NUL, a surrogate, past U+10FFFF): feedparser
# turns `&#xD800;` into a lone surrogate and crashes encoding it, failing the whole feed.
_CHARREF = re.compile(rb"&#([xX][0-9a-fA-F]{1,16}|[0-9]{1,20});")
_UTF16_32 = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\x00<", b"<\x00")


def defuse(body: bytes) -> bytes:
    """Feed bytes without what makes one entry poison the whole feed: references to no
    character become U+FFFD's, raw NUL bytes go (unless the encoding is UTF-16/32)."""
    body = _CHARREF.sub(_defuse_charref, body)
    if b"\x00" in body and not body.startswith(_UTF16_32):
        body = body.replace(b"\x00", b"")
    return body


def _defuse_charref(match: re.Match[bytes]) -> bytes:
    ref = match.group(1)
    code = int(ref[1:], 16) if ref[:1] in b"xX" else int(ref)
    return b"&#xFFFD;" if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else match[0]


# Streaming a big feed before feedparser. The scan and the rebuild parse with lxml's
# iterparse, never resolving an entity or touching the network; anything it cannot read as
# plain well-formed XML (a DOCTYPE, an undefined entity, broken markup) goes to feedparser
# whole, as before, within `fetch.max_bytes`.
_ENTRY_TAGS = ("{*}item", "{*}entry")
_SCAN = {
    "events": ("end",),
    "tag": _ENTRY_TAGS,
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "strip_cdata": False,
    "huge_tree": False,
}
_DC = "http://purl.org/dc/elements/1.1/"
# feedparser's date keys for an entry's child elements (local names; `date` is Dublin Core's)
_DATE_KEY = {
    "published": "published",
    "issued": "published",
    "pubDate": "published",
    "updated": "updated",
    "modified": "updated",
    "lastBuildDate": "updated",
    "date": "updated",
    "created": "created",
}


def _is_entry(elem: Any) -> bool:
    """An RSS item or Atom entry of the feed itself: a child of the root (Atom, RDF) or of
    the root's <channel> (RSS), not an element of the same name nested in one."""
    parent = elem.getparent()
    if parent is None:
        return False
    grand = parent.getparent()
    return grand is None or (
        grand.getparent() is None and etree.QName(parent).localname == "channel"
    )


def _has_identity(elem: Any) -> bool:
    """Whether `_entry` can name the entry (a link or an id); the scan counts no other, so
    its positions are the entries' positions after parsing."""
    for child in elem.iterchildren(tag=("{*}link", "{*}guid", "{*}id")):
        if (child.text or "").strip() or (child.get("href") or "").strip():
            return True
    return False


def _entry_stamp(elem: Any, *, base_url: str, now: datetime) -> tuple[datetime | None, str]:
    """An entry's date as `_entry` will read it (feedparser's date parser, the last element
    of each kind) and the page feedparser will give it (its link, else a permalink GUID)."""
    raw: dict[str, Any] = {}
    link = guid = ""
    for child in elem.iterchildren(tag=etree.Element):
        name = etree.QName(child)
        text = (child.text or "").strip()
        key = _DATE_KEY.get(name.localname)
        if key and (name.localname != "date" or name.namespace == _DC):
            raw[key], raw[f"{key}_parsed"] = text, feedparser_date(text)
        elif name.localname == "link" and not link:
            href = child.get("href")
            if href is None:
                link = text
            elif child.get("rel", "alternate") == "alternate":
                link = href.strip()
        elif name.localname == "guid" and child.get("isPermaLink", "true") == "true":
            guid = text
    page = _one_line(link or guid)
    try:
        return _date(raw, now), canonical_url(urljoin(base_url, page)) if page else ""
    except ValueError:  # a link no URL parser takes: `_entry` will say so, not the scan
        return _date(raw, now), ""


def _narrow(
    body: bytes, select: Select, *, base_url: str, now: datetime
) -> tuple[bytes, Counter[str]] | None:
    """The feed with only the entries `select` keeps, and the pages of all its entries.

    Two streaming passes, each holding one entry at a time: the first reads every entry's
    date and page, the second drops the entries not kept and serializes the rest with the
    feed's own elements (title, link, namespaces) untouched. None when `select` keeps every
    entry or the body is not plain well-formed XML: feedparser then reads the body itself,
    so a feed under the cap is parsed exactly as before.
    """
    dates: list[datetime | None] = []
    pages: Counter[str] = Counter()
    try:
        scan = etree.iterparse(io.BytesIO(body), **_SCAN)
        for _, elem in scan:
            if not _is_entry(elem):
                continue
            if elem.getroottree().docinfo.doctype:
                return None  # its entities are feedparser's business
            if _has_identity(elem):
                when, page = _entry_stamp(elem, base_url=base_url, now=now)
                dates.append(when)
                pages[page] += bool(page)
            elem.getparent().remove(elem)
        keep = select(dates) if dates else None
        if keep is None:
            return None
        keep = set(keep)
        rebuild = etree.iterparse(io.BytesIO(body), **_SCAN)
        index = 0
        for _, elem in rebuild:
            if _is_entry(elem):
                named = _has_identity(elem)
                if not named or index not in keep:
                    elem.getparent().remove(elem)
                index += named
        out = etree.tostring(rebuild.root.getroottree(), encoding="utf-8", xml_declaration=True)
    except (etree.LxmlError, ValueError):
        return None
    return out, +pages


def _text(value: object) -> str:
    """A feed value as storable text: every string taken from feedparser passes here (NUL,
    controls and lone surrogates from `&#xD800;` would fail the entry's insert or encoding)."""
    return clean_text(str(value)) if value else ""


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _detail_text(value: str, detail: Mapping[str, Any] | None) -> str:
    """Text of a feedparser text construct, honouring its declared type."""
    kind = str((detail or {}).get("type") or "text/html")
    if kind == "text/plain":
        if _ENTITY.search(value):  # double-escaped in the feed: "&amp;#8217;" -> "&#8217;"
            value = html.unescape(value)
        return _plain_paragraphs(value)
    return html_to_text(value)


def parse_feed(
    body: bytes,
    headers: Mapping[str, str],
    *,
    feed_id: str,
    base_url: str,
    now: datetime | None = None,
    select: Select | None = None,
) -> ParsedFeed:
    """Parse one fetched feed. Raises ParseError when the body is not a feed at all.

    `headers` are the HTTP response headers (their charset counts); `base_url` (the
    final URL after redirects) resolves relative links; `now` bounds future dates.
    `select` narrows a well-formed XML feed to the entries it picks before feedparser
    builds anything (`_narrow`): a 100,000-item feed costs feedparser a pass's window only.
    """
    if not body.strip():
        raise ParseError("the response body is empty: the server sent no feed")
    response_headers = {k.lower(): v for k, v in headers.items()}
    if "content-type" in response_headers:  # real HTTP headers: feedparser may know the base
        response_headers.setdefault("content-location", base_url)
    response_headers.pop("content-encoding", None)  # the body is already decoded
    body, decoded = _as_utf8(body, response_headers)
    now = now or datetime.now(UTC)
    pages: Counter[str] | None = None  # every entry's page, when feedparser sees only some
    if body.lstrip()[:1] in (b"{", b"["):  # JSON: a JSON Feed, or a clear "not a feed"
        parsed: Mapping[str, Any] = _json_feed(body)
    else:
        body = defuse(body)
        narrowed = _narrow(body, select, base_url=base_url, now=now) if select else None
        if narrowed is not None:
            body, pages = narrowed
        try:
            parsed = feedparser.parse(
                # a stream: bytes or str could make feedparser open a file or URL
                io.BytesIO(body),
                response_headers=response_headers,
                resolve_relative_uris=False,  # entry text becomes plain text anyway
                sanitize_html=False,  # idem: nothing of the markup survives html_to_text
            )
        except _PARSER_BUGS as exc:  # feedparser reports bad input as bozo; this is its own bug
            logger.exception("feed %s: feedparser crashed", feed_id)
            raise ParseError(f"the feed could not be parsed ({type(exc).__name__}: {exc})") from exc
    bozo = _bozo_message(parsed)
    if decoded.guessed and not bozo:  # XML without a declared encoding must be UTF-8
        bozo = f"the feed declares no encoding and is not UTF-8 (read as {decoded.codec})"
    version = _text(parsed.get("version"))
    raw_entries = list(parsed.get("entries") or [])
    if not raw_entries:
        _raise_if_not_a_feed(body, response_headers, version, bozo)
    entries: list[FeedEntry] = []
    for index, raw in enumerate(raw_entries):
        try:
            entry = _entry(raw, feed_id=feed_id, base_url=base_url, now=now)
        except _PARSER_BUGS:
            logger.exception("feed %s: entry %d could not be normalized; skipped", feed_id, index)
            continue
        if entry is None:
            logger.info("feed %s: entry %d has neither link nor id; skipped", feed_id, index)
            continue
        entries.append(entry)
    if bozo:
        logger.info(
            "feed %s is not well-formed (%s); %d entries recovered", feed_id, bozo, len(entries)
        )
    feed = parsed.get("feed") or {}
    title = _detail_text(_text(feed.get("title")), feed.get("title_detail"))
    entries = _identify(
        entries, feed_id=feed_id, feed_url=base_url, home=_text(feed.get("link")), pages=pages
    )
    return ParsedFeed(
        entries=entries,
        title=_one_line(title) or None,
        bozo=bozo,
        encoding=decoded.codec,
        version=version or None,
    )


def _identify(
    entries: list[FeedEntry],
    *,
    feed_id: str,
    feed_url: str,
    home: str,
    pages: Counter[str] | None = None,
) -> list[FeedEntry]:
    """Entries whose link is no article page get their identity from the GUID instead.

    A link is no article page when it is the feed itself (an empty `href=""` resolves to
    it), the site's home page (the channel's <link>, or a bare `/`), or a page several
    entries with different GUIDs share (every episode of a podcast linking the show): such
    entries would otherwise merge into one article whose page is not theirs. Their body is
    their own text (nothing is fetched; the link stays for readers), unless the GUID is
    itself a distinct page URL, which then is their page. `pages` counts the pages of the
    whole feed when `entries` are a window of it (an entry keeps its identity whichever
    pass takes it).
    """
    counts = Counter(e.canonical_url for e in entries)
    if pages:
        counts |= pages  # the larger count of each page
    site = canonical_url(urljoin(feed_url, home)) if home else ""
    no_page = {canonical_url(feed_url), *([site] if site else [])}
    own_hosts = {urlsplit(u).hostname for u in (feed_url, site) if u}

    def home_page(url: str) -> bool:  # a bare `/` of the feed's own site (not a linked site)
        return urlsplit(url).hostname in own_hosts and _is_home_page(url)

    out: list[FeedEntry] = []
    for e in entries:
        if not e.url:
            out.append(e)
            continue
        has_guid = bool(e.guid) and e.guid != e.url
        shared = counts[e.canonical_url] > 1 and has_guid
        if not (shared or e.canonical_url in no_page or home_page(e.canonical_url)):
            out.append(e)
            continue
        guid = e.guid if has_guid and e.guid else _content_key(e)
        page = canonical_url(guid) if guid.startswith(("http://", "https://")) else ""
        if page and page not in no_page and counts[page] <= 1 and not home_page(page):
            out.append(replace(e, url=guid, canonical_url=page, guid=guid))
        else:
            urn = f"urn:x-feed-guid:{feed_id}:{guid}"
            out.append(replace(e, canonical_url=urn, guid=guid, has_page=False))
    return out


def _is_home_page(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.path in ("", "/") and not parts.query


def _content_key(entry: FeedEntry) -> str:
    """An identity for an entry with neither its own page nor a GUID: what it says."""
    when = entry.published_at.isoformat() if entry.published_at else ""
    text = "\x1f".join((entry.title, when, (entry.content or entry.summary)[:500]))
    return "sha1:" + hashlib.sha1(text.encode("utf-8")).hexdigest()


_JSON_FEED_VERSION = re.compile(r"^https?://jsonfeed\.org/version/(\d+(?:\.\d+)?)/?$")


def _json_feed(body: bytes) -> dict[str, Any]:
    """A JSON Feed (1.0, 1.1) in feedparser's shape, so one path normalizes every format.

    Other JSON is no feed at all: ParseError says so (rather than "not well-formed XML").
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"the body looks like JSON but does not parse ({exc})") from None
    version = (
        _JSON_FEED_VERSION.match(str(data.get("version") or "")) if isinstance(data, dict) else None
    )
    if not isinstance(data, dict) or version is None:
        raise ParseError(
            "the body is JSON but not a JSON Feed (no jsonfeed.org version); the URL is "
            "probably an API, not a feed: use the site's RSS, Atom or JSON Feed link"
        )
    items = data.get("items")
    feed_author = _json_author(data)
    return {
        "version": f"json{version.group(1).replace('.', '')}",
        "feed": {"title": data.get("title"), "link": data.get("home_page_url")},
        "entries": [
            _json_item(item, feed_author)
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict)
        ],
    }


def _json_item(item: Mapping[str, Any], feed_author: str | None) -> dict[str, Any]:
    """One JSON Feed item as a feedparser entry (the keys `_entry` reads)."""
    html_content, text_content = item.get("content_html"), item.get("content_text")
    content = (
        [{"value": html_content, "type": "text/html"}]
        if isinstance(html_content, str)
        else [{"value": text_content, "type": "text/plain"}]
        if isinstance(text_content, str)
        else []
    )
    entry: dict[str, Any] = {
        "id": item.get("id"),
        "link": item.get("url") or item.get("external_url"),
        "title": item.get("title"),
        "title_detail": {"type": "text/plain"},
        "summary": item.get("summary"),
        "summary_detail": {"type": "text/plain"},
        "content": content,
        "author": _json_author(item) or feed_author,
    }
    for ours, theirs in (
        ("published_parsed", "date_published"),
        ("updated_parsed", "date_modified"),
    ):
        when = _iso_date(item.get(theirs))
        if when is not None:
            entry[ours] = when.timetuple()
    return entry


def _json_author(node: Mapping[str, Any]) -> str | None:
    """JSON Feed 1.1 `authors` (a list), or 1.0 `author` (one object)."""
    authors = node.get("authors")
    if not isinstance(authors, list):
        authors = [node.get("author")]
    names = [str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name")]
    return ", ".join(names) or None


def _iso_date(value: object) -> datetime | None:
    """An RFC 3339 date in UTC (JSON Feed's format); None when absent, naive or invalid."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo is not None else None


_XML_DECL_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*(["'])""")


def _as_utf8(body: bytes, headers: dict[str, str]) -> tuple[bytes, Decoded]:
    """The feed re-encoded as UTF-8 by our decoder, and the codec it was in.

    feedparser would decode by the label's strict meaning (an EUC-KR feed with one CP949
    syllable becomes windows-1252 mojibake as a whole) and, for `text/xml` without a charset,
    by RFC 3023's us-ascii default (every non-ASCII feed "not well-formed"). Here the header's
    charset comes first, then the XML declaration (RFC 7303 practice), with browsers' label
    aliases; feedparser gets UTF-8 bytes, a declaration and a header that say so.

    A body that is valid UTF-8 and declares UTF-8 or nothing is returned as it is: its copy
    would be the same bytes, and a 24 MB feed held three times in the worker. The text is
    not kept (`Decoded.text` is ""): only the codec and whether it was guessed are used.
    """
    ctype = headers.get("content-type", "")
    declared = declared_charset(body[:1024])
    decoded = decode_bytes(body, content_type_charset(ctype), declared)
    if ctype:
        media = ctype.split(";", 1)[0].strip() or "application/xml"
        headers["content-type"] = f"{media}; charset=utf-8"
    if decoded.codec == "utf-8" and declared in (None, "utf-8"):  # decoded strictly: as is
        return body, decoded._replace(text="")
    text = _XML_DECL_ENCODING.sub(r"\g<1>utf-8\g<2>", decoded.text.lstrip("\ufeff"), count=1)
    return text.encode("utf-8", errors="surrogatepass"), decoded._replace(text="")


def _bozo_message(parsed: Mapping[str, Any]) -> str | None:
    """feedparser's complaint as one readable line, or None for a well-formed feed."""
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "the feed is not well-formed"
    text = _one_line(str(exc)) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def _raise_if_not_a_feed(
    body: bytes, headers: Mapping[str, str], version: str, bozo: str | None
) -> None:
    """A body with no entries is an error unless it is a well-formed, empty feed."""
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    looks_html = ctype in ("text/html", "application/xhtml+xml") or bool(
        _HTML_START.match(body[:4096])
    )
    if not version:
        if looks_html:
            raise ParseError(
                "the response is an HTML page, not a feed: the URL probably points at a web "
                "page; use the site's RSS or Atom link instead"
            )
        if bozo:
            raise ParseError(f"the body is not a feed: not well-formed XML, no entries ({bozo})")
        raise ParseError(
            "the body is neither RSS nor Atom (no feed element, no entries); "
            "check that the URL is the feed's"
        )
    if bozo and "SAX" in bozo:
        raise ParseError(f"the feed is broken XML and no entry could be recovered ({bozo})")


# Feed text is untrusted: sizes are capped so one hostile entry cannot bloat the database.
MAX_URL = 2048  # the articles table's URL and GUID columns
MAX_TITLE = 1000
MAX_AUTHOR = 300
MAX_TEXT = 200_000


def _entry(
    raw: Mapping[str, Any], *, feed_id: str, base_url: str, now: datetime
) -> FeedEntry | None:
    """Normalize one feedparser entry; None when it has no link and no id."""
    guid = _one_line(_text(raw.get("id"))) or None
    link = _one_line(_text(raw.get("link")))
    if link:
        url = urljoin(base_url, link)
        canonical = canonical_url(url)
    elif guid:
        url = ""  # nothing to fetch: the feed's own text is all there is
        canonical = f"urn:x-feed-guid:{feed_id}:{guid}"
    else:
        return None
    if len(canonical) > MAX_URL:
        logger.warning("feed %s: entry link longer than %d characters skipped", feed_id, MAX_URL)
        return None
    if guid and len(guid) > MAX_URL:  # keep it unique but storable
        guid = "sha1:" + hashlib.sha1(guid.encode("utf-8")).hexdigest()
    title = _one_line(_detail_text(_text(raw.get("title")), raw.get("title_detail")))
    summary = _detail_text(_text(raw.get("summary")), raw.get("summary_detail"))
    content = _content_text(raw.get("content") or [])
    author = _author(raw)
    source = _source(raw)
    if source and title.endswith(f" - {source}"):  # news searches append the outlet's name
        title = title[: -len(source) - 3].rstrip()
    return FeedEntry(
        feed_id=feed_id,
        guid=guid or url,
        url=url,
        canonical_url=canonical,
        title=title[:MAX_TITLE],
        summary=summary[:MAX_TEXT],
        content=content[:MAX_TEXT],
        author=author[:MAX_AUTHOR] if author else None,
        published_at=_date(raw, now),
        source=source,
        has_page=bool(url),
    )


def _source(raw: Mapping[str, Any]) -> str | None:
    """An aggregator item's original outlet (RSS <source>, Atom <source><title>)."""
    source = raw.get("source") or {}
    title = _one_line(_text(source.get("title"))) if isinstance(source, Mapping) else ""
    return title[:MAX_AUTHOR] or None


def _content_text(contents: list[Mapping[str, Any]]) -> str:
    """The longest content block (feeds may carry plain and HTML variants) as text."""
    texts = [_detail_text(_text(c.get("value")), c) for c in contents]
    return max(texts, key=len, default="")


def _author(raw: Mapping[str, Any]) -> str | None:
    detail = raw.get("author_detail") or {}
    name = detail.get("name") or raw.get("author") or ""
    if not name:
        authors = raw.get("authors") or []
        name = ", ".join(_text(a.get("name")) for a in authors if a.get("name"))
    return _one_line(html_to_text(_text(name))) or None


def _date(raw: Mapping[str, Any], now: datetime) -> datetime | None:
    """Publication date in UTC from published, else updated; None when absurd."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = raw.get(key)
        if not parsed:
            continue
        try:
            y, mo, d, h, mi, sec = (int(v) for v in parsed[:6])
            when = datetime(y, mo, d, h, mi, min(sec, 59), tzinfo=UTC)
        except (TypeError, ValueError, OverflowError):
            continue
        if when > now + FUTURE_TOLERANCE:
            logger.info("ignoring a date in the future: %s", when.isoformat())
            continue
        return when
    for key in ("published", "updated", "created"):  # what feedparser could not read
        localized = parse_localized(_text(raw.get(key)))
        if localized is not None and localized <= now + FUTURE_TOLERANCE:
            return localized
    return None
