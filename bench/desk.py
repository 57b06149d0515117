"""Benchmark: the desk's page timings on a large database (issue 15: story list and search
under 200 ms at the 95th percentile on 100,000 articles and 10,000 stories).

    .venv/bin/python bench/desk.py [--articles 100000] [--stories 10000] [--runs 40]
                                   [--url postgresql+psycopg://...]

Fills a fresh database (SQLite in a temporary folder, or the PostgreSQL URL given, in a schema
of its own) with synthetic articles (a word pool with defection terms, places and names in
English and Korean), hits on a third of them, and stories of several reports each, all through
the migrations' schema (so the full-text index is kept by its triggers or GIN index as in
production). Then requests each page through the ASGI app in process (routing, the store's
queries, rendering; no network) `--runs` times and prints the median and 95th percentile.
Not a test: copy the figures to docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from starlette.testclient import TestClient  # noqa: E402

from monitor.config import load_config  # noqa: E402
from monitor.store import db  # noqa: E402
from monitor.web import create_app  # noqa: E402

WORDS = (  # noqa: SIM905 (a pool of words reads best as one text)
    "the a of to in and said on for with by was that at from his her has have officials "
    "government reported week month ministry border military soldier fishing boat family "
    "trade talks summit economy market rain season school council road bridge police court "
    "election party lawmakers sanctions missile launch satellite embassy diplomat china "
    "russia seoul pyongyang tokyo beijing washington unification crossing custody "
    "통일부 북한 국방부 발표 주민 군인 해상 경계 선박 가족 외교관 대사관"
).split()
DEFECT = ["defected", "defect", "defector", "defectors", "defection", "탈북", "귀순"]
PEOPLE = ["Thae Yong-ho", "Ryu Hyun-woo", "Kim Jong Un", "Ri Il-kyu", "Jo Song-gil"]
OUTLETS = ["Yonhap", "The Korea Herald", "Korea JoongAng Daily", "HBS", "NK Wire Daily", "AP"]
T0 = datetime(2026, 1, 1, tzinfo=UTC)
#: Beside the small pool (which puts each of its words in about half the articles: the worst
#: case for a search), a Zipf-distributed vocabulary as news has: a few frequent words, a
#: long tail of rare ones (names, places).
_SYLLABLES = [c + v for c in "bdghjklmnprstvz" for v in "aeiou"]
_VOCAB_RNG = random.Random(11)
VOCABULARY = sorted(
    {"".join(_VOCAB_RNG.choices(_SYLLABLES, k=_VOCAB_RNG.randint(2, 4))) for _ in range(6000)}
)
_VOCAB_RNG.shuffle(VOCABULARY)
ZIPF = list(accumulate(1 / (rank + 1) for rank in range(len(VOCABULARY))))  # cumulative


def sentence(rng: random.Random, hit: bool) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 12))
    words += rng.choices(VOCABULARY, cum_weights=ZIPF, k=rng.randint(6, 12))
    rng.shuffle(words)
    if hit:
        words.insert(rng.randrange(len(words)), rng.choice(DEFECT))
    return " ".join(words).capitalize() + "."


def fill(url: str, articles: int, stories: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    engine = create_engine(url)
    per_story = max(1, (articles // 3) // stories)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO feeds (id, url, config_url, consecutive_failures, entries_seen, "
                "backlog, created_at, updated_at) VALUES ('bench', 'https://bench.invalid/rss', "
                "'https://bench.invalid/rss', 0, 0, 0, :t, :t)"
            ),
            {"t": T0},
        )
        rows = []
        for i in range(1, articles + 1):
            hit = i % 3 == 0
            body = "\n\n".join(sentence(rng, hit and n == 0) for n in range(rng.randint(4, 9)))
            when = T0 + timedelta(minutes=5 * i)
            rows.append(
                {
                    "id": i,
                    "u": f"https://bench.invalid/a/{i}",
                    "v": f"https://bench.invalid/a/{i}",
                    "o": rng.choice(OUTLETS),
                    "t": sentence(rng, hit)[:120],
                    "b": body,
                    "n": len(body),
                    "p": when,
                    "d": when + timedelta(minutes=3),
                }
            )
            if len(rows) == 5000 or i == articles:
                conn.execute(
                    text(
                        "INSERT INTO articles (id, canonical_url, url, feed_id, outlet, title, "
                        "body, body_length, published_at, date_source, extraction, "
                        "discovered_at) VALUES (:id, :u, :v, 'bench', :o, :t, :b, :n, :p, "
                        "'meta', 'page', :d)"
                    ),
                    rows,
                )
                rows = []
        hit_ids = list(range(3, articles + 1, 3))
        explanation = json.dumps({"matches": [{"rule": "keyword", "term": "defect*"}]})
        for start in range(0, len(hit_ids), 5000):
            conn.execute(
                text(
                    "INSERT INTO hits (article_id, watchlist, score, people, explanation, "
                    "created_at) VALUES (:a, :w, 3.0, :p, :e, :t)"
                ),
                [
                    {
                        "a": a,
                        "w": "nk-defections" if a % 2 else "nk-people",
                        "p": json.dumps(rng.sample(PEOPLE, rng.randint(0, 2))),
                        "e": explanation,
                        "t": T0 + timedelta(minutes=5 * a),
                    }
                    for a in hit_ids[start : start + 5000]
                ],
            )
        story_rows, links = [], []
        for s in range(1, stories + 1):
            members = hit_ids[(s - 1) * per_story : s * per_story] or [hit_ids[-1]]
            first, last = (
                T0 + timedelta(minutes=5 * members[0]),
                T0 + timedelta(minutes=5 * members[-1]),
            )
            origins = rng.sample(OUTLETS, rng.randint(1, 3))
            story_rows.append(
                {
                    "id": s,
                    "k": f"bench-{s}",
                    "w": "nk-defections" if s % 2 else "nk-people",
                    "h": f"Story {s}: " + sentence(rng, True)[:100],
                    "f": first,
                    "l": last,
                    "c": len(origins),
                    "o": json.dumps(origins),
                    "cf": s % 7 == 0,
                    "st": s % 11 == 0,
                    "p": json.dumps(rng.sample(PEOPLE, rng.randint(0, 1))),
                    "n": len(members),
                }
            )
            for n, a in enumerate(members):
                links.append(
                    {
                        "s": s,
                        "a": a,
                        "c": members[0] if n == len(members) - 1 and n else None,
                        "o": json.dumps(origins[:1]),
                        "t": T0 + timedelta(minutes=5 * a),
                    }
                )
        conn.execute(
            text(
                "INSERT INTO stories (id, key, watchlist, headline, first_seen, last_seen, "
                "origin_count, origins, confirmed, stale, people, terms, centroid, prints, "
                "article_count, score, seq, created_at, updated_at) VALUES (:id, :k, :w, :h, "
                ":f, :l, :c, :o, :cf, :st, :p, '[]', '[]', '[]', :n, 3.0, :id, :f, :l)"
            ),
            story_rows,
        )
        for start in range(0, len(links), 5000):
            conn.execute(
                text(
                    "INSERT INTO story_articles (story_id, article_id, copy_of, origins, stale, "
                    "reasons, added_at) VALUES (:s, :a, :c, :o, false, '[]', :t)"
                ),
                links[start : start + 5000],
            )
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def pages(articles: int, stories: int) -> list[tuple[str, str]]:
    story, article = max(1, stories // 2), max(3, (articles // 2) // 3 * 3)
    words = {"frequent": VOCABULARY[5], "rare": VOCABULARY[3000]}
    return [(name, path.format(story=story, article=article, **words)) for name, path in PAGES]


PAGES = [
    ("stories, page 1", "/stories"),
    ("stories, watchlist + state", "/stories?watchlist=nk-defections&state=corroborated"),
    ("stories, a person", "/stories?person=Thae+Yong-ho"),
    ("stories, page 100", "/stories?page=100"),
    ("story page", "/stories/{story}"),
    ("article page", "/articles/{article}"),
    ("search, a third of all (defected)", "/search?q=defected"),
    ("search, frequent word, hits", "/search?q={frequent}&hit=hit"),
    ("search, rare word, misses", "/search?q={rare}&hit=miss"),
    ("search, Hangul prefix", "/search?q=%ED%83%88%EB%B6%81"),
    ("search, worst: 3 words in 1/2", "/search?q=satellite+embassy+tokyo&hit=miss"),
]


def measure(client: TestClient, path: str, runs: int) -> list[float]:
    client.get(path)  # warm: templates compiled, caches filled
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get(path)
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (path, r.status_code)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--stories", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--url", help="PostgreSQL URL (default: SQLite in a temporary folder)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.url:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{args.url}{'&' if '?' in args.url else '?'}options=-csearch_path%3D{schema}"
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        try:
            db.upgrade(url)
            t0 = time.perf_counter()
            fill(url, args.articles, args.stories)
            print(f"filled {args.articles} articles, {args.stories} stories in "
                  f"{time.perf_counter() - t0:.0f} s ({url.split(':')[0]})")  # fmt: skip
            cfg_file = Path(tmp) / "monitor.yaml"
            cfg_file.write_text(
                f"database: {{url: '{url}'}}\n"
                "web: {users: [{name: bench, token: bench-token-123456}]}\n",
                encoding="utf-8",
            )
            cfg = load_config(cfg_file, env={})
            engine = db.make_engine(url)
            client = TestClient(create_app(cfg, db.session_factory(engine)))
            client.headers["Authorization"] = "Bearer bench-token-123456"
            print(f"{'page':32} {'median ms':>10} {'p95 ms':>8}")
            for name, path in pages(args.articles, args.stories):
                times = sorted(measure(client, path, args.runs))
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                print(f"{name:32} {statistics.median(times):10.1f} {p95:8.1f}")
            engine.dispose()
        finally:
            if args.url:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
