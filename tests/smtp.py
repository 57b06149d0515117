"""A real SMTP server (aiosmtpd) on loopback for tests: plain, STARTTLS, implicit TLS, AUTH."""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed_cert(
    folder: Path, names: tuple[str, ...] = ("localhost",)
) -> tuple[Path, Path] | None:
    """A certificate for 127.0.0.1 (and DNS `names`) made with the openssl CLI; None when
    openssl is missing."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1," + ",".join(f"DNS:{n}" for n in names),
            ],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return cert, key


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


_MSG_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
_UNSUBSCRIBE = re.compile(
    r"^<(mailto:[^>\s]+|https://[^>\s]+)>(\s*,\s*<(mailto:[^>\s]+|https://[^>\s]+)>)*$"
)


def mail_problems(msg: EmailMessage) -> list[str]:
    """What a mail reader would trip on (empty: well-formed). Every message the service sends
    to this server is parsed with email.policy.default and checked here."""
    problems: list[str] = []
    if msg.defects:
        problems.append(f"parser defects: {msg.defects}")
    date = msg["Date"]
    if date is None or getattr(date, "datetime", None) is None:
        problems.append(f"Date missing or unparsable: {date!r}")
    elif date.datetime.tzinfo is None:
        problems.append("Date has no time zone")
    if not _MSG_ID.match(str(msg["Message-ID"] or "")):
        problems.append(f"Message-ID not <id@domain>: {msg['Message-ID']!r}")
    for key in ("From", "To", "Subject"):
        if not msg[key]:
            problems.append(f"{key} missing")
    if "\n" in str(msg["Subject"] or ""):
        problems.append("Subject holds a line break")
    if msg.get_content_type() != "multipart/alternative":
        problems.append(f"not multipart/alternative but {msg.get_content_type()}")
    else:
        kinds = [part.get_content_type() for part in msg.iter_parts()]
        if kinds != ["text/plain", "text/html"]:
            problems.append(f"parts {kinds}, not text/plain then text/html")
        for part in msg.iter_parts():
            try:
                part.get_content()
            except (LookupError, UnicodeDecodeError) as exc:
                problems.append(f"{part.get_content_type()} does not decode: {exc}")
    unsubscribe = msg["List-Unsubscribe"]
    if unsubscribe is not None and not _UNSUBSCRIBE.match(str(unsubscribe).strip()):
        problems.append(f"List-Unsubscribe not <mailto:...> or <https://...>: {unsubscribe!r}")
    return problems


class _Handler:
    def __init__(self, server: SMTPServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content or envelope.content)
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        problems = mail_problems(msg)  # type: ignore[arg-type]
        if problems:
            with self.server.lock:
                self.server.malformed.extend(problems)
            return "554 5.6.0 malformed message: " + "; ".join(problems)
        with self.server.lock:
            self.server.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), msg, raw)  # type: ignore[arg-type]
            )
        return "250 Message accepted for delivery"


class SMTPServer:
    """Start/stop on a fixed port (so an outage can end); read `received`."""

    def __init__(
        self,
        *,
        port: int | None = None,
        tls: tuple[Path, Path] | None = None,
        implicit_tls: bool = False,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self.malformed: list[str] = []  # what mail_problems found
        self.lock = threading.Lock()
        self.auth_attempts: list[str] = []
        self._tls = tls
        self._implicit = implicit_tls
        self._credentials = credentials
        self._controller: Controller | None = None

    def _authenticate(
        self, _server: Any, _session: Any, _envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self._credentials:
            user, password = self._credentials
            ok = auth_data.login.decode() == user and auth_data.password.decode() == password
            self.auth_attempts.append(f"{mechanism}:{auth_data.login.decode()}:{ok}")
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    def start(self) -> SMTPServer:
        kwargs: dict[str, Any] = {}
        if self._tls:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(str(self._tls[0]), str(self._tls[1]))
            if self._implicit:
                kwargs["ssl_context"] = ctx
            else:
                kwargs["tls_context"] = ctx
                kwargs["require_starttls"] = True
        if self._credentials:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True
            # implicit TLS is invisible to aiosmtpd: it would refuse AUTH "without TLS"
            kwargs["auth_require_tls"] = bool(self._tls) and not self._implicit
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, **kwargs
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def channel(self, name: str = "mail", **extra: Any) -> dict[str, Any]:
        """An email channel config that points at this server."""
        security = "plain" if not self._tls else ("tls" if self._implicit else "starttls")
        data: dict[str, Any] = {
            "name": name,
            "type": "email",
            "mode": "immediate",
            "host": "127.0.0.1",
            "port": self.port,
            "security": security,
            "from": "monitor@alerts.example",
            "to": ["analyst@example.org"],
            "timeout": "5s",
        }
        if self._credentials:
            data["username"], data["password"] = self._credentials
        data.update(extra)
        return data
