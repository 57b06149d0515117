"""Page chrome: navigation, widgets, ads and related-links boxes, recognised generically (by
tag, ARIA role or a whole class/id token), so neither the body nor a date is read from them."""

from __future__ import annotations

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


_HOLDS_ARTICLE = XPath('.//article | .//main | .//*[@itemprop="articleBody"]')  # compiled once


def in_chrome(element: Any) -> bool:
    """Whether an element sits inside chrome (or a list, as related links do)."""
    return any(_is_chrome(node) or node.tag == "li" for node in element.iterancestors())


def prune_chrome(tree: Any) -> None:
    """Remove page chrome from the tree in place, keeping the text that follows it."""
    doomed = [el for el in tree.iter() if isinstance(el.tag, str) and _is_chrome(el)]
    for element in doomed:
        # A wrapper that holds the article itself is layout, whatever its class says.
        if element.getparent() is not None and not _HOLDS_ARTICLE(element):
            element.drop_tree()
