"""Article extraction: body text (trafilatura) and trusted metadata from one HTML page.

`extract_article` is pure, module-level and takes/returns picklable values, so the
pipeline can run it in a process pool. The publication date is read only from the
page's metadata (meta tags, JSON-LD, `<time>` inside the article), never from dates
printed in the text or in page chrome: a wrong date is worse than none, because the
pipeline falls back to the feed entry's date when this module returns None.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import trafilatura
from lxml import html as lxml_html
from lxml.etree import ParserError

from monitor.decode import declared_charset, decode_bytes
from monitor.domain import DateSource, Extracted
from monitor.sanitize import clean_text

logger = logging.getLogger(__name__)

MAX_HTML_CHARS = 8_000_000  # larger pages are refused rather than parsed
MIN_BODY_CHARS = 80  # less than this is not an article body
SHORT_BODY_CHARS = 1000  # a precision-mode body this short is double-checked

# Page chrome, recognised generically by tag, ARIA role or a whole class/id token.
_CHROME_TAGS = frozenset({"nav", "aside", "footer", "figcaption"})
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
_CHROME_TOKENS = frozenset(
    {
        "nav", "navbar", "menu", "breadcrumb", "breadcrumbs", "sidebar", "weather",
        "related", "related-articles", "related-posts", "related-links", "more-stories",
        "recommended", "popular", "most-popular", "most-read", "mostread", "most-viewed",
        "trending", "latest", "latest-news", "newsletter", "subscribe", "share", "social",
        "advert", "advertisement", "ad-slot", "ads", "promo", "cookie", "consent",
        "footer", "copyright", "comments", "caption", "wp-caption-text", "figcaption",
    }
)  # fmt: skip
# Words that mark chrome even inside a compound class name ("td-weather-widget").
_CHROME_PARTS = frozenset(
    {
        "weather", "breadcrumb", "newsletter", "cookie", "consent", "popular", "trending",
        "related", "share", "social", "subscribe", "recommended", "promo",
    }
)  # fmt: skip


def _is_chrome(element: Any) -> bool:
    """Whether one element is navigation, a widget, an ad or a related-links box."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _CHROME_TAGS or (element.get("role") or "").lower() in _CHROME_ROLES:
        return True
    if tag in {"html", "body", "article", "main"}:
        return False
    tokens = f"{element.get('class') or ''} {element.get('id') or ''}".lower().replace("_", "-")
    if not _CHROME_TOKENS.isdisjoint(tokens.split()):
        return True
    return not _CHROME_PARTS.isdisjoint(tokens.replace("-", " ").split())


_HOLDS_ARTICLE = './/article | .//main | .//*[@itemprop="articleBody"]'


def _in_chrome(element: Any) -> bool:
    """Whether an element sits inside chrome (or a list, as related links do)."""
    return any(_is_chrome(node) or node.tag == "li" for node in element.iterancestors())


def prune_chrome(tree: Any) -> None:
    """Remove page chrome from the tree in place, keeping the text that follows it."""
    doomed = [el for el in tree.iter() if isinstance(el.tag, str) and _is_chrome(el)]
    for element in doomed:
        # A wrapper that holds the article itself is layout, whatever its class says.
        if element.getparent() is not None and not element.xpath(_HOLDS_ARTICLE):
            element.drop_tree()


def extract_article(html: str | bytes, url: str | None = None) -> Extracted | None:
    """Extract body, title, author, language and publication date; None when no usable body."""
    try:
        return _extract(html, url)
    except Exception:  # a worker must never die on one bad page
        logger.warning("extraction failed for %s", url or "<page>", exc_info=True)
        return None


