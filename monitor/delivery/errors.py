"""How a send failed: retry later (with an optional wait the channel asked for) or give up."""

from __future__ import annotations

from monitor.errors import DeliveryError
from monitor.logs import REDACTOR, hide_in_logs

__all__ = ["MessageGone", "SendError", "hide_in_logs", "scrub"]


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
    """A message meant for logs or the DB, with `secrets` (a password, a webhook URL), every
    known secret and URL credentials masked (the logs' one redaction rule)."""
    return REDACTOR(text, *secrets)


class MessageGone(SendError):
    """The alert or story behind a delivery no longer exists."""
