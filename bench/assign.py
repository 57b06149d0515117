"""Benchmark: place one hit into its story with 10,000 open stories in the database.

    .venv/bin/python bench/assign.py [--stories 10000] [--hits 200] [--url sqlite:///...]

Measures `Processor.place` end to end as ingestion runs it: the reads (replay check, index
sync query), the pure decisions (`assign`, `stories.place.place`), then the writes (story,
link, alert rows). The first
call of a worker loads the open stories into its in-memory index; that load is reported
apart. Not a test: run it by hand and copy the figures to docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import load_config  # noqa: E402
from monitor.match import Hit, compile_watchlists  # noqa: E402
from monitor.pipeline.ingest import Processor  # noqa: E402
from monitor.store import db  # noqa: E402
from monitor.store.db import transaction  # noqa: E402
from monitor.store.models import StoryRow  # noqa: E402
from tests.seeding import add_feed, store_article  # noqa: E402

NOW = datetime(2026, 11, 20, tzinfo=UTC)
PLACES = [
    "place:kuwait",
    "place:china",
    "place:mdl",
    "place:estuary",
    "place:nll",
    "place:russia",
    "place:laos",
    "place:thailand",
    "place:cuba",
    "place:italy",
    "place:britain",
]
ROLES = ["role:diplomat", "role:soldier", "role:worker", "role:fisherman", "role:family"]
WORDS = [f"w{i}" for i in range(5000)]
TEXT = (
    "A North Korean {role} defected to South Korea via {place}, officials said on {day}. "
    "The {role} crossed with {n} others, according to Yonhap. {words}."
)


class Shape:
    """How alike the open stories are: `realistic` spreads them over the gazetteer's places and
    a news-sized vocabulary; `crowded` puts 10,000 stories on 11 places and 5,000 words, so
    a quarter of them share a term with every hit (a worst case, not a real watchlist)."""

    def __init__(self, name: str) -> None:
        from monitor.stories.gazetteer import PLACES as _PLACES

        crowded = name == "crowded"
        self.places = sorted(_PLACES)[:11] if crowded else sorted(_PLACES)
        self.words = [f"w{i}" for i in range(5_000 if crowded else 60_000)]
        self.zipf = not crowded

    def sample_words(self, rng: random.Random, k: int) -> list[str]:
        if not self.zipf:
            return rng.sample(self.words, k)
        n = len(self.words)
        return list({self.words[min(n - 1, int(rng.paretovariate(0.8)) * 7)] for _ in range(k)})


def seed(sessions, n: int, rng: random.Random, shape: Shape) -> None:
    rows = []
    for i in range(n):
        seen = NOW - timedelta(minutes=rng.randrange(0, 60 * 24 * 40))
        rows.append(
            StoryRow(
                key=f"bench-{i}",
                watchlist="nk-defections",
                headline=f"story {i}",
                first_seen=seen - timedelta(hours=2),
                last_seen=seen,
                origin_count=1,
                origins=["Yonhap"],
                people=[],
                terms=sorted({rng.choice(shape.places), rng.choice(ROLES)}),
                centroid=sorted(shape.sample_words(rng, 25)),
                prints=[[10_000_000 + i, rng.getrandbits(63)]],
                article_count=1,
                seq=i + 1,
            )
        )
    with transaction(sessions) as s:
        s.add_all(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stories", type=int, default=10_000)
    ap.add_argument("--hits", type=int, default=200)
    ap.add_argument("--url", default=None, help="database URL (default: a temporary SQLite file)")
    ap.add_argument("--shape", choices=["realistic", "crowded"], default="realistic")
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        db.upgrade(url)
        sessions = db.session_factory(db.make_engine(url))
        cfg = load_config(ROOT / "config" / "monitor.yaml", env={})
        proc = Processor(cfg, compile_watchlists(cfg.watchlists))
        shape = Shape(args.shape)
        seed(sessions, args.stories, rng, shape)
        with transaction(sessions) as s:
            add_feed(s, "bench", NOW)
        articles = []
        with transaction(sessions) as s:
            for i in range(args.hits + 1):
                text = TEXT.format(
                    role=rng.choice(["diplomat", "soldier", "fisherman"]),
                    place=rng.choice(["Kuwait", "the MDL", "the Yellow Sea", "Laos"]),
                    day="Aug. 8",
                    n=rng.randrange(2, 9),
                    words=" ".join(shape.sample_words(rng, 40)),
                )
                articles.append(
                    store_article(
                        s,
                        url=f"https://bench.invalid/{i}",
                        text=text,
                        when=NOW,
                        feed_id="bench",
                        outlet="Bench Daily",
                        title=f"Defection report {i}",
                    )
                )
        hit = Hit("nk-defections", 4.0, 2.0, (), (), ("defect*",), ())
        t0 = time.perf_counter()
        with transaction(sessions) as s:
            proc.place(s, articles[0], hit, NOW)
        first = time.perf_counter() - t0
        times = []
        for art in articles[1:]:
            t0 = time.perf_counter()
            with transaction(sessions) as s:
                proc.place(s, art, hit, NOW)
            times.append(time.perf_counter() - t0)
        times.sort()
        print(
            f"database: {url.split(':')[0]}, {args.stories} open stories ({args.shape}), "
            f"hits: {len(times)}"
        )
        print(f"first hit (loads the index): {first * 1000:.0f} ms")
        print(
            f"per hit, index warm: median {statistics.median(times) * 1000:.2f} ms, "
            f"p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms, max {times[-1] * 1000:.2f} ms "
            "(sync query + assign + story write + link + alerts, one transaction)"
        )


if __name__ == "__main__":
    main()
