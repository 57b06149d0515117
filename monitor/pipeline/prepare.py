"""The CPU half of one article's path: decode, extract, build, match, fingerprint.

It runs in an extraction worker (a process of the pool), so an article's CPU work leaves the
event loop and is done before its write transaction opens: the transaction only writes.
Only picklable values go in and out. The compiled watchlists are cached in each worker,
keyed by a digest of their config, so they are compiled once per worker, not per page.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.config import FeedConfig, WatchlistConfig
from monitor.domain import Article, DateSource, Extracted, ExtractionStatus, FeedEntry
from monitor.match import Hit, Matcher, compile_watchlists
from monitor.stories.copies import Signature, signature
from monitor.stories.fingerprint import fingerprint

__all__ = [
    "Analysis",
    "PageJob",
    "Prepared",
    "Watchlists",
    "analyse",
    "build_article",
    "feed_entry_record",
    "prepare",
]


@dataclass(frozen=True, slots=True)
class Analysis:
    """What matching found in an article, computed before its transaction."""

    hits: tuple[Hit, ...]
    fingerprint: int | None  # SimHash of the body, only for an article with hits
    copy_signature: Signature | None = None  # the body's shingles, for the copy index


@dataclass(frozen=True, slots=True)
class Watchlists:
    """The watchlists' config, pickled once per config; `key` names it in a worker's cache."""

    key: str
    blob: bytes

    @classmethod
    def of(cls, configs: Sequence[WatchlistConfig]) -> Watchlists:
        blob = pickle.dumps(list(configs), protocol=pickle.HIGHEST_PROTOCOL)
        return cls(hashlib.sha256(blob).hexdigest(), blob)


@dataclass(frozen=True, slots=True)
class PageJob:
    """One new entry and what fetching its page gave (no body: the feed's text stands in)."""

    entry: FeedEntry
    feed: FeedConfig
    now: datetime
    body: bytes | None = None
    charset: str | None = None  # from the Content-Type header
    url: str | None = None  # the page's final URL
    status: ExtractionStatus = ExtractionStatus.PAGE
    error: str | None = None
    watchlists: Watchlists | None = None  # None: nothing to match


@dataclass(frozen=True, slots=True)
class Prepared:
    article: Article
    analysis: Analysis | None  # None when no watchlist was given


_MATCHERS: dict[str, Matcher] = {}


def matcher_for(watchlists: Watchlists) -> Matcher:
    """The compiled watchlists, from this process's cache (the last two configs kept)."""
    matcher = _MATCHERS.get(watchlists.key)
    if matcher is None:
        if len(_MATCHERS) >= 2:  # a reload replaced the config: drop the oldest
            _MATCHERS.pop(next(iter(_MATCHERS)))
        matcher = _MATCHERS[watchlists.key] = compile_watchlists(pickle.loads(watchlists.blob))
    return matcher


def analyse(matcher: Matcher, article: Article) -> Analysis:
    """Match the title and body; fingerprint the body of an article with hits; the body's
    copy-index signature (every body enters the index). Pure."""
    hits = tuple(matcher.match(article.title, article.text).hits)
    return Analysis(
        hits,
        fingerprint(article.text) if hits and article.text else None,
        signature(article.text or ""),
    )


def prepare(job: PageJob) -> Prepared:
    """Decode and extract the page (if any), build the article, match it."""
    # imported here: the main process, which only submits jobs, never loads trafilatura
    # (the workers have it preloaded by the forkserver)
    from monitor.extract.article import decode_html, extract_article

    extracted = None
    if job.body:  # the feed's author is the article's: the page is searched only without one
        page = decode_html(job.body, job.charset)
        extracted = extract_article(page, job.url, find_author=not job.entry.author)
    article = build_article(
        job.entry, job.feed, extracted, now=job.now, status=job.status, error=job.error
    )
    analysis = analyse(matcher_for(job.watchlists), article) if job.watchlists else None
    return Prepared(article, analysis)


#: the most of an entry's summary or content kept with the article (the body is stored anyway)
ENTRY_TEXT_CHARS = 4000


def feed_entry_record(entry: FeedEntry) -> dict[str, str]:
    """What the feed said of the item, for the desk's article page: its own fields as
    parsed (text already cleaned at the boundary), empty ones left out, long texts cut."""
    fields = {
        "guid": entry.guid or "",
        "link": entry.url,
        "title": entry.title,
        "author": entry.author or "",
        "published": entry.published_at.isoformat() if entry.published_at else "",
        "source": entry.source or "",
        "summary": entry.summary[:ENTRY_TEXT_CHARS],
        "content": entry.content[:ENTRY_TEXT_CHARS],
    }
    return {k: v for k, v in fields.items() if v}


def build_article(
    entry: FeedEntry,
    feed: FeedConfig,
    extracted: Extracted | None,
    *,
    now: datetime,
    status: ExtractionStatus = ExtractionStatus.PAGE,
    error: str | None = None,
) -> Article:
    """Combine the feed entry and what the page gave. Pure.

    The date comes from the page's metadata, else from the feed entry; never from page text.
    Without a page body, the feed's own content or summary stands in (marked as a fallback).
    """
    text = extracted.text.strip() if extracted else ""
    if not text:
        text = (entry.content or entry.summary or "").strip()
        if status is ExtractionStatus.PAGE:
            status = ExtractionStatus.FEED_FALLBACK
            error = error or "the page yielded no article body"
        if not text:
            status = ExtractionStatus.EMPTY if status is not ExtractionStatus.BLOCKED else status
    published, source = None, DateSource.NONE
    if extracted and extracted.published_at:
        published, source = extracted.published_at, extracted.date_source
    elif entry.published_at:
        published, source = entry.published_at, DateSource.FEED
    return Article(
        canonical_url=entry.canonical_url,
        url=entry.url,
        guid=entry.guid,
        feed_id=entry.feed_id,
        outlet=entry.source or feed.outlet or feed.id,  # an aggregator names each item's outlet
        title=(entry.title or (extracted.title if extracted else None) or entry.url).strip(),
        text=text,
        author=entry.author or (extracted.author if extracted else None),
        language=(extracted.language if extracted else None) or feed.language,
        published_at=published,
        date_source=source,
        extraction=status,
        extraction_error=error,
        feed_entry=feed_entry_record(entry),
        discovered_at=now,
    )
