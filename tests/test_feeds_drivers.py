"""feedparser is never sent looking for an XML driver that is not installed."""

from __future__ import annotations

import importlib.util

import feedparser.api

from monitor.feeds import parse_feed

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>one</title><link>https://example.org/a</link></item></channel></rss>"""


def test_only_installed_drivers_are_preferred_and_feeds_still_parse() -> None:
    assert all(importlib.util.find_spec(n) for n in feedparser.api.PREFERRED_XML_PARSERS)
    headers = {"content-type": "application/rss+xml"}
    parsed = parse_feed(RSS, headers, feed_id="f", base_url="https://example.org/feed")
    assert [e.url for e in parsed.entries] == ["https://example.org/a"]
    assert parsed.bozo is None  # the strict (expat) parser read it
