"""Article extraction: clean bodies, metadata-only dates, and no crash on bad input."""

from __future__ import annotations

import json
import multiprocessing
import pickle
import random
import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.domain import DateSource, Extracted
from monitor.extract import article
from monitor.extract.article import MAX_HTML_CHARS, balanced_may_win, extract_article
from monitor.extract.chrome import prune_chrome
from monitor.extract.metadata import parse_date, read_language, read_published
from tests.conftest import FIXTURES, ROOT, shared_file

PAGES = ROOT / "tests" / "fixtures" / "pages"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))
CHROME = (
    "97.7 F",
    "Los Angeles",
    "28.6 C",
    "- Advertisement -",
    "Advertisement",
    "Popular Articles",
    "LATEST NEWS",
    "spot_img",
    "Saturday, September 7, 2024",
    "Friday, March 29, 2024",
    "JOONGANG PHOTO",  # a figure caption
    "Copyright",
)
# Benchmark floor: issue 13's figure (0.967, before the second run was gated) minus 0.005.
BENCHMARK_F1_FLOOR = 0.962


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def article_paragraphs(seed: Path, title: str) -> list[str]:
    """The seed's substantial paragraphs: its article text, without chrome lines."""
    lines = [line.strip() for line in seed.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if len(line) > 80 and line != title]


def wrap(body: str, head: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>T</title>{head}</head>'
        f"<body><article><h1>A headline</h1>{body}</article></body></html>"
    )


PARAGRAPHS = "".join(
    f"<p>Paragraph {n}: officials in Seoul said on the record that the talks would "
    f"continue next week, and that both delegations had agreed on an agenda.</p>"
    for n in range(4)
)


# ------------------------------------------------------------------ seed pages


@pytest.mark.parametrize(
    ("fixture", "seed_index", "published", "source"),
    [
        ("seed-000.html", 0, datetime(2024, 7, 18, 16, 12, 31, tzinfo=UTC), DateSource.META),
        ("seed-003.html", 1, datetime(2016, 10, 5, 6, 3, tzinfo=UTC), DateSource.JSONLD),
        ("seed-004.html", 2, None, DateSource.NONE),
    ],
)
def test_seed_pages_give_the_article_without_chrome(
    fixture: str, seed_index: int, published: datetime | None, source: DateSource
) -> None:
    extracted = extract_article(page(fixture), url=f"https://news.example.org/{fixture}")

    assert extracted is not None
    paragraphs = extracted.text.split("\n\n")
    for expected in article_paragraphs(SEEDS[seed_index], extracted.title or ""):
        assert expected in paragraphs
    for chrome in CHROME:
        assert chrome not in extracted.text
    # The date is the page's publication metadata, never the widget's "today".
    assert extracted.published_at == published
    assert extracted.date_source is source
    assert extracted.language == "en"


def test_seed_page_title_author_and_headline_not_repeated() -> None:
    extracted = extract_article(page("seed-000.html"))

    assert extracted is not None
    assert extracted.title is not None
    assert extracted.title.startswith("North Korean diplomat’s family in China defects")
    assert extracted.author == "Youngnam Kim"
    assert not extracted.text.startswith(extracted.title)


def test_pruning_drops_widgets_but_keeps_a_wrapper_that_holds_the_article() -> None:
    from lxml import html

    tree = html.document_fromstring(
        '<html><body><div class="td-weather-top-widget">97.7 F</div>'
        '<div class="layout social-share-enabled"><article><h1>Headline</h1>'
        f'{PARAGRAPHS}<div class="share-bar">Share on X</div></article></div></body></html>'
    )
    prune_chrome(tree)
    text = tree.text_content()

    assert text.count("officials in Seoul said") == 4
    assert "Share on X" not in text
    assert "97.7 F" not in text


@pytest.mark.parametrize(
    ("markup", "chrome"),
    [
        ('<div class="menu">x</div>', True),  # a whole token
        ('<div class="Site-Menu_Main">x</div>', False),  # "menu" only inside a compound name
        ('<div class="td-weather-top-widget">x</div>', True),  # an unambiguous part
        ('<div class="Related_Links">x</div>', True),  # case and underscores do not hide it
        ('<div class="story" id="sidebar">x</div>', True),  # the id counts as the class does
        ('<div id="cookie-banner">x</div>', True),
        ('<section role="Navigation">x</section>', True),
        ('<nav class="story">x</nav>', True),
        ('<div class="article-body story">x</div>', False),
        ('<main class="sidebar">x</main>', False),  # the page's own layout is never chrome
    ],
)
def test_chrome_is_named_by_tag_role_or_class_token(markup: str, chrome: bool) -> None:
    from lxml import html

    tree = html.document_fromstring(f"<html><body>{markup}<p>{PARAGRAPHS}</p></body></html>")
    prune_chrome(tree)

    assert (tree.find(".//body/*[1]").text_content() != "x") is chrome


