"""Digests for every reader: Korean text that renders (font fallback, `lang`), plain text at
78 columns, evidence in words, each story led by its first report, first seen vs published."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config.models import FileChannel
from monitor.delivery.build import build_digest, evidence_label
from monitor.delivery.model import ArticleRecord, HitRecord, StoryRecord
from monitor.delivery.render import render_html, render_text, slack_messages
from monitor.text import cells, lead_sentence, wrap_line, wrap_text

CHANNEL = FileChannel(name="desk", type="file", timezone="Asia/Seoul")
PUBLISHED = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
FOUND = PUBLISHED + timedelta(hours=5)  # the service saw it five hours after publication
KO_TITLE = "북한 군인 1명 군사분계선 넘어 귀순…합참 '신병 확보'"
KO_BODY = (
    "북한 군인 1명이 20일 중부전선 군사분계선을 넘어 귀순했다고 합동참모본부가 밝혔다. "
    "군은 신병을 확보하고 관계기관과 함께 귀순 경위를 조사하고 있다.\n\n둘째 문단."
)
EN_BODY = (
    "SEOUL, Nov. 20 (Yonhap) -- A North Korean soldier crossed the U.S.-monitored border "
    "into the South on Thursday, Mr. Kim of the Joint Chiefs of Staff said. He was unarmed."
)


def story(**overrides: object) -> StoryRecord:
    articles = (
        ArticleRecord(1, "https://ko.example/a/1", "연합뉴스", KO_TITLE, PUBLISHED, FOUND,
                      lead=lead_sentence(KO_BODY)),
        ArticleRecord(2, "https://en.example/a/2", "Yonhap", "N. Korean soldier defects",
                      PUBLISHED + timedelta(hours=1), FOUND + timedelta(minutes=30),
                      lead=lead_sentence(EN_BODY)),
    )  # fmt: skip
    hits = (
        HitRecord(1, 5.0, ("Thae Yong-ho",), {"matches": [
            {"rule": "keyword", "term": "defect*", "text": "defected",
             "snippet": "a soldier defected", "weight": 2.0},
            {"rule": "target-person", "term": "Thae Yong-ho", "text": "태영호",
             "snippet": "태영호 의원은", "weight": 3.0},
        ]}),
    )  # fmt: skip
    values: dict[str, object] = {
        "id": 7, "key": "nk:7", "watchlist": "nk-defections", "headline": KO_TITLE,
        "first_seen": PUBLISHED, "last_seen": PUBLISHED + timedelta(hours=1), "origin_count": 2,
        "origins": ("연합뉴스", "Yonhap"), "confirmed": False, "stale": False,
        "people": ("Thae Yong-ho",), "terms": ("military demarcation line",), "score": 5.0,
        "articles": articles, "hits": hits,
    }  # fmt: skip
    values.update(overrides)
    return StoryRecord(**values)  # type: ignore[arg-type]


def digest_of(*stories: StoryRecord):  # type: ignore[no-untyped-def]
    return build_digest(
        CHANNEL, stories, since=PUBLISHED - timedelta(days=1), until=FOUND + timedelta(hours=2)
    )


@pytest.mark.parametrize(
    ("body", "lead"),
    [
        (EN_BODY, "SEOUL, Nov. 20 (Yonhap) -- A North Korean soldier crossed the U.S.-monitored "
                  "border into the South on Thursday, Mr. Kim of the Joint Chiefs of Staff said."),
        (KO_BODY, "북한 군인 1명이 20일 중부전선 군사분계선을 넘어 "
                  "귀순했다고 합동참모본부가 밝혔다."),
        ("One line only", None),  # no sentence: a label, not a lead
        ("Dr. Lee said so. Then more.", "Dr. Lee said so."),
        ('"We fled," she said. Later.', '"We fled," she said.'),
        ("J. Smith reported it. Next.", "J. Smith reported it."),
        ("\n\n  The first paragraph is here. Second.\n\nThird.", "The first paragraph is here."),
        # page furniture before the lead: a section label, the headline again, a date line
        ("North Korea\n\nN. Korean diplomat defects to S. Korea: sources\n\n2026-11-18 10:12\n\n"
         "SEOUL, Nov. 18 (Yonhap) -- A North Korean diplomat has defected. More.",
         "SEOUL, Nov. 18 (Yonhap) -- A North Korean diplomat has defected."),
        ("Sports\nUlsan striker joins rivals\nThe striker signed on Monday. He is 30.",
         "The striker signed on Monday."),
        ("Photo: Reuters\nNo sentence anywhere here", None),
        ("", None),
        (None, None),
    ],
)  # fmt: skip
def test_lead_is_the_first_sentence(body: str | None, lead: str | None) -> None:
    assert lead_sentence(body) == lead


def test_a_long_lead_is_cut_at_a_word() -> None:
    lead = lead_sentence("word " * 200 + ".")
    assert lead is not None and len(lead) <= 300 and lead.endswith("…")


@pytest.mark.parametrize(
    ("rule", "term", "text", "label"),
    [
        ("keyword", "defect*", "defected", 'keyword "defected"'),
        ("keyword", "탈북", "탈북민", 'keyword "탈북민"'),
        ("target-person", "Thae Yong-ho", "Tae Yong Ho", "person Thae Yong-ho"),
        ("context-person", "Kim Jong Un", "Kim Jong-un", "person named Kim Jong Un"),
        ("claim", "defect", "sought asylum", 'claim "sought asylum"'),
    ],
)
def test_evidence_is_labelled_in_words(rule: str, term: str, text: str, label: str) -> None:
    assert evidence_label(rule, term, text) == label
    assert "*" not in evidence_label(rule, term, text)


@pytest.mark.parametrize(
    "line",
    [
        "  Independent origins (2): " + ", ".join(["Yonhap News Agency"] * 8),
        '  > keyword "defected": "' + "북한 군인이 군사분계선을 넘어 귀순했다 " * 6 + '"',
        "  - 연합뉴스: " + KO_TITLE * 3,
    ],
)
def test_wrapping_counts_cells_and_keeps_the_hanging_indent(line: str) -> None:
    out = wrap_line(line, 78)
    assert len(out) > 1
    assert all(cells(part) <= 78 for part in out)
    first_indent = re.match(r" *(?:[-*>] )?", out[0])
    assert first_indent is not None
    assert all(part.startswith(" " * len(first_indent.group(0))) for part in out[1:])
    assert " ".join(p.strip() for p in out).replace("  ", " ").startswith(line.strip()[:20])


def test_a_long_url_stays_whole_on_its_own_line() -> None:
    url = "https://example.org/" + "a" * 120
    out = wrap_text(f"    see {url}", 78).splitlines()
    assert url in [p.strip() for p in out]


def test_text_digest_is_wrapped_at_78_columns_and_shows_lead_words_and_times() -> None:
    text = render_text(digest_of(story()))
    for line in text.splitlines():
        assert cells(line) <= 78 or " " not in line.strip(), line  # only an unbreakable URL
    assert lead_sentence(KO_BODY) in text.replace("\n    ", " ").replace("\n  ", " ")
    assert 'keyword "defected"' in text and "defect*" not in text
    assert "person Thae Yong-ho" in text
    # first seen is when the service saw it (15:00 KST); the publication (10:00 KST) apart
    assert "First seen: 2026-11-20 15:00 KST (published 2026-11-20 10:00 KST)" in text


def test_html_digest_has_a_cjk_font_fallback_and_lang_on_korean_text() -> None:
    html = render_html(digest_of(story()))
    assert "Noto Sans CJK KR" in html and "Malgun Gothic" in html and "Apple SD Gothic Neo" in html
    korean = re.findall(r'<(?:div|a|span)[^>]*lang="ko"[^>]*>([^<]*)', html)
    assert any("귀순" in k for k in korean)  # headline, lead, Korean article title
    english = re.search(r"<a[^>]*>N. Korean soldier defects</a>", html)
    assert english is not None and 'lang="ko"' not in english.group(0)
    assert "published 2026-11-20 10:00 KST" in html


def test_slack_shows_the_lead_and_labels_too() -> None:
    text = str(slack_messages(digest_of(story())))
    assert 'keyword \\"defected\\"' in text or 'keyword "defected"' in text
    assert "귀순했다고" in text and "defect*" not in text
