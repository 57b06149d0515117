"""Prometheus metrics of one daemon process (its own registry, served at /metrics).

Counters and histograms are observed where the work happens (poll, processing, delivery);
gauges (feeds by status, outbox by status, open stories) are refreshed from the database,
so every worker of a PostgreSQL deployment reports the same totals for those.
"""

from __future__ import annotations

import importlib.metadata
import logging
import platform
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from sqlalchemy.orm import Session

from monitor.domain import Article
from monitor.pipeline.ingest import ArticleProcessor, Ingested
from monitor.pipeline.poll import FeedReport
from monitor.pipeline.prepare import Analysis
from monitor.store.db import once_committed
from monitor.store.outbox import alert_send_times

log = logging.getLogger(__name__)

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0

# `_created` series double every counter and histogram for a timestamp Prometheus does not use.
disable_created_metrics()  # type: ignore[no-untyped-call]


def build_labels() -> dict[str, str]:
    """Version of the package and of the Python running it (`monitor_build_info`)."""
    try:
        version = importlib.metadata.version("news-monitor")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {"version": version, "python": platform.python_version()}


class Metrics:
    """Every metric the daemon exports; one instance per process."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        # a private registry starts empty: the process (CPU, memory, open files, start time),
        # Python platform and GC collectors the default one has, registered here as well
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        self.build = Info("monitor_build", "The running news-monitor build.", registry=r)
        self.build.info(build_labels())
        self.polls = Counter("monitor_polls", "Feed polls by outcome.", ["outcome"], registry=r)
        self.poll_seconds = Histogram(
            "monitor_poll_duration_seconds",
            "Time to poll one feed, its new pages included.",
            buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
            registry=r,
        )
        self.articles = Counter("monitor_articles", "New articles stored.", registry=r)
        self.hits = Counter("monitor_hits", "Watchlist hits.", ["watchlist"], registry=r)
        self.stories = Counter("monitor_stories", "Stories opened.", registry=r)
        self.alerts = Counter("monitor_alerts", "Alerts raised.", ["kind"], registry=r)
        self.deliveries = Counter(
            "monitor_deliveries", "Delivery attempts by result.", ["status"], registry=r
        )
        self.ticks = Counter("monitor_ticks", "Scheduler job runs.", ["job"], registry=r)
        self.job_errors = Counter(
            "monitor_job_errors",
            "Scheduler jobs that failed or were missed.",
            ["job", "event"],
            registry=r,
        )
        self.reloads = Counter("monitor_reloads", "Config reloads.", ["result"], registry=r)
        self.publication_to_fetch = Histogram(
            "monitor_publication_to_fetch_seconds",
            "From an article's publication time to its first fetch.",
            buckets=(
                MINUTE,
                5 * MINUTE,
                15 * MINUTE,
                30 * MINUTE,
                HOUR,
                2 * HOUR,
                6 * HOUR,
                DAY,
                7 * DAY,
            ),
            registry=r,
        )
        self.fetch_to_hit = Histogram(
            "monitor_fetch_to_hit_seconds",
            "From an article's discovery (fetched, extracted) to its hit being stored.",
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 30, MINUTE, 5 * MINUTE),
            registry=r,
        )
        self.hit_to_delivered = Histogram(
            "monitor_hit_to_delivered_seconds",
            "From an alert being raised to its channel accepting it.",
            buckets=(1, 5, 15, MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 6 * HOUR, DAY),
            registry=r,
        )
        self.feeds = Gauge("monitor_feeds", "Configured feeds by status.", ["status"], registry=r)
        self.outbox = Gauge("monitor_outbox", "Deliveries by status.", ["status"], registry=r)
        self.open_stories = Gauge("monitor_open_stories", "Stories within the window.", registry=r)
        self.last_poll_tick = Gauge(
            "monitor_last_poll_tick_timestamp_seconds", "When the last poll tick ran.", registry=r
        )
        self.up = Gauge("monitor_scheduler_running", "1 while the scheduler runs.", registry=r)

    def feed_done(self, report: FeedReport) -> None:
        self.polls.labels(report.outcome).inc()
        self.poll_seconds.observe(report.seconds)
        # stored, whatever became of their processing (an article whose matching failed is
        # stored alone): the poller counts them, once each
        self.articles.inc(report.new_articles)

    def counting(self, processor: ArticleProcessor | None) -> ArticleProcessor:
        """Wrap the article processor so the hits, stories and alerts it commits are counted."""

        def process(
            session: Session,
            article: Article,
            now: datetime,
            *,
            fresh: bool = False,
            analysis: Analysis | None = None,
        ) -> Ingested:
            assert article.id is not None
            if processor is None:
                done = Ingested(article.id, now)
            else:
                done = processor(session, article, now, fresh=fresh, analysis=analysis)
            # counted once stored: a batch undone and stored again one by one counts once
            once_committed(session, lambda: self.count(done, article))
            return done

        return process

    def count(self, done: Ingested, article: Article) -> None:
        """Count what processing one article did, from its own report (no query)."""
        if article.published_at is not None and article.discovered_at is not None:
            lag = (article.discovered_at - article.published_at).total_seconds()
            if lag >= 0:
                self.publication_to_fetch.observe(lag)
        for hit in done.hits:
            self.hits.labels(hit.watchlist).inc()
            if article.discovered_at is not None:
                self.fetch_to_hit.observe(
                    max(0.0, (done.at - article.discovered_at).total_seconds())
                )
        for alert in done.alerts:
            self.alerts.labels(alert.kind).inc()
        self.stories.inc(done.stories_opened)

    def delivered(self, session: Session, statuses: list[tuple[int, str]], now: datetime) -> None:
        """Count a drain's outcomes; time sent alerts from the alert's creation."""
        sent: list[int] = []
        for delivery_id, status in statuses:
            self.deliveries.labels(status).inc()
            if status == "sent":
                sent.append(delivery_id)
        if not sent:
            return
        for created, sent_at in alert_send_times(session, sent):
            if created is not None:
                self.hit_to_delivered.observe(
                    max(0.0, ((sent_at or now) - created).total_seconds())
                )