def test_parsed_pages_carry_lxml_html_element_classes() -> None:
    from lxml import html

    tree = article._parse("<html><body><form><input name=q></form><p>text</p></body></html>")

    assert isinstance(tree.find(".//form"), html.FormElement)
    assert isinstance(tree.find(".//input"), html.InputElement)
    assert type(tree.find(".//p")) is html.HtmlElement


def test_what_trafilatura_never_reads_is_dropped_before_it_and_the_text_around_it_stays() -> None:
    from lxml import etree

    tree = article._parse(
        '<html><head><title>Envoy</title><meta name="author" content="Jane Roe">'
        '<link rel="stylesheet" href="s.css"><style>p { color: red }</style>'
        '<script type="application/ld+json">{"@type": "NewsArticle"}</script></head><body>'
        "<p>The envoy <script>track()</script>has defected<svg><path d='M0'/></svg> to the"
        " South.</p><noscript>Enable scripts</noscript></body></html>"
    )
    article._drop_unread(tree)

    assert [el.tag for el in tree.iter(etree.Element)] == [
        "html", "head", "title", "script", "body", "p", "noscript",
    ]  # fmt: skip
    assert tree.find(".//script").get("type") == "application/ld+json"  # trafilatura reads it
    assert tree.find(".//p").text_content() == "The envoy has defected to the South."


def test_title_and_author_are_read_before_the_head_is_thinned() -> None:
    head = '<meta name="author" content="Jane Roe"><meta property="og:title" content="Envoy">'
    extracted = extract_article(wrap(PARAGRAPHS, head=head))

    assert extracted is not None
    assert (extracted.title, extracted.author) == ("Envoy", "Jane Roe")


@pytest.mark.parametrize(
    ("html_attrs", "head", "language"),
    [
        ('lang="ko-KR"', '<meta property="og:locale" content="en_US">', "ko"),  # <html> first
        ('xml:lang="fr"', "", "fr"),
        ('lang="english"', '<meta http-equiv="Content-Language" content="de-DE">', "de"),
        ("", '<meta property="og:locale" content="ko_KR">', "ko"),
        ("", '<meta name="language" content="ES">', "es"),
        ("", "", None),
    ],
)
def test_language_from_html_lang_then_the_head(
    html_attrs: str, head: str, language: str | None
) -> None:
    tree = article._parse(f"<html {html_attrs}><head>{head}</head><body><p>x</p></body></html>")
    assert read_language(tree) == language


# ------------------------------------------------------------------ the second run

_ARTICLE = "".join(
    f"<p>Paragraph {n} of the report: the retailer cut its sales forecast for the year and "
    f"its shares fell in early trading, analysts said on Tuesday.</p>"
    for n in range(10)
)  # about 1,300 characters
_BR_ARTICLE = _ARTICLE.replace("<p>", "").replace("</p>", "<br>")  # lines, no paragraphs
_NOTICE = "This copy is for your personal, non-commercial use only. Order reprints online."
_BRIEF = (
    "<p>The city council approved the new budget on Monday by a vote of seven to two.</p>"
    "<p>The plan raises spending on road repairs and keeps property taxes flat.</p>"
)
_BRIEF_TEXT = (
    "The city council approved the new budget on Monday by a vote of seven to two.\n"
    "The plan raises spending on road repairs and keeps property taxes flat."
)


def _tree(body: str) -> object:
    return article._parse(f"<html><head><title>T</title></head><body>{body}</body></html>")


@pytest.mark.parametrize(
    ("case", "body", "first_run", "second_run"),
    [
        # precision mode kept a notice box and left the article's paragraphs out
        (
            "a notice box beside the article",
            f"<div><p>{_NOTICE}</p></div>{_ARTICLE}",
            _NOTICE,
            True,
        ),
        # the same with the article in lines broken by <br>, no <p> at all
        (
            "a notice box beside a <br> article",
            f"<div><p>{_NOTICE}</p></div><div>{_BR_ARTICLE}</div>",
            _NOTICE,
            True,
        ),
        # nothing at all from precision mode: balanced mode has nothing to lose to
        ("an empty first run", _ARTICLE, "", True),
        # a short article is all the paragraphs there are: the first run found it
        ("a brief", _BRIEF, _BRIEF_TEXT, False),
        # a short body beside a few short paragraphs of chrome: not twice the body
        (
            "a brief beside a line of chrome",
            f"{_BRIEF}<p>Sign up for our newsletter.</p>",
            _BRIEF_TEXT,
            False,
        ),
        # a long body is the article, however much other text the page holds (an index page's
        # balanced run takes every teaser)
        ("a long body on a long page", _ARTICLE * 5, "x" * 1200, False),
    ],
)
def test_the_second_run_only_where_precision_left_the_paragraphs_out(
    case: str, body: str, first_run: str, second_run: bool
) -> None:
    assert balanced_may_win(_tree(body), first_run) is second_run, case


