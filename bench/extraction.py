"""Body-extraction quality on the Scrapinghub article-extraction benchmark (181 real pages).

Run as `.venv/bin/python bench/extraction.py [--worst N]`. Prints the upstream metric
(4-token shingles: per-page precision and recall averaged over pages, then F1), a plain
token-level F1, the number of pages that raised and that came back empty. Not part of the
test run's timing; tests/test_extract.py reuses `evaluate` as a regression floor.

`--cpu [--against DIR] [--rounds N]` measures CPU time per page instead: `extract_article`,
and the extraction worker's whole CPU half (`pipeline.prepare.prepare` on the page's bytes
with the shipped watchlists, then pickling its result), of this checkout and, with
`--against`, of another checkout (say a `git worktree` of main), in one process, in
alternating rounds, best of N: on a loaded machine only such side-by-side figures compare.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import logging
import os
import pickle
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK = ROOT.parent / "shared" / "data" / "extraction-benchmark"
T = TypeVar("T")
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class PageScore:
    """One page's shingle precision/recall and token F1."""

    page_id: str
    precision: float
    recall: float
    token_f1: float
    empty: bool
    error: bool


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Corpus figures: the upstream shingle metric plus a token F1."""

    pages: int
    precision: float
    recall: float
    f1: float
    token_f1: float
    errors: int
    empties: int
    seconds: float
    scores: tuple[PageScore, ...]


def tokens(text: str) -> list[str]:
    """Unicode word tokens, as the upstream benchmark splits text."""
    return _TOKEN.findall(text or "")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of n-token shingles (a short text is one shingle)."""
    toks = tokens(text)
    return Counter(tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)) if toks)


def overlap(pred: Counter[T], true: Counter[T]) -> tuple[float, float]:
    """Precision and recall of one multiset against another."""
    tp = sum((pred & true).values())
    n_pred, n_true = sum(pred.values()), sum(true.values())
    precision = tp / n_pred if n_pred else (1.0 if not n_true else 0.0)
    recall = tp / n_true if n_true else 1.0
    return precision, recall


def token_f1(pred: str, true: str) -> float:
    """Multiset token-overlap F1 between two texts."""
    precision, recall = overlap(Counter(tokens(pred)), Counter(tokens(true)))
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def load_pages() -> Iterator[tuple[str, str, str, str]]:
    """(id, url, html, ground-truth body) for every benchmark page."""
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        with gzip.open(BENCHMARK / "html" / f"{page_id}.html.gz") as handle:
            html = handle.read().decode("utf-8")
        yield page_id, truth[page_id]["url"], html, truth[page_id]["articleBody"]


def evaluate(extract: Callable[[str, str], str | None]) -> BenchResult:
    """Score `extract(html, url) -> text` on every page of the benchmark."""
    scores: list[PageScore] = []
    started = time.perf_counter()
    for page_id, url, html, true in load_pages():
        error = False
        try:
            pred = extract(html, url) or ""
        except Exception:
            pred, error = "", True
        precision, recall = overlap(shingles(pred), shingles(true))
        scores.append(
            PageScore(page_id, precision, recall, token_f1(pred, true), not pred.strip(), error)
        )
    seconds = time.perf_counter() - started
    precision = statistics.fmean(s.precision for s in scores)
    recall = statistics.fmean(s.recall for s in scores)
    return BenchResult(
        pages=len(scores),
        precision=precision,
        recall=recall,
        f1=2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        token_f1=statistics.fmean(s.token_f1 for s in scores),
        errors=sum(s.error for s in scores),
        empties=sum(s.empty for s in scores),
        seconds=seconds,
        scores=tuple(scores),
    )


def corpus_report(path: Path) -> str:
    """Body token F1 and date outcomes on a labeled corpus (`../corpus/README.md` format)."""
    from monitor.extract.article import extract_article

    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    scores: list[float] = []
    outcomes: Counter[str] = Counter()
    for row in rows:
        if "html" not in row:
            continue
        extracted = extract_article(row["html"], row.get("url"))
        scores.append(token_f1(extracted.text if extracted else "", row["labels"]["body"]))
        if extracted is None or extracted.published_at is None:
            outcomes["none"] += 1
            continue
        truth = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
        right = abs((extracted.published_at - truth).total_seconds()) < 60
        outcomes[f"right ({extracted.date_source})" if right else "wrong"] += 1
    dates = ", ".join(f"{key} {count}" for key, count in sorted(outcomes.items()))
    return (
        f"{path.name}: {len(scores)} pages, body token F1 {statistics.fmean(scores):.4f}\n"
        f"  dates: {dates}"
    )


def monitor_extract(html: str, url: str) -> str | None:
    """The service's extractor, reduced to its body text."""
    from monitor.extract.article import extract_article

    extracted = extract_article(html, url)
    return extracted.text if extracted else None


def trafilatura_default(html: str, url: str) -> str | None:
    """Plain `trafilatura.extract`, the baseline."""
    import trafilatura

    result: str | None = trafilatura.extract(html, url=url)
    return result


