"""Helpers for the daemon tests: a config folder on disk, `monitor run` as a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from tests.conftest import ROOT

T = TypeVar("T")

WATCHLIST: dict[str, Any] = {
    "id": "defections",
    "description": "test watchlist",
    "threshold": 2.0,
    "keywords": ["defect*"],
    "context": ["North Korea", "North Korean"],
    "people": [],
}


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 60.0) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def write_config(
    folder: Path,
    *,
    database_url: str,
    feeds: list[dict[str, Any]],
    channels: list[dict[str, Any]] | None = None,
    watchlist: dict[str, Any] | None = None,
    daemon: dict[str, Any] | None = None,
    fetch: dict[str, Any] | None = None,
) -> Path:
    """config/monitor.yaml and config/watchlists/test.yaml with fast test timings."""
    (folder / "watchlists").mkdir(parents=True, exist_ok=True)
    data = {
        "database": {"url": database_url},
        "fetch": {
            "allow_private_networks": True,
            "retries": 0,
            "connect_timeout": "2s",
            "read_timeout": "5s",
            "total_timeout": "10s",
            "extraction_workers": 1,
            "default_interval": "2s",
            **(fetch or {}),
        },
        "feeds": feeds,
        "channels": channels or [],
        "server": {"port": 0},
        "daemon": {
            "poll_tick": "1s",
            "delivery_tick": "1s",
            "reload_check": "1s",
            "grace_period": "10s",
            "retention_every": "1h",
            **(daemon or {}),
        },
    }
    path = folder / "monitor.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (folder / "watchlists" / "test.yaml").write_text(
        yaml.safe_dump(watchlist or WATCHLIST, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    return path


class DaemonProcess:
    """`monitor run` in a subprocess; stderr goes to a file the test can read."""

    def __init__(
        self,
        config: Path,
        log: Path,
        *,
        health_port: int = 0,
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
    ) -> None:
        self.log = log
        self.health_port = health_port
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        full_env.pop("MONITOR_DATABASE_URL", None)
        self._err = log.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "monitor",
                "run",
                "--config",
                str(config),
                "--health-port",
                str(health_port),
                *(args or []),
            ],
            cwd=ROOT,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=self._err,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then wait for the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._err.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self._err.close()

    def get(self, path: str) -> tuple[int, bytes]:
        url = f"http://127.0.0.1:{self.health_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            return 0, b""
