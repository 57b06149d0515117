"""Fault trials: the real daemon over a loopback feed farm, an SMTP sink and a Slack webhook.

A trial publishes news while `monitor run` works, hurts it (SIGKILL at random moments, a
channel outage, a rate-limit storm), lets a last daemon finish, and then counts: alerts
expected (one new story per published item), alerts stored, deliveries received per
channel, duplicates (and how many of them were flagged as possible repeats), and the
integrity of the database (every article matched, placed and alerted, every alert
delivered). `tests/faults/` runs the short forms in CI; `python -m bench.faults.trial`
runs them at length by hand.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.faults.zygote import ForkedDaemon, Zygote
from monitor.delivery.channels.slack import REPEAT_NOTE
from monitor.store import db
from monitor.store.db import transaction
from monitor.store.models import (
    AlertRow,
    ArticleRow,
    DeliveryRow,
    HitRow,
    StoryArticleRow,
    StoryRow,
)
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer, Request, Response
from tests.smtp import SMTPServer
from tests.test_daemon_support import WATCHLIST as DAEMON_WATCHLIST
from tests.test_daemon_support import write_config
from tests.webhook import SlackWebhook

WATCHLIST: dict[str, Any] = {**DAEMON_WATCHLIST, "id": "trial"}  # the [trial] subject tag
SYLLABLES = ["ka", "ro", "mi", "tes", "lun", "vor", "pe", "dak", "zi", "hul", "bren", "oss"]


def pseudo_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


class FeedFarm:
    """Loopback feeds whose items appear over time; every item is a story of its own."""

    def __init__(self, server: LoopbackServer, feeds: int, seed: int) -> None:
        self.server = server
        self.rng = random.Random(seed)
        self.items: dict[str, list[Item]] = {f"farm{i}": [] for i in range(feeds)}
        self.lock = threading.Lock()
        for feed_id in self.items:
            server.route(f"/{feed_id}.xml", self._handler(feed_id))

    def _handler(self, feed_id: str) -> Any:
        def feed(_req: Request) -> Response:
            with self.lock:
                body = rss(list(self.items[feed_id])[-50:], title=feed_id)
            return Response(body=body, headers={"Content-Type": "application/rss+xml"})

        return feed

    def feeds(self) -> list[dict[str, Any]]:
        return [
            {"id": f, "url": self.server.url(f"/{f}.xml"), "outlet": f.upper(), "interval": "1s"}
            for f in self.items
        ]

    def publish(self, n: int) -> str:
        """One more item in a random feed; its words are its own (no two items cluster)."""
        words = [pseudo_word(self.rng) for _ in range(40)]
        name = " ".join(w.capitalize() for w in words[:2])
        title = f"{name} defected from North Korea, {words[2]} officials said (item {n})"
        summary = (
            f"A North Korean named {name} defected to the South. "
            + " ".join(words[3:])
            + f". The {words[5]} {words[6]} confirmed the defection of {name}."
        )
        feed_id = self.rng.choice(list(self.items))
        link = f"http://news.invalid/{feed_id}/{n}"
        with self.lock:
            self.items[feed_id].append(
                Item(title, link, datetime.now(UTC), guid=link, summary=summary)
            )
        return title

    @property
    def published(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.items.values())


@dataclass
class Counts:
    """What a trial found at the end."""

    backend: str
    kills: int
    items: int
    articles: int
    articles_without_hit: int
    hits_without_story: int
    stories: int
    alerts: int
    deliveries_not_sent: dict[str, int]
    received: dict[str, int]
    distinct_received: dict[str, int]
    lost: dict[str, int]
    duplicates: dict[str, int]
    flagged_repeats: dict[str, int]
    out_of_order: dict[str, int]
    orphan_processes: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    # where the trial's time went, seconds: daemon start-ups (release to "started:"), lives
    # before a kill, kills and reaps, the last daemon settling and stopping
    timings: dict[str, float] = field(default_factory=dict)

    undocumented_duplicates: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Nothing lost, integrity intact, every duplicate a documented one.

        Documented: an email repeat with the same Message-ID, a Slack repeat that says
        "possible repeat". Anything else counts against the trial.
        """
        return (
            self.articles == self.items
            and self.alerts == self.items
            and self.articles_without_hit == 0
            and self.hits_without_story == 0
            and not any(self.lost.values())
            and not any(self.deliveries_not_sent.values())
            and not any(self.undocumented_duplicates.values())
            and not any(self.out_of_order.values())
            and self.orphan_processes == 0
        )

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


