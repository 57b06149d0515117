"""A Slack-like incoming-webhook receiver on loopback: scripted answers, restartable port."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.smtp import free_port


@dataclass
class Answer:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)


class SlackWebhook:
    """POST /hook answers from `script` (then 200 ok); `accepted` holds JSON it said ok to."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.script: list[Answer] = []
        self.posts: list[Any] = []  # every JSON body received
        self.accepted: list[Any] = []  # bodies answered 200 ok
        self.lock = threading.Lock()
        self.delay = 0.0  # seconds each answer waits (a slow webhook)
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/services/T000/B000/secret-token-123"

    def start(self) -> SlackWebhook:
        hook = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                data = json.loads(body)  # invalid JSON fails the request (and the test)
                if hook.delay:
                    time.sleep(hook.delay)
                with hook.lock:
                    hook.posts.append(data)
                    answer = hook.script.pop(0) if hook.script else Answer()
                    if answer.status == 200:
                        hook.accepted.append(data)
                payload = answer.body.encode()
                self.send_response(answer.status)
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        ThreadingHTTPServer.allow_reuse_address = True
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _H)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> SlackWebhook:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def channel(self, name: str = "slack", **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "type": "slack",
            "mode": "immediate",
            "webhook_url": self.url,
            "timeout": "5s",
            **extra,
        }
