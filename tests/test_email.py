"""Email through a real SMTP server (aiosmtpd) on loopback: content, TLS, AUTH, outages, crashes."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.delivery import drain, enqueue_alert, enqueue_digest
from monitor.delivery.outbox import Claim
from monitor.store.db import transaction
from monitor.store.models import DeliveryRow
from tests.alertdata import T0, Seeder, later, make_config
from tests.smtp import SMTPServer, self_signed_cert
from tests.webhook import SlackWebhook


def deliveries(sessions: sessionmaker[Session]) -> list[DeliveryRow]:
    with transaction(sessions) as s:
        return list(s.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))


def seed_digest(sessions: sessionmaker[Session], cfg_channel: str, cfg: object) -> None:
    with transaction(sessions) as s:
        seed = Seeder(s)
        wire = seed.article("Soldier defects across DMZ", "AP", at=later(10))
        copy = seed.article("Soldier defects across DMZ", "Daily Paper", at=later(20))
        seed.story("s1", "Soldier defects across DMZ", at=later(10), origins=("AP", "Yonhap"),
                   articles=[(wire, None), (copy, wire)], people=("Kim Chol",))  # fmt: skip
        seed.story("s2", "<script>alert(1)</script> Tom & Jerry defect", at=later(30),
                   snippet="<script>x</script> & friends")  # fmt: skip
        seed.story("s3", "Ministry confirms arrival", at=later(40), confirmed=True,
                   origins=("Unification Ministry",))  # fmt: skip
        enqueue_digest(s, cfg, cfg_channel, T0 + timedelta(hours=8), T0, later(481))  # type: ignore[arg-type]


def test_digest_arrives_once_as_multipart_text_and_html(
    sessions: sessionmaker[Session],
) -> None:
    with SMTPServer() as smtp:
        cfg = make_config([smtp.channel(mode="digest")])
        seed_digest(sessions, "mail", cfg)
        first = asyncio.run(drain(cfg, sessions, now=later(482), owner="w"))
        again = asyncio.run(drain(cfg, sessions, now=later(600), owner="w"))
    assert (first.sent, again.sent) == (1, 0)
    [got] = smtp.received
    msg = got.message
    assert got.rcpt_tos == ["analyst@example.org"]
    assert msg["Subject"] == "1 new, 1 corroborated, 1 confirmed stories: nk-defections"
    assert msg["Date"] and msg["Message-ID"].endswith("@alerts.example>")
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for headline in ("Soldier defects across DMZ", "Ministry confirms arrival"):
        assert headline in text and headline in html
    assert "<script>alert(1)</script> Tom & Jerry" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry" in html
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert deliveries(sessions)[0].message_id == msg["Message-ID"]


def test_alerts_about_one_story_thread_under_its_first_mail(
    sessions: sessionmaker[Session],
) -> None:
    with SMTPServer() as smtp:
        cfg = make_config([smtp.channel()])
        with transaction(sessions) as s:
            seed = Seeder(s)
            story = seed.story("s1", "Soldier defects")
            enqueue_alert(s, cfg, seed.raised(seed.alert(story, "new")), T0)
            enqueue_alert(
                s, cfg, seed.raised(seed.alert(story, "corroborated", at=later(5))), later(5)
            )
        asyncio.run(drain(cfg, sessions, now=later(6), owner="w"))
    first, second = (r.message for r in smtp.received)
    assert first["In-Reply-To"] is None
    assert second["In-Reply-To"] == first["Message-ID"] == second["References"]
    assert second["Message-ID"] != first["Message-ID"]
    assert second["Subject"].startswith("[nk-defections] Corroborated: Soldier defects")


@pytest.fixture
def cert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    made = self_signed_cert(tmp_path)
    if made is None:
        pytest.skip("the openssl command is not available to make a test certificate")
    monkeypatch.setenv("SSL_CERT_FILE", str(made[0]))  # the client trusts our test CA
    return made


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit-tls"])
def test_tls_and_auth(
    sqlite_url: str, cert: tuple[Path, Path], implicit: bool, caplog: pytest.LogCaptureFixture
) -> None:
    from monitor.store import db

    db.upgrade(sqlite_url)
    sessions = db.session_factory(db.make_engine(sqlite_url))
    with SMTPServer(tls=cert, implicit_tls=implicit, credentials=("bot", "s3cret-pw")) as smtp:
        good = smtp.channel("good")
        bad = smtp.channel("bad", password="wrong-pw-123")
        cfg = make_config([good, bad])
        with transaction(sessions) as s:
            seed = Seeder(s)
            enqueue_alert(s, cfg, seed.raised(seed.alert(seed.story("s1", "Soldier defects"))), T0)
        with caplog.at_level(logging.DEBUG, logger="monitor"):
            report = asyncio.run(drain(cfg, sessions, now=T0, owner="w"))
    assert len(smtp.received) == 1 and smtp.received[0].message["Subject"].endswith("defects")
    assert any(a.endswith(":bot:True") for a in smtp.auth_attempts)
    by_channel = {r.channel: r for r in deliveries(sessions)}
    # 535 is about the channel (its password), not the message: it waits, nothing fails
    assert (by_channel["good"].status, by_channel["bad"].status) == ("sent", "pending")
    assert report.failed == 0 and report.retrying == 1
    error = by_channel["bad"].last_error or ""
    assert "535" in error and "wrong-pw-123" not in error
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("monitor"))
    assert "535" in ours and "wrong-pw-123" not in ours and "s3cret-pw" not in ours


class Crash(BaseException):
    """Stands for the process dying (kill -9) at the worst moment."""


def test_crash_after_accept_repeats_the_message_with_the_same_message_id(
    sessions: sessionmaker[Session],
) -> None:
    with SMTPServer() as smtp:
        cfg = make_config([smtp.channel()], delivery={"lease": "10m"})
        with transaction(sessions) as s:
            seed = Seeder(s)
            enqueue_alert(s, cfg, seed.raised(seed.alert(seed.story("s1", "Soldier defects"))), T0)
            enqueue_alert(s, cfg, seed.raised(seed.alert(seed.story("s2", "Second story"))), T0)

        def die(claim: Claim) -> None:
            raise Crash(f"killed after the server accepted delivery {claim.id}")

        with pytest.raises(Crash):
            asyncio.run(drain(cfg, sessions, now=T0, owner="dead", after_accept=die))
        assert len(smtp.received) == 1 and deliveries(sessions)[0].status == "pending"
        # a new worker, before the dead one's lease ran out: nothing is sent
        assert asyncio.run(drain(cfg, sessions, now=later(1), owner="w")).sent == 0
        # after the lease: the message goes again (at-least-once), then the next one
        report = asyncio.run(drain(cfg, sessions, now=later(11), owner="w"))
    assert report.sent == 2
    subjects = [r.message["Subject"] for r in smtp.received]
    assert subjects == [
        "[nk-defections] New story: Soldier defects",
        "[nk-defections] New story: Soldier defects",
        "[nk-defections] New story: Second story",
    ]
    first, repeat = smtp.received[0].message, smtp.received[1].message
    assert first["Message-ID"] == repeat["Message-ID"]  # a mail client folds the repeat
    assert [r.status for r in deliveries(sessions)] == ["sent", "sent"]


def test_outage_then_recovery_delivers_every_alert_once_in_order(
    sessions: sessionmaker[Session],
) -> None:
    smtp, hook = SMTPServer(), SlackWebhook()  # both down: nothing listens on their ports
    cfg = make_config(
        [smtp.channel(), hook.channel()],
        delivery={"max_attempts": 20, "backoff": "30s", "max_backoff": "10m"},
    )
    clock = T0
    with transaction(sessions) as s:
        seed = Seeder(s)
        for i in range(20):
            alert = seed.alert(seed.story(f"s{i:02}", f"Story {i:02}"), at=clock)
            enqueue_alert(s, cfg, seed.raised(alert), clock)
    failures = 0
    for _ in range(6):  # the worker keeps trying while the channels are down
        report = asyncio.run(drain(cfg, sessions, now=clock, owner="w"))
        failures += report.retrying
        assert report.sent == 0
        clock += timedelta(minutes=11)  # past any backoff (<= 10m)
    assert failures == 12  # one attempt per channel per pass: the queue head, nothing else
    smtp.start()
    hook.start()
    try:
        report = asyncio.run(drain(cfg, sessions, now=clock, owner="w"))
    finally:
        smtp.stop()
        hook.stop()
    assert report.sent == 40
    expected = [f"[nk-defections] New story: Story {i:02}" for i in range(20)]
    assert [r.message["Subject"] for r in smtp.received] == expected
    assert [m["text"] for m in hook.accepted] == expected
    rows = deliveries(sessions)
    assert all(r.status == "sent" for r in rows)
    heads = [r for r in rows if r.dedupe_key.endswith(rows[0].dedupe_key.split(":", 1)[1])]
    assert [r.attempts for r in heads] == [7, 7]  # six failed tries, then the send
    assert all(r.attempts == 1 for r in rows if r not in heads)
    assert all(
        "Connect" in (r.last_error or "") or "refused" in (r.last_error or "") for r in heads
    )
