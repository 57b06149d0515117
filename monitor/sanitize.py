"""Untrusted text made safe to store and to show: one function for each boundary.

`clean_text` runs where feed and page text enters the service (titles, bodies, authors,
URLs): it removes what no database column can hold or no reader needs (NUL, other C0/C1
control characters, lone surrogates from `&#xD800;`, noncharacters), so one poisoned entry
cannot fail a feed's transaction on PostgreSQL or an encoder anywhere later.

`terminal_safe` runs where text reaches a terminal: on top of that it shows any control
character that is still there (rows stored before this cleaning, errors) as a visible mark
instead of letting ESC sequences through, and drops the bidirectional overrides that would
reorder what the operator reads.
"""

from __future__ import annotations

import re

__all__ = ["clean_text", "terminal_safe"]

REPLACEMENT = "\ufffd"

# C0 controls except tab, newline and carriage return; DEL; C1 controls; noncharacters.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ufdd0-\ufdef]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Explicit bidi embeddings, overrides, isolates and marks (the "Trojan Source" class).
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """`text` without characters that cannot be stored or encoded (lone surrogates become U+FFFD).

    Tab, newline and carriage return stay: bodies keep their paragraphs.
    """
    if text.isascii():
        if text.isprintable() or not text.encode("ascii").translate(None, _STORABLE_BYTES):
            return text
        return _UNSTORABLE.sub("", text)
    try:
        data = text.encode("utf-8")  # C speed; only a lone surrogate makes it fail
    except UnicodeEncodeError:
        return _UNSTORABLE.sub("", _SURROGATE.sub(REPLACEMENT, text))
    if _has_unstorable(data):
        return _UNSTORABLE.sub("", text)
    return text


# What `_UNSTORABLE` matches, found in the text's UTF-8 bytes, where it costs a quarter of
# the regex's scan of every character (a whole page is cleaned before it is parsed): C0
# controls and DEL are single bytes that occur in no other character's encoding; C1
# controls and noncharacters are two- and three-byte sequences that begin with a lead byte,
# so a match is always a character's start.
_STORABLE_BYTES = bytes(b for b in range(256) if b >= 0x80 or not _UNSTORABLE.match(chr(b)))
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_NONCHARACTER_UTF8 = re.compile(rb"\xef(?:\xb7[\x90-\xaf]|\xbf[\xbe\xbf])")


def _has_unstorable(data: bytes) -> bool:
    return bool(
        data.translate(None, _STORABLE_BYTES)
        or _C1_UTF8.search(data)
        or _NONCHARACTER_UTF8.search(data)
    )


def terminal_safe(text: str) -> str:
    """`text` as a terminal may print it: controls visible as U+FFFD, bidi overrides gone.

    Newlines and tabs stay (Rich lays them out); everything that could move the cursor,
    recolour the screen or reorder the line does not reach the terminal.
    """
    if text.isascii() and text.isprintable():
        return text
    text = _SURROGATE.sub(REPLACEMENT, text)
    text = _BIDI.sub("", text)
    return _TERMINAL_CONTROL.sub(REPLACEMENT, text)
