"""The project's exception tree: every error says what failed, where, and what to do."""

from __future__ import annotations


class MonitorError(Exception):
    """Base class of every error news-monitor raises on purpose."""


class ConfigError(MonitorError):
    """The configuration is invalid; `problems` lists each one as `file: key.path: message`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  {p}" for p in problems))


class FetchError(MonitorError):
    """An HTTP fetch failed; `kind` is a stable category (timeout, dns, http-500, ...)."""

    def __init__(
        self,
        url: str,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.url = url
        self.kind = kind
        self.status = status
        self.retry_after = retry_after  # seconds the server asked us to wait (429/503)
        self.message = message
        super().__init__(f"{kind}: {message} ({url})")


class BlockedURLError(FetchError):
    """The URL points into a private or loopback network and config does not allow that."""


class ParseError(MonitorError):
    """A feed could not be parsed into entries at all."""


class DeliveryError(MonitorError):
    """A channel refused or failed to take a message."""


class DatabaseUnavailableError(MonitorError):
    """The database cannot be reached or used; the message is one line: what, where, what to do."""


class DatabaseNotReadyError(MonitorError):
    """The database schema is missing or behind the code's migrations."""
