"""Defection claims on the default watchlist: one table per class of real-news trouble.

Every case is written for this file (never corpus text). A case is (title, body, hit?, and
for a miss the reason the matcher must give). The classes: defectors as sources, defection
toward the North, negation, foreign defectors, "the South" with the North named elsewhere,
self-contextual phrases, Korean without 탈북, photo captions before the dateline, and the
phrase families (wish/ask ... stay/live/settle ... South).
"""

from __future__ import annotations

import pytest

from monitor.config.watchlist import ClaimsConfig
from monitor.match import Matcher, MatchReport, compile_watchlists
from monitor.match.claims import ClaimRules
from monitor.match.normalize import normalize
from tests.conftest import shipped_watchlist

WL = "nk-defections"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return compile_watchlists([shipped_watchlist(WL)])


def reasons(report: MatchReport) -> set[str]:
    return {m.reason for m in report.misses}


Case = tuple[str, str, bool, str | None]

SOURCES: list[Case] = [
    (
        "Prison camp guards beat inmates for praying, study finds",
        "A rights group said its study, based on interviews with 212 North Korean defectors, "
        "found that guards routinely beat inmates caught praying.",
        False,
        "source",
    ),
    (
        "Smuggled phones spread in border towns",
        "North Korean defectors told researchers that smuggled Chinese phones now reach "
        "villages far from the border.",
        False,
        "source",
    ),
    (
        "Markets outlast rationing in the North",
        "According to defector testimony gathered over a decade, North Korean households now "
        "buy most of their rice at private markets.",
        False,
        "source",
    ),
    (
        "Public trials return in provincial towns",
        "The watchdog mapped 90 sites of public trials from the accounts of 400 people who "
        "escaped North Korea between 2010 and 2020.",
        False,
        "source",
    ),
    (
        "탈북민 설문 결과 공개",
        "통일부는 탈북민 3천여 명을 대상으로 한 설문 결과 북한 주민의 외부 정보 접촉이 늘었다고 "
        "밝혔다. 탈북민의 64.2%는 남한 드라마를 본 적이 있다고 답했다.",
        False,
        "source",
    ),
    (
        "Grain prices double in northern provinces",
        "Rice now costs twice what it did a year ago in North Korea's northern provinces.\n\n"
        "The defectors, who spoke on condition that their names be withheld, said state "
        "rations had stopped.",
        False,
        "source",
    ),
    (
        "Foreign films spread despite the ban",
        "A survey of 2,400 North Korean defectors found that most had watched foreign films.",
        False,
        "source",
    ),
    (
        "Labour camp beatings",
        "The beatings were described by three North Korean escapees who fled last year.",
        False,
        "source",
    ),
    (
        "Power cuts in Pyongyang",
        "Lee, a North Korean defector who now teaches in Busan, said blackouts were daily.",
        False,
        "source",
    ),
    (
        "외국 영상 시청 늘어",
        "북한이탈주민 대상 설문에 따르면 북한 주민의 외국 영상 시청이 늘었다.",
        False,
        "source",
    ),
    # defectors as the actors of another story: groups, activists
    (
        "Defector groups vow more leaflet launches",
        "Activist groups run by North Korean defectors said they would keep sending leaflets "
        "across the border despite the ban.",
        False,
        "source",
    ),
    (
        "탈북민 단체, 전단 살포 예고",
        "탈북민 단체가 대북 전단을 다시 보내겠다고 밝혔다.",
        False,
        "source",
    ),
    (
        "Smuggled radios reach border towns, outlet says",
        "A defector-run news outlet said smuggled radios now reach North Korean border towns.",
        False,
        "source",
    ),
    # the group named far from the lead is background: it needs more than itself
    (
        "Pyongyang opens a new hospital",
        "North Korea opened a hospital in Pyongyang on Monday.\n\nState media showed doctors "
        "at work.\n\nThe capital also has new flats.\n\nSome North Korean defectors in Seoul "
        "watched the broadcast.",
        False,
        None,
    ),
    # a defector who speaks is the news: not a source
    (
        "",
        "The North Korean defector told reporters in Seoul how he swam across the river.",
        True,
        None,
    ),
]

