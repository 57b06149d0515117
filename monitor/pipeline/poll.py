"""Orchestrators: one polling pass over the feeds, read top to bottom like miniflux's RefreshFeed.

poll feed (conditional GET) -> parse -> new entries only -> fetch page -> extract (process pool)
-> Article -> store -> process (match, stories, alerts).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import Clock, utcnow
from monitor.config import AppConfig, FeedConfig
from monitor.decode import content_type_charset
from monitor.domain import ExtractionStatus, FeedEntry, FetchResult, ParsedFeed
from monitor.errors import BlockedURLError, FetchError, ParseError
from monitor.http import Fetcher
from monitor.pipeline.ingest import ArticleProcessor
from monitor.pipeline.pool import ExtractionPool
from monitor.pipeline.pool import extraction_pool as extraction_pool  # callers take it from here
from monitor.pipeline.prepare import PageJob, Prepared, Watchlists, prepare
from monitor.pipeline.prepare import build_article as build_article  # eval replays with it
from monitor.pipeline.window import parse_window
from monitor.store import claims
from monitor.store.articles import insert_article, insert_articles, unseen_entries
from monitor.store.db import transaction
from monitor.store.feeds import (
    FeedOutcome,
    FeedState,
    PollRecorded,
    finish_poll,
    finish_polls,
    get_feeds,
    move_feed,
    poll_target,
    sync_feeds,
)
from monitor.store.stories import lock_watchlists

log = logging.getLogger(__name__)

PARSE_IN_WORKER_BYTES = 1_000_000  # bodies this big are parsed in an extraction worker
#: Pages fetched and waiting for a worker, beyond the fetches in flight: memory is bounded by
#: this and `fetch.max_connections`, not by the size of the pass (and workers never starve).
PIPELINE_BOUND = 8
#: Feeds between their fetch and their last new entry's entrance into the pipeline, at once:
#: this many per connection (`_Gates`; two, so a connection never idles while the next
#: feed wakes).
FEED_TURNS = 2
#: Outcomes of feeds that answered 304 are written together: at most this many per
#: transaction, each waiting at most OUTCOME_WAIT seconds for others to join it.
OUTCOME_BATCH = 200
OUTCOME_WAIT = 0.01
#: New articles are stored together: at most STORE_BATCH per transaction, the first waiting
#: at most STORE_WAIT seconds for other completed articles to join it.
STORE_BATCH = 16
STORE_WAIT = 0.05
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


@dataclass(frozen=True, slots=True)
class _Gates:
    """What bounds a pass on one event loop: entries between their page fetch and their
    commit (`fetch.max_connections` + `PIPELINE_BOUND`), and feeds between their fetch and
    their last new entry's entrance into the pipeline (`FEED_TURNS` a connection)."""

    loop: asyncio.AbstractEventLoop
    entries: asyncio.Semaphore
    turns: asyncio.Semaphore


class _Turn:
    """A feed's turn at the pipeline's entrance (`_Gates.turns`), released once its last
    new entry holds a pipeline slot, or when its poll ends. So a pass of thousands of feeds
    does not fetch and parse them all at its start and hold every entry while the pipeline
    drains: what waits is bounded by the turns, and later feeds' fetching and parsing
    overlaps with extraction instead of delaying it."""

    def __init__(self, turns: asyncio.Semaphore) -> None:
        self._turns = turns
        self._held = False

    async def __aenter__(self) -> _Turn:
        await self._turns.acquire()
        self._held = True
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        if self._held:
            self._held = False
            self._turns.release()


@dataclass(frozen=True, slots=True)
class FeedReport:
    """The result of polling one feed, for the summary table and `--json`."""

    feed_id: str
    outcome: str  # ok, not-modified, failed, disabled, skipped
    new_articles: int = 0
    entries: int = 0
    http_status: int | None = None
    error: str | None = None
    error_kind: str | None = None
    warning: str | None = None
    seconds: float = 0.0
    article_errors: list[str] = field(default_factory=list)
    next_poll_at: datetime | None = None  # when the feed is due again (None: disabled)


