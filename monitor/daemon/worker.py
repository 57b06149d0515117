"""`monitor run`: the scheduler, its jobs, reloads and a clean stop.

Each process keeps its own AsyncIOScheduler with the in-memory job store (ticks only, no
shared job store); the work itself (due feeds, deliveries, digest slots) is claimed in the
database, so any number of processes can share one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import fcntl
import heapq
import logging
import os
import secrets
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from datetime import UTC, timedelta
from pathlib import Path
from typing import IO, Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from monitor.clock import utcnow
from monitor.config import AppConfig, load_config
from monitor.config.loader import config_sources
from monitor.daemon.health import DatabaseProbe, HealthServer, HealthState, snapshot
from monitor.daemon.metrics import Metrics
from monitor.delivery import deliver, outbox
from monitor.errors import ConfigError, MonitorError
from monitor.http import Fetcher
from monitor.logs import REDACTOR, secret_values
from monitor.pipeline.ingest import make_processor
from monitor.pipeline.poll import FeedReport, Poller, extraction_pool
from monitor.pipeline.prepare import Watchlists
from monitor.pipeline.rematch import rematch
from monitor.store import claims, db
from monitor.store.db import transaction
from monitor.store.feeds import sync_feeds
from monitor.store.retention import drop_old_bodies

log = logging.getLogger(__name__)

#: A feed's own wake comes this long after its due time, so the claim finds it due.
DUE_SLACK = 0.005


def worker_id() -> str:
    """host:pid:random — unique per process, readable in `monitor status`."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def sqlite_lock(url: str) -> IO[str] | None:
    """Hold `<db>.lock` exclusively for the life of the process (SQLite only).

    SQLite has one writer at a time and no row locks: two daemons on one file would poll
    every feed twice. A second `monitor run` refuses to start instead.
    """
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    path = Path(parsed.database + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise MonitorError(
            f"another `monitor run` ({holder}) is already using {parsed.database}: "
            "SQLite allows one daemon per database file (use PostgreSQL for several workers)"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
    handle.flush()
    return handle


def config_files(cfg: AppConfig) -> dict[str, tuple[int, int]]:
    """(mtime, size) of the files the config is read from: monitor.yaml and its watchlists.

    Only those: a database, its WAL or a log file kept beside the config changes all the
    time and must not reload the daemon every few seconds.
    """
    out: dict[str, tuple[int, int]] = {}
    for f in config_sources(cfg):
        try:
            st = f.stat()
        except OSError:
            continue
        out[str(f)] = (st.st_mtime_ns, st.st_size)
    return out


def reload_refusal(old: AppConfig, new: AppConfig) -> str | None:
    """Why `new` must not replace `old` on a live reload, or None when it may.

    A section that was configured and is now empty (no feeds, no channels, no watchlists)
    is what a truncated, half-written or wrong file looks like, not an intent: applying it
    would stop polling, or strand every pending delivery. A restart applies such a config.
    """
    sections = (
        ("feeds", len(old.feeds), len(new.feeds)),
        ("channels", len(old.monitor.channels), len(new.monitor.channels)),
        ("watchlists", len(old.watchlists), len(new.watchlists)),
    )
    emptied = [f"{name} ({was} -> 0)" for name, was, now in sections if was and not now]
    if not emptied:
        return None
    return (
        f"it empties {', '.join(emptied)}; an empty or truncated file is refused on reload "
        "(restart the daemon to run with it on purpose)"
    )


DB_ERRORS = (OperationalError, InterfaceError, PoolTimeoutError)


class DatabaseWatch:
    """The database as this worker last saw it: reachable, or down with a retry time.

    While it is down the ticks skip their work until the next retry (1 s doubling up to
    5 s), so the worker reconnects within seconds of its return without hammering it.
    """

    def __init__(self, first: float = 1.0, cap: float = 5.0) -> None:
        self.first, self.cap = first, cap
        self.down_since: float | None = None
        self.failures = 0
        self.retry_at = 0.0

    def ready(self) -> bool:
        return self.down_since is None or time.monotonic() >= self.retry_at

    def failed(self, exc: BaseException, what: str) -> None:
        now = time.monotonic()
        if self.down_since is None:
            self.down_since = now
            log.error("database unavailable (%s): %s", what, str(exc).splitlines()[0])
        self.failures += 1
        self.retry_at = now + min(self.cap, self.first * 2 ** (self.failures - 1))

    def back(self) -> float | None:
        """After a successful use: seconds the outage lasted, once; None if it was up."""
        if self.down_since is None:
            return None
        lasted = time.monotonic() - self.down_since
        self.down_since, self.failures = None, 0
        return lasted


class Daemon:
    """One worker: scheduler, poll and delivery ticks, digests, retention, reload, health."""

    def __init__(
        self,
        cfg: AppConfig,
        *,
        config_path: Path | None = None,
        owner: str | None = None,
        health_host: str | None = None,
        health_port: int | None = None,
    ) -> None:
        self.cfg = cfg
        self.config_path = config_path or Path(cfg.path)
        self.owner = owner or worker_id()
        server = cfg.monitor.server
        self.health_host = health_host or os.environ.get("MONITOR_SERVER_HOST") or server.host
        env_port = (os.environ.get("MONITOR_SERVER_PORT") or "").strip()
        if env_port and not env_port.isdigit():
            raise MonitorError(
                f"$MONITOR_SERVER_PORT is {env_port[:40]!r}, not a port number: "
                "set 1-65535, or 0 to run without the health endpoint"
            )
        self.health_port = (
            health_port if health_port is not None else int(env_port) if env_port else server.port
        )
        # named when the port cannot be bound, so the operator knows what to change
        self.health_port_origin = (
            "--health-port"
            if health_port is not None
            else "$MONITOR_SERVER_PORT"
            if env_port
            else f"server.port in {cfg.path}"
        )
        self.metrics = Metrics()
        d = cfg.monitor.daemon
        max_age = d.healthy_tick_age or max(d.poll_tick * 3, timedelta(seconds=30))
        self.health = HealthState(max_tick_age=max_age.total_seconds())
        self.inflight: dict[str, asyncio.Task[Any]] = {}
        self.jobs: set[asyncio.Task[Any]] = set()
        self.stopping = False
        self._stop = asyncio.Event()
        self._files: dict[str, tuple[int, int]] = {}
        self._fetchers: list[Fetcher] = []
        self.executor: Executor | None = None
        self.database = DatabaseWatch()
        # each feed is claimed at its own due time (loop times, earliest first), not only on
        # the poll tick's grid; a committed alert wakes the delivery loop
        self._due: list[float] = []
        self._wake: asyncio.TimerHandle | None = None
        self._delivery_lock = asyncio.Lock()
        self._delivery_wanted = False
        self._delivery_task: asyncio.Task[None] | None = None

    # ---- lifecycle -------------------------------------------------------------------

    def _health_server(self, probe: DatabaseProbe) -> HealthServer:
        """Bind /healthz; a taken or forbidden port is one line naming what sets it."""
        try:
            return HealthServer(
                self.health_host, self.health_port, self.health, probe, self.metrics.registry
            ).start()
        except (OSError, OverflowError) as exc:  # taken, forbidden, or past 65535
            reason = getattr(exc, "strerror", None) or str(exc)
            raise MonitorError(
                f"cannot listen for /healthz on {self.health_host}:{self.health_port} "
                f"({reason}): {self.health_port_origin} sets the port; choose a free one, "
                "or 0 to run without the health endpoint"
            ) from None

    async def run(self) -> int:
        """Start everything, run until SIGTERM/SIGINT, stop cleanly; return the exit code."""
        with db.database_errors(self.cfg.database_url, self.cfg.database_url_origin):
            lock = sqlite_lock(self.cfg.database_url)
        self.engine = db.open_database(
            self.cfg.database_url,
            source=self.cfg.database_url_origin,
            auto_upgrade=self.cfg.monitor.database.auto_upgrade,
        )
        self.sessions = db.session_factory(self.engine)
        REDACTOR.set(secret_values(self.cfg))
        probe = DatabaseProbe(self.cfg.database_url)
        server = None
        if self.health_port:
            server = self._health_server(probe)
        loop = asyncio.get_running_loop()
        for sig, handler in (
            (signal.SIGTERM, self.request_stop),
            (signal.SIGINT, self.request_stop),
            (signal.SIGHUP, lambda: self.reload("SIGHUP")),
        ):
            loop.add_signal_handler(sig, handler)
        try:
            await self._open_workers()
            self.scheduler = self._scheduler(loop)
            self.scheduler.start()
            self.health.scheduler_running = True
            self.metrics.up.set(1)
            log.info(
                "worker %s started: %d feeds, %d channels, database %s",
                self.owner,
                len(self.cfg.feeds),
                len(self.cfg.monitor.channels),
                self.engine.url.render_as_string(hide_password=True),
            )
            await self._stop.wait()
            await self._shutdown()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            if server is not None:
                server.close()
            probe.close()
            self.engine.dispose()
            if lock is not None:
                lock.close()
        log.info("worker %s stopped", self.owner)
        return 0

    def request_stop(self) -> None:
        if not self.stopping:
            log.info(
                "stopping: no new claims; in-flight work gets %s",
                self.cfg.monitor.daemon.grace_period,
            )
        self.stopping = True
        self._stop.set()

    def _sync_feeds(self, cfg: AppConfig) -> None:
        """Config -> feeds table; workers starting together take turns (no duplicate rows)."""
        with transaction(self.sessions) as s:
            claims.sync_lock(s)
            sync_feeds(s, cfg.feeds, utcnow())

    async def _open_workers(self) -> None:
        self._sync_feeds(self.cfg)
        self.fetcher = await Fetcher(self.cfg.monitor.fetch).__aenter__()
        self._fetchers.append(self.fetcher)
        if self.cfg.monitor.fetch.fetch_articles:
            self.executor = extraction_pool(
                self.cfg.monitor.fetch.extraction_workers,
                Watchlists.of(self.cfg.watchlists) if self.cfg.watchlists else None,
            )
        self.poller = self._poller()
        self._files = config_files(self.cfg)

    def _poller(self) -> Poller:
        return Poller(
            self.cfg,
            self.sessions,
            processor=self.metrics.counting(make_processor(self.cfg)),
            executor=self.executor,
            on_feed_done=self.metrics.feed_done,
            owner=self.owner,
            on_alerts=self.wake_delivery,
        )

    async def _shutdown(self) -> None:
        """Stop claiming, let in-flight work finish within the grace period, give back leases."""
        self.scheduler.pause()
        if self._wake is not None:
            self._wake.cancel()
        self.health.scheduler_running = False
        self.metrics.up.set(0)
        pending = set(self.inflight.values()) | self.jobs
        grace = self.cfg.monitor.daemon.grace_period.total_seconds()
        if pending:
            log.info("waiting up to %.0fs for %d in-flight tasks", grace, len(pending))
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                log.warning("%d tasks did not finish within the grace period: cancelled", len(late))
                await asyncio.wait(late, timeout=5)
        self.scheduler.shutdown(wait=False)
        with transaction(self.sessions) as s:
            feeds, deliveries = claims.release_all(s, self.owner)
        if feeds or deliveries:
            log.info("released %d feed and %d delivery leases", feeds, deliveries)
        for fetcher in self._fetchers:
            await fetcher.__aexit__(None, None, None)
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)

    # ---- scheduling ------------------------------------------------------------------

    def _scheduler(self, loop: asyncio.AbstractEventLoop) -> AsyncIOScheduler:
        d = self.cfg.monitor.daemon
        tick = d.poll_tick.total_seconds()
        scheduler = AsyncIOScheduler(
            event_loop=loop,
            timezone=UTC,
            job_defaults={
                "coalesce": True,  # a late tick runs once, not once per missed interval
                "max_instances": 1,  # a slow tick never overlaps itself
                "misfire_grace_time": max(1, int(tick / 2)),  # late by half a tick: still run
            },
        )
        scheduler.add_listener(self._job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        now = utcnow()
        # (job, what it runs, every, first run after start): poll at once, then deliver
        jobs: list[tuple[str, Callable[[], Awaitable[None]], timedelta, timedelta]] = [
            ("poll", self.poll_tick, d.poll_tick, timedelta(0)),
            ("delivery", self.delivery_tick, d.delivery_tick, timedelta(seconds=1)),
            ("retention", self.retention, d.retention_every, timedelta(seconds=5)),
            ("reload-check", self.check_files, d.reload_check, d.reload_check),
        ]
        for name, run, every, first in jobs:
            scheduler.add_job(
                self._job(run, name),
                "interval",
                seconds=every.total_seconds(),
                id=name,
                next_run_time=now + first,
            )
        self._schedule_digests(scheduler)
        return scheduler

    def _schedule_digests(self, scheduler: AsyncIOScheduler) -> None:
        for job in scheduler.get_jobs():
            if job.id.startswith("digest:"):
                job.remove()
        for channel in self.cfg.monitor.channels:
            if channel.mode != "digest":
                continue
            try:
                trigger = CronTrigger.from_crontab(channel.schedule, timezone=channel.timezone)
            except (ValueError, LookupError) as exc:
                log.error(
                    "channel %s: schedule %r: %s; no digests", channel.name, channel.schedule, exc
                )
                continue
            scheduler.add_job(
                self._job(self.digest, f"digest:{channel.name}"),
                trigger,
                id=f"digest:{channel.name}",
                misfire_grace_time=3600,  # a digest an hour late beats none
            )

    def _job(self, fn: Any, name: str) -> Any:
        """Wrap a job so shutdown can wait for it (the asyncio executor would cancel it)."""

        async def job() -> None:
            task = asyncio.current_task()
            assert task is not None
            self.jobs.add(task)
            try:
                self.metrics.ticks.labels(name.split(":")[0]).inc()
                await fn()
            finally:
                self.jobs.discard(task)

        job.__name__ = name
        return job

    def _job_event(self, event: JobExecutionEvent) -> None:
        kind = "error" if event.code == EVENT_JOB_ERROR else "missed"
        self.metrics.job_errors.labels(event.job_id, kind).inc()
        if event.exception is not None:
            log.error(
                "job %s failed: %r",
                event.job_id,
                event.exception,
                exc_info=(type(event.exception), event.exception, event.traceback),
            )
        else:
            log.warning("job %s missed its run time %s", event.job_id, event.scheduled_run_time)

    # ---- jobs ------------------------------------------------------------------------

    async def poll_tick(self) -> None:
        """Renew leases on feeds still polling; claim the due ones and start polling them."""
        self.health.tick()
        self.metrics.last_poll_tick.set_to_current_time()
        if self.stopping or not self.database.ready():
            return
        try:
            self._database_back()
            self._poll_claims()
        except DB_ERRORS as exc:
            self.database.failed(exc, "poll tick")

    def _poll_claims(self) -> None:
        d = self.cfg.monitor.daemon
        now = utcnow()
        room = d.max_claims - len(self.inflight)
        candidates = [f.id for f in self.cfg.feeds if f.enabled and f.id not in self.inflight]
        with transaction(self.sessions) as s:
            if self.inflight:
                claims.renew_leases(s, self.owner, list(self.inflight), now + self.lease)
            taken = (
                claims.claim_due_feeds(s, candidates, self.owner, now, lease=self.lease, limit=room)
                if room > 0
                else []
            )
        by_id = {f.id: f for f in self.cfg.feeds}
        for feed_id in taken:
            task = asyncio.create_task(
                self.poller.poll_feed(self.fetcher, self.executor, by_id[feed_id])
            )
            self.inflight[feed_id] = task
            task.add_done_callback(self._done(feed_id))
        if taken:
            log.debug("claimed %d due feeds (%d in flight)", len(taken), len(self.inflight))

    def _done(self, feed_id: str) -> Any:
        def forget(task: asyncio.Task[Any]) -> None:
            self.inflight.pop(feed_id, None)
            exc = None if task.cancelled() else task.exception()
            if isinstance(exc, DB_ERRORS):  # its lease runs out; the feed is polled again
                self.database.failed(exc, f"polling feed {feed_id}")
            elif exc is not None:
                log.error("feed %s: poll failed: %r", feed_id, exc)
            elif not task.cancelled():
                report = task.result()
                if isinstance(report, FeedReport) and report.next_poll_at is not None:
                    self._due_at(report.next_poll_at.timestamp())

        return forget

    def _due_at(self, when: float) -> None:
        """Claim again when a feed is due (a POSIX time): a feed whose interval equals the
        tick is polled at every interval, not at every second tick."""
        if self.stopping:
            return
        loop = asyncio.get_running_loop()
        heapq.heappush(self._due, loop.time() + max(0.0, when - time.time()) + DUE_SLACK)
        if self._wake is None or self._wake.when() > self._due[0]:
            if self._wake is not None:
                self._wake.cancel()
            self._wake = loop.call_at(self._due[0], self._on_due)

    def _on_due(self) -> None:
        self._wake = None
        loop = asyncio.get_running_loop()
        while self._due and self._due[0] <= loop.time():
            heapq.heappop(self._due)
        if not self.stopping and self.database.ready():
            try:
                self._poll_claims()
            except DB_ERRORS as exc:
                self.database.failed(exc, "claiming a due feed")
        if self._due and not self.stopping:
            self._wake = loop.call_at(self._due[0], self._on_due)

    def _database_back(self) -> None:
        """The database answers again: give back delivery claims the outage left behind."""
        if self.database.down_since is None:
            return
        with transaction(self.sessions) as s:
            released = claims.release_deliveries(s, self.owner)
        lasted = self.database.back() or 0.0
        log.warning("database is back after %.1fs; %d delivery claims released", lasted, released)

    @property
    def lease(self) -> timedelta:
        """daemon.lease, but never shorter than two whole requests (fetch.total_timeout).

        Leases are renewed on every poll tick; this floor keeps a claim alive through one
        slow request even when a busy loop delays the ticks that renew it.
        """
        return max(self.cfg.monitor.daemon.lease, 2 * self.cfg.monitor.fetch.total_timeout)

    async def delivery_tick(self) -> None:
        """Enqueue due digest slots, send due deliveries, refresh the gauges."""
        if self.stopping or not self.database.ready():
            return
        try:
            self._database_back()
            async with self._delivery_lock:  # one drain at a time, woken or ticked
                report = await deliver.tick(self.cfg, self.sessions, owner=self.owner)
            self._after_drain(report)
            with transaction(self.sessions) as s:
                snap = snapshot(s, self.cfg, utcnow())
        except DB_ERRORS as exc:
            self.database.failed(exc, "delivery tick")
            return
        for status, n in snap.feed_counts().items():
            self.metrics.feeds.labels(status).set(n)
        for status in outbox.STATUSES:
            self.metrics.outbox.labels(status).set(snap.deliveries.get(status, 0))
        self.metrics.open_stories.set(snap.open_stories)

    def wake_delivery(self) -> None:
        """An alert was committed: drain the outbox now, not at the next delivery tick."""
        self._delivery_wanted = True
        if self.stopping or (self._delivery_task is not None and not self._delivery_task.done()):
            return  # the running drain looks again before it ends
        self._delivery_task = asyncio.create_task(self._drain_woken())
        self._track(self._delivery_task)

    async def _drain_woken(self) -> None:
        while self._delivery_wanted and not self.stopping and self.database.ready():
            self._delivery_wanted = False
            try:
                async with self._delivery_lock:
                    report = await deliver.tick(self.cfg, self.sessions, owner=self.owner)
                self._after_drain(report)
            except DB_ERRORS as exc:  # the delivery tick sends it once the database is back
                self.database.failed(exc, "delivery")
                return

    async def digest(self) -> None:
        """A digest channel's cron slot: enqueue it now (the unique slot key makes it once)."""
        if self.stopping:
            return
        try:
            report = await deliver.tick(self.cfg, self.sessions, owner=self.owner)
            self._after_drain(report)
        except DB_ERRORS as exc:  # the delivery tick enqueues the slot once the database is back
            self.database.failed(exc, "digest")

    def _after_drain(self, report: deliver.DrainReport) -> None:
        if report.outcomes:
            with transaction(self.sessions) as s:
                self.metrics.delivered(s, [(o.id, o.status) for o in report.outcomes], utcnow())

    async def retention(self) -> None:
        keep = self.cfg.monitor.retention.article_bodies

        def run() -> int:
            with transaction(self.sessions) as s:
                return drop_old_bodies(s, utcnow(), keep)

        await asyncio.to_thread(run)

    async def check_files(self) -> None:
        files = config_files(self.cfg)
        if files != self._files:
            changed = sorted(set(files.items()) ^ set(self._files.items()))
            self._files = files
            self.reload(f"{changed[0][0]} changed" if changed else "config changed")

    # ---- reload ----------------------------------------------------------------------

    def reload(self, reason: str) -> None:
        """Validate the config again; keep the old one if it is invalid, else switch to it."""
        if self.stopping:
            return
        try:
            new = load_config(self.config_path)
        except ConfigError as exc:
            self.metrics.reloads.labels("refused").inc()
            log.error(
                "config reload (%s) refused; the running config stays:\n%s",
                reason,
                "\n".join(f"  {p}" for p in exc.problems),
            )
            return
        old = self.cfg
        refusal = reload_refusal(old, new)
        if refusal is not None:
            self.metrics.reloads.labels("refused").inc()
            self._files = config_files(old)  # refused once, not on every check
            log.error("config reload (%s) refused: %s; the running config stays", reason, refusal)
            return
        if new.database_url != old.database_url:
            log.warning("database URL changes take effect on restart; still using the old one")
            new = new.model_copy(update={"database_url": old.database_url})
        self.cfg = new
        REDACTOR.set(secret_values(new))
        self._sync_feeds(new)
        if new.monitor.fetch != old.monitor.fetch:
            self._track(asyncio.create_task(self._swap_fetcher()))
        self.poller = self._poller()
        self._schedule_digests(self.scheduler)
        self._files = config_files(new)
        self.metrics.reloads.labels("applied").inc()
        log.info(
            "config reloaded (%s): %d feeds, %d channels, %d watchlists",
            reason,
            len(new.feeds),
            len(new.monitor.channels),
            len(new.watchlists),
        )
        if [w.model_dump() for w in new.watchlists] != [w.model_dump() for w in old.watchlists]:
            self._track(asyncio.create_task(self._rematch(new)))

    def _track(self, task: asyncio.Task[Any]) -> None:
        """Background work the shutdown waits for, like a running job."""
        self.jobs.add(task)
        task.add_done_callback(self.jobs.discard)

    async def _swap_fetcher(self) -> None:
        fetcher = await Fetcher(self.cfg.monitor.fetch).__aenter__()
        self._fetchers.append(fetcher)
        self.fetcher = fetcher  # in-flight polls finish on the old one; closed at shutdown

    async def _rematch(self, cfg: AppConfig) -> None:
        since = utcnow() - cfg.monitor.daemon.rematch_window
        log.info(
            "watchlists changed: matching articles since %s again",
            since.isoformat(timespec="seconds"),
        )
        try:
            await asyncio.to_thread(rematch, cfg, self.sessions, since, dry_run=False)
        except Exception:
            log.exception("rematch after the watchlist change failed")


def run_daemon(cfg: AppConfig, **kwargs: Any) -> int:
    """Run a worker on a fresh event loop until it is told to stop."""
    return asyncio.run(Daemon(cfg, **kwargs).run())
