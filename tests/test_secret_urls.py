"""Credentials in URLs (API keys in a feed's query string, userinfo) never reach what is shown.

The class of cases: any URL the service displays, logs or stores as an error text (a feed URL,
a database URL, a URL inside an httpx error message) carries its credentials masked, and
everything that tells a reader *which* URL it is stays.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, MonitorConfig
from monitor.daemon.health import snapshot
from monitor.logs import REDACTOR, TextFormatter
from monitor.pipeline.poll import Poller
from monitor.store import db
from monitor.store.db import transaction
from monitor.store.feeds import feed_to_json, get_feeds
from monitor.urls import mask_url, mask_urls_in
from tests.conftest import ROOT
from tests.loopback import LoopbackServer, Response

SECRET = "s3cr3tK3yValue"

MASK_CASES = [
    # query parameters named as credentials: value masked, name and the rest kept
    ("https://ex.org/rss?api_key=abc&lang=en", "https://ex.org/rss?api_key=***&lang=en"),
    ("https://ex.org/rss?apikey=abc", "https://ex.org/rss?apikey=***"),
    (
        "https://ex.org/rss?token=abc&access_token=def",
        "https://ex.org/rss?token=***&access_token=***",
    ),
    (
        "https://ex.org/rss?X-Amz-Signature=ff&sig=1",
        "https://ex.org/rss?X-Amz-Signature=***&sig=***",
    ),
    (
        "https://ex.org/rss?password=p&pwd=q&secret=r",
        "https://ex.org/rss?password=***&pwd=***&secret=***",
    ),
    ("https://ex.org/rss?auth=x&session_id=y", "https://ex.org/rss?auth=***&session_id=***"),
    # a value that looks like a token is masked whatever its parameter is called
    ("https://ex.org/rss?u=a1b2c3d4e5f6a7b8c9d0e1f2a3", "https://ex.org/rss?u=***"),
    # ordinary parameters stay readable
    ("https://ex.org/rss?id=42&author=kim&page=2", "https://ex.org/rss?id=42&author=kim&page=2"),
    ("https://ex.org/rss?q=north+korea+defector", "https://ex.org/rss?q=north+korea+defector"),
    ("https://ex.org/a?token=", "https://ex.org/a?token="),
    # userinfo: the whole of it on http(s), the password elsewhere
    ("https://user:pw@ex.org/rss", "https://***@ex.org/rss"),
    ("https://TOKEN@ex.org/rss", "https://***@ex.org/rss"),
    ("postgresql+psycopg://app:pw@db:5432/news", "postgresql+psycopg://app:***@db:5432/news"),
    ("postgresql://app@db/news", "postgresql://app@db/news"),
    # fragments carry tokens too (OAuth implicit flow)
    ("https://ex.org/cb#access_token=abc&state=1", "https://ex.org/cb#access_token=***&state=1"),
    # unparsable ports or brackets still lose their secrets
    ("https://u:p@ex.org:99999999/a?key=1", "https://***@ex.org:99999999/a?key=***"),
    ("https://u:p@[::1/a?key=1", "https://***@[::1/a?***"),
    # nothing to mask
    ("https://ex.org/rss.xml", "https://ex.org/rss.xml"),
    ("sqlite:///data/monitor.db", "sqlite:///data/monitor.db"),
]


@pytest.mark.parametrize(("url", "shown"), MASK_CASES)
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown
    assert mask_url(shown) == shown  # masking is idempotent


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "GET https://ex.org/rss?key=abc: connection refused",
            "GET https://ex.org/rss?key=***: connection refused",
        ),
        (
            "'https://u:p@ex.org/' and http://ex.org/?token=t",
            "'https://***@ex.org/' and http://ex.org/?token=***",
        ),
        ("no url here: key=abc", "no url here: key=abc"),
    ],
)
def test_mask_urls_in_text(text: str, shown: str) -> None:
    assert mask_urls_in(text) == shown


def test_a_feed_key_never_reaches_status_error_column_or_logs(
    http_server: LoopbackServer, sqlite_url: str
) -> None:
    db.upgrade(sqlite_url)
    sessions: sessionmaker[Session] = db.session_factory(db.make_engine(sqlite_url))
    http_server.route(f"/rss?api_key={SECRET}", Response(500, b"oops"))
    http_server.route(f"/moved?api_key={SECRET}", Response(301, headers={"Location": "/nowhere"}))
    feeds = [
        {"id": "keyed", "url": http_server.url(f"/rss?api_key={SECRET}")},
        {"id": "refused", "url": f"http://user:{SECRET}@127.0.0.1:9/rss"},
        {"id": "moved", "url": http_server.url(f"/moved?api_key={SECRET}")},
    ]
    monitor = MonitorConfig.model_validate(
        {
            "feeds": feeds,
            "fetch": {"allow_private_networks": True, "retries": 0, "total_timeout": 5},
        }
    )
    cfg = AppConfig(monitor=monitor, watchlists=[], path="t.yaml", database_url=sqlite_url)
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.DEBUG)
    logging.getLogger("monitor").addHandler(handler)
    try:
        report = asyncio.run(Poller(cfg, sessions).run())
    finally:
        logging.getLogger("monitor").removeHandler(handler)
    assert report.count("ok") == 0
    summary = str(report.to_json())  # what `monitor poll` prints
    with transaction(sessions) as s:
        rows = get_feeds(s, ["keyed", "refused", "moved"])
        errors = [r.last_error or "" for r in rows]
        listing = [str(feed_to_json(r)) for r in rows]
        status = snapshot(s, cfg, datetime.now(UTC)).to_json()
    assert all(errors), errors  # each failure is recorded ...
    formatter = TextFormatter(REDACTOR)
    logged = [formatter.format(r) for r in records]
    for text in [*errors, *listing, str(status), *logged, summary]:
        assert SECRET not in text  # ... and none shows the key
    assert any("api_key=***" in t for t in [*listing, str(status)])


def test_a_one_shot_command_logs_warnings_redacted_on_stderr(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    """`monitor poll` from cron: its warnings go through the redacting formatter (they used
    to reach stderr through Python's bare fallback, feed key and all)."""
    url = http_server.url(f"/rss?api_key={SECRET}")
    http_server.route(f"/rss?api_key={SECRET}", Response(404, b"gone"))
    (tmp_path / "watchlists").symlink_to(ROOT / "config" / "watchlists")
    cfg = {
        "database": {"url": f"sqlite:///{tmp_path / 'm.db'}", "auto_upgrade": True},
        "fetch": {"allow_private_networks": True, "retries": 0},
        "feeds": [{"id": "keyed", "url": url}],
    }
    (tmp_path / "monitor.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MONITOR_DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "poll", "-c", "monitor.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert proc.returncode == 1  # its only feed failed
    assert SECRET not in proc.stderr + proc.stdout
    warnings = [line for line in proc.stderr.splitlines() if " WARNING monitor." in line]
    assert warnings and all("api_key=***" in w for w in warnings), proc.stderr
