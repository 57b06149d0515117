"""Who may use the desk, and what a page may do in a browser.

- Sign-in: a user's token from config (`${VAR}`), compared in constant time, buys a signed,
  expiring, HttpOnly, SameSite=Strict session cookie; scripts may send `Authorization: Bearer`.
- CSRF: every form carries a token derived from the browser's own random cookie (signed
  double submit), and a POST whose Origin names another site is refused before that.
- Headers: a strict Content-Security-Policy (no script at all, styles from /static only, no
  framing, forms post only here), nosniff, no referrer to other sites, no caching of pages.
The signing key is random per process: a restart signs everyone out, and no key is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from monitor.config.models import WebUser
from monitor.delivery.links import b64, unb64

SESSION_COOKIE = "desk_session"
CSRF_COOKIE = "desk_csrf"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # no-referrer would make Chromium send Origin: null
    "x-frame-options": "DENY",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
}


@dataclass(frozen=True, slots=True)
class Signer:
    """HMAC-SHA256 over short payloads: session cookies and CSRF tokens."""

    key: bytes

    @classmethod
    def random(cls) -> Signer:
        return cls(secrets.token_bytes(32))

    @classmethod
    def from_secret(cls, secret: str | None) -> Signer:
        """A key from `web.session_key`, so restarts and sibling processes keep sessions;
        without one, a random key per process (a restart signs everyone out)."""
        if not secret:
            return cls.random()
        return cls(hmac.new(secret.encode(), b"monitor-desk-session", hashlib.sha256).digest())

    def sign(self, payload: bytes) -> str:
        mac = hmac.new(self.key, payload, hashlib.sha256).digest()
        return f"{b64(payload)}.{b64(mac)}"

    def unsign(self, token: str) -> bytes | None:
        body, _, mac = token.partition(".")
        try:
            payload, given = unb64(body), unb64(mac)
        except (ValueError, TypeError):
            return None
        good = hmac.new(self.key, payload, hashlib.sha256).digest()
        return payload if hmac.compare_digest(good, given) else None

    def session(self, user: str, max_age: float, now: float | None = None) -> str:
        exp = int((now if now is not None else time.time()) + max_age)
        return self.sign(json.dumps({"u": user, "exp": exp}).encode())

    def session_user(self, cookie: str | None, now: float | None = None) -> str | None:
        """The signed-in user of a session cookie, None when absent, forged or expired."""
        payload = self.unsign(cookie) if cookie else None
        if payload is None:
            return None
        try:
            data = json.loads(payload)
            user, exp = str(data["u"]), int(data["exp"])
        except (ValueError, KeyError, TypeError):
            return None
        return user if exp > (now if now is not None else time.time()) else None

    def csrf_token(self, nonce: str) -> str:
        """The form token of a browser whose CSRF cookie is `nonce`."""
        return b64(hmac.new(self.key, b"csrf:" + nonce.encode(), hashlib.sha256).digest())

    def csrf_ok(self, nonce: str | None, token: str | None) -> bool:
        if not nonce or not token:
            return False
        return hmac.compare_digest(self.csrf_token(nonce), token)


def user_of_token(users: Sequence[WebUser], token: str | None) -> str | None:
    """The user whose token this is (every token compared, in constant time each)."""
    if not token:
        return None
    found = None
    for u in users:
        if hmac.compare_digest(u.token.get_secret_value().encode(), token.encode()):
            found = u.name
    return found


def bearer(header: str | None) -> str | None:
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def same_origin(origin: str | None, host: str | None) -> bool:
    """A POST's Origin header, when the browser sent one, names this server."""
    if origin is None:
        return True  # old clients and curl send none; the CSRF token still decides
    if origin == "null" or not host:
        return False
    return urlsplit(origin).netloc == host


def local_path(target: str | None, default: str = "/stories") -> str:
    """Where to go after signing in: a path on this server, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