TOWARD_THE_NORTH: list[Case] = [
    (
        "American private sprints into North Korea during tour",
        "A U.S. Army private on a civilian tour of the truce village ran across the border "
        "into North Korea on Monday, officials said.",
        False,
        None,
    ),
    (
        "Missing South Korean fisheries officer may have tried to go north",
        "Seoul's military said the officer who was shot by North Korean troops had been "
        "attempting to defect to the North.",
        False,
        "reverse",
    ),
    (
        '해경 "실종 선원, 월북 가능성"',
        "해경은 실종된 남측 선원이 스스로 월북했을 가능성을 조사하고 있다고 밝혔다.",
        False,
        "reverse",
    ),
    # a defector going back is a claim
    (
        "Defector believed to have crossed back into North Korea",
        "A North Korean defector who resettled in the South in 2019 crossed the border back "
        "into North Korea last week and is believed to have defected to the North again.",
        True,
        None,
    ),
    (
        "North Korea says detained American wants to stay",
        "State media said the American private had sought asylum in North Korea.",
        False,
        "reverse",
    ),
    ("탈북민 재입북", "북한 매체는 탈북민 1명이 월북했다고 주장했다.", True, None),
    # a possessive is no destination: asylum for Pyongyang's envoy is a defection
    (
        "",
        "Washington granted asylum to Pyongyang's trade envoy in Paris, North Korea said.",
        True,
        None,
    ),
]

NEGATION: list[Case] = [
    (
        "Seoul repatriates two North Korean sailors",
        "South Korea sent two North Korean sailors home through the truce village after they "
        "showed no intention of defecting during questioning.",
        False,
        "negated",
    ),
    (
        "Crew of drifting boat returned to the North",
        "Officials said none of the five North Korean crew members expressed any wish to "
        "stay in the South.",
        False,
        "negated",
    ),
    (
        "北 어민 3명 송환",
        "정부는 동해에서 구조한 북한 어민 3명을 판문점을 통해 돌려보냈다. 이들은 조사 과정에서 "
        "귀순할 의사가 없다고 밝혔다.",
        False,
        "negated",
    ),
    # a claim raised, then taken back in the same paragraph
    (
        "Crew of stray boat sent home",
        "Four North Korean sailors reached the sea border on Sunday.\n\nA flag on their mast "
        "led officers to believe they were seeking asylum. Questioned later, however, none of "
        "them showed any desire to defect.",
        False,
        "negated",
    ),
    # a negation about the other people of a group takes nothing back
    (
        "Two North Korean sailors stay, two go home",
        "Two of the North Korean sailors asked to stay in South Korea. The other two, however, "
        "showed no desire to defect.",
        True,
        None,
    ),
    # uncertainty is not negation
    (
        "",
        "It is not clear whether the North Korean diplomat intended to defect, officials said.",
        True,
        None,
    ),
    (
        "",
        "Seoul could not confirm the defection of the North Korean envoy in Rome.",
        True,
        None,
    ),
]

FOREIGN: list[Case] = [
    (
        "러시아 공군 조종사, 전투기 몰고 우크라이나 귀순",
        "러시아 공군 조종사가 전투기를 몰고 우크라이나로 넘어와 귀순했다고 현지 당국이 밝혔다.",
        False,
        None,
    ),
    (
        "North Korea hosts Russian delegation",
        "North Korea welcomed a Russian military delegation in Pyongyang. Separately, Kyiv "
        "said a Russian helicopter pilot had defected with his aircraft.",
        False,
        "foreign-subject",
    ),
    (
        "",
        "쿠바 야구 선수가 미국에서 망명을 신청했다.",
        False,
        None,
    ),
    # a foreign country as the place one lives in or goes to is no foreign subject
    (
        "North Korean leader's cousin lives quietly abroad",
        "A cousin of the North Korean leader runs a dry cleaner.\n\nShe has lived in the U.S. "
        "ever since defecting with her husband.",
        True,
        None,
    ),
]

