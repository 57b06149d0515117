"""The maybe-sent window: from the channel's accept to the commit that marks the row sent.

    python -m bench.faults.window [--postgres URL] [--n 200]

A kill inside this window makes the next worker resend the message by the channel's rule
(same Message-ID; Slack "possible repeat"). The drain's `after_accept` hook stamps the
accept; the mark-sent commit is timed right after it. Prints median, p99 and max in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from typing import Any

from sqlalchemy import event

from monitor.delivery import drain, enqueue_alert
from monitor.delivery.outbox import Claim
from monitor.store import db
from monitor.store.db import transaction
from tests.alertdata import T0, Seeder, make_config
from tests.conftest import postgres_schema
from tests.webhook import SlackWebhook


def measure(url: str, n: int) -> dict[str, Any]:
    db.upgrade(url)
    sessions = db.session_factory(db.make_engine(url))
    spans: list[float] = []
    with SlackWebhook() as hook:
        cfg = make_config([hook.channel()])
        with transaction(sessions) as s:
            seed = Seeder(s)
            for i in range(n):
                enqueue_alert(s, cfg, seed.raised(seed.alert(seed.story(f"s{i}", f"S {i}"))), T0)
        accepted: list[float] = []

        def stamp(_claim: Claim) -> None:
            accepted.append(time.perf_counter())

        def committed(_session: Any) -> None:
            if len(accepted) > len(spans):  # the first commit after an accept marks it sent
                spans.append(time.perf_counter() - accepted[-1])

        event.listen(sessions, "after_commit", committed)
        asyncio.run(drain(cfg, sessions, now=T0, owner="w", after_accept=stamp))
        event.remove(sessions, "after_commit", committed)
    ms = sorted(s * 1000 for s in spans)
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p99_ms": round(ms[int(len(ms) * 0.99) - 1], 2),
        "max_ms": round(ms[-1], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args(argv)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = measure(f"sqlite:///{tmp}/w.db", args.n)
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            out["postgres"] = measure(url, args.n)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
