"""OPML (feed lists) in and out, feed discovery in a web page, and feed ids: pure functions.

OPML is how feed readers exchange subscriptions (Miniflux, NetNewsWire, Feedly ...); a file
from elsewhere is untrusted XML, so it is parsed without entities, DTDs or network.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit
from xml.sax.saxutils import escape, quoteattr

from lxml import etree
from lxml import html as lxml_html

from monitor.errors import ParseError

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/rdf+xml", "application/xml", "text/xml")  # fmt: skip
# where sites without a <link rel="alternate"> usually keep their feed
COMMON_PATHS = ("/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml",
                "/feeds/posts/default", "/rss/news.xml")  # fmt: skip


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str | None = None
    site: str | None = None  # htmlUrl


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """Every outline with an xmlUrl, nested folders included, in document order, once each."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not an OPML file: {exc}") from None
    if root is None or etree.QName(root).localname.lower() != "opml":
        raise ParseError("not an OPML file: the top element is not <opml>")
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    for outline in root.iter("{*}outline", "outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url or url in seen:
            continue
        seen.add(url)
        title = (outline.get("title") or outline.get("text") or "").strip() or None
        site = (outline.get("htmlUrl") or "").strip() or None
        feeds.append(OpmlFeed(url, title, site))
    return feeds


def render_opml(feeds: list[OpmlFeed], title: str = "news-monitor feeds") -> str:
    """An OPML 2.0 document any feed reader imports."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{escape(title)}</title></head>",
        "  <body>",
    ]
    for f in feeds:
        name = f.title or f.url
        attrs = (
            f'type="rss" text={quoteattr(name)} title={quoteattr(name)} xmlUrl={quoteattr(f.url)}'
        )
        if f.site:
            attrs += f" htmlUrl={quoteattr(f.site)}"
        lines.append(f"    <outline {attrs}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def discover_feed_links(page: bytes | str, base_url: str) -> list[str]:
    """Feed URLs a page announces (`<link rel="alternate" type="application/rss+xml">`),
    then the common paths on its host; absolute, each once, announced ones first."""
    found: list[str] = []
    try:
        tree = lxml_html.fromstring(page)
    except (etree.ParserError, ValueError):
        tree = None
    if tree is not None:
        for link in tree.iter("link"):
            rel = (link.get("rel") or "").lower().split()
            kind = (link.get("type") or "").lower().split(";")[0].strip()
            href = (link.get("href") or "").strip()
            if "alternate" in rel and kind in FEED_TYPES and href:
                found.append(urljoin(base_url, href))
    parts = urlsplit(base_url)
    root = f"{parts.scheme}://{parts.netloc}"
    found += [root + p for p in COMMON_PATHS]
    return list(dict.fromkeys(u for u in found if urlsplit(u).scheme in {"http", "https"}))


def looks_like_html(body: bytes, content_type: str) -> bool:
    head = body[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html"))


def feed_id_for(title: str | None, url: str, taken: set[str]) -> str:
    """A short unique id from the feed's title (or its host): `yonhap-en`, `example-org-2`."""
    base = title or urlsplit(url).hostname or "feed"
    text = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:40].strip("-")
    if not slug:
        host = (urlsplit(url).hostname or "feed").lower()
        slug = re.sub(r"[^a-z0-9]+", "-", host).strip("-")[:40] or "feed"
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate
