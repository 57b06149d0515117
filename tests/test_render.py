"""Rendering: what a digest says (text, HTML, Slack), and that feed text cannot inject."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from monitor.config.models import FileChannel
from monitor.delivery.build import build_alert, build_digest, subject_line
from monitor.delivery.model import ArticleRecord, HitRecord, StoryRecord
from monitor.delivery.render import (
    SLACK_HEADER_CHARS,
    SLACK_MAX_BLOCKS,
    SLACK_SECTION_CHARS,
    render_html,
    render_text,
    slack_escape,
    slack_messages,
)

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
CHANNEL = FileChannel(name="desk", type="file", timezone="Asia/Seoul")


def record(
    sid: int,
    headline: str,
    *,
    watchlist: str = "nk-defections",
    hours: float = 0,
    origins: tuple[str, ...] = ("Yonhap",),
    confirmed: bool = False,
    stale: bool = False,
    articles: tuple[ArticleRecord, ...] | None = None,
    snippet: str = "a soldier defected across the border",
) -> StoryRecord:
    at = T0 + timedelta(hours=hours)
    arts = articles or (
        ArticleRecord(
            sid * 100, f"https://news.example/{sid}", origins[0], headline, at, at, stale=stale
        ),
    )
    hit = HitRecord(
        arts[0].id,
        3.0,
        ("Thae Yong-ho",),
        {"matches": [{"rule": "keyword", "term": "defect", "snippet": snippet, "weight": 1.0}]},
    )
    return StoryRecord(
        id=sid, key=f"s{sid}", watchlist=watchlist, headline=headline, first_seen=at,
        last_seen=at, origin_count=len(origins), origins=origins, confirmed=confirmed,
        stale=stale, people=("Thae Yong-ho",), terms=("defect",), score=3.0,
        articles=arts, hits=(hit,),
    )  # fmt: skip


class _Visible(HTMLParser):
    """The text a mail client shows, plus every tag and href."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs.extend(v or "" for k, v in attrs if k == "href")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(html: str) -> _Visible:
    p = _Visible()
    p.feed(html)
    return p


def test_digest_groups_by_watchlist_newest_first_with_counts_in_subject() -> None:
    stories = [
        record(1, "Older defection report", hours=1),
        record(2, "Newest defection report", hours=5, origins=("Yonhap", "AP")),
        record(3, "Middle report", hours=3),
        record(4, "Ministry confirms arrival", hours=2, watchlist="nk-officials", confirmed=True),
    ]
    digest = build_digest(CHANNEL, stories, since=T0, until=T0 + timedelta(days=1))
    assert [s.watchlist for s in digest.sections] == ["nk-defections", "nk-officials"]
    assert [s.headline for s in digest.sections[0].stories] == [
        "Newest defection report",
        "Middle report",
        "Older defection report",
    ]
    assert (
        digest.subject == "2 new, 1 corroborated, 1 confirmed stories: nk-defections, nk-officials"
    )


def test_subject_line_reads_like_the_issue_example() -> None:
    assert subject_line({"new": 3, "corroborated": 2}, ["nk-defections"]) == (
        "3 new, 2 corroborated stories: nk-defections"
    )
    assert subject_line({"new": 1}, ["x"]) == "1 new story: x"


def test_channel_filters_apply_to_the_digest() -> None:
    only_confirmed = FileChannel(name="c", type="file", confirmed_only=True)
    stories = [record(1, "Rumour"), record(2, "Confirmed", confirmed=True)]
    digest = build_digest(only_confirmed, stories, since=T0, until=T0 + timedelta(days=1))
    assert [s.headline for s in digest.stories] == ["Confirmed"]
    other_watchlist = FileChannel(name="c", type="file", watchlists=["elsewhere"])
    assert build_digest(other_watchlist, stories, since=T0, until=T0).empty


def test_text_and_html_carry_the_same_stories_and_every_field() -> None:
    wire = ArticleRecord(10, "https://wire.example/a", "AP", "Soldier defects", T0, T0)
    copy = ArticleRecord(
        11, "https://paper.example/b", "Daily Paper", "Soldier defects", T0, T0, 10
    )
    own = ArticleRecord(12, "https://yna.example/c", "Yonhap", "Soldier crosses DMZ", T0, T0)
    stories = [
        record(
            1, "Soldier defects across DMZ", origins=("AP", "Yonhap"), articles=(wire, copy, own)
        ),
        record(2, "Old report resurfaces", hours=-50, stale=True),
    ]
    digest = build_digest(
        CHANNEL, stories, since=T0 - timedelta(days=3), until=T0 + timedelta(days=1)
    )
    text, html = render_text(digest), render_html(digest)
    visible = " ".join(parse_html(html).text)
    for s in digest.stories:
        assert s.headline in text and s.headline in visible
    for needle in ("CORROBORATED", "STALE", "AP, Yonhap", "Thae Yong-ho", "a soldier defected"):
        assert needle in text
    for needle in ("corroborated", "stale", "AP, Yonhap", "Thae Yong-ho", "a soldier defected"):
        assert needle in visible
    # the copy folds under its original instead of standing as its own article
    assert "copy: Daily Paper https://paper.example/b" in text
    assert text.index("https://wire.example/a") < text.index("https://paper.example/b")
    assert "also carried by" in visible
    assert "2026-11-24 09:00 KST" in text  # times in the channel's zone