class Sinks:
    """The SMTP sink and the webhook receiver, on fixed ports so an outage can end."""

    def __init__(self) -> None:
        self.smtp = SMTPServer()
        self.hook = SlackWebhook()

    def start(self) -> None:
        self.smtp.start()
        self.hook.start()

    def stop(self) -> None:
        self.smtp.stop()
        self.hook.stop()

    def channels(self) -> list[dict[str, Any]]:
        return [self.smtp.channel("mail"), self.hook.channel("slack")]

    def received(self) -> dict[str, list[tuple[str, str]]]:
        """Per channel, (item line, repeat mark) of each message received, in order.

        The mark is the Message-ID for mail (a documented repeat carries the same one) and
        whether a Slack post says "possible repeat".
        """
        with self.smtp.lock:
            mails = [
                (_short(str(r.message["Subject"])), str(r.message["Message-ID"]))
                for r in self.smtp.received
            ]
        with self.hook.lock:
            posts = [
                (_short(str(p.get("text") or "")), str(str(p.get("text")).startswith(REPEAT_NOTE)))
                for p in self.hook.accepted
            ]
        return {"mail": mails, "slack": posts}


class Trial:
    """One backend, one config folder, one feed farm, the sinks, and daemons started in turn."""

    def __init__(
        self,
        folder: Path,
        database_url: str,
        *,
        feeds: int = 4,
        seed: int = 1,
        delivery: dict[str, Any] | None = None,
        daemon: dict[str, Any] | None = None,
    ) -> None:
        self.folder = folder
        self.url = database_url
        self.rng = random.Random(seed)
        self.server = LoopbackServer()
        self.server.__enter__()
        self.farm = FeedFarm(self.server, feeds, seed)
        self.sinks = Sinks()
        self.sinks.start()
        self.titles: list[str] = []
        self.kills = 0
        self.logs: list[Path] = []
        self.note: str | None = None
        self.running: ForkedDaemon | None = None  # the daemon `finish` goes on with
        self.timings: Counter[str] = Counter()
        db.upgrade(database_url)
        self.config = write_config(
            folder,
            database_url=database_url,
            feeds=self.farm.feeds(),
            channels=self.sinks.channels(),
            watchlist=WATCHLIST,
            fetch={
                "fetch_articles": False,
                "default_interval": "1s",
                "max_backoff": "2s",
                # a feed lease is at least 2 x total_timeout (20 s with the test default):
                # each kill mid-poll would hold that feed from the next daemons that long
                "total_timeout": "3s",
                "read_timeout": "3s",
            },
            daemon={
                "poll_tick": "500ms",
                "delivery_tick": "500ms",
                "lease": "5s",
                **(daemon or {}),
            },
        )
        self._set_delivery(delivery or {"backoff": "500ms", "max_backoff": "2s", "lease": "3s"})
        self._zygote: Zygote | None = Zygote(self.config)  # imports while the trial sets up
        self.started = time.monotonic()

    def _set_delivery(self, delivery: dict[str, Any]) -> None:
        import yaml

        data = yaml.safe_load(self.config.read_text(encoding="utf-8"))
        data["delivery"] = delivery
        self.config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    def daemon(self) -> ForkedDaemon:
        """A daemon running from now on, forked by the trial's zygote (`bench.faults.zygote`):
        `finish` goes on with it, so the daemon that lived through a fault must recover."""
        if self._zygote is None:  # closed by `finish`: a daemon after it gets a new one
            self._zygote = Zygote(self.config)
        log = self.folder / f"daemon-{len(self.logs)}.log"
        self.logs.append(log)
        self.running = self._zygote.fork(log)
        return self.running

    def _wait_started(self, proc: ForkedDaemon) -> None:
        deadline = time.monotonic() + 60
        while "started:" not in proc.output() and time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"the daemon exited: {proc.output()[-2000:]}")
            time.sleep(0.05)

    def publish(self, n: int = 1) -> None:
        for _ in range(n):
            self.titles.append(self.farm.publish(len(self.titles)))

    def kill_trial(self, kills: int, items: int, *, max_life: float = 1.5) -> None:
        """Publish `items` while daemons are started and SIGKILLed `kills` times.

        Each kill comes at a random moment up to `max_life` after the daemon said it started
        (polls, matching, sends and marks are all in flight by then); startup itself is
        not timed, so a loaded machine changes the pace, not what is exercised.
        Daemons are forked from a process that imported `monitor` once: a cycle costs the
        daemon's own start-up, not the interpreter's.
        """
        per_kill = max(1, items // max(1, kills))
        for _ in range(kills):
            self.publish(per_kill if len(self.titles) < items else 0)
            t0 = time.monotonic()
            proc = self.daemon()
            self._wait_started(proc)
            t1 = time.monotonic()
            time.sleep(self.rng.uniform(0.0, max_life))
            t2 = time.monotonic()
            proc.signal(signal.SIGKILL)
            proc.kill()
            self.running = None
            self.timings.update(start=t1 - t0, life=t2 - t1, kill=time.monotonic() - t2)
            self.kills += 1
        self.publish(max(0, items - len(self.titles)))

    def finish(self, timeout: float = 120.0) -> None:
        """The running daemon (else a new one) runs until every item is stored and every
        delivery is sent, then stops."""
        t0 = time.monotonic()
        proc = self.running if self.running and self.running.alive() else None
        proc = proc or self.daemon()
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self._settled():
                    break
                time.sleep(0.2)
        finally:
            t1 = time.monotonic()
            proc.stop(timeout=60)
            self.running = None
            self._close_zygote()  # before anyone counts processes left behind
            self.timings.update(settle=t1 - t0, stop=time.monotonic() - t1)

    def _close_zygote(self) -> None:
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None

    def _settled(self) -> bool:
        sessions = db.session_factory(db.make_engine(self.url))
        with transaction(sessions) as s:
            articles = s.scalar(select(func.count()).select_from(ArticleRow)) or 0
            waiting = s.scalar(
                select(func.count())
                .select_from(DeliveryRow)
                .where(DeliveryRow.status.in_(("pending", "unsure")))
            )
        return articles >= len(self.titles) and waiting == 0

    def count(self, backend: str) -> Counts:
        engine = db.make_engine(self.url)
        sessions = db.session_factory(engine)
        with transaction(sessions) as s:
            articles = s.scalar(select(func.count()).select_from(ArticleRow)) or 0
            hit_articles = set(s.scalars(select(HitRow.article_id)))
            all_articles = set(s.scalars(select(ArticleRow.id)))
            placed = set(s.scalars(select(StoryArticleRow.article_id)))
            stories = s.scalar(select(func.count()).select_from(StoryRow)) or 0
            alerts = s.scalar(select(func.count()).select_from(AlertRow)) or 0
            not_sent = Counter(
                s.scalars(select(DeliveryRow.channel).where(DeliveryRow.status != "sent"))
            )
            queue_order: dict[str, list[str]] = {"mail": [], "slack": []}
            for channel, headline in s.execute(
                select(DeliveryRow.channel, StoryRow.headline)
                .join(AlertRow, AlertRow.id == DeliveryRow.alert_id)
                .join(StoryRow, StoryRow.id == AlertRow.story_id)
                .order_by(DeliveryRow.id)
            ):
                queue_order.setdefault(channel, []).append(_short(headline))
        engine.dispose()
        received = self.sinks.received()
        expected = {f"(item {i})" for i in range(len(self.titles))}
        lost, dups, flagged, order, distinct, undocumented = {}, {}, {}, {}, {}, {}
        for channel, got in received.items():
            first_mark: dict[str, str] = {}
            undocumented[channel] = flagged[channel] = 0
            for line, mark in got:
                if line not in first_mark:
                    first_mark[line] = mark
                    continue
                documented = mark == first_mark[line] if channel == "mail" else mark == "True"
                flagged[channel] += documented
                undocumented[channel] += not documented
            distinct[channel] = len(first_mark)
            lost[channel] = len(expected - set(first_mark))
            dups[channel] = len(got) - len(first_mark)
            rank = {line: i for i, line in enumerate(queue_order[channel])}
            firsts = [rank.get(line, -1) for line in first_mark]
            order[channel] = sum(1 for a, b in itertools.pairwise(firsts) if a > b)
        return Counts(
            backend=backend,
            kills=self.kills,
            items=len(self.titles),
            articles=int(articles),
            articles_without_hit=len(all_articles - hit_articles),
            hits_without_story=len(hit_articles - placed),
            stories=int(stories),
            alerts=int(alerts),
            deliveries_not_sent=dict(not_sent),
            received={c: len(v) for c, v in received.items()},
            distinct_received=distinct,
            lost=lost,
            duplicates=dups,
            flagged_repeats=flagged,
            out_of_order=order,
            undocumented_duplicates=undocumented,
            orphan_processes=orphans(self.config),
            seconds=round(time.monotonic() - self.started, 1),
            notes=[self.note] if self.note else [],
            timings={k: round(v, 1) for k, v in sorted(self.timings.items())},
        )

    def close(self) -> None:
        if self.running is not None:  # a trial that failed half-way
            self.running.kill()
        self._close_zygote()
        self.sinks.stop()
        self.server.close()


def _short(subject: str) -> str:
    """A message's story line, whatever the channel prepends (the subject carries it)."""
    marker = "(item "
    return subject[subject.rfind(marker) :] if marker in subject else subject


def _item_no(subject: str) -> int:
    try:
        return int(_short(subject).removeprefix("(item ").rstrip(")"))
    except ValueError:
        return -1


def orphans(config: Path) -> int:
    """Processes still running `monitor run` on this config (or its extraction workers)."""
    mine = str(config)
    count = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if mine in cmd:
            count += 1
    return count


def summary(counts: Counts) -> str:
    return json.dumps(counts.to_json(), indent=2, sort_keys=True)


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


__all__ = ["Counts", "FeedFarm", "Sinks", "Trial", "summary", "timedelta"]
