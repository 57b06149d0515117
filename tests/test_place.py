"""Pure placement: what a story becomes where assignment put a hit article (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.config.stories import StoriesConfig
from monitor.stories.cluster import assign
from monitor.stories.index import StoryIndex
from monitor.stories.model import Assignment, StoryCandidate, StorySummary
from monitor.stories.place import Original, place

CFG = StoriesConfig()
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TEXT = "A North Korean diplomat defected to South Korea via Kuwait, officials said."


def cand(
    article_id: int,
    *,
    when: datetime = T0,
    discovered: datetime | None = None,
    origins: tuple[str, ...] = ("Yonhap",),
    outlet: str = "Yonhap",
) -> StoryCandidate:
    return StoryCandidate(
        article_id=article_id,
        watchlist="w",
        outlet=outlet,
        title="N. Korean diplomat in Kuwait defects",
        text=TEXT,
        published_at=when,
        discovered_at=discovered or when,
        origins=origins,
    )


def story(story_id: int = 7, *, origins: frozenset[str] = frozenset({"Yonhap"})) -> StorySummary:
    return StorySummary(
        story_id=story_id,
        key=f"w-{story_id}",
        watchlist="w",
        headline="N. Korean diplomat in Kuwait defects",
        first_seen=T0,
        last_seen=T0,
        origins=origins,
        announced=True,
        articles=1,
        score=2.0,
    )


def test_an_article_no_story_fits_opens_one_and_raises_new() -> None:
    c = cand(1)
    a = assign(c, StoryIndex(), CFG, T0)
    p = place(c, a, StoryIndex(), CFG, score=3.0)
    assert p is not None and p.opened and p.before is None
    assert (p.after.story_id, p.after.score, p.after.origins) == (0, 3.0, frozenset({"Yonhap"}))
    assert [x.kind for x in p.alerts] == ["new"] and p.repoint is None


@pytest.mark.parametrize(
    ("origins", "score", "kinds", "story_score"),
    [
        pytest.param(("Yonhap",), 1.0, [], 2.0, id="same origin, lower score: nothing to say"),
        pytest.param(("AP",), 5.0, ["corroborated"], 5.0, id="a new origin corroborates"),
        pytest.param(
            ("Unification Ministry",), 1.0, ["corroborated", "confirmed"], 2.0, id="official"
        ),
    ],
)
def test_joining_a_story_grows_it_and_raises_what_changed(
    origins: tuple[str, ...], score: float, kinds: list[str], story_score: float
) -> None:
    index = StoryIndex([story()])
    c = cand(2, origins=origins)
    a = Assignment(7, "w-7", None, 4.0, ("people",))
    p = place(c, a, index, CFG, score=score)
    assert p is not None and not p.opened and p.before == story()
    assert [x.kind for x in p.alerts] == kinds
    assert p.after.score == story_score and p.after.articles == 2


def test_a_stale_report_opens_a_story_without_announcing_it() -> None:
    c = cand(3, when=T0 - CFG.stale_after - timedelta(days=1), discovered=T0)
    p = place(c, assign(c, StoryIndex(), CFG, T0), StoryIndex(), CFG, score=3.0)
    assert p is not None and p.stale and p.alerts == () and not p.after.announced


@pytest.mark.parametrize(
    ("copy_published", "repoint", "copy_of"),
    [
        pytest.param(T0 + timedelta(hours=1), None, 10, id="published after: it is the copy"),
        pytest.param(T0 - timedelta(hours=1), 10, None, id="published before: it is the original"),
    ],
)
def test_the_earlier_publication_is_the_original(
    copy_published: datetime, repoint: int | None, copy_of: int | None
) -> None:
    index = StoryIndex([story()])
    original = Original(10, T0, wire="Reuters", origins=("Reuters",))
    c = cand(11, when=copy_published, outlet="Daily NK", origins=("Daily NK",))
    a = Assignment(7, "w-7", 10, 6.0, ("copy",))
    p = place(c, a, index, CFG, score=1.0, original=original)
    assert p is not None and p.repoint == repoint and p.assignment.copy_of == copy_of
    if copy_of is not None:  # a copy credits the original's author, adds no origin
        assert p.origins == ("Reuters",) and p.after.origins == story().origins


def test_a_story_gone_from_the_index_places_nothing() -> None:
    c = cand(4)
    assert place(c, Assignment(99, "w-99", None, 4.0, ()), StoryIndex(), CFG, score=1.0) is None


def test_a_quiet_opener_waits_and_a_later_report_of_the_act_announces() -> None:
    """A report that is only news about a long-known defector (alerts.person_news) opens a
    story without `new`; the first report of an act in it raises `new` then."""
    first = cand(4)
    p = place(
        first,
        assign(first, StoryIndex(), CFG, T0),
        StoryIndex(),
        CFG,
        score=3.0,
        quiet="person news: X (known since 2016)",
    )
    assert p is not None and p.opened and not p.stale
    assert p.alerts == () and not p.after.announced
    assert p.assignment.reasons[-1].startswith("person news")
    quiet_story = StorySummary(
        story_id=7,
        key="w-7",
        watchlist="w",
        headline="h",
        first_seen=T0,
        last_seen=T0,
        origins=frozenset({"Yonhap"}),
        announced=False,
        articles=1,
        score=3.0,
    )
    index = StoryIndex([quiet_story])
    join = Assignment(7, "w-7", None, 4.0, ("people",))
    again = place(cand(5), join, index, CFG, score=3.0, quiet="person news: X")
    assert again is not None and again.alerts == () and not again.after.announced
    news = place(cand(6), join, index, CFG, score=3.0)
    assert news is not None and [a.kind for a in news.alerts] == ["new"]
    assert news.after.announced


def test_a_quiet_report_still_corroborates_an_announced_story() -> None:
    index = StoryIndex([story()])
    join = Assignment(7, "w-7", None, 4.0, ("people",))
    p = place(cand(8, origins=("AP",)), join, index, CFG, score=3.0, quiet="person news: X")
    assert p is not None and [a.kind for a in p.alerts] == ["corroborated"]
    assert p.after.announced
