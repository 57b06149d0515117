"""One decoder for feeds and pages, with the label aliases browsers apply (WHATWG).

The class of cases: bytes whose label means, to every browser, a superset of what the label
names (EUC-KR is CP949, ISO-8859-1 and US-ASCII are windows-1252, GB2312 is GB18030, ...);
`text/xml` with no charset, whose XML declaration is what counts in practice (RFC 7303).
Feeds and pages decode such bytes to the text their readers see, and a feed is reported
"not well-formed" only when its XML is.
"""

from __future__ import annotations

import pytest

from monitor.decode import codec_for, decode_bytes
from monitor.domain import FetchResult
from monitor.feeds import parse_feed
from monitor.pipeline.poll import decode_page

# 똠 and 뷁 are outside KS X 1001: strict EUC-KR cannot encode them, CP949 can.
KOREAN = "탈북민 똠방각하 뷁 북한 외교관 망명"
CURLY = "“Quoted” – it’s … €"  # windows-1252 bytes 0x80-0x9F

CASES = [
    # (bytes, labels in order of authority, text a browser shows)
    (KOREAN.encode("cp949"), ["euc-kr"], KOREAN),
    (KOREAN.encode("cp949"), ["ks_c_5601-1987"], KOREAN),
    (CURLY.encode("cp1252"), ["iso-8859-1"], CURLY),
    (CURLY.encode("cp1252"), ["us-ascii"], CURLY),
    (CURLY.encode("cp1252"), ["latin1"], CURLY),
    ("简体中文 ·𠀀".encode("gb18030"), ["gb2312"], "简体中文 ·𠀀"),
    # the first label that fits wins; one that does not fit is passed over
    (KOREAN.encode("utf-8"), ["euc-kr", "utf-8"], KOREAN),
    (KOREAN.encode("cp949"), [None, "euc-kr"], KOREAN),
    (KOREAN.encode("cp949"), ["no-such-charset", "euc-kr"], KOREAN),
    # a BOM beats every label
    (b"\xef\xbb\xbf" + KOREAN.encode(), ["latin1"], KOREAN),
]


@pytest.mark.parametrize(("data", "labels", "text"), CASES)
def test_decode_bytes_as_a_browser_would(data: bytes, labels: list[str | None], text: str) -> None:
    assert decode_bytes(data, *labels).text == text


@pytest.mark.parametrize(
    ("label", "codec"),
    [("EUC-KR", "cp949"), (" iso-8859-1 ", "cp1252"), ('"utf8"', "utf-8"), ("nonsense", None)],
)
def test_codec_for(label: str, codec: str | None) -> None:
    assert codec_for(label) == codec


@pytest.mark.parametrize(
    "label",
    # names Python's codec registry knows but no browser does: byte transforms, Python's own
    # escapes (which turn "\\ud800" into a lone surrogate), and UTF-7
    [
        "base64",
        "zlib",
        "hex",
        "rot13",
        "undefined",
        "unicode_escape",
        "raw_unicode_escape",
        "idna",
        "utf-7",
    ],
)
def test_a_label_that_names_no_charset_is_passed_over(label: str) -> None:
    data = "<html><p>caf\u00e9 \\ud800 +2AA-</p></html>".encode()

    assert codec_for(label) is None
    assert decode_bytes(data, label) == decode_bytes(data)  # read as if undeclared: UTF-8


def test_undeclared_western_text_is_read_as_windows_1252() -> None:
    decoded = decode_bytes("Été à la plage, très tôt: « café »".encode("cp1252"))
    assert decoded.text == "Été à la plage, très tôt: « café »"
    assert decoded.guessed


def rss(title: str, encoding: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{title}</title><link>http://ex.org/a</link></item></channel></rss>"
    ).encode(encoding if encoding.lower() != "euc-kr" else "cp949")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/rss+xml; charset=EUC-KR",
        "application/rss+xml",
        "text/xml",  # no charset: the declaration decides
        None,  # no header at all
    ],
)
def test_an_euc_kr_feed_with_cp949_syllables_keeps_its_hangul(content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    feed = parse_feed(rss(KOREAN, "euc-kr"), headers, feed_id="f", base_url="http://ex.org/")
    assert [e.title for e in feed.entries] == [KOREAN]
    assert feed.bozo is None


@pytest.mark.parametrize("encoding", ["utf-8", "iso-8859-1", "windows-1252"])
def test_text_xml_without_charset_is_no_parse_problem(encoding: str) -> None:
    title = "Café crème – “quoted”" if encoding != "iso-8859-1" else "Café crème"
    body = rss(title, encoding)
    feed = parse_feed(body, {"Content-Type": "text/xml"}, feed_id="f", base_url="http://ex.org/")
    assert [e.title for e in feed.entries] == [title]
    assert feed.bozo is None


def test_broken_xml_under_text_xml_is_still_reported() -> None:
    body = rss("ok", "utf-8").replace(b"</item>", b"</itm>")
    feed = parse_feed(body, {"Content-Type": "text/xml"}, feed_id="f", base_url="http://ex.org/")
    assert feed.bozo is not None


@pytest.mark.parametrize(
    ("data", "content_type", "text"),
    [
        (KOREAN.encode("cp949"), "text/html; charset=euc-kr", KOREAN),
        (CURLY.encode("cp1252"), "text/html; charset=ISO-8859-1", CURLY),
        (KOREAN.encode("cp949"), "text/html", KOREAN),  # from <meta charset>
    ],
)
def test_pages_decode_with_the_same_aliases(data: bytes, content_type: str, text: str) -> None:
    html = b'<html><head><meta charset="euc-kr"></head><body><p>' + data + b"</p></body></html>"
    if "ISO" in content_type:
        html = html.replace(b"euc-kr", b"iso-8859-1")
    page = FetchResult(
        url="http://ex.org/a", final_url="http://ex.org/a", status=200, body=html,
        headers={"content-type": content_type},
    )  # fmt: skip
    assert text in decode_page(page)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_encodings_without_a_bom_are_recognized(codec: str) -> None:
    """XML 1.0 appendix F: the zero bytes around `<` say UTF-16/32 before any label can."""
    body = rss(KOREAN, "utf-8").decode().replace('encoding="utf-8"', f'encoding="{codec[:6]}"')
    feed = parse_feed(body.encode(codec), {}, feed_id="f", base_url="http://ex.org/")
    assert [e.title for e in feed.entries] == [KOREAN]
