"""The trials themselves: each builds a Trial, hurts the daemon one way, and counts."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from bench.faults.harness import Counts, Trial
from monitor.store import db
from monitor.store.db import transaction
from monitor.store.models import DeliveryRow
from tests.webhook import Answer


def _run(
    backend: str, folder: Path, url: str, seed: int, work: Callable[[Trial], str | None]
) -> Counts:
    """Build a trial, run `work` on it (its note goes into the counts), finish, count."""
    trial = Trial(folder, url, seed=seed)
    try:
        trial.note = work(trial)
        trial.finish()
        return trial.count(backend)
    finally:
        trial.close()


def kill(backend: str, folder: Path, url: str, *, kills: int, items: int, seed: int = 1) -> Counts:
    """SIGKILL the daemon `kills` times at random moments while `items` are published."""

    def work(trial: Trial) -> None:
        trial.kill_trial(kills, items)

    return _run(backend, folder, url, seed, work)


def outage(backend: str, folder: Path, url: str, *, seconds: float, seed: int = 1) -> Counts:
    """Both channels down for `seconds` while news arrives, then up again.

    The backoff is scaled (500 ms doubling to 2 s, 3 attempts), so a 40 s outage is some
    twenty backoff steps: ten minutes of 30 s backoff in simulated time.
    """

    def work(trial: Trial) -> str:
        trial.daemon()
        trial.sinks.stop()
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            trial.publish()
            time.sleep(max(0.2, seconds / 30))
        trial.sinks.start()  # the daemon that lived through the outage must recover
        return f"both channels down for {seconds:.0f}s"

    return _run(backend, folder, url, seed, work)


def storm(backend: str, folder: Path, url: str, *, answers: int, seed: int = 1) -> Counts:
    """The webhook answers 429 (Retry-After: 1) `answers` times in a row while news arrives."""

    def work(trial: Trial) -> str:
        trial.sinks.hook.script = [
            Answer(429, "rate_limited", {"Retry-After": "1"}) for _ in range(answers)
        ]
        trial.daemon()
        for _ in range(10):
            trial.publish()
            time.sleep(0.5)
        return f"{answers} answers 429 before the webhook took messages"

    return _run(backend, folder, url, seed, work)


def _restart_postgres() -> float:
    """Restart the local cluster; returns the monotonic time it answered again."""
    for cmd in (["pg_ctlcluster", "15", "main", "restart"], ["service", "postgresql", "restart"]):
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=120)
            return time.monotonic()
        except (OSError, subprocess.SubprocessError):
            continue
    raise RuntimeError("could not restart PostgreSQL (pg_ctlcluster, service)")


def pg_restart(backend: str, folder: Path, url: str, *, seed: int = 1) -> Counts:
    """Restart PostgreSQL under a running daemon; measure how soon deliveries resume."""

    def work(trial: Trial) -> str:
        proc = trial.daemon()
        trial.publish(5)
        time.sleep(4)
        trial.publish(5)
        back = _restart_postgres()
        trial.publish(5)
        before = sum(len(v) for v in trial.sinks.received().values())
        resumed = None
        while time.monotonic() < back + 60:
            if sum(len(v) for v in trial.sinks.received().values()) > before:
                resumed = time.monotonic() - back
                break
            time.sleep(0.1)
        proc.stop(timeout=60)
        if resumed is None:
            return "deliveries did not resume within 60s of PostgreSQL's return"
        return f"deliveries resumed {resumed:.1f}s after PostgreSQL answered again"

    return _run(backend, folder, url, seed, work)


def pending(url: str) -> int:
    sessions = db.session_factory(db.make_engine(url))
    with transaction(sessions) as s:
        return int(
            s.scalar(
                select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status == "pending")
            )
            or 0
        )
