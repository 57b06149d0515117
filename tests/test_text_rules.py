"""The one sentence splitter and the one dateline reader (`monitor.text`), and that every
stage reading sentences or datelines (matching, origins, events, copies, fingerprints, the
lead sentence of a message) reads them the same way."""

from __future__ import annotations

import importlib

import pytest

from monitor.match.sentences import sentence_starts
from monitor.stories.copies import copy_text
from monitor.stories.events import body_spans
from monitor.stories.origins import extract_citations
from monitor.text import first_sentence, lead_sentence, read_dateline, sentence_spans

fingerprint_module = importlib.import_module("monitor.stories.fingerprint")


def _sentences(text: str, *, cased: bool = True) -> list[str]:
    return [text[lo:hi] for lo, hi in sentence_spans(text, cased=cased)]


# (text, its sentences): each row a class of full stop that does or does not end a sentence
SENTENCES = [
    # titles and abbreviations from the list
    ("Mr. Kim arrived in Seoul. He spoke later.", ["Mr. Kim arrived in Seoul.", "He spoke later."]),
    (
        "CDC Director Dr. Tom Frieden spoke. It ended.",
        ["CDC Director Dr. Tom Frieden spoke.", "It ended."],
    ),
    (
        "Thae, the No. 2 diplomat, defected. Seoul said so.",
        ["Thae, the No. 2 diplomat, defected.", "Seoul said so."],
    ),
    (
        "They met on Jan. 25 in Seoul. Talks followed.",
        ["They met on Jan. 25 in Seoul.", "Talks followed."],
    ),
    # a full stop inside the word, or a single letter: initials and short forms
    ("He fled to the U.S. Embassy. He left it.", ["He fled to the U.S. Embassy.", "He left it."]),
    ("A U.N. Command helicopter came. It left.", ["A U.N. Command helicopter came.", "It left."]),
    ("N. Korea fired. S. Korea answered.", ["N. Korea fired.", "S. Korea answered."]),
    # a number before the full stop ends the sentence (it is no initial)
    ("He crossed on May 6. The Navy sent ships.", ["He crossed on May 6.", "The Navy sent ships."]),
    # closing quotes and brackets stay with their sentence
    (
        'He called them "human scum." China objected.',
        ['He called them "human scum."', "China objected."],
    ),
    (
        "It was unacceptable (he said.) Talks ended.",
        ["It was unacceptable (he said.)", "Talks ended."],
    ),
    # question and exclamation marks, ellipses, full-width stops
    (
        "Why did he go? Nobody knows! Not yet... Maybe later.",
        ["Why did he go?", "Nobody knows!", "Not yet...", "Maybe later."],
    ),
    # Korean: a full stop after the predicate ends it; a connective -다 inside does not
    (
        "북한 군인 1명이 귀순했다. 합참은 이같이 밝혔다.",
        ["북한 군인 1명이 귀순했다.", "합참은 이같이 밝혔다."],
    ),
    (
        "목선이 표류하다 떠밀려 왔다. 군은 조사 중이다.",
        ["목선이 표류하다 떠밀려 왔다.", "군은 조사 중이다."],
    ),
    (
        "탈북이 알려질 때마다 송환을 요구했습니다. 통일부는 밝혔습니다.",
        ["탈북이 알려질 때마다 송환을 요구했습니다.", "통일부는 밝혔습니다."],
    ),
    ("中国は抗議した。 北朝鮮は黙った。", ["中国は抗議した。", "北朝鮮は黙った。"]),
    # a newline ends a sentence even without a full stop (a caption, a subhead)
    ("North Korea\nThe soldier crossed.", ["North Korea", "The soldier crossed."]),
]


@pytest.mark.parametrize(("text", "sentences"), SENTENCES)
def test_the_splitter_ends_sentences_by_class(text: str, sentences: list[str]) -> None:
    assert _sentences(text) == sentences
    # the matcher reads casefolded text: the same ends without the capitals
    folded = text.casefold()
    assert _sentences(folded, cased=False) == [s.casefold() for s in sentences]


@pytest.mark.parametrize(
    ("text", "cased", "uncased"),
    [
        # an abbreviation the list does not know: only the lower-case word after tells
        ("The Gangwon Prov. police said so. They left.", 2, 3),
        ("It came at 5 o'clock approx. and left. Then more.", 2, 2),  # approx is listed
    ],
)
def test_in_cased_text_a_lower_case_word_continues_the_sentence(
    text: str, cased: int, uncased: int
) -> None:
    assert len(_sentences(text)) == cased
    assert len(_sentences(text.casefold(), cased=False)) == uncased


def test_a_range_is_split_alone_and_the_matcher_starts_are_the_spans() -> None:
    text = "Skip this. Mr. Kim came. He went.\nNext line."
    start = text.index("Mr.")
    end = text.index("\n")
    assert [text[lo:hi] for lo, hi in sentence_spans(text, start, end)] == [
        "Mr. Kim came.",
        "He went.",
    ]
    folded = text.casefold()
    assert sentence_starts(folded) == [lo for lo, _ in sentence_spans(folded, cased=False)[1:]]


