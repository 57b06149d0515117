"""Plain reports of a defection: wire copy that never says "defect".

Most real reports of a crossing or an arrival describe it: a North Korean (soldier,
diplomat, mother) crossed the border, reached the South, now lives in Seoul. The subject,
the move and the direction make the claim; no single word does. Beside them, the look-alikes
that must stay quiet: a brief incursion that ended in a retreat, a delegation that came for
talks, athletes who arrived for a tournament. Every case is written for this file.
"""

from __future__ import annotations

import pytest

from monitor.match import Matcher, compile_watchlists
from tests.conftest import shipped_watchlist

WL = "nk-defections"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return compile_watchlists([shipped_watchlist(WL)])


PLAIN: list[tuple[str, str]] = [
    (
        "Soldier crosses in western sector",
        "A North Korean soldier crossed the heavily armed border in the western sector early "
        "Monday and was taken into custody, South Korea's military said.",
    ),
    (
        "Trade official now in the South",
        "A former North Korean trade official who vanished from his post in Vladivostok last "
        "year is now living in South Korea, a government official said on Friday.",
    ),
    (
        "Mother reaches the South after years in China",
        "A North Korean mother who spent eight years in hiding in China reached South Korea in "
        "March after an overland journey through Laos, the group that guided her said.",
    ),
    (
        "Engineer builds a new life",
        "The engineer escaped from North Korea in 2020 and settled in Seoul, where he now "
        "writes software for a logistics firm.",
    ),
    (
        "북한 주민, 한강 하구 헤엄쳐 건너와",
        "북한 주민 1명이 썰물 때 한강 하구를 헤엄쳐 남측으로 건너왔으며 군이 신병을 확보했다고 "
        "합동참모본부가 밝혔다.",
    ),
    (
        "Two soldiers cross in the east",
        "Two North Korean soldiers walked across the demarcation line in the eastern sector "
        "on Sunday, and troops guided them to safety, officials said.",
    ),
]

LOOKALIKES: list[tuple[str, str]] = [
    (
        "Warning shots after brief incursion",
        "Several North Korean soldiers briefly crossed the military demarcation line while "
        "laying mines and retreated after warning shots, the South's military said.",
    ),
    (
        "Drifting crew sent home",
        "Four North Korean fishermen whose engine failed drifted across the sea border and were "
        "sent back on Friday after saying they wanted to go home.",
    ),
    (
        "Families fear new rules on remittances",
        "Park, a North Korean defector who now lives in Seoul, said the new rules on sending "
        "money to relatives would hurt families on both sides.",
    ),
    (
        "Delegation in Seoul for talks",
        "A North Korean delegation arrived in Seoul on Tuesday for two days of talks on "
        "reopening the joint liaison office.",
    ),
    (
        "Table tennis team lands for the championship",
        "North Korean table tennis players arrived in South Korea on Sunday to take part in "
        "the world team championship in Busan.",
    ),
]


@pytest.mark.parametrize(("title", "body"), PLAIN)
def test_a_north_korean_who_crossed_or_arrived_is_a_hit(
    matcher: Matcher, title: str, body: str
) -> None:
    report = matcher.match(title, body)
    assert [h.watchlist for h in report.hits] == [WL], report.misses


@pytest.mark.parametrize(("title", "body"), LOOKALIKES)
def test_a_visit_or_a_retreat_is_no_defection(matcher: Matcher, title: str, body: str) -> None:
    assert matcher.match(title, body).hits == []


def test_one_sense_per_article(matcher: Matcher) -> None:
    """A party switch whose story mentions North Korea policy: the later "the defection"
    means the same party switch, so it may not borrow the article's North Korea context."""
    title = "Lawmaker defects to the opposition over North Korea policy"
    body = (
        "A senior ruling party lawmaker defected to the opposition on Monday, citing the "
        "government's North Korea policy. His former party called the defection a betrayal "
        "of voters."
    )
    report = matcher.match(title, body)
    assert report.hits == []
    assert "other-sense" in {m.reason for m in report.misses}