THE_SOUTH_AS_CONTEXT: list[Case] = [
    (
        "North Korean sailor found on a fishing buoy",
        "Marines spotted a man clinging to a buoy off the west coast on Friday.\n\nThe man, "
        "who said he was a sailor from North Korea, was taken to a hospital.\n\nInvestigators "
        "said he has expressed a desire to defect to the South.",
        True,
        None,
    ),
    (
        "Man found near the truce line in the North Korean uniform",
        "Troops detained a man near the eastern front at dawn.\n\nHe told interrogators he "
        "wants to live in the South, an official said.",
        True,
        None,
    ),
    # no Korea context anywhere: "the South" alone is not enough
    (
        "Farmer crosses a river",
        "The farmer said he wants to live in the South, where his daughter works.",
        False,
        None,
    ),
]

OTHER_SENSES: list[Case] = [
    (
        "Lawmaker switches camps before the vote on North Korea policy",
        "A North Korea hawk defected to the ruling Democratic Party on Monday.",
        False,
        "other-sense",
    ),
    # an escape *from a camp* is still a defection
    (
        "",
        "A North Korean who escaped from a prison camp reached South Korea and asked for asylum.",
        True,
        None,
    ),
]

VISITS: list[Case] = [
    # going south for an event, or for a few days, is a visit
    (
        "North Korean delegation lands in Seoul",
        "A North Korean sports delegation arrived in Seoul to attend the games and planned to "
        "stay in South Korea for four days.",
        False,
        "other-sense",
    ),
    # "South Korea's capital" is no destination
    (
        "North Korea fires missiles",
        "North Korea fired two missiles. Many wanted to stay indoors in South Korea's capital.",
        False,
        None,
    ),
]

SELF_CONTEXTUAL: list[Case] = [
    # "crossed the MDL" carries its own context term: it needs a separate one
    ("", "A soldier crossed the MDL early on Tuesday.", False, "no-context"),
    (
        "",
        "A North Korean soldier crossed the MDL early on Tuesday and asked to be sent to Seoul.",
        True,
        None,
    ),
]

KOREAN_WITHOUT_TALBUK: list[Case] = [
    (
        "北 주민 1명 동해로 넘어와",
        "북한 주민 1명이 소형 목선을 타고 동해 북방한계선을 넘어와 "
        "남한에 정착하겠다는 뜻을 밝혔다.",
        True,
        None,
    ),
    (
        "",
        "합참은 북한군 병사 1명이 군사분계선을 넘어와 귀순 의사를 밝혔다고 전했다.",
        True,
        None,
    ),
    (
        "北 외교관 가족과 한국행",
        "북한 외교관이 가족과 함께 제3국을 거쳐 한국에 망명했다.",
        True,
        None,
    ),
]

CAPTIONS: list[Case] = [
    (
        "Soldier darts across the border under fire",
        "Guard posts are seen from the observatory on Tuesday. (Newsphoto via Wire)\n\n"
        "SEOUL (Wire) - A North Korean soldier dashed across the heavily armed frontier on "
        "Wednesday.\n\nHe has asked for asylum, the military said.",
        True,
        None,
    ),
]

PHRASE_FAMILIES: list[Case] = [
    ("", "The two North Korean fishermen asked to stay in South Korea.", True, None),
    ("", "The North Korean worker requested to be transferred to South Korea.", True, None),
    ("", "The North Korean woman wishes to settle in South Korea.", True, None),
    ("", "The North Korean teenager had hoped to reach South Korea.", True, None),
    # 말했다 is "said", no negation
    ("北 주민 신병 확보", "그는 한국에 정착하고 싶다고 말했다.", True, None),
    ("", "Three North Koreans who were found at sea wanted to remain in the South.", True, None),
    ("", "The North Korean trawler fled to South Korean waters after the mutiny.", False, None),
    (
        "",
        "The North Korean trawler fled to South Korean waters and its crew asked for asylum.",
        True,
        None,
    ),
]

# the subject is in the sentence before; a pronoun refers back to it (claims.carry_*)
CARRIED_SUBJECT: list[Case] = [
    (
        "Guard post incident",
        "A North Korean private waded across the Imjin before sunrise. Marines pulled him "
        "out of the water and took him into custody after he fled the patrol.",
        True,
        None,
    ),
    (
        "Defection on the western islands",
        "Officials named no one.\n\nThe island has 3,000 residents.\n\nFerries stopped at "
        "noon.\n\nA North Korean man was found on a beach on Gyodong. He asked to stay in "
        "South Korea.",
        True,
        None,
    ),
    (  # the sentence before names the country, not a person: nothing to refer back to
        "Storm season",
        "Pyongyang warned of floods on Friday. Rescuers took him into custody after he fled "
        "a flooded prison in Texas.",
        False,
        "no-context",
    ),
    (  # no pronoun: the sentence does not continue the one before
        "Harbour news",
        "A North Korean freighter docked in Nampo on Monday. Police took a smuggler into "
        "custody after a chase.",
        False,
        "no-context",
    ),
]

