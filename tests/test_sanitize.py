"""clean_text (what may be stored) and terminal_safe (what may reach a terminal), by class."""

from __future__ import annotations

import logging
import random
import sys

import pytest

from monitor.logs import Redactor, TextFormatter
from monitor.sanitize import clean_text, terminal_safe

CLEAN = [
    # unstorable: NUL (PostgreSQL refuses it), other C0 controls, DEL, C1 controls
    ("a\x00b", "ab"),
    ("bell\x07 escape\x1b[31m", "bell escape[31m"),
    ("del\x7f c1\x85\x9b", "del c1"),
    # lone surrogates (from `&#xD800;`) cannot be encoded as UTF-8: replaced, not dropped
    ("half \ud800 pair", "half \ufffd pair"),
    ("\udfff", "\ufffd"),
    # noncharacters
    ("x\ufffey\uffff\ufdd0", "xy"),
    # kept: layout whitespace, every real script, emoji, bidi text itself
    ("para one\n\npara two\tcol\r\n", "para one\n\npara two\tcol\r\n"),
    ("탈북민 김정은 ‘quoted’ — 😀 עברית", "탈북민 김정은 ‘quoted’ — 😀 עברית"),
    ("[/] :fire: <script>", "[/] :fire: <script>"),  # markup is a display concern, not storage
    ("", ""),
]


@pytest.mark.parametrize(("raw", "stored"), CLEAN)
def test_clean_text(raw: str, stored: str) -> None:
    assert clean_text(raw) == stored
    assert clean_text(stored) == stored
    stored.encode("utf-8")  # always encodable


TERMINAL = [
    # controls that drive a terminal are shown as a visible mark
    ("\x1b[2Jcleared", "\ufffd[2Jcleared"),
    ("title\x1b]0;pwned\x07", "title\ufffd]0;pwned\ufffd"),
    ("over\rwrite", "over\ufffdwrite"),
    ("c1\x9b31m", "c1\ufffd31m"),
    ("nul\x00", "nul\ufffd"),
    # bidi overrides, isolates and marks reorder what is read: dropped
    ("\u202eevil\u202c \u2066iso\u2069 \u200fmark\u200e", "evil iso mark"),
    # newlines and tabs are layout
    ("a\nb\tc", "a\nb\tc"),
    ("lone \ud800", "lone \ufffd"),
    ("plain [red]x[/red]", "plain [red]x[/red]"),
]


@pytest.mark.parametrize(("raw", "shown"), TERMINAL)
def test_terminal_safe(raw: str, shown: str) -> None:
    assert terminal_safe(raw) == shown


@pytest.mark.parametrize(
    "title",
    [
        "Title\n2026-12-01 08:00:00 CRITICAL monitor: forged",
        "a\r\nb",
        "\x1b[2Jcleared",
        "\u202eevil",
    ],
)
def test_a_text_log_line_quoting_feed_text_stays_one_line(title: str) -> None:
    """Feed text in a log message cannot forge a line or drive the terminal; a traceback
    below the message keeps its lines."""
    formatter = TextFormatter(Redactor())
    try:
        raise ValueError("inner")
    except ValueError:
        record = logging.LogRecord(
            "monitor.t", logging.ERROR, "f", 1, "feed x: %s", (title,), sys.exc_info()
        )
    lines = formatter.format(record).splitlines()
    assert lines[0].endswith(terminal_safe(title.replace("\r", "\\r").replace("\n", "\\n")))
    assert lines[1] == "Traceback (most recent call last):"
    assert not any(c in "\n".join(lines) for c in "\x1b\u202e\r")


def test_clean_text_finds_every_unstorable_character_wherever_it_stands() -> None:
    # the fast check (the text's UTF-8 bytes) against the plain definition (one regex over
    # every character), on texts mixing each kind of character with its byte neighbours
    from monitor.sanitize import _UNSTORABLE

    rng = random.Random(13)
    near = [0x00, 0x08, 0x09, 0x0B, 0x0D, 0x1F, 0x20, 0x7E, 0x7F, 0x80, 0x9F, 0xA0, 0xC2]
    near += [0xFDCF, 0xFDD0, 0xFDEF, 0xFDF0, 0xFEFF, 0xFF0C, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000]
    alphabet = [chr(c) for c in near] + list("ab 김\n") + ["\u2028", "😀"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert clean_text(text) == _UNSTORABLE.sub("", text), ascii(text)
