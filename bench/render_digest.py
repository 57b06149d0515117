"""Render the sample HTML digest that docs/img/digest.png shows.

    .venv/bin/python bench/render_digest.py /tmp/digest.html
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --screenshot=docs/img/digest.png --window-size=900,1200 file:///tmp/digest.html

The stories are invented examples of what the monitor produces (no real events).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.alerts.build import build_digest
from monitor.alerts.model import ArticleRecord, HitRecord, StoryRecord
from monitor.alerts.render import render_html
from monitor.config.models import FileChannel

SLOT = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # 08:00 in Seoul


def _at(hours_before: float) -> datetime:
    return SLOT - timedelta(hours=hours_before)


def _art(
    i: int, outlet: str, title: str, hours: float, copy_of: int | None = None
) -> ArticleRecord:
    slug = outlet.lower().replace(" ", "-")
    return ArticleRecord(i, f"https://{slug}.example/news/{i}", outlet, title, _at(hours),
                         _at(hours), copy_of)  # fmt: skip


def _hit(article: int, people: tuple[str, ...], evidence: list[tuple[str, str, str]]) -> HitRecord:
    matches = [{"rule": r, "term": t, "snippet": s, "weight": 1.0} for r, t, s in evidence]
    return HitRecord(article, 4.0, people, {"matches": matches})


def sample() -> list[StoryRecord]:
    """Four stories: corroborated with a folded wire copy, confirmed, new, and stale."""
    s1 = (
        _art(1, "Yonhap", "North Korean soldier defects across the DMZ", 9),
        _art(2, "Korea Herald", "N. Korean soldier crosses MDL, military says", 8.5, copy_of=1),
        _art(3, "Korea JoongAng Daily", "N. Korean soldier crosses MDL, military says", 8, 1),
        _art(4, "KBS", "JCS: soldier walked across central front overnight", 6),
    )
    s2 = (
        _art(5, "NK News", "Former diplomat's arrival in Seoul confirmed", 5),
        _art(6, "Unification Ministry", "Press briefing on the arrival of a North Korean envoy", 3),
    )
    s3 = (_art(7, "Daily NK", "Family of four reaches Thailand after defecting via China", 2),)
    s4 = (_art(8, "The Diplomat", "How a 2019 fishing-boat escape unfolded", 4),)
    return [
        StoryRecord(1, "nk-defections:soldier-dmz", "nk-defections",
                    "North Korean soldier defects across the DMZ", _at(9), _at(6), 2,
                    ("Yonhap", "KBS"), False, False, (), ("defect", "DMZ"), 4.5, s1,
                    (_hit(1, (), [("keyword", "defect", "A North Korean soldier defected "
                                   "across the central section of the DMZ overnight, the "
                                   "Joint Chiefs of Staff said on Tuesday.")]),)),
        StoryRecord(2, "nk-defections:envoy", "nk-defections",
                    "Former North Korean diplomat arrives in Seoul", _at(5), _at(3), 2,
                    ("NK News", "Unification Ministry"), True, False, ("Ri Il-gyu",),
                    ("defect", "diplomat"), 6.0, s2,
                    (_hit(5, ("Ri Il-gyu",), [
                        ("target-person", "Ri Il-gyu", "Ri Il Gyu, a counsellor at the "
                         "North Korean embassy in Cuba, arrived in Seoul last month."),
                        ("keyword", "defect", "officials said he defected with his family "
                         "& asked for protection"),
                    ]),)),
        StoryRecord(3, "nk-defections:thailand", "nk-defections",
                    "Family of four reaches Thailand after defecting via China", _at(2),
                    _at(2), 1, ("Daily NK",), False, False, (), ("defect",), 3.5, s3,
                    (_hit(7, (), [("keyword", "defect", "a family of four who defected "
                                   "from Hyesan reached Bangkok on Sunday")]),)),
        StoryRecord(4, "nk-defections:fishing-boat", "nk-defections",
                    "How a 2019 fishing-boat escape unfolded", _at(4), _at(4), 1,
                    ("The Diplomat",), False, True, (), ("defect",), 3.0, s4,
                    (_hit(8, (), [("keyword", "defect", "the two fishermen who tried to "
                                   "defect in 2019 were sent back")]),)),
    ]  # fmt: skip


def main(out: str) -> None:
    channel = FileChannel(name="seoul-desk", type="file", timezone="Asia/Seoul")
    digest = build_digest(channel, sample(), since=SLOT - timedelta(days=1), until=SLOT)
    Path(out).write_text(render_html(digest), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "digest.html")