# defectors as the actors of a campaign, and outlets that rely on defectors: not the news
ACTORS_AND_NETWORKS: list[Case] = [
    (
        "Balloons cross the border again",
        "Defectors in Incheon floated 15 balloons with anti-Pyongyang leaflets toward North "
        "Korea on Sunday.",
        False,
        "source",
    ),
    (
        "Petition on forced returns",
        "North Korean defectors rallied outside the Chinese embassy in Seoul against forced "
        "repatriations.",
        False,
        "source",
    ),
    (
        "Currency falls in border markets",
        "The won fell sharply in markets in North Korea's Ryanggang province, said a website "
        "that relies on defectors with family in the region.",
        False,
        "source",
    ),
    (
        "Grain harvest poor",
        "A network of defectors in touch with farms in North Korea reported a poor harvest.",
        False,
        "source",
    ),
    (  # a boat is no payload: defectors who launch one are the news
        "Family crosses the sea border",
        "Two North Korean defectors launched a small boat from a cove near Nampo and "
        "reached Incheon two days later, the coast guard said.",
        True,
        None,
    ),
    (  # a defector group's news is not a claim, but defectors arriving still are
        "Group of defectors reaches Seoul",
        "Twelve North Korean defectors arrived in Seoul on Monday after a journey through "
        "Laos, officials said.",
        True,
        None,
    ),
]

ALL = [
    pytest.param(*c, id=f"{name}-{i}")
    for name, cases in [
        ("sources", SOURCES),
        ("to-north", TOWARD_THE_NORTH),
        ("negation", NEGATION),
        ("foreign", FOREIGN),
        ("senses", OTHER_SENSES),
        ("visits", VISITS),
        ("the-south", THE_SOUTH_AS_CONTEXT),
        ("self-context", SELF_CONTEXTUAL),
        ("korean", KOREAN_WITHOUT_TALBUK),
        ("captions", CAPTIONS),
        ("phrases", PHRASE_FAMILIES),
        ("carried", CARRIED_SUBJECT),
        ("actors", ACTORS_AND_NETWORKS),
    ]
    for i, c in enumerate(cases)
]


@pytest.mark.parametrize(("title", "body", "hit", "reason"), ALL)
def test_claim_classes(
    matcher: Matcher, title: str, body: str, hit: bool, reason: str | None
) -> None:
    report = matcher.match(title, body)
    assert report.hit is hit, (report.hits, report.misses)
    if reason is not None:
        assert reason in reasons(report), report.misses


def test_a_claim_from_the_article_context_says_so(matcher: Matcher) -> None:
    title, body, _, _ = THE_SOUTH_AS_CONTEXT[0]
    hit = matcher.match(title, body).get(WL)
    assert hit is not None
    via_article = [m for m in hit.matches if m.context_from == "article"]
    assert via_article and via_article[0].to_json()["context_from"] == "article"


def test_a_carried_subject_says_so(matcher: Matcher) -> None:
    title, body, _, _ = CARRIED_SUBJECT[0]
    hit = matcher.match(title, body).get(WL)
    assert hit is not None
    carried = [m for m in hit.matches if m.context_from == "sentence-before"]
    assert {m.term for m in carried} >= {"taken into custody"}
    assert carried[0].context == "A North Korean"  # the subject as written


def test_a_phrase_family_names_its_pattern(matcher: Matcher) -> None:
    hit = matcher.match("", PHRASE_FAMILIES[0][1]).get(WL)
    assert hit is not None
    phrase = next(m for m in hit.matches if m.phrase)
    assert phrase.text == "asked to stay in South Korea"
    assert "STAY" in phrase.to_json()["phrase"]


