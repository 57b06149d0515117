"""Run the desk with uvicorn: in the foreground (`monitor serve`) or on a thread beside the
daemon (`monitor run`), bound to loopback unless config says otherwise."""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette

from monitor.config import AppConfig
from monitor.store import db
from monitor.web.app import create_app

log = logging.getLogger(__name__)


def _ignore(signum: int, frame: object) -> None:
    """Handlers uvicorn hands a signal back to once it has stopped."""


class DeskServer:
    """uvicorn on an already bound socket (so port 0 works and a taken port fails at once)."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.host, self.port = host, int(self.sock.getsockname()[1])
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", server_header=False
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve(self) -> None:
        """Until SIGINT/SIGTERM: uvicorn shuts down gracefully, then raises the signal again
        for the handler it found, which here does nothing, so the command ends with exit 0."""
        previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.server.run(sockets=[self.sock])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def start(self) -> DeskServer:
        """On a daemon thread; `close` stops it."""
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, name="desk", daemon=True
        )
        self._thread.start()
        log.info("analyst's desk on %s", self.url)
        return self

    def close(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sock.close()


@contextmanager
def desk_beside_daemon(cfg: AppConfig) -> Iterator[DeskServer | None]:
    """The desk on its own port while `monitor run` runs (web.enabled, a port, a user), over
    its own connection pool; a port it cannot take is logged, and the daemon runs without it."""
    web = cfg.monitor.web
    if not web.enabled or web.port == 0:
        yield None
        return
    if not web.users:
        log.info("the desk is off: web.users is empty (nobody could sign in)")
        yield None
        return
    engine = db.make_engine(cfg.database_url)
    try:
        server = DeskServer(create_app(cfg, db.session_factory(engine)), web.host, web.port)
    except OSError as exc:
        log.error("the desk is off: cannot listen on %s:%s (%s)", web.host, web.port, exc)
        engine.dispose()
        yield None
        return
    server.start()
    try:
        yield server
    finally:
        server.close()
        engine.dispose()
