"""Slack: post Block Kit payloads to an incoming webhook; 200 `ok` means accepted."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from monitor.config.models import SlackChannel
from monitor.delivery.channels.base import Outgoing, SendContext
from monitor.delivery.errors import SendError, hide_in_logs, scrub
from monitor.delivery.render import SLACK_MAX_BLOCKS, slack_messages

__all__ = ["post_slack", "send"]

log = logging.getLogger(__name__)
MAX_ANSWER_CHARS = 300
# 401/403 invalid_token, 404 no_service, 410 channel_is_archived: the webhook, not the message
CHANNEL_GONE = frozenset({401, 403, 404, 410})
REPEAT_NOTE = "(possible repeat: a crash interrupted the first send) "


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


async def post_slack(
    client: httpx.AsyncClient, channel: SlackChannel, payload: dict[str, Any]
) -> str:
    """Post one payload. Raises SendError: 429 and 5xx retry, other 4xx are permanent."""
    url = channel.webhook_url.get_secret_value()
    hide_in_logs(url)
    try:
        resp = await client.post(url, json=payload, timeout=channel.timeout.total_seconds())
    except httpx.HTTPError as exc:
        # httpx messages may quote the URL; the webhook URL is a secret.
        raise SendError(scrub(f"Slack webhook: {type(exc).__name__}: {exc}", url)) from None
    answer = scrub(resp.text.strip()[:MAX_ANSWER_CHARS], url)
    if resp.status_code == 429:
        wait = _retry_after(resp.headers.get("Retry-After"))
        raise SendError(f"Slack webhook: 429 rate limited ({answer})", retry_after=wait)
    if resp.status_code >= 500:
        raise SendError(f"Slack webhook: {resp.status_code} {answer}")
    if resp.status_code in CHANNEL_GONE:  # the webhook itself: every message would fail
        raise SendError(f"Slack webhook: {resp.status_code} {answer}", scope="channel")
    if resp.status_code >= 400:
        raise SendError(f"Slack webhook: {resp.status_code} {answer}", permanent=True)
    if resp.status_code >= 300:
        raise SendError(f"Slack webhook: unexpected {resp.status_code}", permanent=True)
    if answer != "ok":
        log.info("channel %s: webhook answered %r (taken as accepted)", channel.name, answer)
    return f"{resp.status_code} {answer}"


def mark_repeat(payload: dict[str, Any]) -> dict[str, Any]:
    """A part that may have been posted already says so (Slack has no idempotency key)."""
    blocks = list(payload.get("blocks") or [])
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text": REPEAT_NOTE.strip()}]}
    if len(blocks) < SLACK_MAX_BLOCKS:
        blocks.insert(1 if blocks else 0, note)
    return {**payload, "text": REPEAT_NOTE + str(payload.get("text") or ""), "blocks": blocks}


async def send(channel: SlackChannel, out: Outgoing, ctx: SendContext) -> str | None:
    """Post each part in order; a retry resumes after the parts Slack already accepted.

    After a crash mid-send (`out.maybe_sent`) the interrupted part says "possible repeat".
    """
    parts = slack_messages(out.digest)
    done = int(out.progress.get("parts_sent") or 0)
    for i in range(done, len(parts)):
        part = mark_repeat(parts[i]) if out.maybe_sent and i == done else parts[i]
        await post_slack(ctx.client, channel, part)
        if len(parts) > 1:
            ctx.save_progress({"parts_sent": i + 1})
    return None
