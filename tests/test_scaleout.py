"""Three `monitor run` workers on one PostgreSQL database and a loopback site with 300 feeds.

Every feed is fetched once per interval (never by two workers at once), every alert is
e-mailed once, and the feeds a SIGKILLed worker had claimed are polled by the others once
its leases run out.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.store import db
from monitor.store.db import transaction
from monitor.store.models import AlertRow, DeliveryRow, Feed
from tests.conftest import _postgres_schema_url
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer, Request, Response
from tests.smtp import SMTPServer, free_port
from tests.test_daemon_support import DaemonProcess, wait_for, write_config

FEEDS = 300
INTERVAL = 4.0  # seconds
LEASE = 5.0
EVENTS = [
    ("soldier", "A North Korean soldier defected across the border in the east on Monday."),
    ("diplomat", "A North Korean diplomat in Rome defected with his family, officials said."),
    ("fishermen", "Two North Korean fishermen defected by boat across the sea border at dawn."),
    ("worker", "A North Korean restaurant worker in Vietnam defected to the South this week."),
    ("student", "A North Korean student in Moscow defected and reached Seoul via Bangkok."),
]


class Site:
    """300 feeds on one loopback server; each request is timed per feed."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        # 300 feeds, three workers: more connections at once than the default backlog of 5
        server._httpd.socket.listen(512)
        self.times: dict[int, list[float]] = {i: [] for i in range(FEEDS)}
        self.lock = threading.Lock()
        now = datetime.now(UTC)
        self.bodies: dict[int, bytes] = {}
        for i in range(FEEDS):
            if i % 60 == 0:  # five feeds carry a defection report each
                slug, text = EVENTS[i // 60]
                item = Item(f"{slug.title()} defects", f"https://news{i}.example/{slug}", now,
                            summary=text)  # fmt: skip
            else:
                item = Item(f"Weather {i}", f"https://news{i}.example/w", now,
                            summary=f"Sunny skies over town {i} this afternoon.")  # fmt: skip
            self.bodies[i] = rss([item], title=f"feed {i}")
            server.route(f"/f/{i}.xml", self._handler(i))

    def _handler(self, i: int):  # type: ignore[no-untyped-def]
        def handle(_req: Request) -> Response:
            with self.lock:
                self.times[i].append(time.time())
            # a slow answer keeps claims in flight, so a killed worker leaves some behind
            return Response(body=self.bodies[i], headers={"Content-Type": "application/rss+xml"},
                            delay=0.1)  # fmt: skip

        return handle

    def snapshot(self) -> dict[int, list[float]]:
        with self.lock:
            return {i: list(t) for i, t in self.times.items()}


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _postgres_schema_url()


def polls(worker: DaemonProcess) -> float:
    status, body = worker.get("/metrics")
    assert status == 200
    for family in text_string_to_metric_families(body.decode()):
        if family.name == "monitor_polls":
            return sum(s.value for s in family.samples if s.name == "monitor_polls_total")
    return 0.0


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_three_workers_share_300_feeds_and_take_over_a_killed_workers_claims(
    http_server: LoopbackServer, postgres_url: str, tmp_path: Path
) -> None:
    site = Site(http_server)
    db.upgrade(postgres_url)
    sessions: sessionmaker[Session] = db.session_factory(db.make_engine(postgres_url))
    with SMTPServer() as smtp:
        config = write_config(
            tmp_path / "config",
            database_url=postgres_url,
            feeds=[
                {"id": f"f{i:03d}", "url": http_server.url(f"/f/{i}.xml"), "interval": INTERVAL}
                for i in range(FEEDS)
            ],
            channels=[smtp.channel("alerts")],
            fetch={
                "fetch_articles": False,
                "per_host": 20,
                "max_connections": 20,
                "total_timeout": LEASE / 2,
            },
            daemon={"lease": LEASE, "grace_period": "5s", "reload_check": "1h"},
        )
        workers = [
            DaemonProcess(config, tmp_path / f"w{n}.log", health_port=free_port()) for n in range(3)
        ]
        try:
            # two intervals after the first: every feed fetched three times or more
            def polled_three_times() -> bool:
                return all(len(t) >= 3 for t in site.snapshot().values())

            wait_for("three polls of every feed", polled_three_times, timeout=120)
            times = site.snapshot()
            # once per interval: consecutive fetches of a feed are an interval apart or more,
            # so no feed was ever fetched by two workers for one due time
            gaps = [b - a for t in times.values() for a, b in itertools.pairwise(t)]
            close = {
                i: t
                for i, t in times.items()
                if any(b - a < INTERVAL * 0.95 for a, b in itertools.pairwise(t))
            }
            assert min(gaps) >= INTERVAL * 0.95, (sorted(gaps)[:5], list(close.items())[:3])
            assert all(polls(w) > 0 for w in workers)  # all three took a share

            # every alert e-mailed exactly once
            with transaction(sessions) as s:
                alerts = s.scalars(select(AlertRow.id)).all()
            assert len(alerts) >= 1

            def all_sent() -> bool:
                with transaction(sessions) as s:
                    sent = s.scalars(
                        select(DeliveryRow.alert_id).where(DeliveryRow.status == "sent")
                    ).all()
                return sorted(sent) == sorted(alerts)

            wait_for("every alert sent", all_sent)
            with smtp.lock:
                ids = Counter(str(m.message["Message-ID"]) for m in smtp.received)
            assert len(ids) == len(alerts) and set(ids.values()) == {1}

            # SIGKILL a worker while it holds claims: the others poll those feeds after the lease
            victim = workers[2]

            def victim_leases() -> dict[str, datetime]:
                with transaction(sessions) as s:
                    rows = s.execute(
                        select(Feed.id, Feed.lease_until).where(
                            Feed.lease_owner.like(f"%:{victim.pid}:%"),
                            Feed.lease_until > datetime.now(UTC),
                        )
                    ).all()
                return {feed_id: until for feed_id, until in rows}

            leased = wait_for("claims held by the victim", victim_leases, timeout=60)
            victim.kill()
            killed_at = time.time()
            orphans = {int(f[1:]): until for f, until in leased.items()}

            def repolled() -> bool:
                now = site.snapshot()
                return all(any(t > killed_at for t in now[i]) for i in orphans)

            wait_for("the orphaned feeds polled again", repolled, timeout=60)
            after = site.snapshot()
            for i, until in orphans.items():
                first = min(t for t in after[i] if t > killed_at)
                assert first >= until.timestamp() - 0.2  # not before the lease ran out

            def victim_holds_nothing() -> bool:
                with transaction(sessions) as s:
                    owners = s.scalars(select(Feed.lease_owner)).all()
                return not any(o and f":{victim.pid}:" in o for o in owners)

            wait_for("no claim left to the victim", victim_holds_nothing, timeout=30)
        finally:
            codes = [w.stop() for w in workers[:2]]
            workers[2].kill()
    assert codes == [0, 0], [w.output()[-3000:] for w in workers[:2]]
    with transaction(sessions) as s:
        assert s.scalars(select(Feed.lease_owner).where(Feed.lease_owner.is_not(None))).all() == []
