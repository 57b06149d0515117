"""The act's own date: a sentence that dates the movement a report tells is its core.

Three classes of reports (docs/stories.md, "Story assignment"): one side reports the effect
and the other the cause, sharing only the day of the crossing and one place; two crossings
at one place, days apart, recalled by each other's reports; a place named only late.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.config.stories import StoriesConfig
from monitor.stories.cluster import assign, open_story, score
from monitor.stories.events import CORE, acts, event_profile
from monitor.stories.model import Assignment, StoryCandidate

#: a Wednesday, 03:00 UTC (noon in Seoul)
WED = datetime(2031, 3, 12, 3, 0, tzinfo=UTC)
PAD = " Officials gave no further details and said the matter was still being looked into."
CFG = StoriesConfig()


def _report(n: int, title: str, paragraphs: list[str], when: datetime) -> StoryCandidate:
    return StoryCandidate(
        article_id=n,
        watchlist="w",
        outlet=f"Outlet {n}",
        title=title,
        text="\n\n".join(paragraphs),
        published_at=when,
        discovered_at=when,
    )


def _story(*reports: StoryCandidate):
    return open_story(reports[0], Assignment(None, "k", None, 0.0, ()), CFG, 1)


@pytest.mark.parametrize(
    ("sentence", "dates"),
    [
        ("The agency said the deserter crossed the demarcation line on March 9.", {"03-09"}),
        ("A fisherman who fled years ago came back across the sea border on March 9.", {"03-09"}),
        ("앞서 북한 매체는 이 남성이 지난 9일 군사분계선을 넘어 돌아왔다고 보도했다.", {"03-09"}),
        ("병사는 10일 새벽 철책을 넘어 귀순했다.", {"03-10"}),
        # a reporting or publishing verb dates the report, not the act
        ("The military said on Monday that the man swam across the river.", set()),
        ("In this photo released by the agency on March 9, soldiers patrol.", set()),
        # the date belongs to another clause than the movement
        ("The president on Tuesday ordered an inquiry after a soldier crossed unseen.", set()),
        # another event, or another year
        ("Another soldier crossed the border at the same spot on March 1.", set()),
        ("나흘 뒤인 6일에는 서부전선에서 병사 1명이 군사분계선을 넘어왔다.", set()),
        ("He first crossed the border on March 9, 2027, as a teenager.", set()),
        # no movement
        ("The ministry held a briefing on March 9 about the new rules.", set()),
    ],
)
def test_the_dates_of_the_movement_a_sentence_reports(sentence: str, dates: set[str]) -> None:
    assert acts(sentence, WED) == {f"date:{d}" for d in dates}


@pytest.mark.parametrize(
    ("sentence", "published", "tag"),
    [
        ("북한 주민이 지난 9일 군사분계선을 넘었다.", WED, "date:03-09"),
        ("북한 주민이 지난 28일 배를 타고 넘어왔다.", WED, "date:02-28"),  # ahead: last month
    ],
)
def test_korean_days_just_past_resolve(sentence: str, published: datetime, tag: str) -> None:
    assert tag in event_profile("보도", sentence, published)


@pytest.mark.parametrize(
    ("lead", "late", "core", "lighter"),
    [
        (  # the lead dates nothing: the late sentence dating the movement is the act
            "A defector slipped through a drainage culvert on Gyodong Island and swam north.",
            "State media in the North said he crossed the line into Kaesong on March 9.",
            {"date:03-09", "place:kaesong", "place:gyodong"},
            set(),
        ),
        (  # the lead dates its own crossing: a movement dated to another day is another act
            "A soldier walked across the demarcation line near Cheorwon on March 11.",
            "A private crossed the line near Paju on March 1 and was taken into custody.",
            {"date:03-11", "place:cheorwon", "act:03-11"},
            {"date:03-01", "place:paju"},
        ),
    ],
    ids=["late act", "late act on another day"],
)
def test_a_late_sentence_dating_the_act_weighs_as_the_core(
    lead: str, late: str, core: set[str], lighter: set[str]
) -> None:
    body = [
        lead + PAD,
        "Troops are checking why the guard posts along that stretch did not see him." + PAD,
        "He had reached the South in 2028 by swimming the other way, officials said." + PAD,
        late,
    ]
    weights = event_profile("Border crossing", "\n\n".join(body), WED)
    assert {t for t in core | lighter if weights.get(t) == CORE} == core


# (a) The effect reported from one side, the cause from the other: they share the day of
# the crossing and one place, named late by one of them, and nothing else.
NORTH = _report(
    1,
    "Pyongyang seals off border town, blames deserter who came home from the South",
    [
        "North Korea has sealed off the town of Kaesong and declared an emergency after a man "
        "who fled south years ago came home with a fever, state media said on Wednesday.",
        "The state news agency said the man crossed the military demarcation line on March 9 "
        "and was put in quarantine with everyone he had met since.",
    ],
    WED,
)
SOUTH_EN = [
    "South Korea's military said on Thursday a defector squeezed through a drainage culvert "
    "under the fence on Gyodong Island and swam across the estuary." + PAD,
    "Investigators found a bag he left near the culvert and are checking why the guard posts "
    "along the shore did not see him go." + PAD,
    "The man, 25, had reached the South in 2028 by swimming in the other direction." + PAD,
    "North Korean state media said the man crossed the military demarcation line into "
    "Kaesong on March 9.",
]
SOUTH_KO = [
    "북한이 발열 증상을 보였다고 주장한 월북자는 교동도 철책 아래 배수로를 빠져나간 뒤 헤엄쳐 "
    "북측으로 건너간 것으로 보인다고 군 당국이 13일 밝혔다.",
    "합동참모본부는 이 남성의 것으로 보이는 가방을 배수로 근처에서 발견했으며 해안 경계 근무에 "
    "허점이 없었는지 정밀 조사에 착수했다고 설명했다.",
    "이 남성은 2028년 교동도 인근 해상을 헤엄쳐 건너온 탈북민으로, 그동안 경찰의 신변 보호를 "
    "받아 온 것으로 확인됐다.",
    "앞서 북한 매체는 이 남성이 지난 9일 군사분계선을 넘어 개성으로 돌아왔으며 도시 전체를 "
    "봉쇄했다고 보도했다.",
]


@pytest.mark.parametrize(
    ("title", "paragraphs"),
    [
        ("Defector slipped through a culvert on Gyodong Island, military says", SOUTH_EN),
        ("월북 탈북민, 교동도 배수로 빠져나가 헤엄쳐 건넌 듯", SOUTH_KO),
    ],
    ids=["english", "korean"],
)
def test_effect_and_cause_sharing_the_act_day_and_a_place_join(
    title: str, paragraphs: list[str]
) -> None:
    cause = _report(2, title, paragraphs, WED + timedelta(hours=20))
    placed = assign(cause, [_story(NORTH)], CFG, cause.time)
    assert placed.story_id == 1, placed.reasons
    assert "places differ" not in placed.reasons


# (b) Two crossings at one place, ten days apart: the later report recalls the earlier one,
# with or without a marker, and says much the same words.
FIRST = _report(
    1,
    "North Korean soldier crosses MDL near Cheorwon",
    [
        "A North Korean soldier crossed the military demarcation line near Cheorwon on "
        "March 2 and was taken into custody, the Joint Chiefs of Staff said." + PAD,
        "Troops spotted him with thermal cameras and guided him to a guard post before dawn." + PAD,
    ],
    WED - timedelta(days=10),
)
SECOND_LEAD = [
    "A North Korean private walked across the demarcation line in Cheorwon on March 12 and "
    "asked to be taken south, the military said." + PAD,
    "He was unarmed and in uniform, officials said, and is being questioned." + PAD,
    "The questioning is expected to take several weeks, as is usual in such cases." + PAD,
]


@pytest.mark.parametrize(
    ("title", "paragraphs"),
    [
        (
            "North Korean private walks across border in Cheorwon",
            [*SECOND_LEAD, "On March 2, a soldier crossed the line at the same spot."],
        ),
        (
            "North Korean private walks across border in Cheorwon",
            [*SECOND_LEAD, "Another soldier crossed the line at the same spot on March 2."],
        ),
        (
            "북한군 병사 1명 철원 군사분계선 넘어 귀순",
            [
                "북한군 병사 1명이 12일 새벽 강원도 철원 지역의 군사분계선을 넘어 귀순했다고 "
                "합동참모본부가 밝혔다. 군은 이 병사를 감시 장비로 식별해 추적했다.",
                "군은 유도 작전을 통해 신병을 확보했으며 관계 당국이 귀순 경위를 조사하고 있다고 "
                "설명했다.",
                "지난 2일에도 같은 지역에서 북한군 병사 1명이 군사분계선을 넘어 귀순했다.",
            ],
        ),
    ],
    ids=["unmarked recall", "another", "korean"],
)
def test_two_crossings_at_one_place_ten_days_apart_stay_apart(
    title: str, paragraphs: list[str]
) -> None:
    second = _report(2, title, paragraphs, WED)
    placed = assign(second, [_story(FIRST)], CFG, second.time)
    assert placed.story_id is None
    _, reasons = score(second, _story(FIRST))
    assert "acts differ" in reasons


# (c) A place named only late in one report is no conflict when it is the act's place
# (named in the sentence dating the act) or when both date the act to the same day; a place
# recalled late from another crossing on another day still conflicts.
SEALED = _report(
    1,
    "Pyongyang seals off Kaesong after a deserter returns",
    [
        "North Korea sealed off the town of Kaesong, state media said on Wednesday." + PAD,
        "The agency said the man crossed the military demarcation line on March 9." + PAD,
    ],
    WED,
)
SWAM = "A defector swam north from Gyodong Island, leaving a bag by a culvert, troops said."
LATER = WED + timedelta(hours=20)


@pytest.mark.parametrize(
    ("paragraphs", "conflict"),
    [
        (  # the late place stands in the sentence that dates the act
            [
                SWAM + PAD,
                PAD.strip() + PAD,
                PAD.strip() + PAD,
                "He crossed into Kaesong on March 9.",
            ],
            False,
        ),
        (  # both leads date the act to the same day; the place comes later, undated
            [
                "A defector swam north from Gyodong Island on March 9, troops said." + PAD,
                PAD.strip() + PAD,
                PAD.strip() + PAD,
                "Pyongyang has since sealed off the town of Kaesong.",
            ],
            False,
        ),
        (  # another day in the lead, the other place only recalled: two crossings
            [
                "A defector swam north from Gyodong Island on March 3, troops said." + PAD,
                PAD.strip() + PAD,
                PAD.strip() + PAD,
                "Pyongyang has sealed off the town of Kaesong.",
            ],
            True,
        ),
    ],
    ids=["in the act's sentence", "same act day", "another day"],
)
def test_a_place_named_only_late(paragraphs: list[str], conflict: bool) -> None:
    late = _report(2, "Defector swims north from Gyodong", paragraphs, LATER)
    _, reasons = score(late, _story(SEALED))
    assert ("places differ" in reasons) is conflict
