"""Article extraction: body text (trafilatura) and trusted metadata from one HTML page.

`extract_article` is pure, module-level and takes/returns picklable values, so the
pipeline can run it in a process pool. The date and language come from the page's own
declarations before chrome is pruned (`metadata.py`), the body from trafilatura after
(`chrome.py`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import trafilatura
from lxml import html as lxml_html
from lxml.etree import (
    ElementDefaultClassLookup,
    ElementNamespaceClassLookup,
    ParserError,
    XPath,
)
from trafilatura.metadata import examine_meta, extract_author, extract_meta_json, extract_title

from monitor.decode import declared_charset, decode_bytes
from monitor.domain import DateSource, Extracted
from monitor.extract.chrome import prune_chrome
from monitor.extract.metadata import read_language, read_published
from monitor.sanitize import clean_text

logger = logging.getLogger(__name__)

MAX_HTML_CHARS = 8_000_000  # larger pages are refused rather than parsed
MIN_BODY_CHARS = 80  # less than this is not an article body
SHORT_BODY_CHARS = 1000  # a precision-mode body this short may have missed the article


def extract_article(
    html: str | bytes, url: str | None = None, *, find_author: bool = True
) -> Extracted | None:
    """Extract body, title, author, language and publication date; None when no usable body.

    `find_author=False`: the caller has the author already (the feed named one), so the page
    is not searched for a byline (about 2 ms, a fifth of an extraction, on a page whose meta
    tags and JSON-LD name no author); the author those name is still read.
    """
    try:
        return _extract(html, url, find_author)
    except Exception:  # a worker must never die on one bad page
        logger.warning("extraction failed for %s", url or "<page>", exc_info=True)
        return None


def _extract(html: str | bytes, url: str | None, find_author: bool) -> Extracted | None:
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
    # reads the head and JSON-LD: before _drop_unread
    title, author = title_and_author(tree, find_author=find_author)
    _drop_unread(tree)
    doc = _run_trafilatura(tree, url, favor_precision=True)
    if balanced_may_win(tree, _text_of(doc)):
        # Precision mode sometimes keeps only a notice box (a reprint notice) and drops the
        # article's paragraphs: balanced mode, on the same tree (trafilatura copies it).
        balanced = _run_trafilatura(tree, url, favor_precision=False)
        if len(_text_of(balanced)) > 2 * len(_text_of(doc)):
            doc = balanced
    if doc is None:
        logger.info("no usable body: %s", url)
        return None
    title = _clean(title)
    body = _paragraphs(_text_of(doc), title)
    if len(body) < MIN_BODY_CHARS or not _looks_like_prose(body):
        logger.info("no usable body: %s", url)
        return None
    return Extracted(
        text=body,
        title=title,
        author=_clean(author),
        language=language,
        published_at=published,
        date_source=source if published is not None else DateSource.NONE,
    )


def balanced_may_win(tree: Any, body: str) -> bool:
    """Whether trafilatura's balanced mode can find the article where precision mode did not:
    the precision body is short (or empty) and the page's running text holds more than twice
    as much, so precision mode kept a box beside the article and left the article out.

    A short body that is the page's running text (a short article, a brief) is the article:
    the balanced run would give the same text or add chrome, and costs as much as the first.
    Measured on the 181 benchmark and 205 dev pages (docs/extraction.md): of the 47 pages
    under 1,000 characters, the balanced body replaced the precision one on one page, whose
    running text held 12.7 times the precision body; on the others at most 2.6 times.
    """
    if len(body) >= SHORT_BODY_CHARS:
        return False
    return not body or running_text_chars(tree) > 2 * len(body)


_PARAGRAPHS = XPath("//p[not(ancestor::p)]")
_BLOCKS = XPath("//body | //div | //section | //article | //main | //td | //blockquote")


def running_text_chars(tree: Any) -> int:
    """Characters of the page's running text, whitespace runs counted as one: its paragraphs
    (`<p>`) and the text that stands loose in a block (a `<div>` of lines broken by `<br>`)."""
    chars = sum(len(" ".join(p.text_content().split())) for p in _PARAGRAPHS(tree))
    for block in _BLOCKS(tree):
        loose = " ".join([block.text or "", *(child.tail or "" for child in block)])
        chars += len(" ".join(loose.split()))
    return chars


def _text_of(doc: Any) -> str:
    return getattr(doc, "text", None) or ""


# What trafilatura's body extraction removes unread in its own cleaning (its MANUALLY_CLEANED:
# scripts, styles, SVG, the head): a tenth to a fifth of a page's elements that each of its
# XPath passes, and its copies of the tree, would otherwise walk. JSON-LD stays: trafilatura
# reads it (the forum check, the baseline's articleBody). `noscript` stays: readability reads
# it, and one benchmark page's body changed without it.
_UNREAD = XPath(
    '//script[not(@type="application/ld+json")] | //style | //svg | //head/meta | //head/link'
)


def _drop_unread(tree: Any) -> None:
    for element in _UNREAD(tree):
        element.drop_tree()  # keeps the tail text, as trafilatura's cleaning does


def _run_trafilatura(tree: Any, url: str | None, *, favor_precision: bool) -> Any:
    """trafilatura's body; title and author: `title_and_author`. `bare_extraction` works on
    its own copy of a tree it is given, so `tree` can be passed again."""
    return trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=False,
        favor_precision=favor_precision,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
    )


def title_and_author(tree: Any, *, find_author: bool = True) -> tuple[str | None, str | None]:
    """trafilatura's title and author, by its own rules and functions (meta tags, JSON-LD,
    then the page), without the rest of its metadata pass: its date search (htmldate), site
    name, categories, tags and license are never used here and cost about a sixth of an
    extraction (the date comes from `read_published`)."""
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:  # as trafilatura: one word is not a name
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # trafilatura guards its JSON-LD reader the same way
        logger.debug("JSON-LD metadata unreadable", exc_info=True)
    meta.title = meta.title or extract_title(tree)
    if find_author:
        meta.author = meta.author or extract_author(tree)
    meta.clean_and_trim()
    return meta.title, meta.author


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


def _element_classes() -> ElementNamespaceClassLookup:
    """lxml.html's element classes (HtmlElement; FormElement for `<form>`, and so on), looked
    up in C. lxml.html's own lookup is a Python method, called for every element object the
    walks create (ours and trafilatura's): 2 % of an extraction."""
    lookup = ElementNamespaceClassLookup(
        ElementDefaultClassLookup(
            element=lxml_html.HtmlElement,
            comment=lxml_html.HtmlComment,
            pi=lxml_html.HtmlProcessingInstruction,
            entity=lxml_html.HtmlEntity,
        )
    )
    # the per-tag classes (lxml's private table; tests/test_extract.py checks <form> still
    # gives a FormElement, and without the table every element is still an HtmlElement)
    classes = getattr(lxml_html.HtmlElementClassLookup, "_default_element_classes", {})
    lookup.get_namespace(None).update(classes)
    return lookup


_HTML_PARSER.set_element_class_lookup(_element_classes())


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
