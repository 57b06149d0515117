"""Benchmark: copy detection for one new article with 100,000 bodies in the window.

    .venv/bin/python bench/copies.py [--bodies 100000] [--articles 200] [--url sqlite:///...]
                                     [--no-cache]

With --url naming a database this script seeded before, it measures again without seeding.

Seeds the database with bodies (news-sized, words drawn from a Zipf vocabulary) and their
sampled-shingle postings, then measures `pipeline.copies.detect_copy` end to end as
ingestion runs it, each article in its own transaction: the postings query, the exact check
of the candidates from their stored bodies, the index rows written. Half the new articles
are reposts of a stored body (caption, trailer, cut), half are new text. Signatures come
from a `SignatureCache` as in ingestion (`--no-cache`: every candidate's body shingled
again); the seeded bodies are not in it until a repost checks them. Not a test: run it by
hand and copy the figures to docs/performance.md.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config.stories import StoriesConfig
from monitor.pipeline.copies import detect_copy
from monitor.store import db
from monitor.store.db import transaction
from monitor.store.models import ArticleCopyRow, ArticleRow, CopyPostingRow
from monitor.stories.copies import SignatureCache, signature
from tests.seeding import add_feed, store_article

NOW = datetime(2031, 6, 1, tzinfo=UTC)
VOCAB = [f"w{i}" for i in range(30_000)]
WEIGHTS = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(VOCAB))))


def body(rng: random.Random, words: int = 260) -> str:
    """Five paragraphs of Zipf-distributed words (common words repeat, rare ones tell)."""
    picked = rng.choices(VOCAB, cum_weights=WEIGHTS, k=words)
    step = words // 5
    return "\n\n".join(" ".join(picked[i : i + step]) + "." for i in range(0, words, step))


def seed(sessions, n: int, rng: random.Random) -> list[tuple[int, str]]:
    """n stored bodies spread over the last 29 days, indexed; returns (id, body) of some."""
    kept: list[tuple[int, str]] = []
    batch = 2_000
    next_id = 1
    for start in range(0, n, batch):
        arts, copies, posts = [], [], []
        for i in range(start, min(n, start + batch)):
            text = body(rng)
            when = NOW - timedelta(minutes=rng.randrange(1, 60 * 24 * 29))
            sig = signature(text)
            arts.append(
                {
                    "id": next_id,
                    "canonical_url": f"https://seed.invalid/{i}",
                    "url": f"https://seed.invalid/{i}",
                    "feed_id": "bench",
                    "outlet": "Seed",
                    "title": f"seed {i}",
                    "body": text,
                    "body_length": len(text),
                    "published_at": when,
                    "discovered_at": when,
                }
            )
            copies.append(
                {"article_id": next_id, "seen_at": when, "samples": len(sig.sample), "share": 0.0}
            )
            posts.extend({"hash": h, "article_id": next_id} for h in sig.sample)
            if i % 500 == 0:
                kept.append((next_id, text))
            next_id += 1
        with transaction(sessions) as s:
            s.execute(insert(ArticleRow), arts)
            s.execute(insert(ArticleCopyRow), copies)
            s.execute(insert(CopyPostingRow), posts)
    return kept


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bodies", type=int, default=100_000)
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--url", default=None, help="database URL (default: a temporary SQLite file)")
    ap.add_argument("--no-cache", action="store_true", help="no signature cache (as before it)")
    args = ap.parse_args()
    rng = random.Random(11)
    cfg = StoriesConfig()
    cache = None if args.no_cache else SignatureCache()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        db.upgrade(url)
        sessions = db.session_factory(db.make_engine(url))
        with transaction(sessions) as s:
            add_feed(s, "bench", NOW)
        t0 = time.perf_counter()
        with transaction(sessions) as s:
            have = s.scalar(select(func.count()).select_from(ArticleCopyRow)) or 0
        if have >= args.bodies:  # --url of a database seeded before: measure again
            with transaction(sessions) as s:
                rows = s.execute(
                    select(ArticleRow.id, ArticleRow.body).where(ArticleRow.id % 500 == 1)
                )
                kept = [(int(i), str(b)) for i, b in rows]
        else:
            kept = seed(sessions, args.bodies, rng)
        seeded = time.perf_counter() - t0
        times, found = [], 0
        for i in range(args.articles):
            if i % 2:
                _, source = rng.choice(kept)
                paras = source.split("\n\n")
                text = "A photo of the scene. (Seed via AP)\n\n" + "\n\n".join(paras[:4])
                text += "\n\nCopyright 2031 Seed. All rights reserved."
            else:
                text = body(rng)
            with transaction(sessions) as s:
                art = store_article(
                    s,
                    url=f"https://new.invalid/{NOW.timestamp() + time.time()}/{i}",
                    text=text,
                    when=NOW,
                    feed_id="bench",
                    outlet="New",
                    title=f"new {i}",
                )
            with transaction(sessions) as s:
                t = time.perf_counter()
                result = detect_copy(s, art, cfg, NOW, cache=cache)
                times.append(time.perf_counter() - t)
            found += result.match is not None
        times.sort()
        print(
            f"database: {url.split(':')[0]}, {args.bodies} bodies in the window "
            f"(seeded in {seeded:.0f} s), articles: {len(times)}, copies found: {found} "
            f"({args.articles // 2} reposts made; a re-run also finds its earlier new texts)"
        )
        print(
            f"per article: median {statistics.median(times) * 1000:.2f} ms, "
            f"p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms, max {times[-1] * 1000:.2f} ms "
            "(postings query + exact check + index rows, inside the article's transaction)"
        )
        if cache is not None:
            print(
                f"signature cache: {cache.hits} hits, {cache.misses} misses, {len(cache)} "
                f"entries, {cache.nbytes / 1e6:.1f} MB"
            )


if __name__ == "__main__":
    main()
