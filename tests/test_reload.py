"""Reloads that would strand work are refused; the watcher reads config files only.

The class of cases: a live reload that empties a section which was configured (a truncated
or half-written monitor.yaml, an emptied watchlist folder). Applying it would stop polling
or strand every pending delivery, so the running config stays. A delivery whose channel is
missing from the config waits (pending, named in `monitor status`) instead of failing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, MonitorConfig, WatchlistConfig, load_config
from monitor.daemon.health import snapshot
from monitor.daemon.worker import config_files, reload_refusal
from monitor.delivery import drain, enqueue_alert
from monitor.store.db import transaction
from monitor.store.models import DeliveryRow
from tests.alertdata import T0, Seeder, file_channel, later, make_config

FEED = {"id": "f1", "url": "http://127.0.0.1:1/feed.xml"}
WATCHLIST = {"id": "w", "description": "d", "keywords": ["defect*"]}


def config(feeds: int, channels: int, watchlists: int, tmp: Path) -> AppConfig:
    monitor = MonitorConfig.model_validate(
        {
            "feeds": [{**FEED, "id": f"f{i}"} for i in range(feeds)],
            "channels": [file_channel(f"c{i}", tmp) for i in range(channels)],
        }
    )
    lists = [
        WatchlistConfig.model_validate({**WATCHLIST, "id": f"w{i}"}) for i in range(watchlists)
    ]
    return AppConfig(monitor=monitor, watchlists=lists, path="m.yaml", database_url="")


@pytest.mark.parametrize(
    ("old", "new", "refused"),
    [
        ((2, 1, 1), (0, 0, 0), ["feeds (2 -> 0)", "channels (1 -> 0)", "watchlists (1 -> 0)"]),
        ((2, 1, 1), (0, 1, 1), ["feeds (2 -> 0)"]),
        ((2, 3, 1), (2, 0, 1), ["channels (3 -> 0)"]),
        ((2, 1, 2), (2, 1, 0), ["watchlists (2 -> 0)"]),
        ((2, 3, 2), (1, 1, 1), []),  # fewer is an edit, not an emptied section
        ((0, 0, 0), (0, 0, 0), []),  # nothing was configured: nothing to strand
        ((0, 0, 1), (3, 2, 1), []),  # sections filled in
    ],
)
def test_a_reload_that_empties_a_configured_section_is_refused(
    tmp_path: Path, old: tuple[int, int, int], new: tuple[int, int, int], refused: list[str]
) -> None:
    why = reload_refusal(config(*old, tmp_path), config(*new, tmp_path))
    if not refused:
        assert why is None
    else:
        assert why is not None and all(part in why for part in refused)
        assert "restart" in why  # says how to apply it on purpose


def _write(folder: Path, data: dict[str, Any]) -> Path:
    (folder / "watchlists").mkdir(exist_ok=True)
    (folder / "watchlists" / "w.yaml").write_text(yaml.safe_dump(WATCHLIST), encoding="utf-8")
    path = folder / "monitor.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_the_watcher_sees_config_files_and_not_what_is_written_beside_them(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, {"feeds": [FEED]})
    cfg = load_config(path, env={})
    before = config_files(cfg)
    assert set(before) == {str(path), str(tmp_path / "watchlists" / "w.yaml")}
    for noise in ("monitor.db", "monitor.db-wal", "monitor.log", "watchlists/notes.txt"):
        (tmp_path / noise).write_text("x" * 100, encoding="utf-8")
    assert config_files(cfg) == before
    (tmp_path / "watchlists" / "more.yml").write_text(
        yaml.safe_dump({**WATCHLIST, "id": "w2"}), encoding="utf-8"
    )
    assert str(tmp_path / "watchlists" / "more.yml") in config_files(cfg)  # a new watchlist
    path.write_text(yaml.safe_dump({"feeds": [FEED, {**FEED, "id": "f2"}]}), encoding="utf-8")
    assert config_files(cfg)[str(path)] != before[str(path)]


def test_a_delivery_whose_channel_left_the_config_waits_and_is_shown(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    full = make_config([file_channel("kept", tmp_path / "k"), file_channel("gone", tmp_path / "g")])
    with transaction(sessions) as s:
        seed = Seeder(s)
        for i in range(2):
            enqueue_alert(s, full, seed.raised(seed.alert(seed.story(f"s{i}", f"Story {i}"))), T0)
    partial = make_config([file_channel("kept", tmp_path / "k")])
    for minute in (1, 60, 600):  # many ticks: never failed, never attempted
        report = asyncio.run(drain(partial, sessions, now=later(minute), owner="w"))
        assert report.failed == 0
    with transaction(sessions) as s:
        rows = list(s.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))
        snap = snapshot(s, partial, later(600))
    gone = [r for r in rows if r.channel == "gone"]
    assert [(r.status, r.attempts) for r in gone] == [("pending", 0), ("pending", 0)]
    assert {r.status for r in rows if r.channel == "kept"} == {"sent"}
    [waiting] = snap.waiting
    assert waiting["channel"] == "gone" and waiting["pending"] == 2
    assert "not in the config" in waiting["reason"]
    report = asyncio.run(drain(full, sessions, now=later(601), owner="w"))  # restored
    assert report.sent == 2


def test_the_daemon_keeps_its_config_when_the_file_is_emptied(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from monitor.daemon.worker import Daemon

    path = _write(tmp_path, {"feeds": [FEED], "channels": [file_channel("c", tmp_path)]})
    cfg = load_config(path, env={})
    daemon = Daemon(cfg, config_path=path, health_port=0)
    path.write_text("", encoding="utf-8")  # a valid YAML document: no feeds, no channels
    with caplog.at_level("ERROR"):
        daemon.reload("test")
    assert daemon.cfg is cfg
    assert "refused" in caplog.text and "feeds (1 -> 0)" in caplog.text


def test_the_daemon_runs_each_tick_at_its_interval_polling_first(tmp_path: Path) -> None:
    from monitor.daemon.worker import Daemon

    path = _write(tmp_path, {"feeds": [FEED], "channels": [file_channel("c", tmp_path)]})
    cfg = load_config(path, env={})
    loop = asyncio.new_event_loop()
    try:
        jobs = {
            j.id: j
            for j in Daemon(cfg, config_path=path, health_port=0)._scheduler(loop).get_jobs()
        }
    finally:
        loop.close()
    d = cfg.monitor.daemon
    every = {"poll": d.poll_tick, "delivery": d.delivery_tick, "retention": d.retention_every}
    every["reload-check"] = d.reload_check
    assert {name: jobs[name].trigger.interval for name in every} == every
    first = {name: jobs[name].next_run_time for name in every}
    assert min(first, key=first.__getitem__) == "poll"  # the first pass starts at once
    assert first["poll"] < first["delivery"] < first["retention"]
    assert first["reload-check"] - first["poll"] == d.reload_check