@pytest.mark.parametrize(
    ("paragraph", "first"),
    [
        ("North Korea", None),  # a section label: no sentence
        ("SEOUL, Dec. 1 (Yonhap)", None),
        ("Talks with the U.S.", None),  # cut at an abbreviation
        ("The soldier crossed at dawn.", "The soldier crossed at dawn."),
        ("Mr. Kim spoke. Then he left.", "Mr. Kim spoke."),
    ],
)
def test_first_sentence_needs_a_finished_sentence(paragraph: str, first: str | None) -> None:
    span = first_sentence(paragraph)
    assert (paragraph[span[0] : span[1]] if span else None) == first


# (paragraph, agency credited or None, where the report's own words begin)
DATELINES = [
    ("SEOUL (AP) — North Korea fired a missile.", "AP", "North Korea fired"),
    ("SEOUL, Dec. 1 (Yonhap) -- A North Korean soldier crossed.", "Yonhap", "A North Korean"),
    (
        "VOSTOCHNY COSMODROME, Russia, Sept 13 (Reuters) - Vladimir Putin hosted Kim.",
        "Reuters",
        "Vladimir",
    ),
    ("Nov. 25 (UPI) -- A North Korean man crossed.", "UPI", "A North Korean"),
    ("(Reuters) - North Korea said on Monday.", "Reuters", "North Korea said"),
    # a relay dateline: the reposting site drops the dash
    ("Seoul, Jul 16 (AP) A North Korean defector returned.", "AP", "A North Korean"),
    ("Seoul, Feb 5 (IANS) The UN office released a report.", "IANS", "The UN office"),
    # a wire's version label before the dateline
    ("(LEAD) SEOUL, Dec. 1 (Yonhap) -- A soldier crossed.", "Yonhap", "A soldier"),
    ("(2nd LD) SEOUL, Dec. 1 (Yonhap) -- A soldier crossed.", "Yonhap", "A soldier"),
    # the Korean wire form names the newsroom after the place
    ("(서울=연합뉴스) 북한 군인 1명이 귀순했다.", "연합뉴스", "북한 군인"),
    # a place alone, in capitals
    ("SEOUL — A North Korean diplomat defected.", None, "A North Korean"),
    ("SEOUL: North Korea's deputy ambassador defected.", None, "North Korea's"),
    ("TOKYO - Belarusian sprinter Krystsina Tsimanouskaya left.", None, "Belarusian"),
    ("SEOUL, South Korea — A soldier fled across the border.", None, "A soldier"),
]

NOT_DATELINES = [
    "The Joint Chiefs of Staff (JCS) said the boat crossed the line.",  # an acronym
    "The 10-meter boat crossed the Northern Limit Line (NLL) at 11:20 p.m.",
    "Kim Jong Un (center) attends a meeting in Pyongyang.",
    "North Korea fired a missile on Monday, officials said.",
    "In this photo provided by the ministry, a boat is towed. (Yonhap via AP)",
]


@pytest.mark.parametrize(("paragraph", "agency", "rest"), DATELINES)
def test_the_dateline_reader_finds_the_agency_and_the_report(
    paragraph: str, agency: str | None, rest: str
) -> None:
    dateline = read_dateline(paragraph)
    assert dateline is not None
    assert dateline.agency == agency
    assert paragraph[dateline.end :].startswith(rest)
    if agency:
        assert paragraph[dateline.agency_start :].startswith(agency)


@pytest.mark.parametrize("paragraph", NOT_DATELINES)
def test_parentheses_in_a_sentence_are_no_dateline(paragraph: str) -> None:
    assert read_dateline(paragraph) is None


CAPTION = "In this photo provided by the ministry, a boat is towed. (Yonhap via AP)"


@pytest.mark.parametrize(("paragraph", "agency", "rest"), DATELINES)
def test_every_stage_reads_the_same_dateline(paragraph: str, agency: str | None, rest: str) -> None:
    body = paragraph + "\nThe ministry said more would follow on Tuesday."
    own = body[body.index(rest) :]
    # copies: the caption before the dateline and the dateline itself are wrapping
    assert copy_text(f"{CAPTION}\n{body}") == copy_text(own) == own
    # fingerprints: a copy without the dateline is the same text
    assert fingerprint_module.shingles(body) == fingerprint_module.shingles(own)
    # events: the first sentence starts after the dateline
    assert next(body_spans(body))[0] == body.index(rest)
    # origins: the agency is credited by the dateline, also after a caption
    credited = [c for c in extract_citations(f"{CAPTION}\n{body}") if c.rule == "dateline"]
    assert bool(credited) == bool(agency)


def test_the_lead_sentence_of_a_message_skips_labels_and_keeps_abbreviations() -> None:
    body = (
        "North Korea\nSEOUL, Dec. 1 (Yonhap)\n"
        "Mr. Kim, the No. 2 envoy, fled to the U.S. Embassy. He is safe."
    )
    assert lead_sentence(body) == "Mr. Kim, the No. 2 envoy, fled to the U.S. Embassy."
