"""Publication dates: the first publication, under any common key, in any common language.

Classes of cases: (1) a page whose meta tag and JSON-LD disagree by more than a day (the
meta holds a republish time): JSON-LD's datePublished wins; within a day the meta stays;
(2) publication keys besides the common ones (`published_at`, `article:published`, ...);
(3) feed dates written with month and day names in other languages.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.dates import parse_localized
from monitor.domain import DateSource
from monitor.extract.article import extract_article
from monitor.feeds import parse_feed

BODY = "".join(
    f"<p>The ministry said the diplomat had defected with his family, paragraph {i} of a "
    "long enough article body for the extractor to accept it as prose.</p>"
    for i in range(4)
)


def page(head: str) -> str:
    return f"<html><head><title>T</title>{head}</head><body><article>{BODY}</article></body></html>"


def jsonld(published: str) -> str:
    return (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        f'"datePublished": "{published}"}}</script>'
    )


def meta(key: str, value: str) -> str:
    return f'<meta property="{key}" content="{value}">'


@pytest.mark.parametrize(
    ("head", "published", "source"),
    [
        # a republish time in the meta tag, days after JSON-LD's first publication
        (
            meta("article:published_time", "2024-03-20T10:00:00Z") + jsonld("2024-03-01T08:00:00Z"),
            datetime(2024, 3, 1, 8, tzinfo=UTC),
            DateSource.JSONLD,
        ),
        # the same moment written twice, or hours apart: the meta tag stays
        (
            meta("article:published_time", "2024-03-01T09:00:00+01:00")
            + jsonld("2024-03-01T08:00:00Z"),
            datetime(2024, 3, 1, 8, tzinfo=UTC),
            DateSource.META,
        ),
        (
            meta("article:published_time", "2024-03-01T20:00:00Z") + jsonld("2024-03-01T08:00:00Z"),
            datetime(2024, 3, 1, 20, tzinfo=UTC),
            DateSource.META,
        ),
        # keys beyond the common ones
        (
            meta("published_at", "2024-05-02T07:30:00Z"),
            datetime(2024, 5, 2, 7, 30, tzinfo=UTC),
            DateSource.META,
        ),
        (
            meta("article:published", "2024-05-02T07:30:00Z"),
            datetime(2024, 5, 2, 7, 30, tzinfo=UTC),
            DateSource.META,
        ),
        (
            '<meta name="publication_date" content="2024-05-02T07:30:00+09:00">',
            datetime(2024, 5, 1, 22, 30, tzinfo=UTC),
            DateSource.META,
        ),
    ],
)
def test_the_first_publication_is_read(head: str, published: datetime, source: DateSource) -> None:
    extracted = extract_article(page(head))
    assert extracted is not None
    assert (extracted.published_at, extracted.date_source) == (published, source)


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("Seg, 24 Set 2018 10:00:00 -0300", datetime(2018, 9, 24, 13, tzinfo=UTC)),  # pt
        ("Lun, 03 Dic 2018 08:15:00 +0100", datetime(2018, 12, 3, 7, 15, tzinfo=UTC)),  # es
        ("mar., 04 déc. 2018 09:00:00 +0100", datetime(2018, 12, 4, 8, tzinfo=UTC)),  # fr
        ("Mo, 12 Mär 2018 10:00:00 +0200", datetime(2018, 3, 12, 8, tzinfo=UTC)),  # de
        ("Gio, 15 Ott 2020 12:00:00 GMT", datetime(2020, 10, 15, 12, tzinfo=UTC)),  # it
        ("wo, 14 mrt 2018 10:00:00 +0100", datetime(2018, 3, 14, 9, tzinfo=UTC)),  # nl
        ("Sen, 17 Agu 2020 07:00:00 +0700", datetime(2020, 8, 17, 0, tzinfo=UTC)),  # id
        ("24 de setembro de 2018 10:00", datetime(2018, 9, 24, 10, tzinfo=UTC)),  # long form
        ("Sep 24, 2018 10:00", datetime(2018, 9, 24, 10, tzinfo=UTC)),  # English, no weekday
        ("Sáb, 29 Dez 2018 23:59:59 -0200", datetime(2018, 12, 30, 1, 59, 59, tzinfo=UTC)),
    ],
)
def test_localized_dates(text: str, when: datetime) -> None:
    assert parse_localized(text) == when


@pytest.mark.parametrize("text", ["", "nonsense", "Seg, 99 Foo 2018", "2018", "x" * 200])
def test_what_is_no_date_stays_none(text: str) -> None:
    assert parse_localized(text) is None


def test_a_feed_in_portuguese_keeps_its_dates() -> None:
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Desertor</title><link>http://ex.org/a</link>"
        b"<pubDate>Seg, 24 Set 2018 10:00:00 -0300</pubDate></item></channel></rss>"
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    feed = parse_feed(body, {}, feed_id="f", base_url="http://ex.org/", now=now)
    assert feed.entries[0].published_at == datetime(2018, 9, 24, 13, tzinfo=UTC)
