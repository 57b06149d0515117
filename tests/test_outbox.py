"""The outbox: who gets a delivery, digest slots, claims, retries; SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.delivery import drain, enqueue_alert, enqueue_digest, enqueue_due_digests
from monitor.delivery.outbox import claim, retry_delivery
from monitor.store.db import transaction
from monitor.store.models import DeliveryRow
from tests.alertdata import T0, Seeder, file_channel, later, make_config
from tests.webhook import Answer, SlackWebhook


def rows(sessions: sessionmaker[Session]) -> list[DeliveryRow]:
    with transaction(sessions) as s:
        return list(s.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))


def test_alert_goes_to_each_immediate_channel_whose_filters_accept_it(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    cfg = make_config([
        file_channel("all", tmp_path),
        file_channel("other-list", tmp_path, watchlists=["elsewhere"]),
        file_channel("corroborated-only", tmp_path, kinds=["corroborated"]),
        file_channel("high-score", tmp_path, min_score=5),
        file_channel("confirmed-only", tmp_path, confirmed_only=True),
        file_channel("daily", tmp_path, mode="digest"),
    ])  # fmt: skip
    with transaction(sessions) as s:
        seed = Seeder(s)
        alert = seed.alert(seed.story("s1", "Soldier defects", score=3.0))
        ids = enqueue_alert(s, cfg, seed.raised(alert), T0)
        again = enqueue_alert(
            s, cfg, seed.raised(alert), T0
        )  # a retry of the same transaction's work
    assert len(ids) == 1 and again == []
    [row] = rows(sessions)
    assert (row.channel, row.dedupe_key, row.status) == ("all", f"alert:{alert.key}", "pending")


def test_quiet_hours_and_daily_cap_hold_alerts_for_the_next_digest(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    # T0 is 09:00 in Seoul: inside 08:00-10:00 quiet hours; the digest slot is 12:00 Seoul.
    quiet = file_channel("quiet", tmp_path / "q", quiet_hours="08:00-10:00",
                         timezone="Asia/Seoul", schedule="0 12 * * *")  # fmt: skip
    capped = file_channel("capped", tmp_path / "c", daily_cap=2, schedule="0 12 * * *",
                          timezone="Asia/Seoul")  # fmt: skip
    cfg = make_config([quiet, capped])
    with transaction(sessions) as s:
        seed = Seeder(s)
        for i in range(4):
            alert = seed.alert(seed.story(f"s{i}", f"Story {i}", at=later(i)), at=later(i))
            enqueue_alert(s, cfg, seed.raised(alert), later(i))
    status = [(r.channel, r.status) for r in rows(sessions)]
    assert status.count(("quiet", "held")) == 4
    assert status.count(("capped", "pending")) == 2 and status.count(("capped", "held")) == 2
    with transaction(sessions) as s:  # 12:00 Seoul = 03:00 UTC: both channels' slot
        created = enqueue_due_digests(s, cfg, T0 + timedelta(hours=3, minutes=1))
    assert len(created) == 2
    digests = {r.channel: r for r in rows(sessions) if r.kind == "digest"}
    folded = [r for r in rows(sessions) if r.status == "folded"]
    assert len(folded) == 6 and {r.folded_into for r in folded} == {d.id for d in digests.values()}
    report = asyncio.run(drain(cfg, sessions, now=later(200), owner="w"))
    assert report.sent == 4  # two capped alerts and two digests
    quiet_digest = (tmp_path / "q").glob("digest*.txt")
    text = next(quiet_digest).read_text()
    assert all(f"Story {i}" in text for i in range(4))
    capped_text = next((tmp_path / "c").glob("digest*.txt")).read_text()
    assert "Story 2" in capped_text and "Story 3" in capped_text and "Story 0" not in capped_text


def test_digest_slot_is_enqueued_once_and_empty_digests_are_skipped(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    cfg = make_config([
        file_channel("daily", tmp_path / "d", mode="digest", schedule="0 8 * * *"),
        file_channel("quiet-day", tmp_path / "e", mode="digest", schedule="0 8 * * *",
                     watchlists=["nothing-here"]),
        file_channel("always", tmp_path / "a", mode="digest", schedule="0 8 * * *",
                     watchlists=["nothing-here"], send_empty=True),
    ])  # fmt: skip
    slot, since = T0 + timedelta(hours=8), T0 - timedelta(hours=16)
    with transaction(sessions) as s:
        seed = Seeder(s)
        seed.alert(seed.story("s1", "Soldier defects", at=later(60)), at=later(60))
        first = enqueue_digest(s, cfg, "daily", slot, since, later(481))
        second = enqueue_digest(s, cfg, "daily", slot, since, later(482))  # another worker
        empty = enqueue_digest(s, cfg, "quiet-day", slot, since, later(481))
        sent_empty = enqueue_digest(s, cfg, "always", slot, since, later(481))
    assert first is not None and second is None and empty is None and sent_empty is not None
    by_channel = {r.channel: r.status for r in rows(sessions)}
    assert by_channel == {"daily": "pending", "quiet-day": "skipped", "always": "pending"}
    with transaction(sessions) as s:  # the daemon tick for the same slot adds nothing
        assert enqueue_due_digests(s, cfg, later(490)) == []
    report = asyncio.run(drain(cfg, sessions, now=later(490), owner="w"))
    assert report.sent == 2
    assert "Soldier defects" in next((tmp_path / "d").glob("digest*.txt")).read_text()
    assert "Nothing matched" in next((tmp_path / "a").glob("digest*.txt")).read_text()


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_ends(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    cfg = make_config([file_channel("f", tmp_path)])
    with transaction(sessions) as s:
        seed = Seeder(s)
        for i in range(2):
            enqueue_alert(s, cfg, seed.raised(seed.alert(seed.story(f"s{i}", f"S{i}"))), T0)
    with transaction(sessions) as s:
        a = claim(s, "worker-a", T0)
    with transaction(sessions) as s:
        b = claim(s, "worker-b", T0)
    assert len(a) == 1 and b == []  # one channel: one message at a time, in order
    with transaction(sessions) as s:
        c = claim(s, "worker-b", T0 + timedelta(hours=1))  # worker-a died; its lease ran out
    assert [x.id for x in c] == [a[0].id] and c[0].attempts == 2


def test_two_workers_draining_together_send_each_message_once(
    sessions: sessionmaker[Session],
) -> None:
    with SlackWebhook() as hook:
        cfg = make_config([hook.channel()])
        with transaction(sessions) as s:
            seed = Seeder(s)
            for i in range(8):
                enqueue_alert(
                    s, cfg, seed.raised(seed.alert(seed.story(f"s{i}", f"Story {i}"))), T0
                )

        async def both() -> None:
            await asyncio.gather(
                drain(cfg, sessions, now=T0, owner="a"), drain(cfg, sessions, now=T0, owner="b")
            )

        asyncio.run(both())
        subjects = [m["text"] for m in hook.accepted]
    assert subjects == [f"[nk-defections] New story: Story {i}" for i in range(8)]


def test_a_channel_down_past_max_attempts_keeps_its_delivery_waiting(
    sessions: sessionmaker[Session],
) -> None:
    with SlackWebhook() as hook:
        cfg = make_config([hook.channel()], delivery={"max_attempts": 2, "backoff": "1m"})
        hook.script = [Answer(503, "busy")] * 4
        with transaction(sessions) as s:
            seed = Seeder(s)
            enqueue_alert(s, cfg, seed.raised(seed.alert(seed.story("s1", "Story"))), T0)
        reports = [
            asyncio.run(drain(cfg, sessions, now=T0 + timedelta(hours=h), owner="w"))
            for h in range(5)
        ]
        [row] = rows(sessions)
    assert [r.retrying for r in reports[:4]] == [1, 1, 1, 1] and reports[4].sent == 1
    assert sum(r.failed for r in reports) == 0  # the channel's trouble fails no message
    assert (row.status, row.attempts) == ("sent", 5) and len(hook.accepted) == 1


def test_a_delivery_failed_for_its_own_reason_can_be_retried_by_hand(
    sessions: sessionmaker[Session],
) -> None:
    with SlackWebhook() as hook:
        cfg = make_config([hook.channel()])
        hook.script = [Answer(400, "invalid_blocks")]
        with transaction(sessions) as s:
            seed = Seeder(s)
            enqueue_alert(s, cfg, seed.raised(seed.alert(seed.story("s1", "Story"))), T0)
        first = asyncio.run(drain(cfg, sessions, now=T0, owner="w"))
        [row] = rows(sessions)
        assert first.failed == 1 and (row.status, row.failed_scope) == ("failed", "message")
        assert row.last_error is not None and "400 invalid_blocks" in row.last_error
        with transaction(sessions) as s:
            assert retry_delivery(s, row.id, T0 + timedelta(hours=2))
            assert not retry_delivery(s, row.id, T0 + timedelta(hours=2))  # not failed now
        third = asyncio.run(drain(cfg, sessions, now=T0 + timedelta(hours=2), owner="w"))
    assert third.sent == 1 and rows(sessions)[0].status == "sent"
    assert len(hook.accepted) == 1
