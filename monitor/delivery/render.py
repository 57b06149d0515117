"""Pure: a Digest -> plain text, HTML (Jinja2, autoescaped) and Slack Block Kit messages."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from monitor.clock import zone
from monitor.delivery.model import Digest, DigestStory, Rendered
from monitor.text import TEXT_WIDTH, has_hangul, wrap_text

# Slack's limits: https://api.slack.com/reference/block-kit/blocks
SLACK_MAX_BLOCKS = 50
SLACK_SECTION_CHARS = 3000
SLACK_HEADER_CHARS = 300  # the title line at the top of each message
SLACK_MESSAGE_CHARS = 30_000  # keep well under the 40k text limit of one message
BADGE_EMOJI = {"new": ":new:", "corroborated": ":link:", "confirmed": ":white_check_mark:"}
INTRO = {
    "new": "A new story matched your watchlist.",
    "corroborated": "A further independent outlet reported this story.",
    "confirmed": "An official source confirmed this story.",
}


def format_time(value: datetime | None, tz: str) -> str:
    """'2026-11-24 08:10 KST' in the channel's time zone."""
    if value is None:
        return "-"
    return value.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M %Z")


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor.delivery", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env


def lang_attr(text: str | None) -> Markup:
    """` lang="ko"` on an element holding Korean: browsers and mail readers then pick a
    Korean font from the fallback list (and screen readers a Korean voice)."""
    return Markup(' lang="ko"') if has_hangul(text) else Markup("")


def _render(name: str, digest: Digest) -> str:
    template = _env().get_template(name)
    return template.render(
        digest=digest,
        intro=INTRO.get(digest.alert_kind or "", ""),
        when=lambda v: format_time(v, digest.timezone),
        lang=lang_attr,
    )


def render_text(digest: Digest) -> str:
    """The plain-text part (and the file channel's .txt), wrapped at 78 columns."""
    return wrap_text(_render("message.txt", digest), TEXT_WIDTH)


def render_html(digest: Digest) -> str:
    """The HTML part: inline styles, no scripts, no remote images; feed text escaped."""
    return _render("message.html", digest)


def render(digest: Digest) -> Rendered:
    return Rendered(digest.subject, render_text(digest), render_html(digest))


# -- Slack ---------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Neutralize Slack control sequences: `<!channel>`, `<@U123>`, `<url|text>`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_url(url: str) -> str:
    """A URL safe inside `<url|text>`: no characters that end or split the link."""
    return url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")


def _link(url: str | None, label: str) -> str:
    label = slack_escape(label).replace("|", "¦")
    return f"<{_slack_url(url)}|{label}>" if url else label


def _split_text(text: str, limit: int = SLACK_SECTION_CHARS) -> list[str]:
    """Split at line ends so each piece fits one section; cut an over-long line."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[: limit - 1] + "…")
            line = ""
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def _story_blocks(story: DigestStory, tz: str) -> list[dict[str, Any]]:
    head = f"{BADGE_EMOJI[story.badge]} *{story.badge.upper()}*"
    if story.stale:
        head += "  :hourglass: *STALE* (old report found late)"
    lines = [head, f"*{slack_escape(story.headline)}*"]
    if story.desk_url:
        desk = _link(story.desk_url, "Open in the desk")
        if story.feedback_url:
            desk += " · " + _link(story.feedback_url, "Not relevant")
        lines.append(desk)
    if story.lead:
        lines.append(f"_{slack_escape(story.lead)}_")
    origins = ", ".join(slack_escape(o) for o in story.origins) or "-"
    lines.append(f"Independent origins ({len(story.origins)}): {origins}")
    if story.people:
        lines.append("People: " + ", ".join(slack_escape(p) for p in story.people))
    if story.also_named:
        lines.append("Also named: " + ", ".join(slack_escape(p) for p in story.also_named))
    if story.terms:
        lines.append("Event: " + ", ".join(slack_escape(t) for t in story.terms))
    lines.extend(
        f"> {slack_escape(e.label or e.term)}: “{slack_escape(e.snippet)}”" for e in story.evidence
    )
    for a in story.articles:
        line = f"• *{slack_escape(a.outlet)}*: {_link(a.url, a.title)}"
        if a.copies:
            line += "  _(also: " + ", ".join(_link(c.url, c.outlet) for c in a.copies) + ")_"
        lines.append(line)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in _split_text("\n".join(lines))
    ]
    seen = f"First seen {format_time(story.first_seen, tz)}"
    if story.first_published:
        seen += f" · published {format_time(story.first_published, tz)}"
    if format_time(story.last_seen, tz) != format_time(story.first_seen, tz):
        seen += f" · last {format_time(story.last_seen, tz)}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": seen}]})
    return blocks


def _header(text: str) -> dict[str, Any]:
    """The title as a bold mrkdwn section: escaped like all feed text, so nothing pings."""
    if len(text) > SLACK_HEADER_CHARS:
        text = text[: SLACK_HEADER_CHARS - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": f"*{slack_escape(text)}*"}}


def _size(blocks: list[dict[str, Any]]) -> int:
    return sum(len(str(b)) for b in blocks)


def slack_messages(digest: Digest) -> list[dict[str, Any]]:
    """Block Kit payloads, each within Slack's limits; a story is never split across two."""
    groups: list[list[dict[str, Any]]] = []
    for section in digest.sections:
        title = f"*{slack_escape(section.watchlist)}* · {len(section.stories)} " + (
            "story" if len(section.stories) == 1 else "stories"
        )
        groups.append([{"type": "section", "text": {"type": "mrkdwn", "text": title}}])
        for story in section.stories:
            groups.append([*_story_blocks(story, digest.timezone), {"type": "divider"}])
    if digest.empty:
        text = "Nothing matched your watchlists in this period."
        groups.append([{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
    briefs = (
        (digest.found_late, ":hourglass:", "Found late: {n} older report{s}, not breaking news"),
        (
            digest.person_news,
            ":bust_in_silhouette:",
            "About known defectors: {n} report{s}, no new defection reported",
        ),
    )
    for listed, emoji, title in briefs:
        if not listed:
            continue
        n = len(listed)
        lines = ["*" + title.format(n=n, s="s" if n != 1 else "") + "*"]
        lines += [
            f"• {emoji} {slack_escape(s.headline)} ({len(s.articles)} articles; first seen "
            f"{format_time(s.first_seen, digest.timezone)})"
            for s in listed
        ]
        groups.append(
            [
                {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
                for piece in _split_text("\n".join(lines))
            ]
        )
    if digest.feed_problems:
        lines = [f"*Not watched properly: {len(digest.feed_problems)} feed(s)*"]
        lines += [
            f"• {slack_escape(p.feed_id)} ({p.status}): {slack_escape(p.detail)}"
            for p in digest.feed_problems
        ]
        groups.append(
            [
                {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
                for piece in _split_text("\n".join(lines))
            ]
        )
    room = SLACK_MAX_BLOCKS - 1  # every page starts with a header
    pages: list[list[dict[str, Any]]] = [[]]
    for group in groups:
        page = pages[-1]
        if page and (
            len(page) + len(group) > room or (_size(page) + _size(group) > SLACK_MESSAGE_CHARS)
        ):
            pages.append([])
            page = pages[-1]
        page.extend(group[:room])
    total = len(pages)
    messages = []
    for i, blocks in enumerate(pages, 1):
        suffix = f" (part {i}/{total})" if total > 1 else ""
        blocks.insert(0, _header(digest.subject + suffix))
        fallback = slack_escape(digest.subject) + suffix
        messages.append({"text": fallback, "blocks": blocks, "unfurl_links": False})
    return messages
