"""The daemon does not wait for its ticks: a feed is polled at its own due time, and a
committed alert wakes the delivery loop (issue 13). Both ticks are an hour here, so only
those wakes can poll the feed again and send the alert while the test waits."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.store import db
from tests.loopback import LoopbackServer
from tests.test_daemon import DEFECTION, Feedsite
from tests.test_daemon_support import DaemonProcess, wait_for, write_config
from tests.webhook import SlackWebhook


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_feed_is_polled_at_its_interval_and_its_alert_sent_without_a_tick(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    url = f"sqlite:///{tmp_path}/wake.db"
    db.upgrade(url)
    site = Feedsite(http_server)
    with SlackWebhook() as hook:
        config = write_config(
            tmp_path,
            database_url=url,
            feeds=[{"id": "site", "url": site.feed_url, "interval": "1s"}],
            channels=[hook.channel("slack")],
            daemon={"poll_tick": "1h", "delivery_tick": "1h"},
        )
        daemon = DaemonProcess(config, tmp_path / "daemon.log")
        try:
            # polled again and again within the hour-long tick: each at its own due time
            wait_for("three polls", lambda: len(http_server.hits("/feed.xml")) >= 3)
            site.publish("defects", "North Korean soldier defects across the border", DEFECTION)
            wait_for("the alert posted", lambda: hook.accepted, timeout=90)
        finally:
            assert daemon.stop() == 0, daemon.output()[-3000:]
    (post,) = hook.accepted
    assert "defects across the border" in str(post)
