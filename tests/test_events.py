"""Event terms as a gazetteer reads them: variants, sectors, weights, dates, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.config.stories import StoriesConfig
from monitor.stories.cluster import add_to_story, assign, open_story, score
from monitor.stories.events import CORE, event_profile, event_terms
from monitor.stories.gazetteer import compatible, sector_tags
from monitor.stories.model import Assignment, StoryCandidate
from monitor.stories.subjects import Mention, split_people

#: a Wednesday, 03:00 UTC (noon in Seoul)
WED = datetime(2031, 3, 12, 3, 0, tzinfo=UTC)
FILLER = " The details were still being checked by the authorities at the scene."


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        (
            "He slipped over the western stretch of the heavily guarded frontier.",
            "place:western-front",
        ),
        ("Guards saw him in the central part of the Demilitarized Zone.", "place:central-front"),
        (
            "The man came across the eastern section of the inter-Korean border.",
            "place:eastern-front",
        ),
        ("She crossed the central-western segment of the MDL at night.", "place:midwestern-front"),
    ],
)
def test_sector_phrases_name_their_front(text: str, tag: str) -> None:
    assert [t for _, t in sector_tags(text)] == [tag]
    assert tag in event_terms("Crossing reported", text + FILLER)


@pytest.mark.parametrize(
    ("english", "korean", "tag"),
    [
        (
            "He ran across a jointly controlled area on the border.",
            "판문점으로 넘어왔다.",
            "place:jsa",
        ),
        (
            "The captain, a pilot, landed his MiG-21 jet.",
            "공군 조종사가 미그21 전투기를 몰고 왔다.",
            "role:pilot",
        ),
        ("She wore a diving suit and flippers.", "잠수복과 오리발 차림이었다.", "detail:wetsuit"),
        ("Troops fired warning shots.", "군은 경고사격을 했다.", "detail:warning-shots"),
        ("He came through a drainage culvert.", "배수로를 통과했다.", "detail:drain"),
    ],
)
def test_english_and_korean_variants_share_a_tag(english: str, korean: str, tag: str) -> None:
    assert tag in event_profile("Report", english)
    assert tag in event_profile("보도", korean)


def test_terms_count_anywhere_weighted_by_position() -> None:
    body = "\n\n".join(
        [
            "A soldier crossed the border early on Wednesday, officials in Seoul said." + FILLER,
            "He was taken into custody and is being questioned by investigators now." + FILLER,
            "Investigators were also looking at footage from a guard post near Cheorwon." + FILLER,
            "Last year a fisherman drifted across the sea border near Baengnyeong Island.",
        ]
    )
    weights = event_profile("Soldier crosses border", body, WED)
    assert weights["role:soldier"] == CORE  # the lead
    assert 0 < weights["place:cheorwon"] < CORE  # third paragraph: counts, but less
    assert weights["place:baengnyeong"] < weights["place:cheorwon"]  # and recalled past: least
    assert "place:baengnyeong" not in event_terms("Soldier crosses border", body, WED)


@pytest.mark.parametrize(
    ("sentence", "published", "tag"),
    [
        ("A man crossed on Monday, the military said.", WED, "date:03-10"),
        ("It happened late Wednesday.", WED, "date:03-12"),
        ("A man crossed on March 9, the military said.", WED, "date:03-09"),
        ("북한 주민이 10일 오전 넘어왔다.", WED, "date:03-10"),
        ("북한 주민이 28일 새벽 넘어왔다.", WED, "date:02-28"),  # later than today: last month
        ("북한 주민이 3월 8일 넘어왔다.", WED, "date:03-08"),
        # 22:00 UTC on Tuesday is already Wednesday in Seoul
        ("A man crossed on Wednesday.", WED - timedelta(hours=5), "date:03-12"),
    ],
)
def test_dates_resolve_against_publication(sentence: str, published: datetime, tag: str) -> None:
    assert tag in event_profile("Crossing", sentence, published)


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        ("place:goseong", "place:eastern-front", True),
        ("place:jsa", "place:paju", True),
        ("place:jsa", "place:jsa", True),
        ("place:goseong", "place:western-front", False),
        ("place:cheorwon", "place:gimpo", False),
    ],
)
def test_places_inside_places_are_compatible(a: str, b: str, ok: bool) -> None:
    assert compatible(a, b) is ok
    assert compatible(b, a) is ok


CFG = StoriesConfig()


def _cand(n: int, title: str, body: str, when: datetime, people: frozenset[str] = frozenset()):
    return StoryCandidate(
        article_id=n,
        watchlist="w",
        outlet="Outlet",
        title=title,
        text=body,
        published_at=when,
        discovered_at=when,
        people=people,
    )


def test_two_crossings_at_different_sectors_and_dates_stay_apart() -> None:
    first = _cand(
        1,
        "Soldier walks across eastern front near Goseong",
        "A soldier walked across the border near Goseong on Monday, the military said." + FILLER,
        WED,
    )
    second = _cand(
        2,
        "Soldier walks across western front near Paju",
        "A soldier walked across the border near Paju on Saturday, the military said." + FILLER,
        WED + timedelta(days=4),
    )
    story = open_story(first, Assignment(None, "k", None, 0.0, ()), CFG, 1)
    _, reasons = score(second, story)
    assert "places differ" in reasons and "dates differ" in reasons
    assert assign(second, [story], CFG, second.time).story_id is None


def test_a_subject_person_links_a_follow_up_beyond_the_window() -> None:
    body = "The defector Pak Chol-u told a forum in Seoul about his escape." + FILLER
    first = _cand(1, "Defector Pak Chol-u speaks", body, WED, frozenset({"Pak Chol-u"}))
    later = _cand(
        2,
        "Pak Chol-u publishes memoir",
        "Defector Pak Chol-u published a memoir about his escape through a forest." + FILLER,
        WED + CFG.window + timedelta(days=30),
        frozenset({"Pak Chol-u"}),
    )
    story = open_story(first, Assignment(None, "k", None, 0.0, ()), CFG, 1)
    placed = assign(later, [story], CFG, later.time)
    assert placed.story_id == 1
    assert placed.reasons[0] == "follow-up"
    stranger = _cand(3, later.title, later.text, later.time)  # no shared person: window holds
    assert assign(stranger, [story], CFG, stranger.time).story_id is None


def test_headline_is_the_earliest_original_whatever_the_order() -> None:
    early = _cand(1, "Early report", "A soldier crossed the border at Goseong." + FILLER, WED)
    late = _cand(2, "Later report", "A soldier crossed the border at Goseong." + FILLER, WED)
    late = _cand(2, "Later report", late.text, WED + timedelta(hours=3))
    headlines = set()
    for order in ((early, late), (late, early)):
        story = open_story(order[0], Assignment(None, "k", None, 0.0, ()), CFG, 1)
        story = add_to_story(story, order[1], Assignment(1, "k", None, 3.0, ()), CFG)
        headlines.add(story.headline)
    assert headlines == {"Early report"}


@pytest.mark.parametrize(
    ("title", "body", "subjects", "background"),
    [
        (
            "Diplomat defects",
            "A diplomat named Ri Chang-ho defected on Monday, officials said.\n\n"
            "He is the most senior envoy to flee since Kang Pyong-su in 2016.",
            {"Ri Chang-ho"},
            {"Kang Pyong-su"},
        ),
        (
            "Kang Pyong-su wins election",
            "The former envoy won a seat on Wednesday.",
            {"Kang Pyong-su"},
            set(),
        ),
        (
            "Envoy defects",
            "An envoy fled his post.\n\nLike Kang Pyong-su before him, he had served in Europe."
            "\n\nOfficials declined to name him.",
            set(),
            {"Kang Pyong-su"},
        ),
        (
            "Envoy defects",
            "An envoy fled his post, officials said, and is in a safe place now.\n\n"
            "Officials gave no more details on Wednesday about where he was.\n\n"
            "Friends say Kang Pyong-su had planned it. Kang Pyong-su had told them so.",
            {"Kang Pyong-su"},  # twice, in sentences that tell this story
            set(),
        ),
        (
            "Envoy in Africa defected",
            "An envoy posted in Africa defected last year, according to Kang Pyong-su, a "
            "lawmaker who fled the North himself.\n\nThe envoy arrived with his wife and "
            "son, a newspaper said, citing Kang Pyong-su.",
            set(),
            {"Kang Pyong-su"},  # the source of the story, twice, never its subject
        ),
    ],
)
def test_subjects_apart_from_background_names(
    title: str, body: str, subjects: set[str], background: set[str]
) -> None:
    mentions = []
    for person in ("Ri Chang-ho", "Kang Pyong-su"):
        for field, text in (("title", title), ("body", body)):
            start = text.find(person)
            while start >= 0:
                mentions.append(Mention(person, field, start, start + len(person)))
                start = text.find(person, start + 1)
    people = split_people(body, mentions)
    assert people.subjects == subjects
    assert people.background == background
