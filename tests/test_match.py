"""Matching with the default watchlist: what is a hit, what is not, and why."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config.watchlist import PersonConfig, WatchlistConfig
from monitor.match import Matcher, compile_watchlists
from tests.conftest import FIXTURES, ROOT, shipped_watchlist
from tests.loopback import LoopbackServer

WATCHLIST = ROOT / "config" / "watchlists" / "nk-defections.yaml"


def default_watchlist() -> WatchlistConfig:
    return shipped_watchlist()


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return compile_watchlists([default_watchlist()])


def test_default_watchlist_is_complete() -> None:
    wl = default_watchlist()
    assert len(wl.people) >= 40
    assert {p.role for p in wl.people} == {"target", "context"}
    assert all(p.note for p in wl.people)


# --- hits: (title, body, people expected) ---------------------------------------------
HITS = [
    ("North Korean diplomat defects to South", "", []),
    ("", "A North Korean soldier defected across the DMZ on Monday.", []),
    ("", "The N. Korean defector arrived in Seoul last week.", []),
    ("", "Two North Korean fishermen sought asylum, officials said.", []),
    ("", "North Korea's envoy in Rome has switched sides, a lawmaker said.", []),
    ("", "The North Korean escapee spoke to reporters in Seoul.", []),
    ("", "The diplomat fled to the South with his family, Pyongyang watchers say.", []),
    ("", "A DPRK soldier walked across the MDL and was taken in; he had fled his unit.", []),
    ("", "Thae Yong-ho spoke at the National Assembly on Tuesday.", ["Thae Yong-ho"]),
    ("", "THAE YONG HO spoke at the assembly.", ["Thae Yong-ho"]),
    ("", "Thae Yongho spoke at the assembly.", ["Thae Yong-ho"]),
    ("", "Yong-ho Thae spoke at the assembly.", ["Thae Yong-ho"]),
    ("", "Tae Yong-ho, a lawmaker, spoke.", ["Thae Yong-ho"]),
    ("", "Thae\u00a0Yong\u2011ho spoke.", ["Thae Yong-ho"]),
    ("", "Thae Ku-min won the Gangnam seat.", ["Thae Yong-ho"]),
    ("", "His name is also romanised as Ryu Hyon U.", ["Ryu Hyun-woo"]),
    ("", "The envoy, Hyun-woo Ryu, reached Seoul.", ["Ryu Hyun-woo"]),
    ("", "Cho Song-gil vanished in Rome.", ["Jo Song-gil"]),
    ("", "Lee Il-kyu said diplomats want to leave.", ["Ri Il-gyu"]),
    ("", "태영호는 17일 기자회견을 열었다.", ["Thae Yong-ho"]),
    ("", "정부는 태영호에게 신변 보호를 제공했다.", ["Thae Yong-ho"]),
    ("", "태구민 의원이 발언했다.", ["Thae Yong-ho"]),
    ("북한군 1명 군사분계선 넘어 귀순", "", []),
    ("", "북한 외교관 일가가 한국에 망명했다.", []),
    ("", "탈북민 가족이 지난달 입국했다.", []),  # (a defector group's press event: not a claim)
    ("[단독] 北 외교관 가족과 한국행", "", []),
    # intentions and asylum requests, without the word "defect"
    ("", "The North Korean fisherman expressed his wish to remain in South Korea.", []),
    ("", "Three North Koreans entered the South Korean consulate in Shenyang.", []),
    ("", "Two North Korean soldiers captured in Ukraine want to go to South Korea.", []),
]


@pytest.mark.parametrize(("title", "body", "people"), HITS)
def test_hit(matcher: Matcher, title: str, body: str, people: list[str]) -> None:
    report = matcher.match(title, body)
    hit = report.get("nk-defections")
    assert hit is not None, report.misses
    assert hit.score >= hit.threshold
    for name in people:
        assert name in hit.people


# --- not hits: (title, body) --------------------------------------------------------------
NOT_HITS = [
    ("Asian Games", "North Korean athletes arrived and will stay in South Korea for two weeks."),
    ("Party politics", "The lawmaker defected to the opposition over North Korea policy."),
    ("Automaker recalls cars over defective airbag", "Owners of the cars should see a dealer."),
    ("Zika causes birth defects, CDC says", "The virus causes birth defects and brain defects."),
    (
        "Cuban baseball players defect in Mexico",
        "Nine players on Cuba's under-23 team defected after the tournament in Mexico.",
    ),
    (
        "Russian pilot who defected to Ukraine found dead",
        "Maksim Kuzminov flew his helicopter to Ukraine and defected in August.",
    ),
    (
        "North Korea fires missile over Japan",
        "North Korea fired a missile over Japan. Residents escaped to shelters. "
        "There was no escape from a sense of deja vu.",
    ),
    (
        "Figo's defection from Barcelona to Real Madrid",
        "Fans called his defection to the capital club a betrayal.",
    ),
    (
        "Kim Jong Un meets Putin",
        "Kim Jong Un and Kim Yo Jong visited Vostochny. Closer ties could help Pyongyang "
        "escape some of its isolation.",
    ),
    (
        "UN panel on North Korea sanctions ends",
        "Without the panel it would be easier for Pyongyang to escape detection.",
    ),
    ("A faulty update", "The outage was caused by a defect in one update, not by North Korea."),
    ("Tory MP defects to Labour", "She walked across the chamber to join Labour."),
    ("Song of the year", "Oh, the song Jon wrote for Yu was a hit; son and moon rhyme."),
]


@pytest.mark.parametrize(("title", "body"), NOT_HITS)
def test_not_a_hit(matcher: Matcher, title: str, body: str) -> None:
    report = matcher.match(title, body)
    assert report.hits == [], [h.to_json() for h in report.hits]


def test_a_missile_story_naming_kim_jong_un_names_him_without_a_hit(matcher: Matcher) -> None:
    report = matcher.match(
        "Kim Jong Un oversees missile launch",
        "Kim Jong Un watched the launch; the missile escaped radar detection, officials said.",
    )
    assert report.hits == []
    assert report.mentions["nk-defections"] == ["Kim Jong Un"]
    assert "context-person-only" in {m.reason for m in report.misses}


@pytest.mark.parametrize(
    ("text", "reason", "term"),
    [
        ("The car had a defective airbag, North Korea aside.", "excluded", "defect*"),
        ("Nine Cuban players defected in Mexico.", "no-context", "defect*"),
        ("북한 관광객 출입국 절차가 바뀌었다.", "excluded", "입국"),
        ("한국행정연구원이 북한 보고서를 냈다.", "excluded", "한국행"),
    ],
)
def test_misses_explain_why(matcher: Matcher, text: str, reason: str, term: str) -> None:
    report = matcher.match("", text)
    assert report.hits == []
    assert any(m.reason == reason and m.term == term for m in report.misses), report.misses


@pytest.mark.parametrize(
    "body",
    [
        "The defectors' defectiveness aside",  # 'defect' inside a longer word is a prefix match
        "Pyongyang-based firms; no one defected.",
    ],
)
def test_word_boundaries_hyphen_and_possessive(matcher: Matcher, body: str) -> None:
    report = matcher.match("", "A North Korean official said: " + body)
    assert report.hit


@pytest.mark.parametrize(
    "body",
    [
        "Mr Athae Yong-hoon spoke.",  # inside other words
        "The thae yong-hos are not a name.",
        "북한 김정은이라는 이름과 태영호텔은 다르다.",  # 태영호 inside 태영호텔 (hotel)
    ],
)
def test_names_do_not_match_inside_words(matcher: Matcher, body: str) -> None:
    report = matcher.match("", body)
    assert "Thae Yong-ho" not in report.mentions.get("nk-defections", [])


def test_title_weighs_more(matcher: Matcher) -> None:
    in_title = matcher.match("North Korean diplomat defects", "").hits[0]
    in_body = matcher.match("", "North Korean diplomat defects").hits[0]
    assert in_title.score > in_body.score
    assert in_title.matches[0].field == "title"


def test_explanation_offsets_point_into_the_original_text(matcher: Matcher) -> None:
    body = (
        "Intro.\n\nThae\u00a0Yong\u2011ho, who DEFECTED from North Korea’s London embassy, spoke."
    )
    hit = matcher.match("", body).hits[0]
    for m in hit.matches:
        assert body[m.start : m.end] == m.text
        assert " ".join(m.text.split()) in m.snippet
    rules = {(m.rule, m.term, m.text) for m in hit.matches}
    assert ("target-person", "Thae Yong-ho", "Thae\u00a0Yong\u2011ho") in rules
    assert ("keyword", "defect*", "DEFECTED") in rules
    data = json.loads(json.dumps(hit.to_json()))
    assert data["watchlist"] == "nk-defections" and data["people"] == ["Thae Yong-ho"]


def test_context_person_adds_weight_only_next_to_a_keyword(matcher: Matcher) -> None:
    near = matcher.match("", "Kim Jong Un's aide defected, North Korea watchers said.").hits[0]
    far = matcher.match(
        "", "Kim Jong Un spoke. A North Korean aide defected. Weather was fine."
    ).hits[0]
    assert "context-person" in {m.rule for m in near.matches}
    assert "context-person" not in {m.rule for m in far.matches}
    assert near.score > far.score
    assert "Kim Jong Un" in far.people  # recognised and recorded anyway


def test_word_window_instead_of_sentence() -> None:
    wl = WatchlistConfig(id="w", keywords=["defect*"], context=["north korea"], context_window=3)
    m = compile_watchlists([wl])
    assert m.match("", "North Korea. Soldier defected.").hit
    assert not m.match("", "North Korea has many soldiers; one of whom quietly defected.").hit


def test_only_one_watchlist_and_all_in_one_pass() -> None:
    a = WatchlistConfig(id="a", keywords=["defect*"], context=["north korea"])
    b = WatchlistConfig(
        id="b", people=[PersonConfig(name="Jo Song-gil")], keywords=["asylum"], context=["rome"]
    )
    m = compile_watchlists([a, b])
    report = m.match("", "Cho Song Gil defected from North Korea.")
    assert [h.watchlist for h in report.hits] == ["a", "b"]
    assert [h.watchlist for h in m.match("", "Cho Song Gil defected.", only="b").hits] == ["b"]
    with pytest.raises(KeyError):
        m.match("", "x", only="nope")


def test_target_weight_below_threshold_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="target_person"):
        WatchlistConfig(
            id="x", people=[PersonConfig(name="Jo Song-gil")], threshold=5, weights={"keyword": 2}
        )


@pytest.mark.parametrize("alias", ["Oh", "Yu", "Tae"])
def test_short_aliases_are_refused(alias: str) -> None:
    with pytest.raises(ValueError, match="too short"):
        PersonConfig(name="Oh Chong-song", aliases=[alias])


# --- seeds -----------------------------------------------------------------------------
SEEDS = {
    # file: (headline line, people named)
    "000_9021b611c4a6350f.txt": (
        "North Korean diplomat’s family in China defects to South",
        {"Ryu Hyun-woo"},
    ),
    "003_41f37f06a704f8cf.txt": (
        "North Korea embassy official defects in Beijing",
        {"Kim Jong Un"},
    ),
    "004_2de3947ea0e8c097.txt": (None, {"Hwang Jang-yop", "Kim Jong Un"}),
}


def seed_article(text: str, headline: str | None) -> tuple[str, str]:
    """The seed's article part: headline and the paragraphs after it, without chrome lines."""
    lines = [ln.strip() for ln in text.splitlines()]
    start = 0
    title = ""
    if headline is not None:
        start = next(i for i, ln in enumerate(lines) if ln.startswith(headline))
        title = lines[start]
        start += 1
    chrome = {"- Advertisement -", "LATEST NEWS", "Popular Articles", "spot_img"}
    body = [ln for ln in lines[start:] if ln and ln not in chrome]
    return title, "\n\n".join(body)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_texts_are_hits_with_explanations(matcher: Matcher, name: str) -> None:
    headline, people = SEEDS[name]
    title, body = seed_article((FIXTURES / "seeds" / name).read_text(encoding="utf-8"), headline)
    hit = matcher.match(title, body).get("nk-defections")
    assert hit is not None
    assert "defect*" in hit.terms
    assert people <= set(hit.people)
    assert any(m.rule == "keyword" and m.text.lower().startswith("defect") for m in hit.matches)


