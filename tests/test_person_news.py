"""News about a long-known defector versus a new defection (stories/acts.py, alerts.py).

Cases are written for this file. An act is dated by its clause, else its sentence, else the
sentences before it in its paragraph; a report whose subjects were all public defectors
before its year, and whose every act is dated a year or more back, announces nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from monitor.stories.acts import act_age, ages
from monitor.stories.alerts import LONG_AGO_DAYS, Act, Named, person_news

NOW = date(2022, 7, 20)


@pytest.mark.parametrize(
    ("text", "age"),
    [
        pytest.param("she escaped six years ago", 6 * 365, id="N years ago"),
        pytest.param("a decade after he swam across", 3650, id="a decade after"),
        pytest.param("who crossed over in 2015", (NOW - date(2015, 12, 31)).days, id="a year"),
        pytest.param(
            "reached Seoul in March 2021", (NOW - date(2021, 3, 31)).days, id="month year"
        ),
        pytest.param("left the North in June", (NOW - date(2022, 6, 30)).days, id="month"),
        pytest.param(
            "left the North in October", (NOW - date(2021, 10, 31)).days, id="month ahead"
        ),
        pytest.param("fled last month", (NOW - date(2022, 6, 30)).days, id="last month"),
        pytest.param("defected last year", (NOW - date(2021, 12, 31)).days, id="last year"),
        pytest.param("crossed the line on Sunday", 0, id="weekday"),
        pytest.param("in the 1980s", (NOW - date(1989, 12, 31)).days, id="decade"),
        pytest.param("2017년 5월 입국했다", (NOW - date(2017, 5, 31)).days, id="Korean year month"),
        pytest.param("4년 전 탈북했다", 4 * 365, id="Korean N years ago"),
        pytest.param("지난해 탈북한", (NOW - date(2021, 12, 31)).days, id="Korean last year"),
    ],
)
def test_time_expressions_resolve_to_the_latest_moment_they_can_mean(text: str, age: int) -> None:
    assert list(ages(text, NOW)) == [age]


@pytest.mark.parametrize(
    ("text", "word", "old"),
    [
        pytest.param(
            "Park, who fled in 2009, opened a bakery on Monday.",
            "fled",
            True,
            id="the clause dates the act, not the sentence's news",
        ),
        pytest.param(
            "He fled on Monday, the first since 2009.",
            "fled",
            False,
            id="the most recent date of the clause wins",
        ),
        pytest.param(
            "It ended in 2003. He hid for months. He later escaped.",
            "escaped",
            True,
            id="an undated sentence takes its paragraph's date",
        ),
        pytest.param(
            "It ended in 2003.\nHe escaped to the South.",
            "escaped",
            None,
            id="another paragraph does not date it",
        ),
    ],
)
def test_an_act_is_dated_by_its_clause_sentence_then_paragraph(
    text: str, word: str, old: bool | None
) -> None:
    age = act_age(text, text.index(word), NOW)
    assert (None if age is None else age >= LONG_AGO_DAYS) == old


WHEN = datetime(2022, 7, 20, 3, 0, tzinfo=UTC)


def verdict(title: str, body: str, known: dict[str, int | None], acts: list[str]) -> str | None:
    """person_news for a report whose act claims start at the given words of its body."""
    named = [Named(p, "body", i, i + len(p)) for p in known if (i := body.find(p)) >= 0]
    return person_news(
        title,
        body,
        WHEN,
        subjects=known,
        acts=[Act("body", body.index(a)) for a in acts],
        named=named,
    )


@pytest.mark.parametrize(
    ("body", "known", "acts", "quiet"),
    [
        pytest.param(
            "Han Mi-rae, who defected in 2011, won the award on Tuesday.",
            {"Han Mi-rae": 2012},
            ["defected"],
            True,
            id="an award for a defector of 2011",
        ),
        pytest.param(
            "Han Mi-rae, who fled to the South seven years ago, opened a school.",
            {"Han Mi-rae": 2015},
            ["fled to the South"],
            True,
            id="an old act, relative age",
        ),
        pytest.param(
            "Han Mi-rae published her memoir this week.",
            {"Han Mi-rae": 2015},
            [],
            True,
            id="no act at all: person news",
        ),
        pytest.param(
            "Han Mi-rae, who defected in 2011, said her brother escaped last month.",
            {"Han Mi-rae": 2012},
            ["escaped"],
            False,
            id="a recent act in the report",
        ),
        pytest.param(
            "Han Mi-rae said she had defected to the South.",
            {"Han Mi-rae": 2012},
            ["defected"],
            False,
            id="an undated act is news",
        ),
        pytest.param(
            "Han Mi-rae told the BBC she escaped in 2016, speaking publicly for the first time.",
            {"Han Mi-rae": 2022},
            ["escaped"],
            False,
            id="made public this year: a first account",
        ),
        pytest.param(
            "Han Mi-rae, who defected in 2011, won the award.",
            {"Han Mi-rae": None},
            ["defected"],
            False,
            id="the watchlist cannot date her",
        ),
        pytest.param(
            "Han Mi-rae spoke. A diplomat in Cairo defected to Seoul in 2020, officials said.",
            {"Han Mi-rae": 2012},
            ["defected"],
            False,
            id="an old act of someone else",
        ),
        pytest.param(
            "Han Mi-rae and Oh Sang-min, who defected in 2011, met.",
            {"Han Mi-rae": 2012, "Oh Sang-min": None},
            ["defected"],
            False,
            id="one subject the watchlist cannot date",
        ),
    ],
)
def test_news_about_a_long_known_defector_is_quiet(
    body: str, known: dict[str, int | None], acts: list[str], quiet: bool
) -> None:
    reason = verdict("Defector honoured", body, known, acts)
    assert (reason is not None) == quiet, reason
    if quiet:
        assert reason is not None and "known since" in reason


def test_no_publication_time_no_quiet() -> None:
    assert (
        person_news("t", "Han Mi-rae spoke.", None, subjects={"Han Mi-rae": 2000}, acts=[]) is None
    )