def test_a_short_article_costs_one_trafilatura_run(monkeypatch: pytest.MonkeyPatch) -> None:
    modes: list[bool] = []
    run = article._run_trafilatura

    def counted(tree: object, url: str | None, *, favor_precision: bool) -> object:
        modes.append(favor_precision)
        return run(tree, url, favor_precision=favor_precision)

    monkeypatch.setattr(article, "_run_trafilatura", counted)
    brief = _BRIEF + "<p>Officials said work on the first roads would begin in the spring.</p>"
    extracted = extract_article(
        f"<html><body><article><h1>Budget</h1>{brief}</article></body></html>"
    )

    assert extracted is not None
    assert extracted.text.startswith("The city council approved the new budget")
    assert modes == [True]  # precision mode only: its body is the page's paragraphs


def test_bytes_and_text_give_the_same_result() -> None:
    data = page("seed-003.html")
    assert extract_article(data) == extract_article(data.decode("utf-8"))


def test_result_survives_a_process_pool() -> None:
    data = page("seed-000.html")
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        remote = pool.submit(extract_article, data, "https://news.example.org/a").result()
    assert remote == extract_article(data, "https://news.example.org/a")
    assert pickle.loads(pickle.dumps(remote)) == remote


# ------------------------------------------------------------------ dates


def test_published_meta_wins_over_modified_and_over_text_dates() -> None:
    head = (
        '<meta property="article:modified_time" content="2024-05-02T10:00:00+00:00">'
        '<meta property="article:published_time" content="2024-05-01T08:30:00+09:00">'
    )
    body = "<p>Posted on June 3, 2025.</p>" + PARAGRAPHS
    extracted = extract_article(wrap(body, head))

    assert extracted is not None
    assert extracted.published_at == datetime(2024, 4, 30, 23, 30, tzinfo=UTC)
    assert extracted.date_source is DateSource.META


def test_jsonld_graph_article_date() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "name": "Example"},
            {"@type": ["NewsArticle"], "datePublished": "2021-01-25T13:55:00+09:00"},
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(graph)}</script>'
    extracted = extract_article(wrap(PARAGRAPHS, head))

    assert extracted is not None
    assert extracted.published_at == datetime(2021, 1, 25, 4, 55, tzinfo=UTC)
    assert extracted.date_source is DateSource.JSONLD


def test_time_element_in_article_but_not_in_related_links_or_updated() -> None:
    body = (
        '<time class="updated" datetime="2024-09-01T00:00:00Z">Updated</time>'
        '<time class="published" datetime="2024-08-20T10:05:00+09:00">Aug 20</time>'
        + PARAGRAPHS
        + '<ul class="related"><li><time datetime="2024-09-07T00:00:00Z">Sep 7</time></li></ul>'
    )
    extracted = extract_article(wrap(body))

    assert extracted is not None
    assert extracted.published_at == datetime(2024, 8, 20, 1, 5, tzinfo=UTC)
    assert extracted.date_source is DateSource.TIME


def test_related_list_time_and_printed_dates_give_no_date() -> None:
    body = (
        "<p>Seoul, Saturday, September 7, 2024</p>"
        + PARAGRAPHS
        + '<ul class="related"><li><time datetime="2024-09-07T00:00:00Z">Sep 7</time></li></ul>'
    )
    extracted = extract_article(wrap(body))

    assert extracted is not None
    assert extracted.published_at is None
    assert extracted.date_source is DateSource.NONE


def test_naive_or_bogus_metadata_dates_are_not_trusted() -> None:
    assert parse_date("2024-08-08 11:25:00") is None  # no offset: site-local or UTC?
    assert parse_date("sometime last week") is None
    assert parse_date("1970-01-01T00:00:00Z") is None
    assert parse_date("2024-08-08T11:25:00+09:00") == datetime(2024, 8, 8, 2, 25, tzinfo=UTC)
    assert parse_date("Thu, 08 Aug 2024 02:25:00 GMT") == datetime(2024, 8, 8, 2, 25, tzinfo=UTC)
    assert parse_date("2024-08-08T02:25:00.000Z") == datetime(2024, 8, 8, 2, 25, tzinfo=UTC)


