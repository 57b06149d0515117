"""`monitor rematch` and `monitor status` as a user runs them, over a database a poll filled."""

from __future__ import annotations

import asyncio
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.config import load_config
from monitor.pipeline.ingest import make_processor
from monitor.pipeline.poll import Poller
from monitor.store import db
from monitor.store.db import transaction
from monitor.store.models import AlertRow, ArticleRow, DeliveryRow, HitRow
from tests.conftest import ROOT
from tests.loopback import LoopbackServer, Response
from tests.test_daemon import DEFECTION, FARMING, LECTURE, Feedsite
from tests.test_daemon_support import WATCHLIST, write_config


def monitor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def setup(server: LoopbackServer, tmp_path: Path, **extra: object) -> tuple[Path, str]:
    site = Feedsite(server)
    site.publish("lecture", "Farm researcher Pak Chol Min lectures on rice yields", LECTURE)
    site.publish("defects", "North Korean soldier defects across the border", DEFECTION)
    site.publish("council", "City council approves new bicycle lanes", FARMING)
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    db.upgrade(url)
    feeds = [{"id": "site", "url": site.feed_url}, *extra.get("feeds", [])]  # type: ignore[misc]
    file_channel = {"name": "out", "type": "file", "mode": "immediate", "path": str(tmp_path)}
    config = write_config(
        tmp_path / "config", database_url=url, feeds=feeds, channels=[file_channel]
    )
    cfg = load_config(config)
    poller = Poller(cfg, db.session_factory(db.make_engine(url)), processor=make_processor(cfg))
    asyncio.run(poller.run())
    return config, url


def hits_by_title(url: str) -> dict[str, str]:
    sessions = db.session_factory(db.make_engine(url))
    with transaction(sessions) as s:
        return dict(
            s.execute(
                select(ArticleRow.title, HitRow.watchlist).join(
                    HitRow, HitRow.article_id == ArticleRow.id
                )
            ).all()
        )


@pytest.mark.slow
def test_rematch_finds_a_newly_added_name_in_an_article_stored_before(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    config, url = setup(http_server, tmp_path)
    assert hits_by_title(url) == {"North Korean soldier defects across the border": "defections"}

    watchlist = copy.deepcopy(WATCHLIST)
    watchlist["people"] = [{"name": "Pak Chol Min", "role": "target", "korean": False}]
    (config.parent / "watchlists" / "test.yaml").write_text(json.dumps(watchlist))

    # --dry-run prints the diff and writes nothing
    dry = monitor("rematch", "--since", "7d", "--dry-run", "--json", "--config", str(config))
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert report["dry_run"] is True and report["lost"] == []
    assert [(g["watchlist"], g["title"], g["people"]) for g in report["gained"]] == [
        ("defections", "Farm researcher Pak Chol Min lectures on rice yields", ["Pak Chol Min"])
    ]
    assert len(hits_by_title(url)) == 1
    table = monitor("rematch", "--since", "7d", "--dry-run", "--config", str(config))
    assert "+ gained" in table.stdout and "Pak Chol Min" in table.stdout
    assert "nothing was changed" in table.stdout

    # for real: the hit is stored, placed in a story, and raises an alert for delivery
    done = monitor("rematch", "--since", "7d", "--json", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["alerts"]) == 1
    assert hits_by_title(url)["Farm researcher Pak Chol Min lectures on rice yields"]
    sessions = db.session_factory(db.make_engine(url))
    with transaction(sessions) as s:
        lecture = s.scalar(select(ArticleRow.id).where(ArticleRow.title.startswith("Farm")))
        alert = s.scalar(select(AlertRow).where(AlertRow.article_id == lecture))
        assert alert is not None and alert.kind == "new"
        assert s.scalar(select(DeliveryRow.status).where(DeliveryRow.alert_id == alert.id))

    # running it again changes nothing
    again = json.loads(monitor("rematch", "--json", "--config", str(config)).stdout)
    assert (again["gained"], again["lost"], again["alerts"]) == ([], [], [])

    # a keyword taken out of the watchlist takes the soldier's hit away
    watchlist["keywords"] = ["asylum"]
    (config.parent / "watchlists" / "test.yaml").write_text(json.dumps(watchlist))
    lost = json.loads(monitor("rematch", "--json", "--config", str(config)).stdout)
    assert [g["title"] for g in lost["lost"]] == ["North Korean soldier defects across the border"]
    assert "North Korean soldier defects across the border" not in hits_by_title(url)


@pytest.mark.slow
def test_status_shows_feeds_deliveries_and_stories(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    http_server.route("/broken.xml", Response(500, b"oops"))
    quiet = http_server.static("/quiet.xml", b"<rss version='2.0'><channel></channel></rss>")
    config, _ = setup(
        http_server,
        tmp_path,
        feeds=[
            {"id": "broken", "url": http_server.url("/broken.xml")},
            {"id": "quiet", "url": quiet, "expected_cadence": "1ms"},
            {"id": "off", "url": quiet, "enabled": False},
        ],
    )
    out = monitor("status", "--json", "--config", str(config))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    by_id = {f["id"]: f for f in data["feeds"]}
    assert {k: f["status"] for k, f in by_id.items()} == {
        "site": "ok",
        "broken": "failing",
        "quiet": "silent",
        "off": "disabled",
    }
    assert "500" in by_id["broken"]["last_error"]
    assert data["feeds_by_status"]["failing"] == 1
    assert data["open_stories"] == 1
    assert data["deliveries_by_status"] == {"pending": 1}  # the alert waits in the outbox
    assert data["last_poll"]
    text = monitor("status", "--config", str(config)).stdout
    assert "failing" in text and "open stories: 1" in text
