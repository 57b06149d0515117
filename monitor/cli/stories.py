"""`monitor stories` and `monitor story ID`: stories with their origins, copies and alerts."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from monitor.cli.app import (
    ConfigOpt,
    JsonOpt,
    app,
    clip,
    fail,
    handle_errors,
    line,
    out_console,
    print_json,
    styled,
)
from monitor.cli.listing import fmt_time
from monitor.cli.runtime import open_runtime
from monitor.cli.tables import Col, WideOpt, listing
from monitor.store import stories as story_store
from monitor.store.db import transaction


def flags(story: dict[str, Any], sep: str = "\n") -> Text:
    out = []
    if story["confirmed"]:
        out.append(styled("confirmed", "green"))
    if story["origin_count"] > 1:
        out.append(styled(f"corroborated ({story['origin_count']})", "cyan"))
    if story["stale"]:
        out.append(styled("stale", "yellow"))
    return Text(sep).join(out) if out else Text("new")


def story_table(
    stories: list[dict[str, Any]], title: str, console: Console, *, wide: bool = False
) -> Table:
    """Headline, origins and articles (copies folded under their original), at 80 columns."""
    watchlists = sorted({st["watchlist"] for st in stories})
    one_list = len(watchlists) == 1
    if one_list:
        title = f"{title}: {watchlists[0]}"
    cols = [
        Col("id", "id"),
        Col("headline", "title"),
        *([] if one_list else [Col("watchlist", "id", optional=True)]),
        Col("first seen", "date", optional=True),
        Col("origins", "text", optional=True),  # the flags say how many
        Col("articles", "text"),
        Col("flags", "status"),
    ]
    rows = []
    for st in stories:
        by_id = {a["id"]: a for a in st["articles"]}
        lines = []
        for a in st["articles"]:
            if a["copy_of"] in by_id:
                continue
            lines.append(f"{a['outlet']}{' (stale)' if a['stale'] else ''}")
            for c in st["articles"]:
                if c["copy_of"] == a["id"]:
                    lines.append(f"  └ copy: {c['outlet']}")
        rows.append(
            [
                str(st["id"]),
                clip(st["headline"]),
                *([] if one_list else [st["watchlist"]]),
                fmt_time(st["first_seen"]),
                ", ".join(st["origins"]) or "-",
                "\n".join(lines),
                flags(st),
            ]
        )
    return listing(title, cols, rows, console, wide=wide)


@app.command()
@handle_errors
def stories(
    watchlist: Annotated[
        str | None, typer.Option("--watchlist", "-w", help="Only this one.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all).")] = 50,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Stories, newest first: headline, origins, articles and copies, confirmed/stale flags."""
    rt = open_runtime(config)
    with transaction(rt.sessions) as s:
        data = story_store.stories_json(s, watchlist=watchlist, limit=limit or None)
    if json_out:
        print_json(data)
        return
    out_console.print(story_table(data, f"Stories ({len(data)})", out_console, wide=wide))


@app.command()
@handle_errors
def story(
    story_id: Annotated[str, typer.Argument(help="Story id or key.")],
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """One story with its timeline: each article, why it joined, and each alert."""
    rt = open_runtime(config)
    with transaction(rt.sessions) as s:
        found = story_store.story_by_ref(s, story_id)
    if found is None:
        fail(f"no story {story_id!r}; `monitor stories` lists them", 1)
    data = found
    if json_out:
        print_json(data)
        return
    tree = Tree(
        line((clip(data["headline"]), "bold"), f"  ({data['key']}, ") + flags(data, ", ") + ")"
    )
    tree.add(f"origins ({data['origin_count']}): {', '.join(data['origins']) or '-'}")
    tree.add(f"people: {', '.join(data['people']) or '-'}")
    events = [(a["discovered_at"], "article", a) for a in data["articles"]]
    events += [(al["at"], "alert", al) for al in data["alerts"]]
    timeline = tree.add("timeline")
    for at, kind, item in sorted(events, key=lambda e: (e[0], e[1] != "article")):
        if kind == "article":
            copy = f" (copy of #{item['copy_of']})" if item["copy_of"] else ""
            timeline.add(
                line(
                    f"{fmt_time(at)}  #{item['id']} {item['outlet']}: {clip(item['title'])}",
                    (copy, "dim"),
                    (" (stale)" if item["stale"] else "", "yellow"),
                    f"\n    published {fmt_time(item['published_at'])}; credits "
                    f"{', '.join(item['origins']) or '-'}; {'; '.join(item['reasons'])}\n"
                    f"    {item['url']}",
                )
            )
        else:
            timeline.add(
                line(
                    f"{fmt_time(at)}  ",
                    (f"alert {item['kind']}", "bold magenta"),
                    f" ({item['key']})",
                )
            )
    out_console.print(tree)