def test_html_escapes_feed_text_and_never_links_non_http_urls() -> None:
    evil = ArticleRecord(
        1, "javascript:alert(1)", "Evil & Co", "<script>alert('x')</script> & more", T0, T0
    )
    story = record(1, "<script>alert(1)</script> Tom & Jerry <b>defect</b>", articles=(evil,),
                   snippet="<img src=x onerror=alert(1)>")  # fmt: skip
    html = render_html(build_digest(CHANNEL, [story], since=T0, until=T0))
    parsed = parse_html(html)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "b" not in parsed.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry" in html
    assert "Evil &amp; Co" in html
    assert not any(h.startswith("javascript") for h in parsed.hrefs)
    assert "<script" not in html.lower()


def test_html_has_no_remote_images_or_external_styles() -> None:
    html = render_html(build_digest(CHANNEL, [record(1, "A")], since=T0, until=T0))
    tags = parse_html(html).tags
    assert "img" not in tags and "link" not in tags and "style" not in tags


def test_alert_message_names_kind_and_origins() -> None:
    alert = build_alert(
        CHANNEL, record(1, "Soldier defects", origins=("AP", "KBS")), "corroborated", at=T0
    )
    assert alert.subject == "[nk-defections] Corroborated: Soldier defects (2 independent origins)"
    assert "further independent outlet" in render_text(alert)


def test_slack_escape_neutralizes_mentions_and_links() -> None:
    text = slack_escape("<!channel> <@U123> <https://evil.example|click> & co")
    assert "<" not in text and ">" not in text
    assert text == "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; &amp; co"


def test_slack_messages_keep_feed_text_inert() -> None:
    story = record(1, "<!channel> defector <@U123> says <https://evil.example|hi>")
    blocks_json = json.dumps(slack_messages(build_alert(CHANNEL, story, "new", at=T0)))
    assert "<!channel>" not in blocks_json and "<@U123>" not in blocks_json
    assert "<https://evil.example|hi>" not in blocks_json
    assert "&lt;!channel&gt;" in blocks_json


def test_sixty_story_digest_splits_within_slack_limits() -> None:
    stories = [record(i, f"Story {i} " + "x" * 200, hours=i) for i in range(1, 61)]
    digest = build_digest(CHANNEL, stories, since=T0, until=T0 + timedelta(days=3))
    messages = slack_messages(digest)
    assert len(messages) > 1
    seen: list[str] = []
    for i, m in enumerate(messages, 1):
        assert len(m["blocks"]) <= SLACK_MAX_BLOCKS
        assert m["text"].endswith(f"(part {i}/{len(messages)})")
        for b in m["blocks"]:
            if b["type"] == "section":
                assert len(b["text"]["text"]) <= SLACK_SECTION_CHARS
        assert len(m["blocks"][0]["text"]["text"]) <= SLACK_HEADER_CHARS + 4
        seen += [s for s in json.dumps(m).split("*") if s.startswith("Story ")]
    # every story appears exactly once across the parts, newest first
    numbers = [int(s.split()[1]) for s in seen]
    assert numbers == list(range(60, 0, -1))


def test_a_huge_story_is_cut_into_sections_that_fit() -> None:
    arts = tuple(
        ArticleRecord(i, f"https://news.example/{i}", f"Outlet {i}", "T" * 300, T0, T0)
        for i in range(1, 40)
    )
    messages = slack_messages(build_alert(CHANNEL, record(1, "Big", articles=arts), "new", at=T0))
    sections = [b for m in messages for b in m["blocks"] if b["type"] == "section"]
    assert len(sections) > 1
    assert all(len(b["text"]["text"]) <= SLACK_SECTION_CHARS for b in sections)
    assert "https://news.example/39" in json.dumps(messages)


def test_a_digest_says_which_feeds_are_not_watched_properly() -> None:
    from monitor.config.models import FileChannel
    from monitor.delivery.build import build_digest
    from monitor.delivery.model import FeedProblem
    from monitor.delivery.render import render_html, render_text, slack_messages

    channel = FileChannel(name="f", type="file", path="out")
    problem = FeedProblem("yonhap-en", "failing", None, "5 failures in a row: dns: <no such host>")
    digest = build_digest(
        channel, [], since=None, until=datetime(2026, 11, 20, tzinfo=UTC), feed_problems=[problem]
    )
    assert "yonhap-en (failing): 5 failures in a row" in render_text(digest)
    html = render_html(digest)
    assert "yonhap-en" in html and "&lt;no such host&gt;" in html  # feed text escaped
    blocks = [b for m in slack_messages(digest) for b in m["blocks"]]
    assert any("yonhap-en" in str(b) and "&lt;no such host&gt;" in str(b) for b in blocks)


def test_a_storys_people_are_its_subjects_and_background_names_are_shown_apart() -> None:
    """Names the reports recall ("the first since Thae Yong-ho") are no subject of the story:
    not under People, but listed apart in text, HTML and Slack."""
    from dataclasses import replace

    story = replace(record(1, "Envoy defects"), people=())
    digest = build_digest(CHANNEL, [story], since=T0, until=T0 + timedelta(days=1))
    shown = digest.sections[0].stories[0]
    assert shown.people == () and shown.also_named == ("Thae Yong-ho",)
    text = render_text(digest)
    assert "Also named: Thae Yong-ho" in text and "People:" not in text
    assert "Also named" in render_html(digest)
    subject = replace(record(2, "Thae Yong-ho speaks"), people=("Thae Yong-ho",))
    digest = build_digest(CHANNEL, [subject], since=T0, until=T0 + timedelta(days=1))
    assert digest.sections[0].stories[0].also_named == ()
