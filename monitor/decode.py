"""Bytes to text, the way browsers do it: one decoder for feeds and pages.

Servers label encodings with names browsers reinterpret (WHATWG Encoding Standard):
`euc-kr` pages are really CP949 (Korean sites send 똠 and 뷁, outside KS X 1001, under that
label), `iso-8859-1` and `us-ascii` are really windows-1252 (curly quotes in 0x80-0x9F).
Decoding by the label's strict meaning turns such text into mojibake or U+FFFD, and a feed
with one such character is decoded by feedparser as windows-1252 as a whole, so every
Hangul word in it is lost. Every label passes through `codec_for` before any decoding.
"""

from __future__ import annotations

import codecs
import logging
import re
from typing import NamedTuple

__all__ = ["Decoded", "codec_for", "content_type_charset", "declared_charset", "decode_bytes"]

logger = logging.getLogger(__name__)

# Labels browsers decode as a superset (WHATWG), keyed by the lower-cased label.
WHATWG_ALIASES = {
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "ks_c_5601-1989": "cp949", "ksc5601": "cp949",
    "ksc_5601": "cp949", "korean": "cp949", "csksc56011987": "cp949", "iso-ir-149": "cp949",
    "windows-949": "cp949", "x-windows-949": "cp949", "uhc": "cp949",
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252", "ansi_x3.4-1968": "cp1252",
    "iso-8859-9": "cp1254", "latin5": "cp1254", "iso-8859-11": "cp874", "tis-620": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "chinese": "gb18030",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "ms_kanji": "cp932", "windows-31j": "cp932", "big5": "big5hkscs", "x-x-big5": "big5hkscs",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
}  # fmt: skip

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


def codec_for(label: str | None) -> str | None:
    """The Python codec a browser would use for `label`, or None when nobody knows it."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = WHATWG_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    # Python also names transforms (base64, zlib, rot13: bytes.decode refuses them) and its
    # own escapes (unicode_escape, which makes lone surrogates of "\ud800"): no charset a
    # browser knows, so a page or a server that sends one gets no codec, not an exception.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


_NOT_CHARSETS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "undefined", "idna", "punycode", "utf-7"}
)  # utf-7: browsers refuse it (script hidden from filters); Python's own codecs otherwise


def content_type_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, as written."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip("\"' "):
            return value.strip("\"' ")
    return None


def declared_charset(head: bytes) -> str | None:
    """The charset the document declares: its XML declaration, else a <meta> tag."""
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii").lower() if match else None


class Decoded(NamedTuple):
    text: str
    codec: str
    guessed: bool  # no label and no BOM fitted, and the bytes are not UTF-8: detection chose


# Detection tells single-byte Latin encodings apart badly (French text "is" cp1250); for
# those, browsers' default for undeclared legacy text in the West is the better guess.
_LATIN_GUESSES = frozenset(
    {
        "cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_3",
        "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15",
        "iso8859_16", "mac_roman", "mac_latin2", "mac_iceland", "cp437", "cp850", "cp858",
    }
)  # fmt: skip


def _wide_without_bom(head: bytes) -> str | None:
    """UTF-16/32 without a BOM, from the zero bytes around the first ASCII character."""
    if len(head) < 4 or b"\x00" not in head:
        return None
    zero = [b == 0 for b in head]
    return {
        (True, True, True, False): "utf-32-be",
        (False, True, True, True): "utf-32-le",
        (True, False, True, False): "utf-16-be",
        (False, True, False, True): "utf-16-le",
    }.get((zero[0], zero[1], zero[2], zero[3]))


def decode_bytes(data: bytes, *labels: str | None) -> Decoded:
    """A BOM, else the first label (aliased) that decodes strictly, else UTF-8, else
    detection; never an exception, at worst U+FFFD for undecodable bytes.

    Pass the labels in order of authority (the HTTP header's charset, the document's own).
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return Decoded(data.decode(codec, errors="replace"), codec, False)
    wide = _wide_without_bom(data[:4])
    if wide is not None:  # no label can be read before this is known (XML 1.0 appendix F)
        return Decoded(data.decode(wide, errors="replace"), wide, False)
    tried: list[str] = []
    for candidate in [*(codec_for(label) for label in labels), "utf-8"]:
        if candidate is None or candidate in tried:
            continue
        tried.append(candidate)
        try:
            return Decoded(data.decode(candidate), candidate, False)
        except UnicodeDecodeError:
            logger.debug("bytes do not decode as %s", candidate)
    from charset_normalizer import from_bytes  # only for the rare undeclared, non-UTF-8 case

    best = from_bytes(data[:200_000]).best()
    codec = codec_for(best.encoding if best is not None else None) or "cp1252"
    if codec in _LATIN_GUESSES:
        codec = "cp1252"
    return Decoded(data.decode(codec, errors="replace"), codec, True)
