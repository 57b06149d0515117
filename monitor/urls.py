"""Canonical article URLs: one story reached through different links is stored once.

Feeds, newsletters and social shares decorate the same article URL with tracking
parameters, fragments, default ports and case differences in the host. `canonical_url`
removes what never changes which document a server returns and keeps everything that
might (the path's case, ordinary query parameters, their values).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["TRACKING_PARAMS", "TRACKING_PREFIXES", "canonical_url", "mask_url", "mask_urls_in"]

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


# --- secrets in URLs -------------------------------------------------------------------

MASK = "***"
# A query parameter whose name contains one of these words carries a credential.
_SECRET_NAME = re.compile(
    r"key|token|secret|passw|pwd|pass$|^pw$|auth(?!or)|(?:^|[_.-])sig|session|^sid$|"
    r"credential|private|^otp$|^code$|bearer|jwt|cookie",
    re.IGNORECASE,
)
# A value this long mixing letters and digits is a token whatever its parameter is called.
_TOKEN_VALUE = re.compile(r"(?=[^&]*[0-9])(?=[^&]*[A-Za-z])[A-Za-z0-9_\-.~+/=%]{24,}")
# A URL inside prose: trailing punctuation (`url: refused`, `(url).`) is not part of it.
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>]*[^\s'\"<>.,:;!?)\]]")


def mask_url(url: str) -> str:
    """`url` as it may be shown anywhere (status, logs, errors, digests): credentials masked.

    The password of userinfo is always masked; for http(s) the whole userinfo is (a bare
    `https://TOKEN@host` is a credential too). A query value is masked when its name says it is
    a credential (`api_key`, `token`, `sig`, ...) or when it looks like a token (24+ characters
    mixing letters and digits). Everything else is kept so the URL still says which feed it is.
    """
    try:
        parts = urlsplit(url)
        host_part = parts.netloc.rpartition("@")
    except ValueError:
        return _mask_unparsable(url)
    netloc = parts.netloc
    if host_part[1]:
        userinfo, host = host_part[0], host_part[2]
        if parts.scheme.lower() in _DEFAULT_PORTS:
            netloc = f"{MASK}@{host}"
        else:
            user, colon, _password = userinfo.partition(":")
            netloc = f"{user}:{MASK}@{host}" if colon else f"{userinfo}@{host}"
    # Rebuilt by hand: urlunsplit drops an empty authority (`sqlite:///x` would lose `//`).
    rest = url[len(parts.scheme) + 1 :] if parts.scheme else url
    shown = f"{parts.scheme}:" if parts.scheme else ""
    if rest.startswith("//"):
        shown += f"//{netloc}"
    shown += parts.path
    if parts.query or "?" in rest.split("#", 1)[0]:
        shown += f"?{_mask_query(parts.query)}"
    if parts.fragment or "#" in rest:
        shown += f"#{_mask_query(parts.fragment)}"
    return shown


def mask_urls_in(text: str) -> str:
    """Every URL inside free text (an error message, a log line) passed through `mask_url`."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), text)


def _mask_query(query: str) -> str:
    if not query:
        return query
    out: list[str] = []
    for pair in query.split("&"):
        name, eq, value = pair.partition("=")
        decoded = unquote(name.replace("+", " ")).strip()
        if eq and value and (_SECRET_NAME.search(decoded) or _TOKEN_VALUE.fullmatch(value)):
            value = MASK
        out.append(f"{name}{eq}{value}")
    return "&".join(out)


def _mask_unparsable(url: str) -> str:
    """A URL urlsplit refuses (a bad port, brackets): mask userinfo and the whole query."""
    head, _, _query = url.partition("?")
    scheme, sep, rest = head.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        rest = MASK + "@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}" + (f"?{MASK}" if _query else "")