def test_read_published_on_a_page_without_metadata() -> None:
    from lxml import html

    tree = html.document_fromstring(wrap("<p>Published March 3, 2020</p>" + PARAGRAPHS))
    assert read_published(tree) == (None, DateSource.NONE)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "data",
    [
        b"",
        "",
        b"   \n ",
        random.Random(7).randbytes(20_000),
        b"R" * 20_000,
        b"\x00\x01\x02 not html at all \xff\xfe",
        "<<<>>> </p></div> <html",
        '{"json": true}',
    ],
    ids=[
        "empty-bytes",
        "empty-str",
        "blank",
        "random-bytes",
        "one-letter",
        "binary",
        "broken-tags",
        "json",
    ],
)
def test_garbage_gives_none_without_raising(data: bytes | str) -> None:
    assert extract_article(data) is None


@pytest.mark.slow
def test_five_megabytes_of_junk_does_not_raise() -> None:
    rng = random.Random(11)
    words = ["<div>", "</div>", "<span>", "lorem", "ipsum", "<p>", "&amp;", "<!--", "-->", "<"]
    junk = " ".join(rng.choice(words) for _ in range(900_000))[: 5 * 1024 * 1024].encode()
    assert len(junk) >= 4 * 1024 * 1024
    result = extract_article(junk)
    assert result is None or isinstance(result, Extracted)


def test_page_with_only_chrome_gives_none() -> None:
    chrome_only = (
        "<html><body><header><div class='weather'>97.7 F Los Angeles</div>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav></header>"
        "<div class='ad-slot'>- Advertisement -</div>"
        "<aside><h3>Popular Articles</h3><ul><li><a href='/a'>One</a></li></ul></aside>"
        "<footer>Copyright 2024</footer></body></html>"
    )
    assert extract_article(chrome_only) is None


def korean_page(declaration: str, extra: str = "") -> str:
    body = "".join(
        f"<p>{n}번째 문단: {extra}통일부는 이날 북한 외교관 일가족이 제3국을 거쳐 한국에 "
        f"입국했다고 밝혔으며, 관계 당국이 정확한 경위를 조사하고 있다고 설명했다.</p>"
        for n in range(1, 5)
    )
    return (
        f'<html lang="ko"><head>{declaration}<title>북한 외교관 입국</title></head>'
        f"<body><article><h1>북한 외교관 입국</h1>{body}</article></body></html>"
    )


@pytest.mark.parametrize(
    "declaration",
    [
        '<meta charset="euc-kr">',
        '<meta http-equiv="Content-Type" content="text/html; charset=EUC-KR">',
    ],
)
def test_euc_kr_page_is_decoded(declaration: str) -> None:
    html = korean_page(declaration)
    extracted = extract_article(html.encode("euc-kr"))

    assert extracted is not None
    assert "통일부는 이날 북한 외교관 일가족이" in extracted.text
    assert extracted.language == "ko"


def test_euc_kr_label_decodes_the_cp949_extension_as_browsers_do() -> None:
    html = korean_page('<meta charset="euc-kr">', extra="똠방각하 ")  # 똠 is not in EUC-KR proper
    extracted = extract_article(html.encode("cp949"))

    assert extracted is not None
    assert "똠방각하 통일부는" in extracted.text


def test_wrongly_declared_charset_falls_back_to_detection() -> None:
    html = korean_page('<meta charset="utf-8">')
    extracted = extract_article(html.encode("cp949"))

    assert extracted is not None
    assert "통일부는 이날 북한 외교관 일가족이" in extracted.text