# --- a page whose only defection mention is in the related-links box --------------------
RELATED_ONLY_PAGE = """<!doctype html><html lang="en"><head><title>Opposition wins election</title>
<meta property="og:title" content="Opposition bloc wins landslide in general election"></head>
<body><nav class="menu"><a href="/">Home</a> <a href="/nk">North Korea</a></nav>
<article><h1>Opposition bloc wins landslide in general election</h1>
<p>South Korea's main opposition party won 175 of the 300 seats in the National Assembly in
Wednesday's general election, dealing a heavy blow to the president and his ruling party.</p>
<p>Turnout was 67 percent, the highest for a general election in 32 years, according to the
National Election Commission, which published the final results on Thursday morning.</p>
<p>Analysts said the result could leave the president a lame duck for the rest of his term,
with the opposition able to block his legislative agenda in the coming years.</p>
</article>
<aside class="related"><h2>Related</h2><ul>
<li><a href="/a1">North Korean diplomat in Cuba defects to South Korea</a></li>
<li><a href="/a2">North Korean soldier defects across the DMZ</a></li>
<li><a href="/a3">탈북민 3만4천명 시대</a></li></ul></aside>
<footer class="footer">Copyright</footer></body></html>"""


def test_related_links_box_is_not_matched(matcher: Matcher) -> None:
    from monitor.extract.article import extract_article

    extracted = extract_article(RELATED_ONLY_PAGE, "https://news.example/election")
    assert extracted is not None
    assert "defects" not in extracted.text
    assert matcher.match(extracted.title or "", extracted.text).hits == []
    # The same page matched as raw text would be a hit: the box alone is enough.
    assert matcher.match("", RELATED_ONLY_PAGE).hit


