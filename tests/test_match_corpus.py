"""The default watchlist on the labeled dev corpus: relevance precision/recall and people.

Pages go through the same extraction as the pipeline (`extract_article`), so page chrome
(menus, related links, footers) never reaches the matcher. docs/matching.md reports these
figures; this test holds them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from monitor.extract.article import extract_article
from monitor.match import MatchReport, compile_watchlists
from tests.conftest import FIXTURES, ROOT, shared_file, shipped_watchlist

CORPORA = ["dev.jsonl", "dev2.jsonl"]  # dev in tests/fixtures, dev2 read from ../shared
WATCHLIST_ID = "nk-defections"


@dataclass(frozen=True)
class Scored:
    row: dict[str, Any]
    report: MatchReport


@pytest.fixture(scope="module", params=CORPORA)
def scored(request: pytest.FixtureRequest) -> list[Scored]:
    if request.param == "dev.jsonl":
        corpus = FIXTURES / "corpus" / "dev.jsonl"
    else:
        corpus = shared_file(f"corpus/{request.param}")
    matcher = compile_watchlists([shipped_watchlist(WATCHLIST_ID)])
    out = []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if "html" in row:
            extracted = extract_article(row["html"], row["url"])
            title = (extracted.title if extracted else None) or row["title"]
            body = extracted.text if extracted else ""
        else:
            title, body = row["title"], row["text"]
        out.append(Scored(row, matcher.match(title, body, only=WATCHLIST_ID)))
    return out


def test_relevance_precision_and_recall(scored: list[Scored]) -> None:
    tp = sum(s.report.hit and s.row["labels"]["relevant"] for s in scored)
    fp = sum(s.report.hit and not s.row["labels"]["relevant"] for s in scored)
    fn = sum(not s.report.hit and s.row["labels"]["relevant"] for s in scored)
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    wrong = [s.row["id"] for s in scored if s.report.hit != s.row["labels"]["relevant"]]
    assert precision >= 0.97, wrong
    assert recall >= 0.97, wrong


def test_every_labeled_person_on_the_watchlist_is_found(scored: list[Scored]) -> None:
    path = ROOT / "config" / "watchlists" / f"{WATCHLIST_ID}.yaml"
    on_list = {p["name"] for p in yaml.safe_load(path.read_text(encoding="utf-8"))["people"]}
    missing = []
    for s in scored:
        found = set(s.report.mentions.get(WATCHLIST_ID, []))
        for person in s.row["labels"]["people"]:
            if person in on_list and person not in found:
                missing.append((s.row["id"], person))
    assert missing == []


def test_no_person_is_found_that_the_labels_do_not_name(scored: list[Scored]) -> None:
    extra = [
        (s.row["id"], p)
        for s in scored
        for p in s.report.mentions.get(WATCHLIST_ID, [])
        if p not in s.row["labels"]["people"]
    ]
    assert extra == []
