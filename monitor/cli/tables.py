"""Listings that read at 80 columns and in pipes, as `ls`, `kubectl` or `gh` listings do.

Ids, dates and addresses never break mid-word (`no_wrap`); titles are cut with an ellipsis
instead of wrapping into a tall row; low-value columns are dropped on terminals narrower than
100 columns (and in pipes, which Rich sees as 80) unless `--wide` asks for all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from rich.console import Console, RenderableType
from rich.table import Table

from monitor.cli.app import flag

WIDE = 100  # terminal columns from which every column is shown
Kind = Literal["id", "date", "title", "text", "number", "status"]

WideOpt = Annotated[
    bool, flag("--wide", help="Show every column, even on a terminal narrower than 100 columns.")
]


@dataclass(frozen=True, slots=True)
class Col:
    header: str
    kind: Kind = "text"
    optional: bool = False  # low value: dropped below WIDE columns unless --wide


def listing(
    title: str,
    cols: Sequence[Col],
    rows: Sequence[Sequence[RenderableType]],
    console: Console,
    *,
    wide: bool = False,
) -> Table:
    """A table of `rows` with the columns that fit `console`."""
    keep = [i for i, c in enumerate(cols) if wide or not c.optional or console.width >= WIDE]
    widths = {i: _width(cols[i], [r[i] for r in rows]) for i in keep}
    fixed = sum(w for i, w in widths.items() if cols[i].kind != "title")
    titles = [i for i in keep if cols[i].kind == "title"] or [-1]
    room = console.width - fixed - 3 * len(keep) - 1  # cell padding and borders
    title_width = max(8, room // len(titles))
    table = Table(title=title, expand=False)
    for i in keep:
        col = cols[i]
        if col.kind == "title":
            table.add_column(col.header, no_wrap=True, overflow="ellipsis", max_width=title_width)
        elif col.kind == "text":
            table.add_column(col.header, overflow="fold", max_width=widths[i])
        else:  # whole: an id, a date or an address cut in two is misread
            table.add_column(col.header, no_wrap=True, min_width=widths[i])
    for r in rows:
        table.add_row(*(r[i] for i in keep))
    return table


def _width(col: Col, values: list[RenderableType]) -> int:
    lines = [line for v in values for line in _plain(v).splitlines()]  # a cell may be several
    longest = max([len(col.header), *(len(line) for line in lines)])
    return min(longest, 24 if col.kind == "text" else 40)


def _plain(value: Any) -> str:
    return value.plain if hasattr(value, "plain") else str(value)
