"""Logging for the daemon: readable lines or JSON, and no secret ever written out.

The redaction runs on the final formatted text (message, arguments, traceback), so a
secret cannot slip through an exception's repr or a library's debug line.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, SecretStr
from sqlalchemy.engine import make_url

from monitor.config import AppConfig
from monitor.sanitize import terminal_safe
from monitor.urls import MASK, mask_urls_in

LogFormat = Literal["text", "json"]
_MIN_SECRET = 4  # shorter values would mask ordinary words


def _usable(secrets: Iterable[str | None]) -> set[str]:
    return {s for s in secrets if s and len(s) >= _MIN_SECRET}


class Redactor:
    """The secret strings to mask: the config's (replaced on each reload) and those a channel
    registers while it works (`add`: a webhook URL it posts to). The one redaction rule of
    the project: log formatters, log filters and channel errors all go through it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._config: set[str] = _usable(secrets)
        self._added: set[str] = set()
        self._secrets: tuple[str, ...] = ()
        self._refresh()

    def _refresh(self) -> None:
        self._secrets = tuple(sorted(self._config | self._added, key=len, reverse=True))

    def set(self, secrets: Iterable[str]) -> None:
        """The config's secrets (on start and on each reload)."""
        with self._lock:
            self._config = _usable(secrets)
            self._refresh()

    def add(self, secret: str) -> None:
        """A secret learnt at run time; kept across reloads."""
        with self._lock:
            self._added |= _usable([secret])
            self._refresh()

    def __call__(self, text: str, *extra: str | None) -> str:
        """`text` with URL credentials, every known secret and `extra` masked."""
        text = mask_urls_in(text)  # credentials in any URL, configured secret or not
        secrets = self._secrets
        if extra:
            secrets = tuple(sorted(set(secrets) | _usable(extra), key=len, reverse=True))
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


REDACTOR = Redactor()


class RedactingFilter(logging.Filter):
    """Rewrites a logger's records through a Redactor before any handler sees them (httpx logs
    every request URL, also where `setup_logging` did not run)."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter(REDACTOR)


def hide_in_logs(secret: str, logger: str = "httpx") -> None:
    """Keep `secret` (a webhook URL) out of every log line, and out of `logger`'s records."""
    REDACTOR.add(secret)
    target = logging.getLogger(logger)
    if _FILTER not in target.filters:
        target.addFilter(_FILTER)


def secret_values(cfg: AppConfig) -> list[str]:
    """Every SecretStr in the config (SMTP passwords, webhook URLs) and the database password."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(cfg.monitor)
    try:
        password = make_url(cfg.database_url).password
    except Exception:  # an unparsable URL fails elsewhere with a clear message
        password = None
    if password:
        found.append(str(password))
    return found


class TextFormatter(logging.Formatter):
    """`2026-11-24 08:00:00 INFO monitor.daemon.worker: message`, secrets masked."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        # the message may quote feed text: one line, no control sequence (a title with a
        # newline could forge a log line); a traceback below it keeps its own lines
        record = copy.copy(record)
        record.msg, record.args = one_log_line(record.getMessage()), None
        return self.redact(super().format(record))


def one_log_line(message: str) -> str:
    """A log message as one line: newlines shown as `\\n`, other controls as U+FFFD."""
    return terminal_safe(message.replace("\r", "\\r").replace("\n", "\\n"))


class JsonFormatter(logging.Formatter):
    """One JSON object per line (time, level, logger, message, exception), secrets masked."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
            "process": record.process,
        }
        if record.exc_info:
            data["exception"] = self.redact(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False)


def setup_logging(fmt: LogFormat = "text", level: str = "INFO") -> None:
    """Route every logger to stderr through the redacting formatter (called once at start)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(REDACTOR) if fmt == "json" else TextFormatter(REDACTOR))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "apscheduler", "mail.log"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def command_logging(cfg: AppConfig) -> None:
    """One-shot commands (`poll`, `digest`, ...): warnings go to stderr through the same
    redacting formatter as the daemon's logs, never Python's bare fallback (which printed
    feed URLs with their keys and feed text with its control characters).

    Handlers someone else installed (a test harness, an embedding program) are kept.
    """
    REDACTOR.set(secret_values(cfg))
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TextFormatter(REDACTOR))
    handler.setLevel(logging.WARNING)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