def _load_checkout(root: Path) -> dict[str, Any]:
    """Import `monitor` from `root` and return its modules (sys.modules entries)."""
    for name in [n for n in sys.modules if n == "monitor" or n.startswith("monitor.")]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        importlib.import_module("monitor.pipeline.prepare")
        importlib.import_module("monitor.extract.article")
    finally:
        sys.path.remove(str(root))
    return {n: m for n, m in sys.modules.items() if n == "monitor" or n.startswith("monitor.")}


def _page_jobs(root: Path) -> list[Any]:
    """One `PageJob` per benchmark page (its UTF-8 bytes), with `root`'s shipped watchlists."""
    from monitor.config import FeedConfig
    from monitor.config.loader import load_config
    from monitor.domain import FeedEntry
    from monitor.pipeline.prepare import PageJob, Watchlists

    watchlists = Watchlists.of(load_config(root / "config" / "monitor.yaml", env={}).watchlists)
    feed, now = FeedConfig(id="bench", url="http://127.0.0.1/feed.xml"), datetime.now(UTC)
    return [
        PageJob(
            FeedEntry("bench", url, url, url, f"article {page_id}", summary="-"),
            feed,
            now,
            body=html.encode("utf-8"),
            url=url,
            watchlists=watchlists,
        )
        for page_id, url, html, _ in load_pages()
    ]


def cpu_per_page(roots: list[Path], rounds: int) -> dict[tuple[str, str], float]:
    """Best-of-`rounds` CPU ms per page of each checkout, rounds alternating between them."""
    logging.disable(logging.WARNING)  # trafilatura's per-page warnings are not the point
    checkouts = []
    for root in roots:
        modules = _load_checkout(root)
        checkouts.append((str(root), modules, _page_jobs(root)))
    import trafilatura

    pages = [(html, url) for _, url, html, _ in load_pages()]
    best: dict[tuple[str, str], float] = {}
    for _ in range(rounds):
        started = time.process_time()  # the floor: trafilatura alone, as bench/run.py's
        for html, url in pages:
            trafilatura.extract(html, url=url)
        seconds = (time.process_time() - started) * 1000 / len(pages)
        best["trafilatura", "extract (floor)"] = min(
            best.get(("trafilatura", "extract (floor)"), seconds), seconds
        )
        for name, modules, jobs in checkouts:
            sys.modules.update(modules)
            prepare = modules["monitor.pipeline.prepare"].prepare
            extract = modules["monitor.extract.article"].extract_article
            for stage, run in (
                ("extract_article", lambda job, f=extract: f(job.body, job.url)),
                ("prepare + pickle", lambda job, f=prepare: pickle.dumps(f(job), protocol=5)),
            ):
                started = time.process_time()
                for job in jobs:
                    run(job)
                seconds = (time.process_time() - started) * 1000 / len(jobs)
                best[name, stage] = min(best.get((name, stage), seconds), seconds)
    return best


def main(argv: list[str] | None = None) -> int:
    """Print the figures for the service's extractor (and optionally the baseline)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", action="store_true", help="also score plain trafilatura")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages")
    parser.add_argument("--corpus", type=Path, help="also report on a labeled corpus (.jsonl)")
    parser.add_argument("--cpu", action="store_true", help="CPU ms per page, not quality")
    parser.add_argument("--against", type=Path, help="with --cpu: another checkout to compare")
    parser.add_argument("--rounds", type=int, default=5, help="with --cpu: rounds (best of)")
    args = parser.parse_args(argv)
    if args.cpu:
        roots = [ROOT, *([args.against.resolve()] if args.against else [])]
        print(f"load average {os.getloadavg()[0]:.1f}")
        for (name, stage), ms in sorted(cpu_per_page(roots, args.rounds).items()):
            print(f"{stage:18s} {ms:6.2f} ms/page  {name}")
        print(f"load average {os.getloadavg()[0]:.1f}")
        return 0
    sys.path.insert(0, str(ROOT))
    if args.corpus:
        print(corpus_report(args.corpus))
    runs = [("monitor.extract.article", monitor_extract)]
    if args.baseline:
        runs.append(("trafilatura.extract", trafilatura_default))
    for name, function in runs:
        result = evaluate(function)
        per_page = sorted(
            2 * s.precision * s.recall / (s.precision + s.recall) if s.precision + s.recall else 0
            for s in result.scores
        )
        print(f"{name}: {result.pages} pages in {result.seconds:.1f} s")
        print(f"  shingle F1 {result.f1:.3f} (P {result.precision:.3f}, R {result.recall:.3f})")
        print(f"  token F1 {result.token_f1:.3f}")
        print(
            f"  per-page shingle F1: median {statistics.median(per_page):.3f}, "
            f"p10 {per_page[len(per_page) // 10]:.3f}, min {per_page[0]:.3f}, "
            f">=0.8 on {sum(f >= 0.8 for f in per_page) / len(per_page):.0%}"
        )
        print(f"  errors {result.errors}, empty {result.empties}")
        worst = sorted(result.scores, key=lambda s: s.token_f1)[: args.worst]
        for score in worst:
            print(
                f"    {score.page_id}  token F1 {score.token_f1:.3f}  "
                f"P {score.precision:.3f} R {score.recall:.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
