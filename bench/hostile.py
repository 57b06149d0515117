"""Hostile input, counted: every fixture feed under the labels servers send, every page.

Run as `.venv/bin/python bench/hostile.py`. Parses each feed of tests/fixtures/data (real
feeds and feedparser's own cases) as served with `application/xml`, `text/xml` without a
charset and no Content-Type; extracts every page of the dev corpus and the seed pages, raw
and with poison added (NUL, `&#xD800;`, a React `<!-- -->` inside a paragraph). Prints how
many were tried, how many crashed (an exception other than ParseError: a bug), how many
feeds were reported not well-formed per label, and how many poisoned pages lost text.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.errors import ParseError  # noqa: E402
from monitor.extract.article import extract_article  # noqa: E402
from monitor.feeds import parse_feed  # noqa: E402

DATA = ROOT / "tests" / "fixtures" / "data"
LABELS = {"application/xml": "application/xml", "text/xml": "text/xml", "none": None}
POISON = ("\x00", "&#xD800;", "<!-- -->")


def feeds() -> dict[str, Counter[str]]:
    files = [p for p in DATA.rglob("*") if p.suffix in (".xml", ".rss", ".atom", ".json")]
    out: dict[str, Counter[str]] = {}
    for label, ctype in LABELS.items():
        counts: Counter[str] = Counter()
        for path in files:
            headers = {"Content-Type": ctype} if ctype else {}
            counts["tried"] += 1
            try:
                feed = parse_feed(path.read_bytes(), headers, feed_id="b", base_url="http://e.com/")
                counts["entries"] += len(feed.entries)
                counts["bozo"] += feed.bozo is not None
            except ParseError:
                counts["not a feed"] += 1
            except Exception:  # a crash: what this bench exists to find
                counts["crashed"] += 1
        out[label] = counts
    return out


def pages() -> Counter[str]:
    rows = [json.loads(line) for line in (ROOT / "tests/fixtures/corpus/dev.jsonl").open()]
    htmls = [r["html"] for r in rows] + [
        p.read_text(encoding="utf-8") for p in (ROOT / "tests/fixtures/pages").glob("*.html")
    ]
    counts: Counter[str] = Counter()
    for html in htmls:
        counts["tried"] += 1
        try:
            clean = extract_article(html)
            marker = "<p>"
            poisoned = html.replace(marker, marker + "".join(POISON), 3)
            dirty = extract_article(poisoned)
        except Exception:
            counts["crashed"] += 1
            continue
        if clean is not None and (dirty is None or len(dirty.text) < 0.98 * len(clean.text)):
            counts["text lost to poison"] += 1
        if dirty is not None and any(c in dirty.text for c in ("\x00", "\ud800")):
            counts["poison stored"] += 1
    return counts


def main() -> int:
    for label, counts in feeds().items():
        print(f"feeds as {label:16} {dict(counts)}")
    print(f"pages                   {dict(pages())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