@dataclass(frozen=True, slots=True)
class PollReport:
    feeds: list[FeedReport]
    started_at: datetime
    finished_at: datetime

    def count(self, outcome: str) -> int:
        return sum(1 for f in self.feeds if f.outcome == outcome)

    @property
    def new_articles(self) -> int:
        return sum(f.new_articles for f in self.feeds)

    def to_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "feeds_total": len(self.feeds),
            "feeds_ok": self.count("ok"),
            "feeds_not_modified": self.count("not-modified"),
            "feeds_failed": self.count("failed"),
            "new_articles": self.new_articles,
            "feeds": [
                {
                    "id": f.feed_id,
                    "outcome": f.outcome,
                    "http_status": f.http_status,
                    "entries": f.entries,
                    "new_articles": f.new_articles,
                    "error": f.error,
                    "error_kind": f.error_kind,
                    "warning": f.warning,
                    "article_errors": f.article_errors,
                    "seconds": round(f.seconds, 3),
                }
                for f in self.feeds
            ],
        }


def next_backlog(total: int, cap: int, skip: int) -> int:
    """How many newest entries the next pass skips (0: the feed was taken whole). Pure.

    A pass takes the newest `cap` and the `cap` after the first `skip`; while entries are
    left beyond that, the next pass starts where this one stopped.
    """
    if total <= cap:
        return 0
    end = max(skip, cap) + (cap if skip > 0 else 0)
    return end if end < total else 0


def decode_page(result: FetchResult) -> str:
    """The page as text: the header's charset first, with browsers' label aliases (euc-kr is
    CP949, iso-8859-1 is windows-1252), then the page's own declaration (`monitor.decode`)."""
    from monitor.extract.article import decode_html  # trafilatura stays out of the main process

    return decode_html(result.body, content_type_charset(result.headers.get("content-type")))


