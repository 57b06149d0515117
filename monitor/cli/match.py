"""`monitor match SOURCE`: match one article (file, URL or stdin) and explain the result.

The maintainer's tool for tuning a watchlist: it extracts the page like the pipeline
does, then shows each hit and why, or the closest misses (keywords without context,
excluded occurrences) when nothing hit.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from monitor.cli.app import (
    EXIT_FAILED,
    EXIT_USAGE,
    ConfigOpt,
    JsonOpt,
    app,
    clip,
    err_console,
    fail,
    get_config,
    handle_errors,
    line,
    out_console,
    print_json,
    styled,
)
from monitor.cli.runtime import open_runtime
from monitor.config import FetchConfig
from monitor.domain import FetchResult
from monitor.errors import FetchError
from monitor.http import Fetcher
from monitor.match import Match, MatchReport, compile_watchlists
from monitor.store.articles import article_text
from monitor.store.db import transaction
from monitor.urls import mask_url, mask_urls_in

MAX_BYTES = 10_000_000
_HTML_HINTS = ("<html", "<!doctype", "<body", "<head", "<article", "<p>", "<div")


def read_source(source: str, fetch: FetchConfig) -> tuple[bytes, str | None, bool]:
    """The source's bytes, its URL (if any), and whether it looks like HTML."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        url = None
    elif source.startswith(("http://", "https://")):
        data, is_html = _fetch(source, fetch)
        return data, source, is_html
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            fail(f"cannot read {source}: {exc.strerror or exc}", EXIT_FAILED)
        if path.suffix.lower() in (".html", ".htm", ".xhtml"):
            return data, None, True
        url = None
    if len(data) > MAX_BYTES:
        fail(f"{source}: larger than {MAX_BYTES} bytes", EXIT_FAILED)
    head = data[:4096].decode("utf-8", errors="ignore").lstrip().lower()
    return data, url, any(h in head for h in _HTML_HINTS)


def _fetch(url: str, fetch: FetchConfig) -> tuple[bytes, bool]:
    """GET a page with the service's own fetcher (timeouts, size cap, User-Agent, retries).

    A URL typed by the maintainer is trusted like a feed URL in config (no SSRF refusal).
    """
    try:
        result = asyncio.run(_get(url, fetch))
    except FetchError as exc:
        fail(f"{mask_url(url)}: {mask_urls_in(exc.message)}", EXIT_FAILED)
    ctype = result.headers.get("content-type", "text/html").lower()
    return result.body, "html" in ctype or "xml" in ctype


async def _get(url: str, fetch: FetchConfig) -> FetchResult:
    async with Fetcher(fetch) as fetcher:
        return await fetcher.fetch(url)


def article_parts(data: bytes, url: str | None, is_html: bool) -> tuple[str, str]:
    """(title, body) as the pipeline sees them: extracted for HTML, first line for text."""
    if not is_html:
        text = data.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
        title, _, body = text.partition("\n")
        return title.strip(), body.strip()
    from monitor.extract.article import decode_html, extract_article  # heavy: only when needed

    extracted = extract_article(data, url)
    if extracted is None:
        err_console.print(line(("warning:", "yellow"), " no article body found in the page"))
        html = decode_html(data)
        return _html_title(html), ""
    return extracted.title or "", extracted.text


def _html_title(html: str) -> str:
    lower = html.lower()
    start = lower.find("<title")
    if start == -1:
        return ""
    start = lower.find(">", start) + 1
    end = lower.find("</title>", start)
    return " ".join(html[start:end].split()) if end > start else ""


def stored_article(config: Path | None, article_id: int) -> tuple[str, str]:
    """The title and body the pipeline stored: no fetch, no extraction, the text it matched."""
    rt = open_runtime(config)
    with transaction(rt.sessions) as s:
        found = article_text(s, article_id)
    rt.engine.dispose()
    if found is None:
        fail(f"--article {article_id}: no such article (see monitor articles)", EXIT_USAGE)
    title, body = found
    if body is None:
        err_console.print(
            line(("warning:", "yellow"), " the body was dropped by retention; matching the title")
        )
    return title, body or ""


@app.command("match")
@handle_errors
def match_command(
    source: Annotated[
        str | None, typer.Argument(help="A saved HTML or text file, a URL, or - (stdin).")
    ] = None,
    article: Annotated[
        int | None,
        typer.Option(
            "--article", help="A stored article's id (monitor articles): match it again as stored."
        ),
    ] = None,
    watchlist: Annotated[
        str | None, typer.Option("--watchlist", "-w", help="Only this watchlist id.")
    ] = None,
    json_out: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Match one article against the watchlists and explain every hit (or the near misses)."""
    if (source is None) == (article is None):
        fail("give SOURCE (a file, a URL or -) or --article ID, one of them", EXIT_USAGE)
    cfg = get_config(config)
    known = [w.id for w in cfg.watchlists]
    if watchlist is not None and watchlist not in known:
        fail(f"no watchlist {watchlist!r} (known: {', '.join(known) or 'none'})", EXIT_USAGE)
    if article is not None:
        title, body = stored_article(config, article)
    else:
        assert source is not None
        data, url, is_html = read_source(source, cfg.monitor.fetch)
        title, body = article_parts(data, url, is_html)
    matcher = compile_watchlists(cfg.watchlists)
    report = matcher.match(title, body, only=watchlist)
    if json_out:
        print_json(
            {
                "hits": [h.to_json() for h in report.hits],
                "misses": [m.to_json() for m in report.misses],
            }
        )
        return
    _print_report(report, title)


def _why(m: Match) -> str:
    """What licensed a match: its context term (sentence or title/lead), its phrase pattern."""
    parts = []
    if m.phrase:
        parts.append(f"phrase {m.phrase}")
    if m.context:
        where = {"article": "title/lead", "sentence-before": "sentence before"}.get(
            m.context_from or "", "sentence"
        )
        parts.append(f"context {m.context!r} ({where})")
    if m.status:
        parts.append(f"a status, not an act: {m.status}")
    return "; ".join(parts)


def _print_report(report: MatchReport, title: str) -> None:
    out_console.print(styled(clip(title) or "(no title)", "bold"))
    for hit in report.hits:
        out_console.print(
            line(
                ("HIT", "bold green"),
                f" {hit.watchlist}  score {hit.score:g} "
                f"(threshold {hit.threshold:g})  people: {', '.join(hit.people) or '-'}",
            )
        )
        table = Table(
            "rule", "term", "as written", "where", "weight", "why", "snippet", expand=True
        )
        for m in hit.matches:
            table.add_row(
                m.rule,
                m.term,
                m.text,
                f"{m.field}:{m.start}",
                f"{m.weight:g}",
                _why(m),
                m.snippet,
            )
        out_console.print(table)
    if report.hits:
        return
    out_console.print(styled("no hit", "bold"))
    for wl, people in report.mentions.items():
        out_console.print(f"{wl}: people named: {', '.join(people)}")
    if not report.misses:
        out_console.print("no keyword, context term or person of any watchlist occurs")
        return
    table = Table(
        "watchlist", "reason", "term", "as written", "where", "why / snippet", expand=True
    )
    for miss in report.misses:
        where = f"{miss.field}:{miss.start}" if miss.field else ""
        why = miss.detail if miss.reason != "no-context" else None
        detail = " — ".join(x for x in (why, miss.snippet) if x)
        table.add_row(miss.watchlist, miss.reason, miss.term or "", miss.text or "", where, detail)
    out_console.print(table)
