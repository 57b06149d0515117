"""Held-out cases for issue 10, written for this file (never corpus text): one row per case,
each naming the class of real-news trouble it stands for. They were written before the
rules that pass them, so the first run measured the code as it was (docs/matching.md gives
the before and after).
"""

from __future__ import annotations

import pytest
import yaml

from monitor.config.watchlist import WatchlistConfig
from monitor.match import Matcher, compile_watchlists
from monitor.stories.origins import extract_origins
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    path = ROOT / "config" / "watchlists" / "nk-defections.yaml"
    wl = WatchlistConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return compile_watchlists([wl])


# (class, title, body, hit?)
RELEVANCE: list[tuple[str, str, str, bool]] = [
    (
        "weak words, subject in the sentence before",
        "Soldier detained at the frontier",
        "A North Korean soldier walked across the military demarcation line in the central "
        "sector before dawn on Friday. Troops took him into custody after he crossed, the "
        "military said.",
        True,
    ),
    (
        "weak words, subject in the sentence before",
        "Fishing boat found off the east coast",
        "Two North Koreans were spotted on a small wooden boat near Sokcho on Monday. The navy "
        "escorted them to port and took them into custody after they fled toward the coast.",
        True,
    ),
    (
        "weak words, an unrelated subject before (no claim)",
        "Bank robbers caught after a chase",
        "Pyongyang test-fired two cruise missiles on Sunday, its state media said. In Busan, "
        "police took a man into custody after he fled a bank with cash.",
        False,
    ),
    (
        "defectors as actors: leaflet launches",
        "Activists float balloons across the border",
        "Defectors in Seoul launched 20 large balloons carrying anti-Pyongyang leaflets and "
        "dollar bills toward North Korea overnight, the group said.",
        False,
    ),
    (
        "defectors as actors: an NGO's campaign",
        "Campaign urges China to halt forced returns",
        "A defector-led NGO began a petition drive on Tuesday urging Beijing to stop sending "
        "North Koreans caught in China back across the border.",
        False,
    ),
    (
        "defectors as sources: a survey",
        "Most North Koreans now own a mobile phone, poll suggests",
        "A poll of 350 North Korean defectors who left after 2018 found that seven in ten "
        "households had a mobile phone.",
        False,
    ),
    (
        "defectors as sources: an outlet's network",
        "Rice prices jump in Hyesan",
        "Rice prices in the North Korean city of Hyesan rose by a third in a month, according "
        "to an outlet that relies on a network of defectors with contacts inside the country.",
        False,
    ),
    (
        "defectors as sources: testimony at the UN",
        "UN council hears of forced labour",
        "Three North Korean defectors testified at a UN Security Council meeting on Thursday "
        "about forced labour in logging camps in Russia.",
        False,
    ),
    (
        "defection to the North by others",
        "Soldier who crossed into the North identified",
        "The US private who dashed across the demarcation line into North Korea during a "
        "tour of the truce village last week had been facing disciplinary action.",
        False,
    ),
    (
        "negation of the claim",
        "Crew sent home after rescue at sea",
        "South Korea returned five North Korean sailors rescued from a drifting boat; none of "
        "the crew had expressed any wish to defect, officials said.",
        False,
    ),
    (
        "'the South' with the North named in the headline only",
        "North Korean diplomat in Africa flees with family",
        "The envoy, posted to an embassy in West Africa, left his post in May and asked to be "
        "taken to the South, a lawmaker said on Wednesday.",
        True,
    ),
    (
        "Korean that avoids 탈북",
        "北 주민 2명 목선 타고 동해 넘어와…당국 신병 확보",
        "북한 주민 2명이 소형 목선을 타고 동해 북방한계선을 넘어와 군 당국이 신병을 확보했다. "
        "이들은 남한에 정착하고 싶다는 뜻을 밝힌 것으로 전해졌다.",
        True,
    ),
    (
        "Korean: a foreign subject, no 북한",
        "러시아 군인 1명 국경 넘어 망명 신청",
        "러시아 군인 1명이 국경을 넘어 이웃 나라에 망명을 신청했다고 현지 언론이 보도했다.",
        False,
    ),
    (
        "a plain report that never says 'defect'",
        "Former North Korean trade official now living in Seoul",
        "A former North Korean trade official who ran a company in Dalian escaped with his "
        "wife last year and is now living in Seoul, officials said.",
        True,
    ),
    (
        "a follow-up months later, named by the person",
        "Envoy who vanished in Rome surfaces in Seoul",
        "Jo Song-gil, the acting ambassador who disappeared from his post in Italy last year, "
        "has been living in South Korea since July, a lawmaker said.",
        True,
    ),
    (
        "a copy under a photo caption and a trailer",
        "Border guard defects, reports say",
        "In this photo provided by the Defense Ministry, a guard post stands in the DMZ. "
        "(Yonhap via AP)\n\nSEOUL (AP) - A North Korean soldier defected to South Korea across "
        "the central section of the border on Saturday, the military said.\n\nCopyright 2024 "
        "The Associated Press. All rights reserved.",
        True,
    ),
]


@pytest.mark.parametrize(
    ("kind", "title", "body", "hit"), RELEVANCE, ids=[f"{i:02d}" for i in range(len(RELEVANCE))]
)
def test_relevance_held_out(matcher: Matcher, kind: str, title: str, body: str, hit: bool) -> None:
    report = matcher.match(title, body)
    assert report.hit is hit, (kind, [m.to_json() for m in report.misses])


# (class, text, own outlet, origins)
ORIGINS: list[tuple[str, str, str, list[str]]] = [
    (
        "a relay dateline",
        "Seoul, Aug 3 (AFP) A North Korean man crossed the border on Saturday, the military said.",
        "The Sun Daily",
        ["AFP"],
    ),
    (
        "a dateline after a caption",
        "A watchtower at the border. (Photo: Reuters)\n\nSEOUL (Reuters) - A North Korean "
        "soldier crossed the border on Sunday.",
        "Gulf Times",
        ["Reuters"],
    ),
    (
        "a refusal to confirm is no credit",
        "A North Korean diplomat has defected, the JoongAng Ilbo reported. The National "
        "Intelligence Service would not confirm the report.",
        "NK Chronicle",
        ["JoongAng Ilbo"],
    ),
    (
        "'Source:' line",
        "A North Korean soldier crossed the border on Monday.\n\nSource: Yonhap, a South "
        "Korean news agency",
        "World Daily",
        ["Yonhap"],
    ),
]


@pytest.mark.parametrize(
    ("kind", "text", "own", "origins"), ORIGINS, ids=[f"{i:02d}" for i in range(len(ORIGINS))]
)
def test_origins_held_out(kind: str, text: str, own: str, origins: list[str]) -> None:
    assert extract_origins(text, own_outlet=own) == origins, kind
