"""`monitor feeds`: the feeds' status; `feeds import|export` (OPML) and `feeds add URL`.

Every feed reader takes and gives an OPML subscription list; `add` finds a site's feed the way
readers do (the page's `<link rel="alternate">`, then common paths) and fetches it once through
the service's own fetcher, so what is added is known to parse.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from monitor.cli.app import (
    EXIT_USAGE,
    ConfigOpt,
    JsonOpt,
    fail,
    flag,
    handle_errors,
    listing_group,
    out_console,
    plural,
    print_json,
    styled,
)
from monitor.cli.listing import fmt_time
from monitor.cli.runtime import open_runtime
from monitor.cli.tables import Col, WideOpt, listing
from monitor.config import load_config
from monitor.config.editor import add_feeds
from monitor.errors import FetchError, ParseError
from monitor.feeds import parse_feed
from monitor.http import Fetcher
from monitor.opml import (
    OpmlFeed,
    discover_feed_links,
    feed_id_for,
    looks_like_html,
    parse_opml,
    render_opml,
)
from monitor.store.db import transaction
from monitor.store.feeds import feed_to_json, get_feeds, sync_feeds
from monitor.urls import canonical_url

feeds_app = listing_group(
    "feeds", help="Each feed's status (no subcommand); import, export and add feeds."
)


@feeds_app.callback()
@handle_errors
def feeds(
    ctx: typer.Context, config: ConfigOpt = None, json_out: JsonOpt = False, wide: WideOpt = False
) -> None:
    """Each feed's status: last poll, outcome, failures, last error, next poll."""
    if ctx.invoked_subcommand is not None:
        return
    rt = open_runtime(config)
    with transaction(rt.sessions) as s:
        sync_feeds(s, rt.cfg.feeds, datetime.now(UTC))
        configured = {f.id for f in rt.cfg.feeds}
        rows = [feed_to_json(f) for f in get_feeds(s) if f.id in configured]
    if json_out:
        print_json(rows)
        return
    cols = [
        Col("feed", "id"),
        Col("status", "status"),
        Col("last poll", "date"),
        Col("outcome", "status", optional=True),
        Col("fails", "number"),
        Col("next poll", "date", optional=True),
        Col("last error", "title"),
    ]
    colors = {"ok": "green", "failing": "red", "disabled": "yellow", "new": "cyan"}
    table_rows = [
        [
            r["id"],
            styled(r["status"], colors.get(r["status"], "")),
            fmt_time(r["last_polled_at"]),
            r["last_outcome"] or "-",
            str(r["consecutive_failures"]),
            fmt_time(r["next_poll_at"]),
            r["disabled_reason"] or r["last_error"] or "",
        ]
        for r in rows
    ]
    out_console.print(listing(f"Feeds ({len(rows)})", cols, table_rows, out_console, wide=wide))


def _known(path: Path | None) -> tuple[Path, set[str], set[str]]:
    """The config file, its feed ids and its feed URLs (canonical)."""
    cfg = load_config(path)
    return (
        Path(cfg.path),
        {f.id for f in cfg.feeds},
        {canonical_url(f.url) for f in cfg.feeds},
    )


@feeds_app.command("import")
@handle_errors
def import_opml(
    file: Annotated[
        Path, typer.Argument(help="An OPML file exported by a feed reader (- for stdin).")
    ],
    config: ConfigOpt = None,
    dry_run: Annotated[
        bool, flag("--dry-run", help="Show what would be added; change nothing.")
    ] = False,
) -> None:
    """Add an OPML file's feeds to monitor.yaml (its comments and order kept); skip known ones."""
    data = sys.stdin.buffer.read() if str(file) == "-" else _read(file)
    try:
        entries = parse_opml(data)
    except ParseError as exc:
        fail(f"{file}: {exc}", EXIT_USAGE)
    cfg_file, ids, urls = _known(config)
    new, skipped = [], 0
    for entry in entries:
        if canonical_url(entry.url) in urls:
            skipped += 1
            continue
        feed_id = feed_id_for(entry.title, entry.url, ids)
        ids.add(feed_id)
        urls.add(canonical_url(entry.url))
        new.append(_feed(feed_id, entry.url, entry.title))
    for f in new:
        out_console.print(f"  + {f['id']}: {f['url']}")
    verb = "would add" if dry_run else "added"
    if new and not dry_run:
        add_feeds(cfg_file, new)
    out_console.print(
        f"{verb} {plural(len(new), 'feed')} to {cfg_file}; {plural(skipped, 'feed')} already there"
    )


