"""canonical_url: links that reach the same article compare equal; different articles do not."""

from __future__ import annotations

import pytest

from monitor.urls import canonical_url

CASES = [
    # scheme and host case, default ports
    ("HTTPS://News.Example.COM/World/Story", "https://news.example.com/World/Story"),
    ("http://example.com:80/a", "http://example.com/a"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    ("http://example.com.:80/a", "http://example.com/a"),
    # fragments go, hash-bang routes stay
    ("https://example.com/a#comments", "https://example.com/a"),
    ("https://example.com/#!/story/12", "https://example.com/#!/story/12"),
    # tracking parameters go, real ones stay, sorted
    (
        "https://example.com/a?utm_source=rss&utm_medium=feed&id=7",
        "https://example.com/a?id=7",
    ),
    ("https://example.com/a?UTM_Campaign=x&b=2&a=1", "https://example.com/a?a=1&b=2"),
    ("https://example.com/a?fbclid=IwAR0abc", "https://example.com/a"),
    ("https://example.com/a?gclid=1&mc_cid=2&mc_eid=3&igshid=4", "https://example.com/a"),
    ("https://example.com/a?ref=twitter&ref_src=twsrc&cmpid=x", "https://example.com/a"),
    ("https://example.com/a?ncid=rss&spm=a.b.c&_ga=1.2&yclid=9", "https://example.com/a"),
    ("https://example.com/a?ns_campaign=x&ns_mchannel=y&page=2", "https://example.com/a?page=2"),
    ("https://example.com/a?", "https://example.com/a"),
    ("https://example.com/a?&&x=1&", "https://example.com/a?x=1"),
    ("https://example.com/view?aid=2024&sid=100", "https://example.com/view?aid=2024&sid=100"),
    # values keep their encoding; escapes are normalised
    ("https://example.com/s?q=north%20korea", "https://example.com/s?q=north%20korea"),
    ("https://example.com/%7euser/%e2%80%94", "https://example.com/~user/%E2%80%94"),
    # path: dot segments, duplicate and trailing slashes, case kept
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("https://example.com/../a", "https://example.com/a"),
    ("https://example.com//news//2024/", "https://example.com/news/2024"),
    ("https://example.com/News/Article-ABC/", "https://example.com/News/Article-ABC"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com/", "https://example.com/"),
    ("https://example.com/?utm_source=x", "https://example.com/"),
    # IPv6 hosts keep their brackets; user info is kept
    ("http://[::1]:80/a", "http://[::1]/a"),
    ("https://user@Example.com/a", "https://user@example.com/a"),
    # whitespace around the link
    ("  https://example.com/a \n", "https://example.com/a"),
    # not http(s) or not a URL: returned as given (stripped)
    ("mailto:desk@example.com", "mailto:desk@example.com"),
    ("not a url", "not a url"),
    ("https://example.com:99999/a", "https://example.com:99999/a"),
]


@pytest.mark.parametrize(("given", "expected"), CASES)
def test_canonical_url(given: str, expected: str) -> None:
    assert canonical_url(given) == expected


def test_canonical_url_is_idempotent() -> None:
    for given, _ in CASES:
        once = canonical_url(given)
        assert canonical_url(once) == once


def test_different_articles_stay_different() -> None:
    urls = [
        "https://example.com/a?id=1",
        "https://example.com/a?id=2",
        "https://example.com/A",
        "https://example.com/a",
        "http://example.com/a",
        "https://example.org/a",
    ]
    assert len({canonical_url(u) for u in urls}) == len(urls)
