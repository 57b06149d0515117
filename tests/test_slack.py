"""Slack through a real webhook receiver on loopback: limits, escaping, 429, 4xx, secrets."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.delivery import drain, enqueue_alert, enqueue_digest
from monitor.delivery.render import SLACK_MAX_BLOCKS, SLACK_SECTION_CHARS
from monitor.store.db import transaction
from monitor.store.models import DeliveryRow
from tests.alertdata import T0, Seeder, later, make_config
from tests.webhook import Answer, SlackWebhook


def the_row(sessions: sessionmaker[Session]) -> DeliveryRow:
    with transaction(sessions) as s:
        return s.scalars(select(DeliveryRow)).one()


def raise_alert(sessions: sessionmaker[Session], cfg: object, headline: str) -> None:
    with transaction(sessions) as s:
        seed = Seeder(s)
        enqueue_alert(s, cfg, seed.raised(seed.alert(seed.story("s1", headline))), T0)  # type: ignore[arg-type]


def test_sixty_story_digest_arrives_split_within_slack_limits(
    sessions: sessionmaker[Session],
) -> None:
    with SlackWebhook() as hook:
        cfg = make_config([hook.channel(mode="digest")])
        with transaction(sessions) as s:
            seed = Seeder(s)
            for i in range(60):
                seed.story(f"s{i:02}", f"Story {i:02}", at=later(i))
            enqueue_digest(s, cfg, "slack", later(100), T0, later(100))
        report = asyncio.run(drain(cfg, sessions, now=later(101), owner="w"))
    assert report.sent == 1 and len(hook.accepted) > 1
    body = ""
    for message in hook.accepted:
        assert isinstance(message["text"], str) and message["text"]  # the fallback
        assert len(message["blocks"]) <= SLACK_MAX_BLOCKS
        for block in message["blocks"]:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= SLACK_SECTION_CHARS
        body += json.dumps(message)
    assert all(body.count(f"*Story {i:02}*") == 1 for i in range(60))
    assert body.index("*Story 59*") < body.index("*Story 00*")  # newest first


def test_mentions_and_links_in_a_title_arrive_neutralized(
    sessions: sessionmaker[Session],
) -> None:
    with SlackWebhook() as hook:
        cfg = make_config([hook.channel()])
        raise_alert(sessions, cfg, "<!channel> <@U123> defector <https://evil.example|click>")
        asyncio.run(drain(cfg, sessions, now=T0, owner="w"))
    [message] = hook.accepted
    raw = json.dumps(message)
    for live in ("<!channel>", "<@U123>", "<https://evil.example|click>"):
        assert live not in raw
    assert "&lt;!channel&gt; &lt;@U123&gt;" in message["text"]


def test_429_is_honoured_then_the_message_is_delivered_once(
    sessions: sessionmaker[Session],
) -> None:
    with SlackWebhook() as hook:
        hook.script = [Answer(429, "rate_limited", {"Retry-After": "120"})]
        cfg = make_config([hook.channel()])
        raise_alert(sessions, cfg, "Soldier defects")
        first = asyncio.run(drain(cfg, sessions, now=T0, owner="w"))
        row = the_row(sessions)
        assert first.retrying == 1 and row.next_attempt_at == T0 + timedelta(seconds=120)
        early = asyncio.run(drain(cfg, sessions, now=T0 + timedelta(seconds=60), owner="w"))
        late = asyncio.run(drain(cfg, sessions, now=T0 + timedelta(seconds=121), owner="w"))
    assert (early.sent, late.sent) == (0, 1)
    assert len(hook.posts) == 2 and len(hook.accepted) == 1
    row = the_row(sessions)
    assert (row.status, row.attempts) == ("sent", 1)  # waiting for Retry-After is no attempt


def test_a_split_message_resumes_after_the_part_that_failed(
    sessions: sessionmaker[Session],
) -> None:
    with SlackWebhook() as hook:
        cfg = make_config([hook.channel(mode="digest")])
        with transaction(sessions) as s:
            seed = Seeder(s)
            for i in range(60):
                seed.story(f"s{i:02}", f"Story {i:02}", at=later(i))
            enqueue_digest(s, cfg, "slack", later(100), T0, later(100))
        hook.script = [Answer(), Answer(500, "oops")]  # part 1 ok, part 2 fails
        asyncio.run(drain(cfg, sessions, now=later(101), owner="w"))
        parts = len(hook.posts) - 1
        asyncio.run(drain(cfg, sessions, now=later(200), owner="w"))
    texts = [m["text"] for m in hook.accepted]
    assert len(texts) == len(set(texts))  # no part was posted twice
    assert the_row(sessions).status == "sent" and parts >= 1


def test_400_marks_the_delivery_failed_with_slacks_answer_and_no_secret(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    with SlackWebhook() as hook:
        hook.script = [Answer(400, "invalid_payload")]
        cfg = make_config([hook.channel()])
        raise_alert(sessions, cfg, "Soldier defects")
        with caplog.at_level(logging.DEBUG):
            report = asyncio.run(drain(cfg, sessions, now=T0, owner="w"))
        assert asyncio.run(drain(cfg, sessions, now=later(600), owner="w")).sent == 0
    row = the_row(sessions)
    assert report.failed == 1 and (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "Slack webhook: 400 invalid_payload"
    assert "secret-token-123" not in caplog.text
    assert "secret-token-123" not in json.dumps(row.payload)


def test_webhook_down_is_retried_without_leaking_the_url(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    hook = SlackWebhook()  # not started: connection refused
    cfg = make_config([hook.channel()])
    raise_alert(sessions, cfg, "Soldier defects")
    with caplog.at_level(logging.DEBUG):
        report = asyncio.run(drain(cfg, sessions, now=T0, owner="w"))
    row = the_row(sessions)
    assert report.retrying == 1 and row.status == "pending" and row.next_attempt_at > T0
    assert "ConnectError" in (row.last_error or "")
    assert "secret-token-123" not in (row.last_error or "") + caplog.text
