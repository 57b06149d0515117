"""Delivery channels: email, Slack, file. Each module exposes one `send(channel, out, ctx)`.

The deliverer looks the sender up by the channel's `type` (the config's discriminator), so a
new channel is one module plus one entry here, and no caller tests what a channel is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from monitor.config.models import EmailChannel, FileChannel, SlackChannel
from monitor.delivery.channels import email, file, slack
from monitor.delivery.channels.base import Outgoing, SendContext

__all__ = ["Outgoing", "SendContext", "send"]

_Sender = Callable[[Any, Outgoing, SendContext], Awaitable[str | None]]
_SENDERS: dict[str, _Sender] = {"email": email.send, "slack": slack.send, "file": file.send}


async def send(
    channel: EmailChannel | SlackChannel | FileChannel, out: Outgoing, ctx: SendContext
) -> str | None:
    """Hand a message to its channel; returns the Message-ID (email) once it was accepted."""
    return await _SENDERS[channel.type](channel, out, ctx)
