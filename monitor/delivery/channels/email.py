"""Email: build a multipart text+HTML message with threading headers; send it over SMTP."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from monitor.config.models import EmailChannel
from monitor.delivery.channels.base import Outgoing, SendContext
from monitor.delivery.errors import SendError, scrub
from monitor.delivery.model import Rendered
from monitor.delivery.render import render

__all__ = ["build_email", "message_id", "send", "story_thread_id", "thread_ids"]

log = logging.getLogger(__name__)


def mail_domain(channel: EmailChannel) -> str:
    """The domain of the From address: Message-IDs live under it."""
    _, _, domain = channel.sender.rpartition("@")
    return domain.strip(" >").lower() or "news-monitor.invalid"


def _digest_of(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def message_id(channel: EmailChannel, dedupe_key: str) -> str:
    """Deterministic per (channel, delivery): a repeat after a crash carries the same id."""
    return f"<{_digest_of(channel.name, dedupe_key)}.monitor@{mail_domain(channel)}>"


def story_thread_id(channel: EmailChannel, story_key: str) -> str:
    """The id of a story's first mail on a channel: later alerts reply to it."""
    return f"<story.{_digest_of(channel.name, story_key)}.monitor@{mail_domain(channel)}>"


def thread_ids(channel: EmailChannel, out: Outgoing) -> tuple[str, str | None]:
    """(Message-ID, In-Reply-To): a story's first alert starts a thread the later ones join."""
    digest = out.digest
    if digest.kind == "alert" and digest.stories:
        thread = story_thread_id(channel, digest.stories[0].key)
        if digest.alert_kind == "new":
            return thread, None
        return message_id(channel, out.dedupe_key), thread
    return message_id(channel, out.dedupe_key), None


def build_email(
    channel: EmailChannel,
    rendered: Rendered,
    *,
    msg_id: str,
    date: datetime,
    in_reply_to: str | None = None,
    list_unsubscribe: str | None = None,
) -> EmailMessage:
    """multipart/alternative: text first, then HTML (clients show the last part they can)."""
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = channel.sender
    msg["To"] = ", ".join(channel.to)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = msg_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    if list_unsubscribe:
        msg["List-Unsubscribe"] = list_unsubscribe
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    return msg


def _tls_context() -> ssl.SSLContext:
    # Honours SSL_CERT_FILE / SSL_CERT_DIR, so a private relay's CA can be trusted.
    return ssl.create_default_context()


def _send_sync(channel: EmailChannel, msg: EmailMessage) -> str:
    timeout = channel.timeout.total_seconds()
    smtp: smtplib.SMTP
    if channel.security == "tls":
        smtp = smtplib.SMTP_SSL(channel.host, channel.port, timeout=timeout, context=_tls_context())
    else:
        smtp = smtplib.SMTP(channel.host, channel.port, timeout=timeout)
    with smtp:
        smtp.ehlo()
        if channel.security == "starttls":
            smtp.starttls(context=_tls_context())
            smtp.ehlo()
        if channel.username:
            password = channel.password.get_secret_value() if channel.password else ""
            smtp.login(channel.username, password)
        refused = smtp.send_message(msg, from_addr=channel.sender, to_addrs=list(channel.to))
        if refused:  # the others got it: retrying would mail them twice
            log.warning(
                "channel %s: recipients refused: %s", channel.name, ", ".join(sorted(refused))
            )
        return f"250 accepted for {len(channel.to) - len(refused)} recipient(s)"


def _classify(channel: EmailChannel, exc: BaseException) -> SendError:
    """Only a 5xx answer to the message itself (DATA) is about the message.

    A refused login, sender or recipient list comes from the channel's config and would
    refuse every message alike: the channel is down until someone fixes it.
    """
    secret = channel.password.get_secret_value() if channel.password else None
    where = f"SMTP {channel.host}:{channel.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        text = "; ".join(f"{r}: {c} {m!r}" for r, (c, m) in exc.recipients.items())
        permanent = all(c >= 500 for c in codes)
        return SendError(
            scrub(f"{where}: recipients refused: {text}", secret),
            permanent=permanent,
            scope="channel",
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        raw = exc.smtp_error
        answer = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        message = scrub(f"{where}: {exc.smtp_code} {answer}".strip(), secret)
        about = "message" if isinstance(exc, smtplib.SMTPDataError) else "channel"
        return SendError(message, permanent=exc.smtp_code >= 500, scope=about)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SendError(scrub(f"{where}: {exc}", secret), permanent=True, scope="channel")
    kind = type(exc).__name__
    return SendError(scrub(f"{where}: {kind}: {exc}", secret))


async def send_email(channel: EmailChannel, msg: EmailMessage) -> str:
    """Hand the message to the SMTP server; return its answer once it said 250."""
    try:
        return await asyncio.to_thread(_send_sync, channel, msg)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise _classify(channel, exc) from None


async def send(channel: EmailChannel, out: Outgoing, ctx: SendContext) -> str | None:
    """Render, thread and mail the message; returns its Message-ID once the server took it."""
    msg_id, reply_to = thread_ids(channel, out)
    msg = build_email(
        channel,
        render(out.digest),
        msg_id=msg_id,
        date=out.now,
        in_reply_to=reply_to,
        list_unsubscribe=channel.list_unsubscribe,
    )
    await send_email(channel, msg)
    return msg_id