# --- monitor match ---------------------------------------------------------------------
ARTICLE_PAGE = RELATED_ONLY_PAGE.replace(
    "<p>Turnout was 67 percent",
    "<p>Thae Yong-ho, the North Korean defector who won a Gangnam seat in 2020, "
    "lost his race.</p><p>Turnout was 67 percent",
)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "watchlists" / "nk-defections.yaml").write_bytes(WATCHLIST.read_bytes())
    (tmp_path / "monitor.yaml").write_text("feeds: []\n", encoding="utf-8")
    return tmp_path


def run_cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["match", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_cli_json_for_an_html_file(tmp_path: Path, config_dir: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(ARTICLE_PAGE, encoding="utf-8")
    code, out, _ = run_cli(str(page), "--json", "--config", str(config_dir / "monitor.yaml"))
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"hits", "misses"}
    (hit,) = data["hits"]
    assert hit["watchlist"] == "nk-defections" and hit["score"] >= 3
    assert hit["people"] == ["Thae Yong-ho"]
    assert {m["rule"] for m in hit["matches"]} >= {"target-person", "keyword"}


def test_cli_no_hit_shows_closest_misses(config_dir: Path) -> None:
    text = "Cuban players defect\nNine players on Cuba's team defected in Mexico.\n"
    code, out, _ = run_cli("-", "--config", str(config_dir / "monitor.yaml"), stdin=text)
    assert code == 0
    assert "no hit" in out and "no-context" in out and "defected" in out


def test_cli_table_explains_a_hit(config_dir: Path) -> None:
    text = "N. Korean soldier defects\nHe walked across the MDL, the JCS said.\n"
    code, out, _ = run_cli("-", "--config", str(config_dir / "monitor.yaml"), stdin=text)
    assert code == 0
    assert "HIT" in out and "nk-defections" in out and "defect*" in out


def test_cli_reports_a_url_that_fails(http_server: LoopbackServer, config_dir: Path) -> None:
    code, _, err = run_cli(http_server.url("/gone"), "--config", str(config_dir / "monitor.yaml"))
    assert code == 1
    assert "HTTP 404" in err


def test_cli_fetches_a_url(http_server: LoopbackServer, config_dir: Path) -> None:
    url = http_server.static("/article", ARTICLE_PAGE, content_type="text/html; charset=utf-8")
    code, out, _ = run_cli(url, "--json", "--config", str(config_dir / "monitor.yaml"))
    assert code == 0
    assert json.loads(out)["hits"][0]["people"] == ["Thae Yong-ho"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["/nonexistent/article.html"], 1),
        (["-", "--watchlist", "no-such-list"], 2),
        (["-", "--config", "/nonexistent/monitor.yaml"], 2),
        (["URL/missing"], 1),
    ],
)
def test_cli_exit_codes(
    http_server: LoopbackServer, config_dir: Path, args: list[str], code: int
) -> None:
    args = [a.replace("URL", http_server.url("")) for a in args]
    if "--config" not in args:
        args = [*args, "--config", str(config_dir / "monitor.yaml")]
    assert run_cli(*args, stdin="t\nb\n")[0] == code


@pytest.mark.slow
def test_cli_json_is_one_document_on_stdout(config_dir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "match", "-", "--json", "--config",
         str(config_dir / "monitor.yaml")],
        input="North Korean defects\nA North Korean soldier defected.\n",
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["hits"][0]["terms"] == ["defect*"]


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("Orders came from Ri Il-gyuThe next day the embassy was empty.", True),  # lost space
        ("Ri Il-gyu, a counsellor, left Havana.", True),
        ("Ri Il-gyuan was a different man.", False),  # a longer name, not glue
        ("RI IL-GYUTHE", False),  # all capitals: no case change to show a lost space
    ],
)
def test_a_name_glued_to_the_next_word_by_a_lost_space(body: str, found: bool) -> None:
    wl = WatchlistConfig(id="g", people=[PersonConfig(name="Ri Il-gyu")])
    report = compile_watchlists([wl]).match("", body)
    assert ("Ri Il-gyu" in report.mentions.get("g", [])) is found
