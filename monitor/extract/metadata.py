"""What a page declares about itself: its publication time and its language.

The publication time is read only from the page's metadata (meta tags, JSON-LD, `<time>`
inside the article), never from dates printed in the text or in page chrome: a wrong date
is worse than none, because the pipeline falls back to the feed entry's date when this
returns None.
"""

from __future__ import annotations

import email.utils
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml.etree import XPath

from monitor.domain import DateSource
from monitor.extract.chrome import in_chrome

# <meta> keys (property, name or itemprop, lower-cased) that hold the publication time,
# most specific first. Modified/updated keys are deliberately absent.
_META_PUBLISHED = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "datepublished", "article.published", "article_date_original", "published_time",
    "published_at", "publishedat", "article:published", "article_published_time",
    "date_published", "publication_date", "publish_time", "publishtime", "datecreated",
    "publish-date", "publish_date", "publishdate", "pubdate", "pub_date", "dc.date.issued",
    "dcterms.issued", "dc.date.created", "dcterms.created", "sailthru.date",
    "parsely-pub-date", "cxenseparse:recs:publishtime", "rnews:datepublished", "og:pubdate",
    "originalpublicationdate", "citation_publication_date", "date", "dc.date", "dcterms.date",
)  # fmt: skip
_META_RANK = {key: rank for rank, key in enumerate(_META_PUBLISHED)}

_ARTICLE_TYPE = re.compile(r"(Article|BlogPosting|Report|SocialMediaPosting)$")
_PAGE_TYPE = re.compile(r"WebPage$")
_MODIFIED_HINT = re.compile(r"updat|modif|edit|revis", re.I)
_PUBLISHED_HINT = re.compile(r"publish|posted|pubdate|created", re.I)


def parse_date(value: str | None) -> datetime | None:
    """A timezone-aware UTC datetime from an ISO 8601 or RFC 2822 string; None if naive."""
    if not value:
        return None
    value = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    # A naive time is ambiguous (site-local? UTC?): trust it less than no date at all.
    if parsed is None or parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed.astimezone(UTC)


# Meta and JSON-LD further apart than this disagree: the meta tag then holds a republish or
# update time (Medium rewrites article:published_time), JSON-LD's datePublished the first.
DATES_DISAGREE = timedelta(days=1)


def read_published(tree: Any) -> tuple[datetime | None, DateSource]:
    """The publication time declared by the page's metadata and where it was found."""
    meta, jsonld = _from_meta(tree), _from_jsonld(tree)
    if meta is not None and jsonld is not None and abs(meta - jsonld) > DATES_DISAGREE:
        return jsonld, DateSource.JSONLD
    if meta is not None:
        return meta, DateSource.META
    if jsonld is not None:
        return jsonld, DateSource.JSONLD
    found = _from_time(tree)
    return (found, DateSource.TIME) if found is not None else (None, DateSource.NONE)


def _from_meta(tree: Any) -> datetime | None:
    best: tuple[int, datetime] | None = None
    for meta in tree.iterfind(".//meta"):
        key = (
            (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        )
        rank = _META_RANK.get(key)
        if rank is None or (best is not None and rank >= best[0]) or in_chrome(meta):
            continue
        parsed = parse_date(meta.get("content"))
        if parsed is not None:
            best = (rank, parsed)
    if best is None:
        best = _from_parsely(tree)
    return best[1] if best else None


def _from_parsely(tree: Any) -> tuple[int, datetime] | None:
    for meta in tree.xpath('//meta[@name="parsely-page"]'):
        data = _json(meta.get("content"))
        if isinstance(data, dict):
            parsed = parse_date(str(data.get("pub_date") or ""))
            if parsed is not None:
                return (0, parsed)
    return None


def _from_jsonld(tree: Any) -> datetime | None:
    articles: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        for node in _jsonld_nodes(_json(script.text)):
            types = node.get("@type")
            names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
            names = [str(name) for name in names]
            if any(_ARTICLE_TYPE.search(name) for name in names):
                articles.append(node)
            elif any(_PAGE_TYPE.search(name) for name in names):
                pages.append(node)
    for node in articles + pages:
        value = node.get("datePublished") or node.get("dateCreated")
        parsed = parse_date(value if isinstance(value, str) else None)
        if parsed is not None:
            return parsed
    return None


def _jsonld_nodes(data: Any) -> list[dict[str, Any]]:
    """Top-level JSON-LD objects, @graph members and their main entities (not item lists)."""
    found: list[dict[str, Any]] = []
    stack = data if isinstance(data, list) else [data]
    while stack:
        node = stack.pop(0)
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            found.append(node)
            for key in ("@graph", "mainEntity", "mainEntityOfPage"):
                if isinstance(node.get(key), dict | list):
                    stack.append(node[key])
    return found


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text.strip().removeprefix("<!--").removesuffix("-->"))
    except ValueError:
        return None


def _from_time(tree: Any) -> datetime | None:
    roots = tree.xpath(
        '//article | //*[@itemprop="articleBody"]/.. | //*[contains(@itemtype, "Article")] | //main'
    )
    candidates: list[Any] = []
    for root in roots[:3]:
        candidates.extend(root.xpath('.//time[@datetime] | .//*[@itemprop="datePublished"]'))
    # Anywhere on the page: only elements that say they carry the publication time.
    candidates.extend(
        tree.xpath(
            "//time[@datetime][@pubdate or @itemprop='datePublished'"
            " or contains(@class, 'published')][not(ancestor::header[not(ancestor::article)])]"
        )
    )
    candidates = [el for el in candidates if el.tag != "meta" and not in_chrome(el)]
    marked = [el for el in candidates if _PUBLISHED_HINT.search(_describe(el))]
    plain = [el for el in candidates if not _MODIFIED_HINT.search(_describe(el))]
    for element in marked + plain:
        parsed = parse_date(element.get("datetime") or element.get("content"))
        if parsed is not None:
            return parsed
    return None


def _describe(element: Any) -> str:
    return " ".join(element.get(attr) or "" for attr in ("class", "itemprop", "id", "pubdate")) + (
        " pubdate" if element.get("pubdate") is not None else ""
    )


def read_language(tree: Any) -> str | None:
    """ISO 639-1 code from <html lang>, Content-Language or og:locale."""
    for value in (tree.get("lang"), tree.get("xml:lang")):
        if code := _language_code(value):
            return code
    for value in _LANGUAGE_METAS(tree):  # searched only when <html> does not say
        if code := _language_code(value):
            return code
    return None


_LANGUAGE_METAS = XPath(
    '//meta[translate(@http-equiv, "CONTELAGU", "contelagu")="content-language"]/@content'
    ' | //meta[@property="og:locale"]/@content | //meta[@name="language"]/@content'
)


def _language_code(value: str | None) -> str | None:
    code = re.split(r"[-_,;\s]", (value or "").strip().lower(), maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None