def test_a_negated_claim_counts_against_a_background_one(matcher: Matcher) -> None:
    body = (
        "Seoul sent home four North Korean fishermen on Friday; none of them showed any "
        "intention of defecting. Last year two North Korean fishermen chose to stay in the South."
    )
    report = matcher.match("", body)
    assert not report.hit
    assert "negated" in reasons(report)


# --- the pattern grammar itself, on a small config -----------------------------------

GRAMMAR = ClaimsConfig(
    lexicon={"ASK": ["ask*", "beg*"], "PLACE": ["the coast", "the hills"]},
    negation=["not ~2 KW"],
    sources=["KW=scouts ~2 said|reported", "KW=guides , who ~3 , said"],
    reverse=["KW ~1 to ~0 PLACE"],
    returning=["again"],
    foreign=["martian*"],
    phrases=[{"name": "asked to go", "pattern": "ASK ~2 go ~2 PLACE"}],
)


@pytest.mark.parametrize(
    ("sentence", "keyword", "verdict"),
    [
        ("they did not really flee", "flee", "negated"),
        ("they did not flee the town", "flee", "negated"),
        ("not that they ever, truly, flee", "flee", None),  # a comma ends the gap
        ("scouts later reported it", "scouts", "source"),
        ("the scout reported it", "scout", None),  # KW=scouts: only that word
        ("the guides, who were tired, said so", "guides", "source"),  # the , token
        ("the guides who were tired said so", "guides", None),
        ("they fled to the coast", "fled", "reverse"),
        ("they fled to the coast again", "fled", None),  # returning
        ("they fled inland", "fled", None),
        ("they did not long-since flee", "flee", "negated"),  # a compound is one gap word
        ("they did not ever so truly flee", "flee", None),  # three words: more than ~2
        ("the guides, who were well-rested, said so", "guides", "source"),
    ],
)
def test_pattern_grammar(sentence: str, keyword: str, verdict: str | None) -> None:
    rules = ClaimRules(GRAMMAR)
    text = normalize(sentence).text
    start = text.index(keyword)
    got = rules.judge(text, 0, len(text), start, start + len(keyword))
    assert (got.reason if got else None) == verdict


@pytest.mark.parametrize(
    "tail",
    [
        "x" * 400,  # one long word where a comma is looked for
        "-".join(["ab"] * 150),  # a run of hyphenated pieces
        " ".join(["a'b-c"] * 80),
        "," * 300,
    ],
)
def test_hostile_text_after_a_keyword_is_judged(matcher: Matcher, tail: str) -> None:
    """Feed text is untrusted: a gap word is taken whole, never cut into pieces, so no
    pattern tries every way to split a long run of letters (this took hours before)."""
    for body in (
        f"North Korea said Kim, a defector {tail} said.",
        f"A North Korean soldier showed no {tail} intention of defecting.",
        f"North Korean defectors {tail} reached Seoul after fleeing.",
    ):
        report = matcher.match("", body)
        assert report.hits or report.misses


