"""Syndication: near-duplicate bodies are copies; different reports of one event are not."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from monitor.stories.fingerprint import (
    COPY_SIMILARITY,
    _simhash,
    containment,
    fingerprint,
    hamming,
    is_copy,
    shingles,
    similarity,
)
from tests.conftest import FIXTURES

CORPUS = FIXTURES / "corpus" / "dev.jsonl"

WIRE = """SEOUL, South Korea (AP) — A North Korean soldier fled across the border village of \
Panmunjom into South Korea on Monday and was wounded by gunfire from troops on the northern \
side, South Korean officials said.

According to South Korea's Joint Chiefs of Staff, the soldier made his dash in the afternoon, \
heading from the northern side of the Joint Security Area toward the southern side. Troops \
found him bleeding just south of the Military Demarcation Line.

Officials did not immediately disclose the soldier's rank or how badly he was hurt. The \
military said South Korean guards did not fire their weapons during the incident.

Defections through the Joint Security Area, where guards from the two Koreas stand only \
meters apart, are rare. North Korean soldiers last crossed there in 2007 and in 1998.

The U.N. Command, which oversees the truce village, said it had opened an investigation."""

OTHER_REPORT = """Seoul (AFP) - A North Korean soldier was shot and wounded by his own side \
as he defected across the heavily guarded Demilitarised Zone, Seoul said, in a rare dash \
through the truce village where the two sides' troops stand face to face.

The soldier, whose rank was not known, was taken by helicopter to hospital with gunshot \
wounds to his shoulder and elbow, the Joint Chiefs of Staff said in a statement.

Shots were heard from the northern side but the South's soldiers did not fire back, a \
military spokesman told reporters. Pyongyang has not commented on the incident."""


def _edit(text: str) -> str:
    """A reprint: dateline dropped, first sentence rewritten, last paragraph cut."""
    paragraphs = text.split("\n\n")[:-1]
    first = paragraphs[0].split("—", 1)[1]
    first = "A soldier from the North ran across Panmunjom on Monday" + first.split("Monday", 1)[1]
    return "\n\n".join([first, *paragraphs[1:]])


def _simhash_by_definition(hashes: set[int]) -> int:
    """SimHash as defined: bit i is set when more hashes have it set than not."""
    value = 0
    for bit in range(64):
        votes = sum(1 if (h >> bit) & 1 else -1 for h in hashes)
        if votes > 0:
            value |= 1 << bit
    return value


@pytest.mark.parametrize(
    "hashes",
    [
        set(),
        {0},
        {(1 << 64) - 1},
        {1 << 63, 1},  # a tie on bits 0 and 63: not set
        {1 << 63, (1 << 63) | 1, 1},  # two of three: set
        {0x0123456789ABCDEF, 0xFEDCBA9876543210, 0x00FF00FF00FF00FF},
        set(random.Random(7).getrandbits(64) for _ in range(1001)),
    ],
)
def test_simhash_counts_bits_as_defined(hashes: set[int]) -> None:
    assert _simhash(hashes) == _simhash_by_definition(hashes)


def test_fingerprint_is_the_simhash_of_the_hashed_shingles() -> None:
    for text in (WIRE, OTHER_REPORT, _edit(WIRE), "", "one", "탈북 병사 한 명이 군사분계선을"):
        assert fingerprint(text) == as_signed(_simhash_by_definition(set(shingles(text))))


def as_signed(value: int) -> int:
    """An unsigned 64-bit value as the signed one a BIGINT column holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def test_fingerprint_fits_a_signed_bigint_and_is_stable() -> None:
    value = fingerprint(WIRE)
    assert -(2**63) <= value < 2**63
    assert fingerprint(WIRE) == value
    assert similarity(value, value) == 1.0


def test_edited_reprint_is_a_copy() -> None:
    reprint = _edit(WIRE)
    assert reprint != WIRE
    assert containment(WIRE, reprint) > 0.9
    assert is_copy(WIRE, reprint)
    assert is_copy(reprint, WIRE)
    assert similarity(fingerprint(WIRE), fingerprint(reprint)) >= COPY_SIMILARITY


def test_another_outlets_report_of_the_same_event_is_not_a_copy() -> None:
    assert not is_copy(WIRE, OTHER_REPORT)
    assert containment(WIRE, OTHER_REPORT) < 0.2
    assert similarity(fingerprint(WIRE), fingerprint(OTHER_REPORT)) < COPY_SIMILARITY


def test_hamming_ignores_sign_representation() -> None:
    assert hamming(-1, (1 << 64) - 1) == 0
    assert hamming(0, -1) == 64


def test_tiny_texts_are_copies_only_when_identical() -> None:
    assert is_copy("North Korean defects", "North Korean defects")
    assert not is_copy("North Korean defects", "North Korean soldier defects")


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not present")
@pytest.mark.parametrize("method", ["containment", "simhash"])
def test_corpus_syndication_pairs(method: str) -> None:
    """Over all pairs of bodies, labelled wire copies are found and nothing else is."""
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    prints = {r["id"]: fingerprint(r["labels"]["body"]) for r in rows}
    tp = fp = fn = 0
    for a, b in itertools.combinations(rows, 2):
        truth = (
            b["id"] == a["labels"]["syndicated_from"] or a["id"] == b["labels"]["syndicated_from"]
        )
        if method == "containment":
            found = is_copy(a["labels"]["body"], b["labels"]["body"])
        else:
            found = similarity(prints[a["id"]], prints[b["id"]]) >= COPY_SIMILARITY
        tp += truth and found
        fp += found and not truth
        fn += truth and not found
    assert tp >= 5
    assert tp / (tp + fp) >= 0.9
    assert tp / (tp + fn) >= 0.9
