"""Run fault trials by hand, at length, and print what they counted as JSON.

    python -m bench.faults.trial kill --kills 200 --items 400 [--postgres URL]
    python -m bench.faults.trial outage --seconds 40 [--postgres URL]
    python -m bench.faults.trial storm --answers 40 [--postgres URL]
    python -m bench.faults.trial pg-restart --postgres URL   # restarts the local cluster

SQLite runs in a temporary folder; `--postgres` adds a run on a fresh schema of that server.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.faults import trials
from bench.faults.harness import Counts, summary
from tests.conftest import postgres_schema


@contextmanager
def backends(postgres: str | None) -> Iterator[list[tuple[str, Path, str]]]:
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        out = [("sqlite", Path(tmp) / "sqlite", f"sqlite:///{tmp}/sqlite/monitor.db")]
        if postgres:
            with postgres_schema(postgres) as url:
                yield [*out, ("postgres", Path(tmp) / "postgres", url)]
                return
        yield out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trial", choices=["kill", "outage", "storm", "pg-restart"])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--answers", type=int, default=40)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (test server)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.trial == "pg-restart" and not args.postgres:
        parser.error("pg-restart needs --postgres")

    def run(backend: str, folder: Path, url: str) -> Counts:
        if args.trial == "kill":
            return trials.kill(
                backend, folder, url, kills=args.kills, items=args.items, seed=args.seed
            )
        if args.trial == "outage":
            return trials.outage(backend, folder, url, seconds=args.seconds, seed=args.seed)
        if args.trial == "storm":
            return trials.storm(backend, folder, url, answers=args.answers, seed=args.seed)
        return trials.pg_restart(backend, folder, url, seed=args.seed)

    ok = True
    with backends(args.postgres) as targets:
        for backend, folder, url in targets:
            if args.trial == "pg-restart" and backend != "postgres":
                continue
            folder.mkdir(parents=True, exist_ok=True)
            counts = run(backend, folder, url)
            print(summary(counts), flush=True)
            ok = ok and counts.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