def test_phrase_regex_ends_at_its_anchor() -> None:
    rules = ClaimRules(GRAMMAR)
    phrase = rules.phrases[0]
    assert ("the coast", False) in phrase.anchors
    text = normalize("They begged to go to the coast at once.").text
    end = text.index("the coast") + len("the coast")
    assert phrase.find(text, 0, end) == (text.index("begged"), end)
    assert phrase.find(normalize("They went to the coast.").text, 0, 22) is None


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"negation": ["not ~2 flee"]}, "exactly one KW"),
        ({"sources": ["CUE ~2 KW"]}, "no lexicon entry 'CUE'"),
        ({"phrases": [{"name": "x", "pattern": "KW ~1 go"}]}, "no KW slot"),
        ({"reverse": ["KW ~2"]}, "must not start or end with a gap"),
        ({"lexicon": {"lower": ["x"]}}, "UPPER_CASE"),
    ],
)
def test_bad_claim_patterns_are_config_errors(claims: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClaimsConfig.model_validate(claims)


@pytest.mark.parametrize("verb", ["flies", "flew", "flying", "swims", "swam", "sails", "walks"])
def test_every_inflection_of_a_movement_verb_makes_the_claim(matcher: Matcher, verb: str) -> None:
    """Headlines use the present tense ("flies MiG-19 to South Korea"): `fly*` misses "flies"."""
    report = matcher.match(f"North Korean pilot {verb} fighter jet to South Korea", "")
    # the claim counts whether or not it reaches the threshold alone (a hit lists it among
    # its terms, a miss names it in the score it fell short with)
    found = [t for h in report.hits for t in h.terms] + [m.detail or "" for m in report.misses]
    assert any("crossed to the South" in f for f in found), (verb, found)


@pytest.mark.parametrize(
    ("body", "claims"),
    [
        pytest.param(
            "The unit that runs operations aimed at the South was North Korea's.",
            False,
            id="runs operations aimed at: a target, not a move",
        ),
        pytest.param(
            "A North Korean woman runs a noodle shop in Seoul.",
            False,
            id="runs a shop in: where something is",
        ),
        pytest.param(
            "The North Korean pilot landed at an air base in South Korea.",
            True,
            id="an arrival takes in/at",
        ),
        pytest.param(
            "The North Korean fisherman rowed through the fog toward the South.",
            True,
            id="a move takes toward",
        ),
    ],
)
def test_in_and_at_say_where_one_is_so_only_an_arrival_takes_them(
    matcher: Matcher, body: str, claims: bool
) -> None:
    report = matcher.match("", body)
    found = [t for h in report.hits for t in h.terms] + [m.detail or "" for m in report.misses]
    moved = any("to the South" in f or "in the South" in f for f in found)
    assert moved == claims, found


@pytest.mark.parametrize(
    ("title", "body", "word", "status"),
    [
        pytest.param(
            "Defector wins a seat in Seoul",
            "North Korea's former envoy Park Tae-il won a seat.",
            "Defector",
            True,
            id="a defector: a status",
        ),
        pytest.param(
            "",
            "A North Korean soldier defected on Monday. Her group in Seoul "
            "helps North Koreans who have escaped the North.",
            "escaped",
            True,
            id="people who have escaped: a status",
        ),
        pytest.param(
            "",
            "탈북 외교관 출신 박태일 씨가 북한 인권 단체를 세웠다.",
            "탈북",
            True,
            id="탈북 ... 출신: a background",
        ),
        pytest.param(
            "",
            "A North Korean soldier defected across the DMZ on Sunday.",
            "defected",
            False,
            id="defected: an act",
        ),
        pytest.param(
            "",
            "Two North Korean fishermen escaped to the South by boat.",
            "escaped to the South",
            False,
            id="escaped to the South: an act",
        ),
    ],
)
def test_a_status_counts_for_the_hit_but_is_marked_no_act(
    matcher: Matcher, title: str, body: str, word: str, status: bool
) -> None:
    report = matcher.match(title, body)
    keywords = [m for h in report.hits for m in h.matches if m.rule == "keyword"]
    mine = [m for m in keywords if word in m.text]  # a longer claim may hold the word
    assert mine, keywords
    assert all((m.status is not None) == status for m in mine), mine
    if status:
        assert "matched" in (mine[0].status or "")  # the rule that decided, for `monitor match`


@pytest.mark.parametrize(
    ("title", "hit"),
    [
        pytest.param(
            "North Korean pilot flies fighter jet to South Korea",
            True,
            id="a move to the South, its subject named",
        ),
        pytest.param(
            "North Korean corporal walks across heavily mined DMZ",
            True,
            id="a North Korean crossing the line",
        ),
        pytest.param(
            "American tourist who ran across border is sent home",
            False,
            id="no North Korean subject: no phrase",
        ),
        pytest.param(
            "Four North Korean suspects fled after the airport killing",
            False,
            id="a weak word, not a phrase: no direction",
        ),
        pytest.param(
            "North Korean soldiers cross MDL, retreat after warning shots",
            False,
            id="a negated phrase still counts against",
        ),
        pytest.param(
            "Two North Korean sailors who crossed maritime border sent home",
            False,
            id="a crossing that ends in a return home",
        ),
    ],
)
def test_a_claim_phrase_in_the_headline_makes_a_hit_alone(
    matcher: Matcher, title: str, hit: bool
) -> None:
    """A feed item may carry no body: a headline phrase names who moves and where."""
    assert bool(matcher.match(title, "").hits) == hit
