"""Benchmark: SQL statements and transactions per alerting article, counted with SQLAlchemy events.

    .venv/bin/python bench/statements.py [--articles 20] [--url postgresql+psycopg://...]

Serves one feed on loopback whose N items each report a different defection (so each opens
its own story and raises a `new` alert), polls it once as the daemon does (the article
processor wrapped by the daemon's metrics), then drains the outbox to one immediate file
channel and counts the drain for the metrics. Every statement the engine sends (savepoints
included) and every transaction begun is counted per phase, then divided by the alerting
articles; an explicit `BEGIN` counts as its transaction, not as a statement. Feed-level work
(claim, record the poll) is spread over the N articles. Not a test: copy the figures to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import AppConfig, MonitorConfig, load_config  # noqa: E402
from monitor.daemon.metrics import Metrics  # noqa: E402
from monitor.delivery import deliver  # noqa: E402
from monitor.pipeline.ingest import make_processor  # noqa: E402
from monitor.pipeline.poll import Poller  # noqa: E402
from monitor.store import db  # noqa: E402
from monitor.store.db import transaction  # noqa: E402
from tests.feedgen import Item, rss  # noqa: E402
from tests.loopback import LoopbackServer  # noqa: E402

ROLES = ["diplomat", "soldier", "fisherman", "restaurant worker", "student", "hacker"]
VOCABULARY = [f"{a}{b}" for a in ("mar", "tel", "vos", "kin", "dup", "rax") for b in range(400)]


def items(n: int, base: str, now: datetime) -> list[Item]:
    """N reports of N different defections: no two share a place or their distinctive words."""
    rng = random.Random(11)
    out = []
    for i in range(n):
        role = ROLES[i % len(ROLES)]
        words = " ".join(rng.sample(VOCABULARY, 12))
        title = f"North Korean {role} defects, {words.split()[0]} {words.split()[1]} case {i}"
        summary = f"A North Korean {role} defected to South Korea, officials said. {words}."
        out.append(Item(title, f"{base}/a/{i}", now, summary=summary))
    return out


class Tally:
    """Statements and transactions the engine saw, by the phase set before the work."""

    def __init__(self) -> None:
        self.phase = "setup"
        self.statements: Counter[str] = Counter()
        self.transactions: Counter[str] = Counter()
        self.kinds: Counter[tuple[str, str]] = Counter()

    def statement(self, _conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        kind = sql.split(None, 1)[0].upper()
        if kind == "BEGIN":  # SQLite's explicit BEGIN IMMEDIATE: counted as a transaction
            return
        self.statements[self.phase] += 1
        self.kinds[(self.phase, kind)] += 1

    def begin(self, _conn: Any) -> None:
        self.transactions[self.phase] += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=20)
    ap.add_argument("--url", default=None, help="database URL (default: a temporary SQLite file)")
    args = ap.parse_args()
    articles = args.articles
    base = load_config(ROOT / "config" / "monitor.yaml", env={})
    now = datetime.now(UTC).replace(microsecond=0)
    with LoopbackServer() as server, tempfile.TemporaryDirectory() as tmp:
        feed_url = server.static("/feed.xml", rss(items(articles, server.url(""), now)))
        monitor = MonitorConfig.model_validate(
            {
                "feeds": [{"id": "bench", "url": feed_url, "outlet": "Bench News"}],
                "fetch": {"allow_private_networks": True, "fetch_articles": False},
                "channels": [
                    {"name": "out", "type": "file", "mode": "immediate", "path": f"{tmp}/out"}
                ],
            }
        )
        with database(args.url or f"sqlite:///{tmp}/bench.db") as url:
            tally, metrics, report, backend = run(url, monitor, base.watchlists, now)
    report_figures(articles, tally, metrics, report, backend)


@contextmanager
def database(url: str) -> Iterator[str]:
    """The URL itself for SQLite; on PostgreSQL a fresh schema, dropped afterwards."""
    if not url.startswith("postgresql"):
        yield url
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in url else "?"
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(
    url: str, monitor: MonitorConfig, watchlists: Any, now: datetime
) -> tuple[Tally, Metrics, deliver.DrainReport, str]:
    """Poll once, drain once, with the statements counted."""
    db.upgrade(url)
    engine = db.make_engine(url)
    tally = Tally()
    event.listen(engine, "before_cursor_execute", tally.statement)
    event.listen(engine, "begin", tally.begin)
    sessions = db.session_factory(engine)
    cfg = AppConfig(monitor=monitor, watchlists=watchlists, path="bench", database_url=url)
    metrics = Metrics()
    tally.phase = "poll"
    poller = Poller(
        cfg, sessions, processor=metrics.counting(make_processor(cfg)), clock=lambda: now
    )
    asyncio.run(poller.run())
    tally.phase = "deliver"
    report = asyncio.run(deliver.drain(cfg, sessions, now=now, owner="bench"))
    if report.outcomes:
        with transaction(sessions) as s:
            metrics.delivered(s, [(o.id, o.status) for o in report.outcomes], now)
    engine.dispose()
    return tally, metrics, report, engine.dialect.name


def report_figures(
    articles: int, tally: Tally, metrics: Metrics, report: deliver.DrainReport, backend: str
) -> None:
    alerts = int(sum(v for k, v in _samples(metrics, "monitor_alerts_total").items()))
    if alerts != articles or report.sent != alerts:
        sys.exit(f"expected {articles} alerts sent, got {alerts} raised, {report.sent} sent")
    print(f"{backend}: {articles} alerting articles, {report.sent} alerts delivered")
    for phase in ("poll", "deliver"):
        st, tx = tally.statements[phase], tally.transactions[phase]
        kinds = ", ".join(
            f"{kind} {n / alerts:.1f}" for (p, kind), n in sorted(tally.kinds.items()) if p == phase
        )
        print(f"  {phase}: {st / alerts:.1f} statements, {tx / alerts:.1f} transactions ({kinds})")
    total_st = tally.statements["poll"] + tally.statements["deliver"]
    total_tx = tally.transactions["poll"] + tally.transactions["deliver"]
    print(f"  per alerting article: {total_st / alerts:.1f} statements, {total_tx / alerts:.1f} tx")


def _samples(metrics: Metrics, name: str) -> dict[str, float]:
    return {
        str(s.labels): s.value
        for family in metrics.registry.collect()
        for s in family.samples
        if s.name == name
    }


if __name__ == "__main__":
    main()
