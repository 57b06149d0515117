"""Pure: links from messages to the analyst's desk (monitor/web/): a story's page, and a
signed, expiring one-click "not relevant" link. The token names the story, the watchlist,
the channel that carried it and when it expires; it is signed with `web.link_key` (from the
environment), so the desk can trust it without a sign-in and nobody can forge another.
The link opens a page that asks before it records anything (mail scanners open links)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit


def b64(data: bytes) -> str:
    """URL-safe base64 without padding (tokens in links and cookies)."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class LinkClaim:
    """What a valid one-click token says."""

    story_id: int
    watchlist: str
    label: str
    channel: str
    expires: datetime


def _mac(key: str, payload: bytes) -> bytes:
    return hmac.new(
        hashlib.sha256(b"desk-link:" + key.encode()).digest(), payload, "sha256"
    ).digest()


def sign_link(key: str, claim: LinkClaim) -> str:
    payload = json.dumps(
        {
            "s": claim.story_id,
            "w": claim.watchlist,
            "l": claim.label,
            "c": claim.channel,
            "e": int(claim.expires.timestamp()),
        },
        separators=(",", ":"),
    ).encode()
    return f"{b64(payload)}.{b64(_mac(key, payload))}"


def read_link(key: str, token: str, now: datetime) -> LinkClaim | None:
    """The claim of a token signed with `key` and not expired at `now`, else None."""
    body, _, mac = token.partition(".")
    try:
        payload, given = unb64(body), unb64(mac)
        if not hmac.compare_digest(_mac(key, payload), given):
            return None
        data: dict[str, Any] = json.loads(payload)
        expires = datetime.fromtimestamp(int(data["e"]), tz=now.tzinfo)
        claim = LinkClaim(int(data["s"]), str(data["w"]), str(data["l"]), str(data["c"]), expires)
    except (ValueError, KeyError, TypeError):
        return None
    return claim if claim.expires > now else None


@dataclass(frozen=True, slots=True)
class DeskLinks:
    """How a message links to the desk: its base URL and, with a key, one-click feedback."""

    base: str
    channel: str
    at: datetime
    key: str | None = None
    max_age: timedelta = timedelta(days=14)

    @classmethod
    def of(
        cls, base: str | None, channel: str, at: datetime, key: str | None, max_age: timedelta
    ) -> DeskLinks | None:
        if not base or urlsplit(base).scheme.lower() not in ("http", "https"):
            return None
        return cls(base.rstrip("/"), channel, at, key or None, max_age)

    def story(self, story_id: int) -> str:
        return f"{self.base}/stories/{story_id}"

    def not_relevant(self, story_id: int, watchlist: str) -> str | None:
        if self.key is None:
            return None
        claim = LinkClaim(story_id, watchlist, "not-relevant", self.channel, self.at + self.max_age)
        return f"{self.base}/f/{sign_link(self.key, claim)}"
