"""`monitor run` end to end: a real subprocess, loopback feeds, a loopback SMTP server."""

from __future__ import annotations

import copy
import signal
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.store import db
from monitor.store.db import transaction
from monitor.store.models import AlertRow, ArticleRow, DeliveryRow, Feed, HitRow
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer, Request, Response
from tests.smtp import SMTPServer, free_port
from tests.test_daemon_support import WATCHLIST, DaemonProcess, wait_for, write_config

PASSWORD = "s3cret-smtp-pass-Zq9"


def page(title: str, *paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    head = f"<head><title>{title}</title></head>"
    return f"<html>{head}<body><article><h1>{title}</h1>{body}</article></body></html>"


DEFECTION = page(
    "North Korean soldier defects across the border",
    "A North Korean soldier defected to the South on Tuesday by walking across the heavily "
    "armed border in the central region, the Joint Chiefs of Staff said.",
    "The soldier, in his twenties, was taken into custody and authorities are investigating "
    "the circumstances of his defection, officials in Seoul told reporters.",
)
LECTURE = page(
    "Farm researcher Pak Chol Min lectures on rice yields",
    "Pak Chol Min, an agricultural researcher, gave a lecture on rice yields and irrigation "
    "at a university in Daejeon on Monday, drawing an audience of about two hundred students.",
    "He said new seed varieties could raise harvests in mountainous provinces by a fifth.",
)
FARMING = page(
    "City council approves new bicycle lanes",
    "The city council approved twelve kilometres of new bicycle lanes on Monday after a long "
    "debate about parking spaces along the river.",
)


class Feedsite:
    """A loopback news site whose feed can grow while the daemon runs."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.items: list[Item] = []
        self.lock = threading.Lock()
        server.route("/feed.xml", self._feed)

    def _feed(self, _req: Request) -> Response:
        with self.lock:
            body = rss(list(self.items))
        return Response(body=body, headers={"Content-Type": "application/rss+xml"})

    def publish(self, slug: str, title: str, html: str) -> None:
        url = self.server.static(f"/news/{slug}.html", html, "text/html; charset=utf-8")
        with self.lock:
            self.items.append(Item(title, url, datetime.now(UTC), guid=url))  # fresh news

    @property
    def feed_url(self) -> str:
        return self.server.url("/feed.xml")


def sessions_for(url: str) -> sessionmaker[Session]:
    return db.session_factory(db.make_engine(url))


def article_id(sessions: sessionmaker[Session], slug: str) -> int | None:
    with transaction(sessions) as s:
        return s.scalar(select(ArticleRow.id).where(ArticleRow.url.endswith(f"/{slug}.html")))


def alert_sent_for(sessions: sessionmaker[Session], art: int, channel: str) -> bool:
    with transaction(sessions) as s:
        return (
            s.scalar(
                select(DeliveryRow.id)
                .join(AlertRow, AlertRow.id == DeliveryRow.alert_id)
                .where(
                    AlertRow.article_id == art,
                    DeliveryRow.channel == channel,
                    DeliveryRow.status == "sent",
                )
            )
            is not None
        )


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_daemon_alerts_digests_reloads_and_stops_cleanly(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    site = Feedsite(http_server)
    site.publish("lecture", "Farm researcher Pak Chol Min lectures on rice yields", LECTURE)
    site.publish("council", "City council approves new bicycle lanes", FARMING)
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    db.upgrade(url)
    sessions = sessions_for(url)
    with SMTPServer(credentials=("monitor", PASSWORD)) as smtp:
        mail = smtp.channel("alerts", password="${SMTP_PASSWORD}")
        digest = smtp.channel(
            "daily", mode="digest", schedule="* * * * *", to=["digest@example.org"],
            password="${SMTP_PASSWORD}",
        )  # fmt: skip
        config = write_config(
            tmp_path / "config",
            database_url=url,
            feeds=[{"id": "site", "url": site.feed_url, "outlet": "Site News"}],
            channels=[mail, digest],
            daemon={"reload_check": "1h"},  # only SIGHUP reloads in this test
        )
        port = free_port()
        daemon = DaemonProcess(
            config, tmp_path / "daemon.log", health_port=port, env={"SMTP_PASSWORD": PASSWORD}
        )
        try:
            # the first pass stores both articles; neither is a hit yet
            lecture = wait_for("the lecture stored", lambda: article_id(sessions, "lecture"))
            assert wait_for("/healthz 200", lambda: daemon.get("/healthz")[0] == 200)

            # a defection story appears in the feed while the daemon runs: an immediate alert
            site.publish("defects", "North Korean soldier defects across the border", DEFECTION)
            defects = wait_for("the defection stored", lambda: article_id(sessions, "defects"))
            wait_for("the alert e-mailed", lambda: alert_sent_for(sessions, defects, "alerts"))
            [alert_mail] = [m for m in smtp.received if "analyst@example.org" in m.rcpt_tos]
            assert "defects across the border" in str(alert_mail.message["Subject"])

            # SIGHUP with a watchlist that adds a name: the stored lecture now alerts
            watchlist = copy.deepcopy(WATCHLIST)
            watchlist["people"] = [{"name": "Pak Chol Min", "role": "target", "korean": False}]
            write_config(
                tmp_path / "config", database_url=url,
                feeds=[{"id": "site", "url": site.feed_url, "outlet": "Site News"}],
                channels=[mail, digest], watchlist=watchlist, daemon={"reload_check": "1h"},
            )  # fmt: skip
            daemon.signal(signal.SIGHUP)
            wait_for(
                "the rematch alert e-mailed", lambda: alert_sent_for(sessions, lecture, "alerts")
            )

            # the digest of the next minute's slot carries the defection story
            def digest_mail() -> bool:
                with smtp.lock:
                    return any(
                        "digest@example.org" in m.rcpt_tos
                        and "defects across the border" in m.message.as_string()
                        for m in smtp.received
                    )

            wait_for("the digest", digest_mail, timeout=100)
            status, metrics = daemon.get("/metrics")
            assert status == 200
            families = {f.name for f in text_string_to_metric_families(metrics.decode())}
            assert {"monitor_polls", "monitor_alerts", "monitor_deliveries"} <= families
        finally:
            code = daemon.stop()
        log = daemon.output()
    assert code == 0, log
    assert PASSWORD not in log
    assert "config reloaded (SIGHUP)" in log
    # consistent: no lease left behind, every alert sent once to the immediate channel
    with transaction(sessions) as s:
        assert s.scalars(select(Feed.lease_owner)).all() == [None]
        assert s.scalars(select(DeliveryRow.lease_owner)).all() == [None] * len(
            s.scalars(select(DeliveryRow.id)).all()
        )
        alerts = s.scalars(select(AlertRow)).all()
        sent = s.scalars(
            select(DeliveryRow.alert_id).where(
                DeliveryRow.channel == "alerts", DeliveryRow.status == "sent"
            )
        ).all()
        assert sorted(sent) == sorted(a.id for a in alerts)
        assert {h.watchlist for h in s.scalars(select(HitRow))} == {"defections"}
    with sqlite3.connect(tmp_path / "monitor.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_an_invalid_config_on_reload_is_refused_and_the_daemon_keeps_running(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    site = Feedsite(http_server)
    site.publish("council", "City council approves new bicycle lanes", FARMING)
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    db.upgrade(url)
    feeds = [{"id": "site", "url": site.feed_url}]
    config = write_config(tmp_path / "config", database_url=url, feeds=feeds)
    daemon = DaemonProcess(config, tmp_path / "daemon.log", health_port=free_port())
    try:
        wait_for("a first poll", lambda: http_server.hits("/feed.xml"))
        # a typo in a key, written while it runs: the file watcher notices, validation refuses
        text = config.read_text(encoding="utf-8").replace("feeds:", "feedz:")
        config.write_text(text, encoding="utf-8")
        wait_for(
            "the refusal logged",
            lambda: "reload" in daemon.output() and "refused" in daemon.output(),
        )
        assert "unknown key 'feedz' (did you mean 'feeds'?)" in daemon.output()
        # still polling on the old config, and healthy
        seen = len(http_server.hits("/feed.xml"))
        wait_for("more polls", lambda: len(http_server.hits("/feed.xml")) >= seen + 2)
        assert daemon.get("/healthz")[0] == 200
        assert daemon.proc.poll() is None
    finally:
        code = daemon.stop()
    assert code == 0, daemon.output()


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_second_daemon_on_the_same_sqlite_file_refuses_to_start(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    db.upgrade(url)
    config = write_config(tmp_path / "config", database_url=url, feeds=[])
    first = DaemonProcess(config, tmp_path / "first.log", health_port=free_port())
    try:
        wait_for("the first daemon healthy", lambda: first.get("/healthz")[0] == 200)
        second = DaemonProcess(config, tmp_path / "second.log")
        code = second.proc.wait(timeout=60)
        second.kill()
        assert code == 1
        assert "already using" in second.output() and "monitor.db" in second.output()
    finally:
        assert first.stop() == 0


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_run_refuses_an_unmigrated_database_naming_the_fix(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    config = write_config(tmp_path / "config", database_url=url, feeds=[])
    daemon = DaemonProcess(config, tmp_path / "daemon.log")
    code = daemon.proc.wait(timeout=60)
    daemon.kill()
    assert code == 1
    assert "monitor db upgrade" in daemon.output()
