"""How a send failed: retry later (with an optional wait the channel asked for) or give up."""

from __future__ import annotations

import logging

from monitor.errors import DeliveryError


class SendError(DeliveryError):
    """A channel did not accept a message.

    Only an error about this message (`permanent`, scope "message": Slack's 400 about the
    payload, SMTP refusing the message's DATA) fails the delivery. Every other error is about
    the channel (down, rate limited, a revoked webhook, a wrong password): the delivery waits
    and its channel is probed until it answers, however long that takes.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        scope: str | None = None,
    ) -> None:
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after  # seconds the channel asked us to wait (Slack 429)
        self.scope = scope or ("message" if permanent else "channel")
        super().__init__(message)

    @property
    def fails_message(self) -> bool:
        """True when retrying cannot help this message (whatever the channel's state)."""
        return self.permanent and self.scope == "message"


def scrub(text: str, *secrets: str | None) -> str:
    """Remove secrets (passwords, webhook URLs) from a message meant for logs or the DB."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


class RedactSecrets(logging.Filter):
    """Rewrites log records that quote a registered secret (httpx logs every request URL)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            cleaned = scrub(message, *self.secrets)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


_redactor = RedactSecrets()


def hide_in_logs(secret: str, logger: str = "httpx") -> None:
    """Keep `secret` (a webhook URL) out of `logger`'s records from now on."""
    _redactor.secrets.add(secret)
    target = logging.getLogger(logger)
    if _redactor not in target.filters:
        target.addFilter(_redactor)


class MessageGone(SendError):
    """The alert or story behind a delivery no longer exists."""
