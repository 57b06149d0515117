"""Origins: which outlets an article credits for its news, and outlet name normalization."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.stories.origins import (
    article_origins,
    copy_origins,
    extract_citations,
    extract_origins,
    wire_source,
)
from monitor.stories.outlets import is_official, normalize_outlet
from tests.conftest import FIXTURES

SEEDS = FIXTURES / "seeds"
CORPUS = FIXTURES / "corpus" / "dev.jsonl"


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Yonhap", "Yonhap"),
        ("Yonhap News Agency", "Yonhap"),
        ("연합뉴스", "Yonhap"),
        ("YNA", "Yonhap"),
        ("Korea JoongAng Daily", "JoongAng Ilbo"),
        ("중앙일보", "JoongAng Ilbo"),
        ("The JoongAng Ilbo newspaper", "JoongAng Ilbo"),
        ("TV조선", "TV Chosun"),
        ("조선일보", "Chosun Ilbo"),
        ("KBS World", "KBS"),
        ("한국방송", "KBS"),
        ("the Associated Press", "AP"),
        ("Agence France-Presse", "AFP"),
        ("VOA", "Voice of America"),
        ("BBC", "BBC News"),
        ("RFA", "Radio Free Asia"),
        ("매일경제", "Maeil Business Newspaper"),
        ("Ministry of Unification", "Unification Ministry"),
        ("국정원", "National Intelligence Service"),
        ("합동참모본부", "Joint Chiefs of Staff"),
        ("Defense Ministry", "Ministry of National Defense"),
        ("  Some   Local Blog ", "Some Local Blog"),
    ],
)
def test_normalize_outlet(name: str, canonical: str) -> None:
    assert normalize_outlet(name) == canonical


def test_official_sources_follow_the_configured_list() -> None:
    assert is_official("통일부")
    assert not is_official("Yonhap")
    assert is_official("Yonhap", ["Yonhap News Agency"])
    assert not is_official("통일부", ["National Intelligence Service"])


@pytest.mark.parametrize(
    ("text", "own", "expected"),
    [
        ("SEOUL (Reuters) - A North Korean soldier crossed the border.", "Reuters", []),
        (
            "SEOUL (Reuters) - A North Korean soldier crossed the border.",
            "Straits Times",
            ["Reuters"],
        ),
        ("SEOUL, South Korea (AP) — A soldier crossed, officials said.", "CityNews", ["AP"]),
        ("A soldier crossed the border, according to Yonhap news agency.", "UPI", ["Yonhap"]),
        ("TV Chosun reported that a diplomat had fled.", "Korea Daily", ["TV Chosun"]),
        ("A diplomat fled, a source told TV Chosun.", "Korea Daily", ["TV Chosun"]),
        ("The crossing was first reported by Yonhap news agency.", "AP", ["Yonhap"]),
        ("The JoongAng Ilbo, which first reported the case, named him.", "AFP", ["JoongAng Ilbo"]),
        ("Yonhap reported, citing military sources, that he swam.", "UPI", ["Yonhap"]),
        (
            "The man defected, the Unification Ministry said Friday.",
            "Yonhap",
            ["Unification Ministry"],
        ),
        ("The JCS said no unusual movement was seen.", "KBS", ["Joint Chiefs of Staff"]),
        ("The NIS declined to comment.", "Reuters", []),
        ("The Unification Ministry said it was unable to confirm the report.", "AFP", []),
        ("Investigators from the National Intelligence Service questioned him.", "AP", []),
        ("A soldier crossed.\n\n(Yonhap)", "Korea Herald", ["Yonhap"]),
        ("A soldier crossed.\n\nThe Associated Press contributed to this report.", "S&S", ["AP"]),
        ("연합뉴스에 따르면 북한 주민 1명이 귀순했다.", "KBS", ["Yonhap"]),
        ("앞서 중앙일보는 16일 외교관이 잠적했다고 보도했다.", "Yonhap", ["JoongAng Ilbo"]),
        ("통일부는 이날 정례브리핑에서 이같이 밝혔다.", "Yonhap", ["Unification Ministry"]),
        ("국가정보원은 관련 사실을 확인해 줄 수 없다는 입장을 밝혔다.", "Maeil Business", []),
        ("(서울=연합뉴스) 북한 병사 1명이 귀순했다.", "Naver", ["Yonhap"]),
    ],
)
def test_extract_origins(text: str, own: str, expected: list[str]) -> None:
    assert extract_origins(text, own_outlet=own) == expected


def test_officials_quoted_for_background_are_not_origins() -> None:
    text = (
        "Two families crossed the sea border by boat, military officials said.\n\n"
        "According to the Unification Ministry, just 67 defectors reached the South last year."
    )
    assert extract_origins(text, own_outlet="JoongAng") == []


def test_an_article_without_credits_is_its_own_origin() -> None:
    text = "A North Korean diplomat in London has fled with his family, a source said."
    assert article_origins(text, own_outlet="Korea JoongAng Daily") == ["JoongAng Ilbo"]
    text = "A soldier crossed the MDL, the Joint Chiefs of Staff said."
    assert article_origins(text, own_outlet="KBS") == ["Joint Chiefs of Staff"]


def test_copy_credits_the_agency_it_reprints() -> None:
    original = "SEOUL (Reuters) - An envoy defected, the Maeil Business Newspaper reported."
    assert wire_source(original, own_outlet="Reuters") == "Reuters"
    own = extract_origins(
        "An envoy defected, the Maeil Business Newspaper reported.", own_outlet="TOI"
    )
    merged = copy_origins(
        own,
        original_source=wire_source(original, own_outlet="Reuters"),
        original_origins=extract_origins(original, own_outlet="Reuters"),
        outlet="Times of India",
    )
    assert merged == ["Reuters", "Maeil Business Newspaper"]


def _seed(prefix: str) -> str:
    """The article part of a seed page: what follows the first ad marker, if any."""
    text = next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    return text.split("- Advertisement -", 1)[1] if "- Advertisement -" in text else text


def test_seed_000_credits_tv_chosun() -> None:
    assert extract_origins(_seed("000"), own_outlet="Korea Daily") == ["TV Chosun"]


def test_seed_003_credits_yonhap_and_joongang() -> None:
    origins = extract_origins(_seed("003"), own_outlet="Inquirer")
    assert origins == ["Yonhap", "JoongAng Ilbo"]  # the ministry could not confirm: no credit


def test_seed_004_credits_kbs_and_yonhap_and_cites_voa() -> None:
    text = _seed("004")
    assert extract_origins(text, own_outlet="Inquisitr") == ["KBS", "Yonhap"]
    cited = {c.name for c in extract_citations(text) if c.kind == "cite"}
    assert "Voice of America" in cited


def _corpus() -> list[dict[str, object]]:
    return [json.loads(line) for line in Path(CORPUS).read_text(encoding="utf-8").splitlines()]


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not present")
def test_origins_agree_with_corpus_labels() -> None:
    """Relevant articles: credited origins (copies inherit their original's) match labels."""
    rows = _corpus()
    by_id = {r["id"]: r for r in rows}
    agree = total = 0
    for row in rows:
        labels = row["labels"]
        assert isinstance(labels, dict)
        if not labels["relevant"]:
            continue
        outlet = str(row["outlet"])
        got = extract_origins(labels["body"], own_outlet=outlet)
        if labels["syndicated_from"]:
            orig = by_id[labels["syndicated_from"]]
            olabels = orig["labels"]
            assert isinstance(olabels, dict)
            got = copy_origins(
                got,
                original_source=wire_source(olabels["body"], own_outlet=str(orig["outlet"])),
                original_origins=extract_origins(olabels["body"], own_outlet=str(orig["outlet"])),
                outlet=outlet,
            )
        total += 1
        agree += got == labels["origin"]
    assert total >= 20
    assert agree / total >= 0.9


# --- origins as papers write them (issue 10): each case a class, in our own words ----------

OFFICIAL = ["Unification Ministry", "National Intelligence Service", "Joint Chiefs of Staff"]
LEAD_FILL = " The man was in good health and was being questioned by investigators, it said."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Busan, Mar 3 (Kyodo) A fishing boat from the North reached the port, the coast "
            "guard said." + LEAD_FILL,
            ["Kyodo"],
            id="relay dateline without a dash",
        ),
        pytest.param(
            "Guards walk along the fence. (Yonhap via AP)\n\nSEOUL (Reuters) - A soldier walked "
            "across the border on Tuesday." + LEAD_FILL,
            ["Reuters"],
            id="dateline after a photo caption",
        ),
        pytest.param(
            "A diplomat fled his post in Europe last month." + LEAD_FILL + "\n\n"
            "Source: Sankei Shimbun, a Japanese daily",
            ["Sankei Shimbun"],
            id="source line naming a Japanese daily",
        ),
        pytest.param(
            "A diplomat fled his post, the Asahi Shimbun, which first reported the case, said."
            + LEAD_FILL,
            ["Asahi Shimbun"],
            id="which first reported",
        ),
        pytest.param(
            "The envoy is now in Seoul, according to lawmakers briefed by the spy agency of "
            "the South, and South Korea's spy agency told them he came with his wife." + LEAD_FILL,
            ["National Intelligence Service"],
            id="lawmakers briefed by the spy agency",
        ),
        pytest.param(
            "A man crossed the border on Monday, a Joint Chiefs of Staff official said."
            + LEAD_FILL,
            ["Joint Chiefs of Staff"],
            id="an official of the body speaks in the lead",
        ),
        pytest.param(
            "A man crossed the border on Monday, the Korea Herald reported.\n\nThe National "
            "Intelligence Service would not confirm the report." + LEAD_FILL,
            ["Korea Herald"],
            id="a refusal to confirm is no credit",
        ),
        pytest.param(
            "A pilot flew his jet into the country, the Korea Herald reported.\n\n"
            "Japan's Defense Ministry said it was tracking the flight." + LEAD_FILL,
            ["Korea Herald"],
            id="another state's body is not ours",
        ),
        pytest.param(
            "북한 병사 1명이 귀순했다고 교도통신이 보도했다." + LEAD_FILL,
            ["Kyodo"],
            id="a Japanese wire named in Korean",
        ),
    ],
)
def test_origins_as_papers_write_them(text: str, expected: list[str]) -> None:
    found = extract_origins(text, own_outlet="Some Site", official_sources=OFFICIAL)
    assert found == expected


def test_an_official_quoted_deep_in_the_text_is_detail_not_the_origin() -> None:
    text = (
        "A soldier crossed the border on Monday, the Korea Herald reported."
        + LEAD_FILL
        + "\n\nHis unit had been on duty for a week, the paper said, citing nobody else."
        + "\n\nThe border has many guard posts along its length and is watched day and night."
        + "\n\nA Unification Ministry spokesperson said separately that resettlement aid rose."
    )
    assert extract_origins(text, own_outlet="Site", official_sources=OFFICIAL) == ["Korea Herald"]


def test_a_copy_never_credits_the_site_it_was_copied_through() -> None:
    own = ["The Straits Times"]  # "This article was first published in The Straits Times"
    origins = copy_origins(
        own,
        original_source="Reuters",
        original_origins=["KCNA"],
        outlet="AsiaOne",
        reposters=["The Straits Times"],
    )
    assert origins == ["Reuters", "KCNA"]
