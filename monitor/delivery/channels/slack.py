"""Slack: post Block Kit payloads to an incoming webhook; 200 `ok` means accepted."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from monitor.config.models import SlackChannel
from monitor.delivery.channels.base import Outgoing, SendContext
from monitor.delivery.errors import SendError, hide_in_logs, scrub
from monitor.delivery.render import slack_messages

__all__ = ["post_slack", "send"]

log = logging.getLogger(__name__)
MAX_ANSWER_CHARS = 300


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
    if resp.status_code >= 400:
        raise SendError(f"Slack webhook: {resp.status_code} {answer}", permanent=True)
    if resp.status_code >= 300:
        raise SendError(f"Slack webhook: unexpected {resp.status_code}", permanent=True)
    if answer != "ok":
        log.info("channel %s: webhook answered %r (taken as accepted)", channel.name, answer)
    return f"{resp.status_code} {answer}"


async def send(channel: SlackChannel, out: Outgoing, ctx: SendContext) -> str | None:
    """Post each part in order; a retry resumes after the parts Slack already accepted."""
    parts = slack_messages(out.digest)
    done = int(out.progress.get("parts_sent") or 0)
    for i in range(done, len(parts)):
        await post_slack(ctx.client, channel, parts[i])
        if len(parts) > 1:
            ctx.save_progress({"parts_sent": i + 1})
    return None
