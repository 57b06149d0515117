"""Real clients read what the service sends: the Slack SDK's block models parse every payload
and its WebhookClient posts to the loopback receiver; every mail is parsed with
email.policy.default and checked for Date, Message-ID, MIME structure and List-Unsubscribe.
(The receivers in tests/webhook.py and tests/smtp.py apply the same checks to every message
of every other test, refusing what fails them.)"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.models import FileChannel
from monitor.delivery.build import build_digest
from monitor.delivery.deliver import drain
from monitor.delivery.model import ArticleRecord, HitRecord, StoryRecord
from monitor.delivery.outbox import enqueue_digest
from monitor.delivery.render import slack_messages
from monitor.store.db import transaction
from tests.alertdata import Seeder, make_config
from tests.smtp import SMTPServer, mail_problems
from tests.webhook import SlackWebhook, slack_problems

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CHANNEL = FileChannel(name="desk", type="file", timezone="Asia/Seoul")


def record(i: int, headline: str, n_articles: int = 3) -> StoryRecord:
    articles = tuple(
        ArticleRecord(i * 100 + j, f"https://e{j}.example/{i}", f"Outlet {j}", f"{headline} {j}",
                      T0, T0 + timedelta(minutes=j), lead=f"{headline}, the lead sentence.")
        for j in range(n_articles)
    )  # fmt: skip
    hits = (HitRecord(i * 100, 3.0, ("Thae Yong-ho",), {"matches": [
        {"rule": "keyword", "term": "defect*", "text": "defected", "snippet": headline,
         "weight": 2},
    ]}),)  # fmt: skip
    return StoryRecord(
        id=i, key=f"k{i}", watchlist="nk-defections", headline=headline, first_seen=T0,
        last_seen=T0 + timedelta(hours=1), origin_count=2, origins=("A", "B"), confirmed=i % 2 == 0,
        stale=i % 5 == 0, people=("Thae Yong-ho",), terms=("soldier",), score=3.0,
        articles=articles, hits=hits,
    )  # fmt: skip


CASES = {
    "empty": [],
    "one": [record(1, "N. Korean soldier defects")],
    "korean": [record(2, "북한 군인 1명 군사분계선 넘어 귀순")],
    "hostile": [record(3, "<!channel> <@U123> *bold* `code` <https://evil.example|click> & more")],
    "huge": [record(i, "A very long headline about a defection " * 8, n_articles=12)
             for i in range(60)],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_slack_sdk_parses_every_block_of_every_message(case: str) -> None:
    digest = build_digest(CHANNEL, CASES[case], since=T0 - timedelta(days=1), until=T0)
    messages = slack_messages(digest)
    assert messages
    for message in messages:
        assert slack_problems(message) == []
        for raw in message["blocks"]:
            block = Block.parse(raw)
            assert block is not None and block.to_dict() == raw  # nothing lost in the model


def test_the_slack_sdk_webhook_client_posts_to_the_receiver() -> None:
    digest = build_digest(CHANNEL, CASES["one"], since=T0 - timedelta(days=1), until=T0)
    [message] = slack_messages(digest)
    with SlackWebhook() as hook:
        client = WebhookClient(hook.url, timeout=10)
        response = client.send(
            text=message["text"], blocks=[Block.parse(b) for b in message["blocks"]]
        )
    assert (response.status_code, response.body) == (200, "ok")
    assert hook.accepted[0]["blocks"] == message["blocks"] and hook.invalid == []


def test_the_receiver_refuses_what_slack_would() -> None:
    too_long = {
        "text": "x",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}],
    }
    assert any("3000" in p for p in slack_problems(too_long))
    assert slack_problems({"blocks": []}) == [
        "no fallback text (notifications and old clients show it)"
    ]
    assert any(
        "not a Block Kit block" in p
        for p in slack_problems({"text": "t", "blocks": [{"type": "nope"}]})
    )


def test_every_mail_parses_and_carries_date_message_id_mime_and_list_unsubscribe(
    sessions: sessionmaker[Session],
) -> None:
    with SMTPServer() as smtp:
        cfg = make_config(
            [
                smtp.channel(
                    mode="digest",
                    list_unsubscribe="<mailto:desk@example.org?subject=unsubscribe>, <https://example.org/unsub>",
                )
            ]
        )
        with transaction(sessions) as s:
            seed = Seeder(s)
            seed.story("s1", "N. Korean soldier defects", at=T0)
            seed.story("s2", "북한 주민 6명 목선 타고 귀순", at=T0 + timedelta(minutes=5))
            enqueue_digest(
                s,
                cfg,
                "mail",
                T0 + timedelta(hours=1),
                T0 - timedelta(days=1),
                T0 + timedelta(hours=1),
            )
        report = asyncio.run(drain(cfg, sessions, now=T0 + timedelta(hours=1), owner="w"))
    assert report.sent == 1 and smtp.malformed == []
    [got] = smtp.received
    msg = got.message
    assert mail_problems(msg) == []
    assert str(msg["List-Unsubscribe"]).strip().startswith("<mailto:desk@example.org")
    assert msg["Date"].datetime.tzinfo is not None
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    assert "귀순" in text.get_content() and 'lang="ko"' in html.get_content()


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda m: m.replace_header("Date", "yesterday"), "Date"),
        (lambda m: m.replace_header("Message-ID", "no-angle-brackets"), "Message-ID"),
        (lambda m: m.__setitem__("List-Unsubscribe", "mailto:x@example.org"), "List-Unsubscribe"),
    ],
)
def test_the_mail_check_catches_what_readers_trip_on(mutate: object, problem: str) -> None:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = "s", "a@example.org", "b@example.org"
    msg["Date"] = "Fri, 20 Nov 2026 08:00:00 +0000"
    msg["Message-ID"] = "<1@example.org>"
    msg.set_content("text")
    msg.add_alternative("<p>html</p>", subtype="html")
    assert mail_problems(msg) == []
    mutate(msg)  # type: ignore[operator]
    assert any(problem in p for p in mail_problems(msg))