def _extract(html: str | bytes, url: str | None) -> Extracted | None:
    # the same cleaning as feed text: no NUL, control or lone surrogate reaches a column
    text = clean_text(decode_html(html) if isinstance(html, bytes) else html)
    if not text or not text.strip():
        logger.info("empty page: %s", url)
        return None
    if len(text) > MAX_HTML_CHARS:
        logger.warning("page too large (%d chars), not extracted: %s", len(text), url)
        return None
    if not _LOOKS_LIKE_HTML.search(text):
        logger.info("not an HTML page: %s", url)
        return None
    tree = _parse(text)
    if tree is None:
        logger.info("page is not parseable HTML: %s", url)
        return None
    published, source = read_published(tree)
    language = read_language(tree)
    prune_chrome(tree)
    doc = _run_trafilatura(tree, url, favor_precision=True)  # also prunes `tree` in place
    retry = _parse(text) if len(getattr(doc, "text", None) or "") < SHORT_BODY_CHARS else None
    if retry is not None:
        # Precision mode (or our pruning) sometimes keeps only a notice box: retry in
        # trafilatura's balanced mode on the untouched page.
        balanced = _run_trafilatura(retry, url, favor_precision=False)
        if len(getattr(balanced, "text", None) or "") > 2 * len(getattr(doc, "text", None) or ""):
            doc = balanced
    title = _clean(getattr(doc, "title", None))
    body = _paragraphs(getattr(doc, "text", None) or "", title) if doc is not None else ""
    if len(body) < MIN_BODY_CHARS or not _looks_like_prose(body):
        logger.info("no usable body: %s", url)
        return None
    return Extracted(
        text=body,
        title=title,
        author=_clean(getattr(doc, "author", None)),
        language=language,
        published_at=published,
        date_source=source if published is not None else DateSource.NONE,
    )


def _run_trafilatura(tree: Any, url: str | None, *, favor_precision: bool) -> Any:
    """trafilatura's body, title and author (its date guess is ignored)."""
    return trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        favor_precision=favor_precision,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        date_extraction_params={"extensive_search": False},  # its date is not used
    )


def decode_html(data: bytes, header_charset: str | None = None) -> str:
    """Decode page bytes: BOM, the header's charset, the page's own, UTF-8, then detection
    (browsers' label aliases throughout: `monitor.decode`)."""
    if not data:
        return ""
    return decode_bytes(data, header_charset, declared_charset(data[:4096])).text


# Comments and processing instructions are not text, and left in the tree they cut it: a
# React page writes `leak-prone <!-- -->water mains`, and trafilatura's walk stops the
# paragraph at the comment (trafilatura's own loader removes them the same way).
_HTML_PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True)


def _parse(text: str) -> Any:
    """Parse to an lxml tree (no comments, no processing instructions), or None."""
    text = text.replace("\x00", "")
    if text.lstrip().startswith("<?xml"):
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        tree = lxml_html.document_fromstring(text, parser=_HTML_PARSER)
    except (ParserError, ValueError):
        return None
    return tree


def _paragraphs(text: str, title: str | None) -> str:
    """One paragraph per block, separated by a blank line; a leading headline is dropped."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not _BOILERPLATE_LINE.match(line)]
    if lines and title and _fold(lines[0]) == _fold(title):
        lines = lines[1:]  # the headline is stored as the title, not repeated in the body
    return "\n\n".join(lines)


_BOILERPLATE_LINE = re.compile(
    r"^[\W_]*(advertisements?|advert|ad|sponsored( content)?|spot_img|"
    r"(story|article) continues below( this)?( advertisement| ad)?|scroll to continue)[\W_]*$",
    re.IGNORECASE,
)


_LOOKS_LIKE_HTML = re.compile(r"<(!doctype|html|head|body|p|div|article|main|span)\b", re.I)
_WORD = re.compile(r"\w{2,}")


def _looks_like_prose(text: str) -> bool:
    """Words make up most of real text; decoded binary junk or one endless token do not."""
    words = _WORD.findall(text)
    return len(words) >= 10 and sum(map(len, words)) >= 0.6 * len(text.replace(" ", ""))


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


# ---------------------------------------------------------------- metadata reading


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
        if rank is None or (best is not None and rank >= best[0]) or _in_chrome(meta):
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
    candidates = [el for el in candidates if el.tag != "meta" and not _in_chrome(el)]
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
    values = [tree.get("lang"), tree.get("xml:lang")]
    values += tree.xpath(
        '//meta[translate(@http-equiv, "CONTELAGU", "contelagu")="content-language"]/@content'
        ' | //meta[@property="og:locale"]/@content | //meta[@name="language"]/@content'
    )
    for value in values:
        code = re.split(r"[-_,;\s]", (value or "").strip().lower(), maxsplit=1)[0]
        if re.fullmatch(r"[a-z]{2}", code):
            return code
    return None
