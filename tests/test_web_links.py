"""Digests and alerts link each story to its page on the desk when `web.public_url` is set
(email HTML and text, Slack), and not otherwise; a base that is not http(s) is refused."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from monitor.config.models import WebConfig
from monitor.delivery import deliver, outbox
from monitor.delivery.build import build_alert, build_digest
from monitor.delivery.links import DeskLinks, LinkClaim, read_link, sign_link
from monitor.delivery.render import render_html, render_text, slack_messages
from monitor.demo import DEMO_NOW
from monitor.store.db import transaction
from tests.deskdata import build
from tests.test_render import CHANNEL, T0, record

BASE = "https://desk.example.org/monitor/"


KEY = "a-long-random-link-key-0123456789"


def links(key: str | None = KEY, base: str = BASE) -> DeskLinks:
    made = DeskLinks.of(base, "daily", T0, key, timedelta(days=14))
    assert made is not None
    return made


@pytest.mark.parametrize(
    ("base", "want"),
    [
        (BASE, "https://desk.example.org/monitor/stories/7"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765/stories/7"),
        (None, None),
        ("", None),
        ("javascript:alert(1)//", None),
    ],
)
def test_desk_links_need_an_http_base(base: str | None, want: str | None) -> None:
    made = DeskLinks.of(base, "daily", T0, None, timedelta(days=1))
    assert (made.story(7) if made else None) == want


def test_one_click_tokens_are_signed_and_expire() -> None:
    url = links().not_relevant(7, "nk-defections")
    assert url and url.startswith(BASE.rstrip("/") + "/f/")
    token = url.rsplit("/", 1)[1]
    claim = read_link(KEY, token, T0 + timedelta(days=13))
    assert claim == LinkClaim(7, "nk-defections", "not-relevant", "daily", claim.expires)
    assert read_link(KEY, token, T0 + timedelta(days=14, seconds=1)) is None  # expired
    assert read_link("another-key-000000000000", token, T0) is None
    forged = sign_link("guess", LinkClaim(8, "nk-defections", "not-relevant", "daily", T0))
    body, _, mac = token.partition(".")
    for bad in (forged, body + ".", "." + mac, forged.partition(".")[0] + "." + mac, "", "x.y"):
        assert read_link(KEY, bad, T0) is None, bad
    assert links(key=None).not_relevant(7, "nk-defections") is None


def test_digest_and_alert_link_every_story_to_the_desk() -> None:
    stories = [record(1, "Soldier defects"), record(2, "Diplomat defects", hours=1)]
    digest = build_digest(CHANNEL, stories, since=T0, until=T0 + timedelta(days=1), desk=links())
    html, text = render_html(digest), render_text(digest)
    slack = str(slack_messages(digest))
    for sid in (1, 2):
        url = f"https://desk.example.org/monitor/stories/{sid}"
        assert f'href="{url}"' in html and url in text and f"<{url}|Open in the desk>" in slack
    assert html.count(">Not relevant</a>") == 2 and text.count("Not relevant?") == 2
    assert text.count("https://desk.example.org/monitor/f/") == 2
    assert slack.count("|Not relevant>") == 2
    alert = build_alert(CHANNEL, stories[0], "new", at=T0, desk=links(key=None))
    assert "https://desk.example.org/monitor/stories/1" in render_text(alert)


def test_without_a_public_url_no_message_names_the_desk() -> None:
    digest = build_digest(CHANNEL, [record(1, "Soldier defects")], since=T0, until=T0)
    assert "Desk:" not in render_text(digest) and "/stories/" not in render_text(digest)
    assert "Open in the desk" not in render_html(digest) + str(slack_messages(digest))


@pytest.mark.parametrize("bad", ["desk.example.org", "ftp://desk.example.org", "javascript:x"])
def test_a_public_url_must_be_http(bad: str) -> None:
    with pytest.raises(ValidationError, match="http"):
        WebConfig(public_url=bad)


def test_the_digest_a_channel_is_sent_links_to_the_desk(tmp_path: Path) -> None:
    data = build(tmp_path)
    web = data.cfg.monitor.web.model_copy(
        update={"public_url": "http://127.0.0.1:8765", "link_key": SecretStr(KEY)}
    )
    cfg = data.cfg.model_copy(update={"monitor": data.cfg.monitor.model_copy(update={"web": web})})
    now = DEMO_NOW + timedelta(hours=1)
    channel = cfg.monitor.channels[0].name
    with transaction(data.sessions) as s:
        outbox.enqueue_digest(s, cfg, channel, now, now - timedelta(days=7), now)
    sent = asyncio.run(deliver.drain(cfg, data.sessions, now=now, owner="test"))
    assert sent.sent
    written = "".join(p.read_text() for p in (tmp_path / "out").glob("*.txt"))
    assert "Desk: http://127.0.0.1:8765/stories/" in written
    assert "Not relevant?" in written and "http://127.0.0.1:8765/f/" in written
