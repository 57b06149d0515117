"""A Slack-like incoming-webhook receiver on loopback: scripted answers, restartable port."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from tests.smtp import free_port


@dataclass
class Answer:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)


def slack_problems(payload: Any) -> list[str]:
    """What the Slack SDK's own block models refuse in a webhook payload (empty: it is valid).

    Every payload the service posts to this receiver goes through it, so each Slack test also
    proves its messages parse as Block Kit with Slack's limits (text lengths, block kinds)."""
    if not isinstance(payload, dict):
        return ["the payload is not a JSON object"]
    problems: list[str] = []
    if not isinstance(payload.get("text"), str) or not payload["text"].strip():
        problems.append("no fallback text (notifications and old clients show it)")
    blocks = payload.get("blocks") or []
    if len(blocks) > 50:
        problems.append(f"{len(blocks)} blocks (Slack takes 50)")
    for i, raw in enumerate(blocks):
        block = Block.parse(raw)
        if block is None:
            problems.append(f"blocks[{i}]: not a Block Kit block: {raw!r:.80}")
            continue
        try:
            block.validate_json()
        except SlackObjectFormationError as exc:
            problems.append(f"blocks[{i}]: {exc}")
    return problems


class SlackWebhook:
    """POST /hook answers from `script` (then 200 ok); `accepted` holds JSON it said ok to."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.script: list[Answer] = []
        self.posts: list[Any] = []  # every JSON body received
        self.accepted: list[Any] = []  # bodies answered 200 ok
        self.invalid: list[str] = []  # what the Slack SDK refused in any payload
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
                problems = slack_problems(data)
                with hook.lock:
                    hook.posts.append(data)
                    hook.invalid.extend(problems)
                    answer = hook.script.pop(0) if hook.script else Answer()
                    if problems:  # as Slack answers a payload it cannot render
                        answer = Answer(400, "invalid_blocks: " + "; ".join(problems))
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
