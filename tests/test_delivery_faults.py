"""Deliveries through outages, rate limits, crashes mid-send and slow channels.

Nothing is failed for its channel's sake: a down channel's queue head is its probe, tried
at the backoff (capped) for as long as the outage lasts; only an answer about the message
itself fails it. A send that was in flight when its worker died is "maybe sent" and the
channel says so (Slack) or holds it for an operator.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.daemon.worker import DatabaseWatch
from monitor.delivery import drain, enqueue_alert
from monitor.delivery.channels.slack import REPEAT_NOTE
from monitor.delivery.outbox import Claim, retry_delivery
from monitor.store import claims
from monitor.store.db import transaction
from monitor.store.models import DeliveryRow
from tests.alertdata import T0, Seeder, make_config
from tests.smtp import SMTPServer
from tests.webhook import Answer, SlackWebhook


def rows(sessions: sessionmaker[Session]) -> list[DeliveryRow]:
    with transaction(sessions) as s:
        return list(s.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))


def raise_alerts(sessions: sessionmaker[Session], cfg: Any, n: int) -> list[str]:
    with transaction(sessions) as s:
        seed = Seeder(s)
        for i in range(n):
            enqueue_alert(
                s, cfg, seed.raised(seed.alert(seed.story(f"s{i:02}", f"Story {i:02}"))), T0
            )
    return [f"[nk-defections] New story: Story {i:02}" for i in range(n)]


@pytest.mark.slow
def test_a_ten_minute_outage_of_both_channels_loses_nothing(
    sessions: sessionmaker[Session],
) -> None:
    """Scaled: 1 s backoff, 3 attempts, ten simulated minutes down (the old code lost 12/20)."""
    smtp, hook = SMTPServer(), SlackWebhook()  # nothing listens on their ports yet
    policy = {"max_attempts": 3, "backoff": "1s", "max_backoff": "8s"}
    cfg = make_config([smtp.channel(), hook.channel()], delivery=policy)
    expected = raise_alerts(sessions, cfg, 20)
    clock, tries = T0, 0
    while clock < T0 + timedelta(minutes=10):
        report = asyncio.run(drain(cfg, sessions, now=clock, owner="w"))
        assert report.sent == 0 and report.failed == 0
        tries += report.retrying
        clock += timedelta(seconds=2)
    assert 2 * 10 * 60 / 8 <= tries <= 2 * 300  # probes at the capped backoff, no storm
    smtp.start()
    hook.start()
    try:
        report = asyncio.run(drain(cfg, sessions, now=clock + timedelta(seconds=9), owner="w"))
    finally:
        smtp.stop()
        hook.stop()
    assert report.sent == 40 and report.failed == 0
    assert [r.message["Subject"] for r in smtp.received] == expected  # once each, in order
    assert [m["text"] for m in hook.accepted] == expected
    assert {r.status for r in rows(sessions)} == {"sent"}


def test_a_429_storm_fails_nothing_and_costs_no_attempt(sessions: sessionmaker[Session]) -> None:
    with SlackWebhook() as hook:
        cfg = make_config([hook.channel()], delivery={"max_attempts": 2, "backoff": "1s"})
        expected = raise_alerts(sessions, cfg, 5)
        hook.script = [Answer(429, "rate_limited", {"Retry-After": "3"})] * 12
        clock = T0
        for _ in range(60):
            report = asyncio.run(drain(cfg, sessions, now=clock, owner="w"))
            assert report.failed == 0
            clock += timedelta(seconds=2)
    assert [m["text"] for m in hook.accepted] == expected
    assert [(r.status, r.attempts) for r in rows(sessions)] == [("sent", 1)] * 5
    assert len(hook.posts) == 5 + 12


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (400, "failed"),  # invalid_payload, invalid_blocks: about this message
        (413, "failed"),  # too large: about this message
        (401, "pending"),  # invalid_token: the webhook itself
        (403, "pending"),
        (404, "pending"),  # no_service: the webhook was removed
        (410, "pending"),  # channel_is_archived
        (500, "pending"),  # Slack's trouble
        (503, "pending"),
    ],
)
def test_a_slack_answer_fails_the_message_only_when_it_is_about_the_message(
    sessions: sessionmaker[Session], status: int, outcome: str
) -> None:
    with SlackWebhook() as hook:
        cfg = make_config([hook.channel()])
        raise_alerts(sessions, cfg, 1)
        hook.script = [Answer(status, "answer")]
        asyncio.run(drain(cfg, sessions, now=T0, owner="w"))
    [row] = rows(sessions)
    assert row.status == outcome


def test_failed_rows_of_an_earlier_outage_go_out_once_the_channel_answers(
    sessions: sessionmaker[Session],
) -> None:
    with SlackWebhook() as hook:
        cfg = make_config([hook.channel()])
        raise_alerts(sessions, cfg, 3)
        first, second, third = (r.id for r in rows(sessions))
        with transaction(sessions) as s:  # as older versions left them after an outage
            s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id.in_([first, second]))
                .values(status="failed", last_error="too many attempts")
            )
            s.execute(
                update(DeliveryRow).where(DeliveryRow.id == second).values(failed_scope="message")
            )
            s.execute(update(DeliveryRow).where(DeliveryRow.id == third).values(attempts=4))
        report = asyncio.run(drain(cfg, sessions, now=T0, owner="w"))
    assert report.sent == 2
    status = {r.id: r.status for r in rows(sessions)}
    assert status == {first: "sent", second: "failed", third: "sent"}


def _crash_mid_send(sessions: sessionmaker[Session], cfg: Any) -> None:
    class Crash(BaseException):
        pass

    def die(_claim: Claim) -> None:
        raise Crash

    with pytest.raises(Crash):  # accepted by the channel, not marked: the worker "died"
        asyncio.run(drain(cfg, sessions, now=T0, owner="dead", after_accept=die))


def test_a_send_cut_short_by_a_crash_is_posted_again_as_a_possible_repeat(
    sessions: sessionmaker[Session],
) -> None:
    with SlackWebhook() as hook:
        cfg = make_config([hook.channel()])
        expected = raise_alerts(sessions, cfg, 2)
        _crash_mid_send(sessions, cfg)
        assert rows(sessions)[0].sending_at is not None  # in flight, on record
        report = asyncio.run(drain(cfg, sessions, now=T0 + timedelta(minutes=1), owner="w"))
    assert report.sent == 2
    texts = [m["text"] for m in hook.accepted]
    assert texts == [expected[0], REPEAT_NOTE + expected[0], expected[1]]
    assert hook.accepted[1]["blocks"][1]["type"] == "context"
    assert all(r.sending_at is None for r in rows(sessions))


def test_a_channel_that_holds_maybe_sent_deliveries_waits_for_an_operator(
    sessions: sessionmaker[Session],
) -> None:
    with SlackWebhook() as hook:
        cfg = make_config([hook.channel(on_maybe_sent="hold")])
        expected = raise_alerts(sessions, cfg, 2)
        _crash_mid_send(sessions, cfg)
        later = T0 + timedelta(minutes=1)
        asyncio.run(drain(cfg, sessions, now=later, owner="w"))
        held = rows(sessions)[0]
        assert held.status == "unsure" and "may have gone out" in (held.last_error or "")
        with transaction(sessions) as s:
            assert retry_delivery(s, held.id, later)
        asyncio.run(drain(cfg, sessions, now=later, owner="w"))
    assert [m["text"] for m in hook.accepted] == [
        expected[0],  # before the crash
        expected[1],  # the queue moved on while the operator looked
        REPEAT_NOTE + expected[0],  # sent again by hand, still flagged
    ]


@pytest.mark.slow
def test_a_slow_send_renews_its_lease_so_no_other_worker_takes_it(
    sessions: sessionmaker[Session],
) -> None:
    with SlackWebhook() as hook:
        hook.delay = 6.0  # longer than the lease: only renewal keeps the claim
        cfg = make_config([hook.channel(timeout="20s")], delivery={"lease": "3s"})
        raise_alerts(sessions, cfg, 1)

        async def other_worker() -> int:
            await asyncio.sleep(4.5)
            return (await drain(cfg, sessions, owner="b")).sent

        async def both() -> tuple[int, int]:
            a, b = await asyncio.gather(drain(cfg, sessions, owner="a"), other_worker())
            return a.sent, b

        assert asyncio.run(both()) == (1, 0)
    assert len(hook.posts) == 1


def test_claims_left_by_a_database_outage_are_given_back(
    sessions: sessionmaker[Session],
) -> None:
    cfg = make_config([{"name": "f", "type": "file", "mode": "immediate", "path": "/tmp"}])
    raise_alerts(sessions, cfg, 1)
    from monitor.delivery.outbox import claim

    with transaction(sessions) as s:
        assert len(claim(s, "w", T0)) == 1
    with transaction(sessions) as s:
        assert claim(s, "other", T0) == []
        assert claims.release_deliveries(s, "w") == 1
    with transaction(sessions) as s:
        assert len(claim(s, "other", T0)) == 1


def test_the_database_watch_backs_off_and_reports_the_outage_once() -> None:
    watch = DatabaseWatch(first=60.0, cap=60.0)
    assert watch.ready() and watch.back() is None
    watch.failed(RuntimeError("connection refused\nmore"), "tick")
    assert not watch.ready()  # the next try waits for the backoff
    lasted = watch.back()
    assert lasted is not None and lasted >= 0 and watch.back() is None and watch.ready()
