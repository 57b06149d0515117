"""Canonical article URLs: one story reached through different links is stored once.

Feeds, newsletters and social shares decorate the same article URL with tracking
parameters, fragments, default ports and case differences in the host. `canonical_url`
removes what never changes which document a server returns and keeps everything that
might (the path's case, ordinary query parameters, their values).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["TRACKING_PARAMS", "TRACKING_PREFIXES", "canonical_url"]

# Exact names (compared case-insensitively) of parameters that only track the click.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        # ad-click identifiers
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "igsh",
        "epik",
        "rb_clickid",
        "s_kwcid",
        # analytics and mailing tools
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "hsctatracking",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "vero_id",
        "vero_conv",
        "oly_anon_id",
        "oly_enc_id",
        "wt.mc_id",
        "wt.tsrc",
        "wt_mc_id",
        "xtor",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "pk_campaign",
        "pk_kwd",
        "pk_source",
        "pk_medium",
        "pk_content",
        "__twitter_impression",
        "__s",
        # publishers' own share and referral markers
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "cmpid",
        "cmp",
        "ncid",
        "ocid",
        "icid",
        "s_cid",
        "sc_cid",
        "spm",
        "smid",
        "smtyp",
        "sr_share",
        "soc_src",
        "soc_trk",
        "ito",
        "fb_action_ids",
        "fb_action_types",
        "fb_ref",
        "fb_source",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "share",
        "from_rss",
        "rss",
    }
)

# Prefixes of parameter families that only track (utm_source, ns_campaign, hsa_acc, ...).
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "ns_", "hsa_", "mtm_", "matomo_", "_hs")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def canonical_url(url: str) -> str:
    """The form of `url` used to decide whether an article was seen before.

    Lowercases scheme and host, drops default ports, fragments (except `#!` routes),
    tracking parameters and empty parameters, sorts the rest, resolves `.`/`..`
    segments, collapses duplicate slashes and drops a trailing slash after a path
    segment. Non-http(s) or unparseable input is returned stripped but otherwise as is.
    """
    raw = url.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return raw
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return raw
    host = parts.hostname.rstrip(".")  # .hostname is already lowercase, without brackets
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    fragment = parts.fragment if parts.fragment.startswith("!") else ""
    return urlunsplit((scheme, netloc, _path(parts.path), _query(parts.query), fragment))


def _normalize_escapes(text: str) -> str:
    """Uppercase percent escapes and decode the ones that stand for unreserved characters."""

    def fix(m: re.Match[str]) -> str:
        char = chr(int(m.group(0)[1:], 16))
        return char if char in _UNRESERVED else m.group(0).upper()

    return _PERCENT.sub(fix, text)


def _path(path: str) -> str:
    """Resolve dot segments, collapse `//`, drop a trailing slash; keep the case."""
    segments: list[str] = []
    for seg in _normalize_escapes(path).split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if segments:
                segments.pop()
            continue
        segments.append(seg)
    return "/" + "/".join(segments)


def _query(query: str) -> str:
    """Drop tracking and empty parameters; sort the rest, keeping their original encoding."""
    kept: list[str] = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = unquote(pair.split("=", 1)[0].replace("+", " ")).strip().lower()
        if not name or name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES):
            continue
        kept.append(_normalize_escapes(pair))
    return "&".join(sorted(kept))
