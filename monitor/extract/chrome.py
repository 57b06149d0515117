"""Page chrome: navigation, widgets, ads and related-links boxes, recognised generically (by
tag, ARIA role or a whole class/id token), so neither the body nor a date is read from them."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lxml.etree import XPath

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


_LAYOUT_TAGS = frozenset({"html", "body", "article", "main"})


def _is_chrome(element: Any) -> bool:
    """Whether one element is navigation, a widget, an ad or a related-links box."""
    tag = element.tag
    if tag in _CHROME_TAGS or (element.get("role") or "").lower() in _CHROME_ROLES:
        return True
    if tag in _LAYOUT_TAGS:
        return False
    return _chrome_name(element.get("class")) or _chrome_name(element.get("id"))


@lru_cache(maxsize=8192)
def _chrome_name(name: str | None) -> bool:
    """Whether a class or id attribute names chrome: a whole token, or a part of a compound
    one. Cached: a page repeats its class names on many elements, a site on its pages."""
    if not name:
        return False
    tokens = name.lower().replace("_", "-")
    if not _CHROME_TOKENS.isdisjoint(tokens.split()):
        return True
    return not _CHROME_PARTS.isdisjoint(tokens.replace("-", " ").split())


_HOLDS_ARTICLE = XPath('.//article | .//main | .//*[@itemprop="articleBody"]')  # compiled once
# The element and every element in it, in document order (as `iter()`, without comments): a
# fifth faster to walk than `iter()` with a tag test. XPath tests of the class names were 6 to
# 60 times slower than this walk (docs/extraction.md).
_ELEMENTS = XPath("descendant-or-self::*")


def in_chrome(element: Any) -> bool:
    """Whether an element sits inside chrome (or a list, as related links do)."""
    return any(_is_chrome(node) or node.tag == "li" for node in element.iterancestors())


def prune_chrome(tree: Any) -> None:
    """Remove page chrome from the tree in place, keeping the text that follows it."""
    doomed = [el for el in _ELEMENTS(tree) if _is_chrome(el)]
    for element in doomed:
        # A wrapper that holds the article itself is layout, whatever its class says.
        if element.getparent() is not None and not _HOLDS_ARTICLE(element):
            element.drop_tree()