class Poller:
    """One polling pass: fetch feeds concurrently, store what is new, hand articles on."""

    def __init__(
        self,
        cfg: AppConfig,
        sessions: sessionmaker[Session],
        *,
        processor: ArticleProcessor | None = None,
        clock: Clock = utcnow,
        executor: Executor | None = None,
        on_feed_done: Callable[[FeedReport], None] | None = None,
        rng: random.Random | None = None,
        owner: str | None = None,
        on_alerts: Callable[[], None] | None = None,
    ) -> None:
        self.cfg = cfg
        self.sessions = sessions
        self.processor = processor
        self.clock = clock
        self.executor = executor
        self.on_feed_done = on_feed_done
        self.rng = rng or random.Random()
        self.owner = owner  # the daemon's worker id: its lease on a feed ends with the poll
        self.on_alerts = on_alerts  # called once an article's alerts are committed
        self._claimed: set[str] = set()
        # what the workers match with: the processor's watchlists (none without a processor)
        self._watchlists = Watchlists.of(cfg.watchlists) if processor and cfg.watchlists else None
        self._gates_of: _Gates | None = None
        self._targets: dict[str, FeedState] = {}  # rows this pass read already (select_feeds)
        self._unchanged: list[tuple[FeedConfig, FeedOutcome, asyncio.Future[PollRecorded]]] = []
        self._flush: asyncio.TimerHandle | None = None
        self._batch_loop: asyncio.AbstractEventLoop | None = None
        self._to_store: list[tuple[FeedConfig, Prepared, asyncio.Future[tuple[bool, str | None]]]]
        self._to_store = []
        self._store_timer: asyncio.TimerHandle | None = None

    def _gates(self) -> _Gates:
        """This event loop's gates (the daemon runs a pass per loop)."""
        loop = asyncio.get_running_loop()
        if self._gates_of is None or self._gates_of.loop is not loop:
            width = self.cfg.monitor.fetch.max_connections
            self._gates_of = _Gates(
                loop,
                asyncio.Semaphore(width + PIPELINE_BOUND),
                asyncio.Semaphore(FEED_TURNS * width),
            )
        return self._gates_of

    def select_feeds(self, feed_ids: Sequence[str] | None, *, due_only: bool) -> list[FeedConfig]:
        """Sync config into the feeds table and pick the feeds to poll now."""
        now = self.clock()
        with transaction(self.sessions) as s:
            claims.sync_lock(s)  # workers starting together must not insert a feed twice
            sync_feeds(s, self.cfg.feeds, now)
            rows = {r.id: r for r in get_feeds(s)}
        chosen: list[FeedConfig] = []
        for fc in self.cfg.feeds:
            if feed_ids is not None and fc.id not in feed_ids:
                continue
            row = rows[fc.id]
            if not fc.enabled or row.disabled_reason:
                continue
            if due_only and row.next_poll_at and row.next_poll_at > now:
                continue
            chosen.append(fc)
        self._targets = {fc.id: rows[fc.id] for fc in chosen}
        return chosen

    async def run(
        self, feed_ids: Sequence[str] | None = None, *, due_only: bool = False
    ) -> PollReport:
        started = self.clock()
        feeds = self.select_feeds(feed_ids, due_only=due_only)
        own_pool = self.executor is None and self.cfg.monitor.fetch.fetch_articles and feeds
        executor = self.executor or (
            extraction_pool(self.cfg.monitor.fetch.extraction_workers, self._watchlists)
            if own_pool
            else None
        )
        try:
            async with Fetcher(self.cfg.monitor.fetch) as fetcher:
                reports = await asyncio.gather(
                    *(self._poll_feed(fetcher, executor, fc) for fc in feeds)
                )
        finally:
            if own_pool and executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        return PollReport(list(reports), started, self.clock())

    async def poll_feed(
        self, fetcher: Fetcher, executor: Executor | None, fc: FeedConfig
    ) -> FeedReport:
        """Poll one feed with the caller's fetcher and pool (the daemon keeps both open)."""
        return await self._poll_feed(fetcher, executor, fc)

    async def _poll_feed(
        self, fetcher: Fetcher, executor: Executor | None, fc: FeedConfig
    ) -> FeedReport:
        t0 = time.perf_counter()
        try:
            async with _Turn(self._gates().turns) as turn:
                report = await self._poll_feed_inner(fetcher, executor, fc, turn)
        except Exception as exc:  # one failing feed never stops the others
            log.exception("feed %s: unexpected error", fc.id)
            report = self._record(
                fc,
                FeedOutcome("failed", error=f"internal error: {exc!r}", error_kind="bug"),
            )
        report = dataclasses.replace(report, seconds=time.perf_counter() - t0)
        if self.on_feed_done:
            self.on_feed_done(report)
        return report

    async def _poll_feed_inner(
        self, fetcher: Fetcher, executor: Executor | None, fc: FeedConfig, turn: _Turn
    ) -> FeedReport:
        row = self._targets.pop(fc.id, None)  # read once per pass, not again per feed
        if row is not None:
            url, etag, last_modified, skip = row.url, row.etag, row.last_modified, row.backlog
        else:  # the daemon polls a feed it claimed
            with transaction(self.sessions) as s:
                url, etag, last_modified, skip = poll_target(s, fc.id)
        try:
            result = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
        except FetchError as exc:
            log.warning("feed %s: %s", fc.id, exc)
            return self._record(
                fc,
                FeedOutcome(
                    "failed",
                    http_status=exc.status,
                    error=str(exc),
                    error_kind=exc.kind,
                    retry_after=exc.retry_after,
                ),
            )
        if result.redirected_permanently and result.final_url != url:
            self._move(fc, url, result.final_url)
        if result.not_modified:
            turn.release()  # nothing enters the pipeline; the outcome waits for its batch
            return await self._record_unchanged(
                fc,
                FeedOutcome(
                    "not-modified",
                    http_status=304,
                    etag=result.etag or etag,
                    last_modified=result.last_modified or last_modified,
                ),
            )
        try:
            parsed, total = await self._parse(executor, result, fc, skip)
        except ParseError as exc:
            log.warning("feed %s: %s", fc.id, exc)
            return self._record(
                fc,
                FeedOutcome(
                    "failed",
                    http_status=result.status,
                    error=f"{exc} ({result.final_url}); check the feed URL in config",
                    error_kind="parse",
                ),
            )
        with transaction(self.sessions) as s:
            unseen = unseen_entries(s, parsed.entries)
        # what the feed's outcome needs, kept; its body and parsed entries are let go before
        # the entries wait for the pipeline (up to all the feed turns' feeds wait meanwhile)
        status, new_etag, new_modified = result.status, result.etag, result.last_modified
        warning = f"feed is not well-formed: {parsed.bozo}" if parsed.bozo else None
        taken = len(parsed.entries)
        del result, parsed
        # an entry carried by two feeds in this pass is fetched once (no await in between)
        new_entries = [e for e in unseen if e.canonical_url not in self._claimed]
        del unseen
        self._claimed.update(e.canonical_url for e in new_entries)
        try:
            results = await self._ingest_all(fetcher, executor, fc, new_entries, turn)
        finally:  # stored by now (or failed): the database answers from here on
            self._claimed.difference_update(e.canonical_url for e in new_entries)
        stored = sum(1 for ok, _ in results if ok)
        errors = [err for _, err in results if err]
        cap = self.cfg.monitor.fetch.max_entries_per_pass
        backlog = next_backlog(total, cap, skip)
        if backlog:
            log.info(
                "feed %s: %d entries; took the newest %d and %d of the backlog, more next pass",
                fc.id,
                total,
                min(cap, total),
                taken - min(cap, total),
            )
        report = self._record(
            fc,
            FeedOutcome(
                "ok",
                http_status=status,
                etag=new_etag,
                last_modified=new_modified,
                new_articles=stored,
                entries=total,
                warning=warning,
                backlog=backlog,
            ),
        )
        return dataclasses.replace(report, article_errors=errors)

    async def _parse(
        self, executor: Executor | None, result: FetchResult, fc: FeedConfig, skip: int
    ) -> tuple[ParsedFeed, int]:
        """Parse off the event loop: a big body in an extraction worker, else in a thread.

        Only the pass's window of entries comes back (`fetch.max_entries_per_pass`, newest
        first, plus the backlog's next slice): one huge feed costs the daemon neither a frozen
        loop nor its parse tree's memory.
        """
        parse = functools.partial(
            parse_window,
            result.body,
            dict(result.headers),
            feed_id=fc.id,
            base_url=result.final_url,
            cap=self.cfg.monitor.fetch.max_entries_per_pass,
            skip=skip,
        )
        if executor is not None and len(result.body) >= PARSE_IN_WORKER_BYTES:
            try:
                return await asyncio.get_running_loop().run_in_executor(executor, parse)
            except BrokenProcessPool:  # the pool was replaced meanwhile: parse here instead
                pass
        return await asyncio.to_thread(parse)

    async def _ingest_all(
        self,
        fetcher: Fetcher,
        executor: Executor | None,
        fc: FeedConfig,
        entries: Sequence[FeedEntry],
        turn: _Turn,
    ) -> list[tuple[bool, str | None]]:
        """Each entry's (stored, error worth reporting), in the feed's order.

        From its page fetch to its commit an entry holds a pipeline slot: pages wait for a
        worker in a bounded line instead of piling up in memory ahead of extraction. An
        entry's task starts only once it holds its slot, so the entries still waiting are
        values in their feed's list, not a task each: feeds are parsed long before their
        articles are extracted, and a pass of thousands of articles would otherwise hold
        thousands of waiting tasks at its start (and the process keeps that memory).
        """
        slot = self._gates().entries
        tasks: list[asyncio.Task[tuple[bool, str | None]]] = []
        try:
            for entry in entries:
                await slot.acquire()
                task = asyncio.create_task(self._ingest_one(fetcher, executor, fc, entry))
                # freed however the task ends, even cancelled before it ran
                task.add_done_callback(lambda _: slot.release())
                tasks.append(task)
            turn.release()  # every entry is in: the next feed may be fetched
            return list(await asyncio.gather(*tasks))
        except BaseException:  # cancelled: so are the entries started (as gather does)
            for task in tasks:
                task.cancel()
            raise

    async def _ingest_one(
        self, fetcher: Fetcher, executor: Executor | None, fc: FeedConfig, entry: FeedEntry
    ) -> tuple[bool, str | None]:
        """`_ingest_entry`, but one entry the database refuses is recorded and skipped: the
        feed's other entries are stored and the feed stays ok (a poison item fails alone)."""
        try:
            return await self._ingest_entry(fetcher, executor, fc, entry)
        except Exception as exc:
            log.exception("feed %s: entry %s could not be stored; skipped", fc.id, entry.url)
            return False, f"{entry.url or entry.guid}: not stored ({type(exc).__name__}: {exc})"[
                :500
            ]

    async def _ingest_entry(
        self, fetcher: Fetcher, executor: Executor | None, fc: FeedConfig, entry: FeedEntry
    ) -> tuple[bool, str | None]:
        """Fetch, prepare and store one new entry. Returns (stored, error worth reporting)."""
        prepared = await self._fetch_and_prepare(fetcher, executor, fc, entry)
        return await self._store(fc, prepared)

    async def _fetch_and_prepare(
        self, fetcher: Fetcher, executor: Executor | None, fc: FeedConfig, entry: FeedEntry
    ) -> Prepared:
        """The page (when there is one to fetch), extracted and matched off the event loop."""
        job = PageJob(entry, fc, self.clock(), watchlists=self._watchlists)
        # no page to fetch when config says so, or for an entry without a link (its canonical
        # URL is a urn:): the feed's own text stands in
        if not self.cfg.monitor.fetch.fetch_articles or not entry.url or not entry.has_page:
            job = dataclasses.replace(job, status=ExtractionStatus.FEED_FALLBACK)
        else:
            try:
                page = await fetcher.fetch(entry.url, untrusted=True, urgent=True)
                ctype = page.headers.get("content-type", "").split(";")[0].strip().lower()
                if ctype not in HTML_TYPES:
                    raise FetchError(entry.url, "not-html", f"the page is {ctype}, not HTML")
                charset = content_type_charset(page.headers.get("content-type"))
                job = dataclasses.replace(job, body=page.body, charset=charset, url=page.final_url)
            except BlockedURLError as exc:
                job = dataclasses.replace(job, status=ExtractionStatus.BLOCKED, error=str(exc))
            except FetchError as exc:
                job = dataclasses.replace(
                    job, status=ExtractionStatus.FEED_FALLBACK, error=str(exc)
                )
        try:
            return await self._prepare(executor, job)
        except Exception as exc:
            if isinstance(exc, FetchError):  # the extraction timed out
                error = str(exc)
            else:
                log.exception("feed %s: extracting %s failed", fc.id, entry.url)
                error = f"extraction failed: {exc!r}"
            # the feed's text stands in, matched here (the rare path pays)
            fallback = dataclasses.replace(
                job, body=None, status=ExtractionStatus.FEED_FALLBACK, error=error
            )
            return await asyncio.to_thread(prepare, fallback)

    async def _store(self, fc: FeedConfig, prepared: Prepared) -> tuple[bool, str | None]:
        """Store the article with the others completed meanwhile (`_store_batch`); its outcome."""
        article = prepared.article
        if article.extraction_error:
            log.info(
                "feed %s: %s: %s (feed text used)", fc.id, article.url, article.extraction_error
            )
        loop = asyncio.get_running_loop()
        if self._batch_loop is not loop:  # a new event loop (the daemon's next pass)
            self._batch_loop, self._to_store, self._store_timer = loop, [], None
        done: asyncio.Future[tuple[bool, str | None]] = loop.create_future()
        self._to_store.append((fc, prepared, done))
        if len(self._to_store) >= STORE_BATCH:
            self._store_batch()
        elif self._store_timer is None:
            self._store_timer = loop.call_later(STORE_WAIT, self._store_batch)
        return await done

    def _store_batch(self) -> None:
        """One transaction for the waiting articles; one each if that one fails.

        All or nothing per article either way: a crash before the commit leaves none of the
        batch; an article whose processing fails undoes the batch, which is then stored one
        article per transaction, so only that article is stored without its hits.
        """
        if self._store_timer is not None:
            self._store_timer.cancel()
            self._store_timer = None
        batch = [item for item in self._to_store if not item[2].done()]  # done: cancelled
        self._to_store = []
        if not batch:
            return
        outcomes: list[tuple[bool, str | None] | BaseException] | None = None
        if len(batch) > 1:
            try:
                stored, alerts = self._store_together([(fc, p) for fc, p, _ in batch])
            except Exception as exc:
                log.warning("storing %d articles together failed (%r); one by one", len(batch), exc)
            else:
                outcomes = list(stored)
                if alerts and self.on_alerts is not None:
                    self.on_alerts()  # committed: the delivery loop need not wait for its tick
        if outcomes is None:
            outcomes = []
            for fc, prepared, _ in batch:
                try:
                    outcomes.append(self._store_alone(fc, prepared))
                except Exception as exc:
                    outcomes.append(exc)
        for (_, _, done), outcome in zip(batch, outcomes, strict=True):
            if done.done():
                continue
            if isinstance(outcome, BaseException):
                done.set_exception(outcome)
            else:
                done.set_result(outcome)

    def _store_together(
        self, batch: list[tuple[FeedConfig, Prepared]]
    ) -> tuple[list[tuple[bool, str | None]], bool]:
        """The articles, then each one's hits, stories and alerts, in one transaction.

        Returns each article's (stored, error worth reporting), in the batch's order, and
        whether the batch raised alerts.

        Placement is sequential inside it: a later article sees the stories an earlier one
        opened or changed. The watchlists' locks are all taken first, in name order, and the
        articles inserted in URL order, so two workers' batches queue rather than deadlock.
        """
        order = sorted(range(len(batch)), key=lambda i: batch[i][1].article.canonical_url)
        outcomes: list[tuple[bool, str | None]] = [(False, None)] * len(batch)
        alerts = False
        with transaction(self.sessions) as s:
            if self.processor is not None:
                lock_watchlists(
                    s, (h.watchlist for _, p in batch if p.analysis for h in p.analysis.hits)
                )
            ids = insert_articles(s, [batch[i][1].article for i in order])
            for i, article_id in zip(order, ids, strict=True):
                if article_id is None:
                    continue  # stored meanwhile by another feed or worker
                prepared = batch[i][1]
                article = prepared.article
                if self.processor is not None:
                    done = self.processor(
                        s,
                        dataclasses.replace(article, id=article_id),
                        article.discovered_at or self.clock(),
                        fresh=True,
                        analysis=prepared.analysis,
                    )
                    alerts = alerts or bool(done.alerts)
                error = article.extraction_error
                outcomes[i] = (True, f"{article.url}: {error}" if error else None)
        return outcomes, alerts

    def _store_alone(self, fc: FeedConfig, prepared: Prepared) -> tuple[bool, str | None]:
        """One short transaction: the article, then its hits, stories and alerts (all or none)."""
        article, error = prepared.article, prepared.article.extraction_error
        now = article.discovered_at or self.clock()
        stored, done = False, None
        try:
            with transaction(self.sessions) as s:
                article_id = insert_article(s, article)
                if article_id is None:
                    return False, None  # stored meanwhile by another feed or worker
                stored = True
                if self.processor is not None:
                    done = self.processor(
                        s,
                        dataclasses.replace(article, id=article_id),
                        now,
                        fresh=True,
                        analysis=prepared.analysis,
                    )
        except Exception as exc:
            if not stored:
                raise  # the database refused the article itself
            # processing failed: its hits and alerts are undone with the transaction; the
            # article is stored alone (no savepoint on the path that succeeds)
            log.exception("feed %s: processing %s failed; article kept", fc.id, article.url)
            error = (
                f"matching or story assignment failed ({exc!r}); the article is stored: "
                "run `monitor rematch` once the cause is fixed"
            )
            with transaction(self.sessions) as s:
                if insert_article(s, article) is None:
                    return False, None
        else:
            if done is not None and done.alerts and self.on_alerts is not None:
                self.on_alerts()  # committed: the delivery loop need not wait for its tick
        return True, (f"{article.url}: {error}" if error else None)

    async def _prepare(self, executor: Executor | None, job: PageJob) -> Prepared:
        if executor is None:
            return await asyncio.to_thread(prepare, job)
        loop = asyncio.get_running_loop()
        limit = self.cfg.monitor.fetch.extraction_timeout.total_seconds()
        try:
            return await self._prepare_once(loop, executor, job, limit)
        except BrokenProcessPool:
            # the pool broke under this page or a neighbour: one more try on a fresh pool
            return await self._prepare_once(loop, executor, job, limit)

    @staticmethod
    async def _prepare_once(
        loop: asyncio.AbstractEventLoop, executor: Executor, job: PageJob, limit: float
    ) -> Prepared:
        future = loop.run_in_executor(executor, prepare, job)
        try:
            return await asyncio.wait_for(future, limit)
        except TimeoutError:
            if isinstance(executor, ExtractionPool):
                executor.reset()  # the worker is stuck on this page: replace it
            raise FetchError(
                job.url or job.entry.url,
                "extract-timeout",
                f"extraction took longer than {limit:g}s (fetch.extraction_timeout); "
                "the page is pathological or the machine overloaded",
            ) from None

    async def _record_unchanged(self, fc: FeedConfig, outcome: FeedOutcome) -> FeedReport:
        """`_record` for a 304: written with the others that answered meanwhile."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[PollRecorded] = loop.create_future()
        self._unchanged.append((fc, outcome, done))
        if len(self._unchanged) >= OUTCOME_BATCH:
            self._write_unchanged()
        elif self._flush is None:
            self._flush = loop.call_later(OUTCOME_WAIT, self._write_unchanged)
        return self._report(fc, outcome, await done)

    def _write_unchanged(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        batch, self._unchanged = self._unchanged, []
        if not batch:
            return
        fetch = self.cfg.monitor.fetch
        polls = [
            (fc.id, outcome, fc.interval or fetch.default_interval, self.rng.uniform(0, 0.1))
            for fc, outcome, _ in batch
        ]
        try:
            with transaction(self.sessions) as s:
                recorded = finish_polls(
                    s, polls, owner=self.owner, now=self.clock(), max_backoff=fetch.max_backoff
                )
        except Exception as exc:  # each feed fails as a write of its own would have
            for _, _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        for (_, _, done), one in zip(batch, recorded, strict=True):
            if not done.done():
                done.set_result(one)

    def _record(self, fc: FeedConfig, outcome: FeedOutcome) -> FeedReport:
        now = self.clock()
        interval = fc.interval or self.cfg.monitor.fetch.default_interval
        with transaction(self.sessions) as s:
            recorded = finish_poll(
                s,
                fc.id,
                outcome,
                owner=self.owner,
                now=now,
                interval=interval,
                max_backoff=self.cfg.monitor.fetch.max_backoff,
                jitter=self.rng.uniform(0, 0.1),
            )
        return self._report(fc, outcome, recorded)

    @staticmethod
    def _report(fc: FeedConfig, outcome: FeedOutcome, recorded: PollRecorded) -> FeedReport:
        return FeedReport(
            feed_id=fc.id,
            outcome=recorded.outcome,
            new_articles=outcome.new_articles,
            entries=outcome.entries,
            http_status=outcome.http_status,
            error=outcome.error,
            error_kind=outcome.error_kind,
            warning=outcome.warning,
            next_poll_at=recorded.next_poll_at,
        )

    def _move(self, fc: FeedConfig, old: str, new: str) -> None:
        """A 301/308 at every hop: the feed moved for good; poll the new address from now on."""
        with transaction(self.sessions) as s:
            move_feed(s, fc.id, new)  # config_url keeps what config says; a config change resets it
        log.warning(
            "feed %s moved permanently: %s -> %s (update config to silence this)", fc.id, old, new
        )