def test_page_over_the_size_cap_is_refused() -> None:
    huge = wrap(PARAGRAPHS * (MAX_HTML_CHARS // len(PARAGRAPHS) + 1))
    assert extract_article(huge) is None


# ------------------------------------------------------------------ corpora


def token_f1(pred: str, true: str) -> float:
    pred_tokens, true_tokens = Counter(re.findall(r"\w+", pred)), Counter(re.findall(r"\w+", true))
    common = sum((pred_tokens & true_tokens).values())
    if not common:
        return 0.0
    precision, recall = common / sum(pred_tokens.values()), common / sum(true_tokens.values())
    return 2 * precision * recall / (precision + recall)


def test_dev_corpus_bodies_and_dates() -> None:
    rows = [json.loads(line) for line in (FIXTURES / "corpus" / "dev.jsonl").open(encoding="utf-8")]
    scores, dated, wrong = [], 0, []
    for row in rows:
        extracted = extract_article(row["html"], row["url"])
        assert extracted is not None, row["id"]
        scores.append(token_f1(extracted.text, row["labels"]["body"]))
        if extracted.published_at is not None:
            dated += 1
            truth = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
            if abs((extracted.published_at - truth).total_seconds()) >= 60:
                wrong.append((row["id"], extracted.published_at, truth))

    assert sum(scores) / len(scores) >= 0.95
    assert wrong == []  # a date from the page is right, or there is none
    assert dated >= 0.85 * len(rows)  # most pages carry publication metadata


def test_benchmark_f1_does_not_regress() -> None:
    # the 181-page benchmark (8 MB) is not in the repository; CI has it in ../shared
    shared_file("data/extraction-benchmark/ground-truth.json")
    from bench.extraction import evaluate, monitor_extract

    result = evaluate(monitor_extract)

    assert result.pages == 181
    assert result.errors == 0
    assert result.empties == 0
    assert result.f1 >= BENCHMARK_F1_FLOOR


# --- comments and processing instructions are not text, and do not cut it ------------------

_FILLER = "".join(
    f"<p>Residents were told to expect closures on several streets while crews dig up the "
    f"pipes and lay new ones, officials said in statement number {i}.</p>"
    for i in range(3)
)


@pytest.mark.parametrize(
    "middle",
    [
        # React writes an empty comment between adjacent text nodes
        "has <!-- -->defected to the <b>South</b>",
        "has <!-- -->defected<!-- --> to the South",
        "<span>has </span><!-- x -->defected to the South",
        # processing instructions and conditional comments, left by templates
        "has <?php echo $x ?>defected to the <i>South</i>",
        "has <!--[if IE]>old<![endif]-->defected to the <i>South</i>",
    ],
)
def test_a_comment_inside_a_paragraph_keeps_the_whole_paragraph(middle: str) -> None:
    paragraph = f"<p>The ministry said the diplomat {middle} with his family.</p>"
    page = (
        "<html><head><title>Envoy</title></head><body><article><h1>Envoy</h1>"
        f"{paragraph}{_FILLER}</article></body></html>"
    )
    extracted = extract_article(page)
    assert extracted is not None
    first = extracted.text.split("\n\n")[0]
    assert first == "The ministry said the diplomat has defected to the South with his family."


def test_a_caller_that_has_the_author_skips_the_byline_search_and_nothing_else() -> None:
    # the feed named the author: the page's byline is not searched for, and the body, title
    # and date come out the same
    body = '<p class="byline"><span class="author">By Kim Min-ji</span></p>' + "".join(
        f"<p>Officials in Seoul said the man, a former soldier, crossed the border at night "
        f"and asked for protection, paragraph {n}.</p>"
        for n in range(4)
    )
    head = '<meta property="article:published_time" content="2024-07-16T09:00:00+09:00">'
    searched = extract_article(wrap(body, head))
    skipped = extract_article(wrap(body, head), find_author=False)
    assert searched is not None and skipped is not None
    assert searched.author == "Kim Min-ji" and skipped.author is None
    assert (skipped.text, skipped.title, skipped.published_at) == (
        searched.text,
        searched.title,
        searched.published_at,
    )
    # an author in the page's meta tags costs nothing to read: it is still read
    named = wrap(body, head + '<meta name="author" content="Lee Jae-won">')
    assert extract_article(named, find_author=False).author == "Lee Jae-won"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("feed_author", "stored"), [(None, "Kim Min-ji"), ("Lee Jae-won", "Lee Jae-won")]
)
def test_the_page_is_searched_for_a_byline_only_when_the_feed_named_no_author(
    feed_author: str | None, stored: str
) -> None:
    from monitor.config import FeedConfig
    from monitor.domain import FeedEntry
    from monitor.pipeline.prepare import PageJob, prepare

    body = '<p class="byline"><span class="author">By Kim Min-ji</span></p>' + "".join(
        f"<p>Officials in Seoul said the man crossed the border at night, paragraph {n}.</p>"
        for n in range(6)
    )
    link = "http://news.example/a"
    entry = FeedEntry("f", link, link, link, "A headline", author=feed_author)
    feed = FeedConfig.model_validate({"id": "f", "url": "http://news.example/feed.xml"})
    now = datetime(2024, 7, 16, tzinfo=UTC)
    job = PageJob(entry, feed, now, body=wrap(body).encode(), charset="utf-8", url=link)
    assert prepare(job).article.author == stored
