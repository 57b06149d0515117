"""Benchmark watchlist matching: throughput, compile time, and cost of 1,000 names vs 10.

    .venv/bin/python bench/matching.py [--mb 10] [--names 1000] [--repeat 3]

Text: real article bodies (the extraction benchmark's ground truth and the dev corpus,
English and Korean) cycled to at least --mb megabytes and matched one article at a time,
as the pipeline does. Watchlists: the default nk-defections keywords, context terms and
exclusions, with its people replaced by N generated Korean names (every variant
generated). One core, one process. Last, the CPU-time cost of the watchlist's claim rules
(with and without its `claims:` section, interleaved). Figures go to docs/performance.md
("Matching").
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config.watchlist import PersonConfig, WatchlistConfig  # noqa: E402
from monitor.match import Matcher, compile_watchlists  # noqa: E402
from monitor.match.variants import person_variants  # noqa: E402

SHARED = ROOT.parent / "shared"
FAMILIES = [
    "Kim",
    "Ri",
    "Pak",
    "Choe",
    "Jong",
    "Kang",
    "Jo",
    "Yun",
    "Jang",
    "Han",
    "Ryu",
    "Hwang",
    "Song",
    "Hyon",
    "O",
    "Ji",
    "Jon",
    "So",
    "Thae",
    "Ko",
]
SYLLABLES = [
    "chol",
    "il",
    "song",
    "jong",
    "hyun",
    "woo",
    "yong",
    "ho",
    "gil",
    "sik",
    "chun",
    "un",
    "son",
    "kuk",
    "gyu",
    "myung",
    "jin",
    "hak",
    "bong",
    "nam",
    "hui",
    "ok",
    "su",
    "dok",
    "gwang",
    "min",
    "sang",
    "chan",
    "pil",
    "yol",
    "hyok",
    "sop",
    "ryong",
]


def articles() -> list[tuple[str, str]]:
    """(title, body) pairs of real article text."""
    out: list[tuple[str, str]] = []
    truth = json.loads((SHARED / "data/extraction-benchmark/ground-truth.json").read_text())
    for item in truth.values():
        body = item.get("articleBody") or ""
        if body:
            out.append((item.get("title") or "", body))
    for line in (SHARED / "corpus/dev.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out.append((row["title"], row["labels"]["body"]))
    return out


def corpus(min_mb: float) -> tuple[list[tuple[str, str]], int]:
    base = articles()
    docs: list[tuple[str, str]] = []
    size = 0
    while size < min_mb * 1_000_000:
        for title, body in base:
            docs.append((title, body))
            size += len(title.encode()) + len(body.encode())
    return docs, size


def generated_people(n: int, seed: int = 7) -> list[PersonConfig]:
    rng = random.Random(seed)
    seen: set[str] = set()
    people: list[PersonConfig] = []
    while len(people) < n:
        name = f"{rng.choice(FAMILIES)} {rng.choice(SYLLABLES).title()}-{rng.choice(SYLLABLES)}"
        if name not in seen:
            seen.add(name)
            people.append(PersonConfig(name=name, note="generated"))
    return people


def watchlist(n_names: int) -> WatchlistConfig:
    data = yaml.safe_load((ROOT / "config/watchlists/nk-defections.yaml").read_text())
    data["people"] = [p.model_dump() for p in generated_people(n_names)]
    return WatchlistConfig.model_validate(data)


def run(matcher: Matcher, docs: list[tuple[str, str]]) -> tuple[float, int]:
    started = time.perf_counter()
    hits = 0
    for title, body in docs:
        hits += matcher.match(title, body).hit
    return time.perf_counter() - started, hits


def main() -> None:
    logging.disable(logging.WARNING)  # generated names share spellings; not news here
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--names", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    docs, size = corpus(args.mb)
    print(f"text: {size / 1e6:.1f} MB in {len(docs)} articles")
    results = {}
    for n in (10, args.names):
        wl = watchlist(n)
        started = time.perf_counter()
        matcher = compile_watchlists([wl])
        compile_s = time.perf_counter() - started
        variants = sum(
            len(person_variants(p.name, p.aliases, p.hangul, korean=p.korean)) for p in wl.people
        )
        best = min(run(matcher, docs)[0] for _ in range(args.repeat))
        _, hits = run(matcher, docs)
        results[n] = best
        print(
            f"{n:>5} names: {variants:>6} name variants, {matcher.stats.patterns:>6} patterns, "
            f"compile {compile_s:.2f}s, match {best:.2f}s = {size / 1e6 / best:.1f} MB/s, "
            f"{hits} hit articles"
        )
    print(
        f"ratio time({args.names} names) / time(10 names) = {results[args.names] / results[10]:.2f}"
    )
    claims_cost(docs, args.names, args.repeat)


def claims_cost(docs: list[tuple[str, str]], n_names: int, repeat: int) -> None:
    """CPU time with the watchlist's `claims:` section against without it, runs interleaved:
    the share of matching that claims take, steady even on a machine other work slows."""
    wl = watchlist(n_names)
    bare = wl.model_copy(update={"claims": type(wl.claims)()})
    pairs = [("claims", compile_watchlists([wl])), ("no claims", compile_watchlists([bare]))]
    best = {name: float("inf") for name, _ in pairs}
    for _ in range(repeat):
        for name, matcher in pairs:
            started = time.process_time()
            for title, body in docs:
                matcher.match(title, body)
            best[name] = min(best[name], time.process_time() - started)
    print(
        f"claims cost (CPU time, {n_names} names): {best['claims']:.2f}s vs "
        f"{best['no claims']:.2f}s without = {best['claims'] / best['no claims'] - 1:+.0%}"
    )


if __name__ == "__main__":
    main()
