"""The demo's database for the desk's tests: the real pipeline once over the bundled feeds on
loopback (as `monitor demo` runs it), plus a `web:` section with two analysts whose tokens come
from the environment (`${VAR}`), and a hostile article of our own."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, load_config
from monitor.demo import DEMO_NOW, DemoServer, write_demo_config
from monitor.pipeline.ingest import make_processor
from monitor.pipeline.poll import Poller
from monitor.resources import default_watchlists
from monitor.store import db

TOKENS = {"DESK_TOKEN_ALICE": "alice-token-0123456789", "DESK_TOKEN_BOB": "bob-token-9876543210"}
WEB = """
web:
  port: {port}
  users:
    - name: alice
      token: ${DESK_TOKEN_ALICE}
    - name: bob
      token: ${DESK_TOKEN_BOB}
"""


@dataclass(frozen=True)
class DeskData:
    cfg: AppConfig
    config_file: Path
    url: str
    sessions: sessionmaker[Session]
    env: dict[str, str]


def build(tmp: Path, *, server: DemoServer | None = None, port: int = 0) -> DeskData:
    """The demo polled once into tmp/demo.db; `server` keeps serving its feeds afterwards
    (for a daemon that polls them again), `port` is the desk's (web.port)."""
    with ExitStack() as stack:
        if server is None:
            server = stack.enter_context(DemoServer())
        return _build(tmp, server, port)


def _build(tmp: Path, server: DemoServer, port: int) -> DeskData:
    url = f"sqlite:///{tmp / 'demo.db'}"
    cfg_file = write_demo_config(
        tmp / "monitor.yaml",
        base_url=server.base_url,
        database_url=url,
        output_dir=tmp / "out",
        watchlists_dir=default_watchlists(),
    )
    with cfg_file.open("a", encoding="utf-8") as f:
        f.write(WEB.replace("{port}", str(port)))
    cfg = load_config(cfg_file, env=dict(TOKENS))
    db.upgrade(url)
    sessions = db.session_factory(db.make_engine(url))
    start = DEMO_NOW

    def clock() -> datetime:
        return start + timedelta(minutes=1)

    asyncio.run(Poller(cfg, sessions, processor=make_processor(cfg), clock=clock).run())
    return DeskData(cfg, cfg_file, url, sessions, dict(TOKENS))