@feeds_app.command("export")
@handle_errors
def export_opml(
    config: ConfigOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """The configured feeds as OPML 2.0, for any feed reader."""
    cfg = load_config(config)
    text = render_opml([OpmlFeed(f.url, f.outlet or f.id) for f in cfg.feeds])
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        out_console.print(f"wrote {plural(len(cfg.feeds), 'feed')} to {out}")


@dataclass(frozen=True, slots=True)
class Found:
    url: str
    title: str | None
    entries: int


async def discover(fetcher: Fetcher, url: str) -> Found:
    """The feed at `url`, or the one its page announces, or one at a common path; each
    candidate fetched once and parsed with the service's own parser."""
    first = await fetcher.fetch(url)
    candidates: list[str] = []
    content_type = first.headers.get("content-type", "")
    if not looks_like_html(first.body, content_type):
        try:
            parsed = parse_feed(first.body, first.headers, feed_id="new", base_url=first.final_url)
            return Found(first.final_url, parsed.title, len(parsed.entries))
        except ParseError:
            pass
    candidates = discover_feed_links(first.body, first.final_url)
    problems: list[str] = []
    for candidate in candidates:
        try:
            # a link to another host came from the page: checked like a link from a feed
            other_host = urlsplit(candidate).hostname != urlsplit(first.final_url).hostname
            got = await fetcher.fetch(candidate, untrusted=other_host)
            if looks_like_html(got.body, got.headers.get("content-type", "")):
                continue
            parsed = parse_feed(got.body, got.headers, feed_id="new", base_url=got.final_url)
        except (FetchError, ParseError) as exc:
            problems.append(f"{candidate}: {exc}")
            continue
        return Found(got.final_url, parsed.title, len(parsed.entries))
    raise ParseError(
        f"no feed found at {url}: the page announces none that parses and none of "
        f"{len(candidates)} usual places has one; pass the feed's own URL"
    )


@feeds_app.command("add")
@handle_errors
def add(
    url: Annotated[str, typer.Argument(help="A feed URL, or a site whose feed should be found.")],
    feed_id: Annotated[
        str | None, typer.Option("--id", help="The feed's id (default: from its title).")
    ] = None,
    outlet: Annotated[
        str | None, typer.Option("--outlet", help="The outlet's display name.")
    ] = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Find URL's feed, fetch it once to prove it parses, and add it to monitor.yaml."""
    cfg = load_config(config)
    cfg_file = Path(cfg.path)

    async def run() -> Found:
        async with Fetcher(cfg.monitor.fetch) as fetcher:
            return await discover(fetcher, url)

    try:
        found = asyncio.run(run())
    except (FetchError, ParseError) as exc:
        fail(str(exc))
    ids = {f.id for f in cfg.feeds}
    if canonical_url(found.url) in {canonical_url(f.url) for f in cfg.feeds}:
        fail(f"{found.url} is already in {cfg_file}", EXIT_USAGE)
    new_id = feed_id or feed_id_for(outlet or found.title, found.url, ids)
    if new_id in ids:
        fail(f"--id {new_id}: a feed with that id is already in {cfg_file}", EXIT_USAGE)
    entry = _feed(new_id, found.url, outlet or found.title)
    add_feeds(cfg_file, [entry])
    if json_out:
        print_json({**entry, "entries": found.entries, "config": str(cfg_file)})
        return
    out_console.print(
        f"added {new_id}: {found.url} ({plural(found.entries, 'entry', 'entries')} now) "
        f"to {cfg_file}"
    )


def _feed(feed_id: str, url: str, outlet: str | None) -> dict[str, str]:
    feed = {"id": feed_id, "url": url}
    if outlet:
        feed["outlet"] = outlet
    return feed


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        fail(f"{file}: cannot read: {exc.strerror or exc}", EXIT_USAGE)
