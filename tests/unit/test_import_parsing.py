"""The importer's shortcuts through markdown-it read every document as the full parser does.

To import a megabyte in well under half a second, the importer leaves out the block rules a
document cannot use, parses inline markup only where there is some, reads plain text and
plain links itself and passes plain web addresses through link normalisation unchanged.
Each test here holds one of those shortcuts to what markdown-it itself does.
"""

from __future__ import annotations

import re

import ftfy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.token import Token

from core.importing import document
from core.importing import text as texts
from core.importing.document import inline_text, parse
from core.importing.markdown import _repair
from core.importing.text import clean, clean_title, label
from core.kernel.reply import shortened


def full_parser() -> MarkdownIt:
    """The parser as configured before the shortcuts: every rule on."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def block_view(tokens: list[Token]) -> list[tuple[object, ...]]:
    return [
        (t.type, t.tag, t.nesting, t.level, t.map, t.content, t.markup, t.info, t.attrs, t.hidden)
        for t in tokens
    ]


def assert_read_as_the_full_parser_reads(text: str) -> None:
    ours = parse(text)
    theirs = full_parser().parse(text)
    assert block_view(ours.tokens) == block_view(theirs)
    for our_token, their_token in zip(ours.tokens, theirs, strict=True):
        if their_token.type == "inline":
            assert ours.inline(our_token) == inline_text(their_token.children or [])


# --- documents ------------------------------------------------------------------------

WORD = st.sampled_from(
    ["Python", "SQL", "basics", "Week 2", "Café", "🚀", "a", "1.", "2)", "x:", "(free)", ""]
)
URL = st.sampled_from(
    [
        "https://docs.example.org/a/b?c=d#e", "http://x.io", "https://a-b.c/d_e~f!g*h'i",
        "https://ex.org/a&b", "https://ex.org/?a=1&amp;b=2", "https://ex.org/a(b)c",
        "https://ex.org/%41%zz", "HTTPS://EX.ORG", "https://exämple.org/ü", "https://ex.org/a b",
        "https://ex.org/a\\b", "<https://ex.org/x>",
        "https://" + "a" * 64 + ".org", "https://ex.org/" + "p" * 260, "#anchor", "mailto:a@b.c",
        "javascript:alert(1)", "/relative", "https://", "", "https://a.b 'title'",
        'https://a.b "title"', "https://user@ex.org/", "https://ex.org:8080/x",
    ]
)  # fmt: skip
LABEL = st.one_of(
    WORD,
    st.text(st.sampled_from(list("ab :#()'\"!*_`~&<>\\[]-")), max_size=8),
)
LINK = st.builds(lambda label, url: f"[{label}]({url})", LABEL, URL)
INLINE_PIECE = st.one_of(
    WORD,
    LINK,
    LINK.map(lambda link: "!" + link),
    st.sampled_from(
        [
            "**Goal:**", "_x_", "*", "~~gone~~", "`code`", "``", "\\*", "\\", "&amp;", "&copy;",
            "&#35;", "&nope;", "<b>", "</span>", "<https://auto.link/x>", "<a@b.co>", "[", "]",
            "[ ]", "[x]", "[ref]", "[ref][]", "[text][ref]", "!", "(", ")", ":", "|", "  ", "\t",
        ]
    ),
)  # fmt: skip
INLINE = st.lists(INLINE_PIECE, max_size=6).map(" ".join)
LINE = st.one_of(
    INLINE,
    st.builds(lambda marker, text: marker + text, st.sampled_from(
        ["# ", "## ", "###### ", "#", "- ", "* ", "+ ", "1. ", "2) ", "- [ ] ", "> ", "> - ",
         "  - ", "    - ", "    ", "\t", "   > ", "-", "10. "]
    ), INLINE),
    st.sampled_from(
        [
            "", "", "---", "***", "___", "- - -", "* * *", "_ _ _", "--", "**", "-- -", "----  ",
            "===", "=", "  ---", "    ---", "> ---", "- ---", "```", "```python", "~~~", "``",
            "~~", "<div>", "</div>", "<!-- note -->", "<details><summary>More</summary>", "<br>",
            "| Topic | Time |", "|---|---|", "| --- | :-: |", "Topic | Time", "--- | ---",
            "| Git | 2 days |", "[ref]: https://ex.org/ref", "[ref]: /local 'title'", "[ref]:",
            "[Ref] : x", "[a\\]b]: https://ex.org", "  [ref]: https://ex.org/indented",
        ]
    ),
)  # fmt: skip
NEWLINE = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"])


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.tuples(LINE, NEWLINE), max_size=25))
    return "".join(line + newline for line, newline in lines) + draw(st.sampled_from(["", "\0"]))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_documents_are_read_as_the_full_parser_reads_them(text: str) -> None:
    assert_read_as_the_full_parser_reads(text)


@settings(max_examples=1500, deadline=None)
@given(INLINE)
def test_one_line_of_text_and_links_is_read_as_the_full_parser_reads_it(text: str) -> None:
    assert_read_as_the_full_parser_reads(text)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("a | b\n--|--\n", "table"),
        ("```\ncode\n```\n", "fence"),
        ("~~~\ncode\n~~~\n", "fence"),
        ("> quoted\n", "blockquote"),
        ("<div>\n", "html_block"),
        ("[ref]: https://ex.org\n", "reference"),
        ("---\n", "hr"),
        ("- * * *\n", "hr"),
        ("Title\n=====\n", "lheading"),
        ("- Title\n  ---\n", "lheading"),
        ("> Title\n> ---\n", "lheading"),
    ],
)
def test_a_rule_the_text_may_use_is_kept(text: str, rule: str) -> None:
    assert rule not in document.unmatchable_block_rules(text)
    assert_read_as_the_full_parser_reads(text)


def test_a_plain_roadmap_needs_few_block_rules() -> None:
    text = "# Roadmap\n\n## Week 1: Git\n\n- [Pro Git](https://git-scm.com/book) - 2 days\n"
    assert sorted(document.unmatchable_block_rules(text)) == sorted(
        ["table", "fence", "blockquote", "html_block", "reference", "hr", "lheading"]
    )
    # A line of dashes after a blank line is a rule, not a heading's underline.
    assert "lheading" in document.unmatchable_block_rules("text\n\n---\n")


# --- link normalisation -----------------------------------------------------------------

HOST_LABEL = st.one_of(
    st.text(st.sampled_from("abcXYZ019-_+ü"), min_size=0, max_size=6),
    st.just("a" * 63),
    st.just("b" * 64),
)
HOST = st.lists(HOST_LABEL, min_size=1, max_size=4).map(".".join)
URL_TAIL = st.lists(
    st.sampled_from([*"aZ09;/?:@&=+$,-_.!~*'()#%\\\"<>[]{}|^` \tü", "%41", "%zz", "\x00"]),
    max_size=12,
).map("".join)
ADDRESS = st.builds(
    lambda scheme, host, port, tail: scheme + host + port + tail,
    st.sampled_from(["https://", "http://", "HTTP://", "ftp://", "//", "", "mailto:"]),
    HOST,
    st.sampled_from(["", "", ":8080", ":"]),
    st.one_of(URL_TAIL, URL_TAIL.map(lambda tail: "/" + tail)),
)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(ADDRESS, ADDRESS.map(lambda url: url + "/" + "x" * 250)))
def test_plain_web_addresses_are_normalised_as_markdown_it_normalises_them(url: str) -> None:
    parser = document.Parser("commonmark")
    assert parser.normalizeLink(url) == normalizeLink(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://" + ".".join(["a" * 63] * 5) + "/long-host",  # mdurl drops such a hostname
        "https://" + "b" * 64 + ".org/path",
        "https://docs.example.org/topics/100/611097",
        "https://ex.org/%E2%80%93",
        "https://Ex.Org/A?b=C#d",
    ],
)
def test_web_addresses_of_every_length_are_normalised_as_markdown_it_does(url: str) -> None:
    assert document.Parser("commonmark").normalizeLink(url) == normalizeLink(url)
    assert_read_as_the_full_parser_reads(f"- [Guide]({url}) (free)\n")


# --- titles and labels -------------------------------------------------------------------

ESTIMATE = st.builds(
    lambda number, unit, rate: f"{number} {unit}{rate}",
    st.sampled_from(["3", "3-4", "2.5", "~6", "1 to 2", "10–15"]),
    st.sampled_from(
        ["hours", "hour", "HRS", "hr", "h", "Days", "day", "weeks", "WEEK", "months", "month",
         "mins", "min", "minutes", "Minute", "hourſ", "weeK"]
    ),
    st.sampled_from(["", "/week", " per day", "/wk", " per WK"]),
)  # fmt: skip
TITLE_TEXT = st.builds(
    lambda words, estimate, form, tail: f"{words}{form.format(estimate)}{tail}",
    st.lists(WORD, max_size=4).map(" ".join),
    ESTIMATE,
    st.sampled_from([" ({})", " - {}", " | {}", " — {}", "({})", " {}", "{}", ""]),
    st.sampled_from(["", " ", ".", " 🚀", "!", "  \t", ")", ":"]),
)
TRAILING_ESTIMATE = texts.TRAILING_ESTIMATE


def title_cutting_every_estimate(text: str) -> str:
    """clean_title as it was, with no shortcut past the trailing-estimate expression."""
    text = texts.SYMBOLS.sub("", clean(text)).strip()
    text = TRAILING_ESTIMATE.sub("", text).strip(" -–—:|,")
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()
    return shortened(text, texts.MAX_TITLE)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(TITLE_TEXT, st.text(max_size=30)))
def test_titles_lose_trailing_estimates_as_before_and_are_clean(text: str) -> None:
    title = clean_title(text)
    assert title == title_cutting_every_estimate(text)
    assert clean(title) == title  # what is_estimate relies on


def test_each_way_an_estimate_can_end_is_a_listed_ending() -> None:
    endings = set()
    for unit in ("hours", "hrs", "days", "weeks", "months", "minutes", "mins", "h per wk", "h/day"):
        for cut in range(1, len(unit) + 1):
            # Titles reach the expression stripped.
            for text in (f"Topic - 3 {unit[:cut]}".rstrip(), f"Topic (3 {unit[:cut]})"):
                for cased in (text, text.upper()):
                    if TRAILING_ESTIMATE.search(cased):
                        endings.add(cased[-1])
    assert endings == texts.ESTIMATE_ENDINGS


LABELLED = re.compile(r"^([A-Za-z][A-Za-z' -]{1,30}?)\s*(?:for [\w ]+?)?\s*:\s*(.*)$")


def label_by_one_expression(text: str) -> tuple[texts.Label | None, str]:
    """label() as one regular expression over the whole text; the whole text is a label
    only without a colon inside it."""
    match = LABELLED.match(text)
    if match and (found := texts.label_for(match[1].strip().lower())):
        return found, match[2].strip()
    key = text.strip().rstrip(":").strip()
    if ":" not in key and (found := texts.label_for(key.lower())):
        return found, ""
    return None, text


LABEL_TEXT = st.builds(
    lambda head, colon, rest: head + colon + rest,
    st.one_of(
        st.sampled_from(
            ["Practice", "Practice Projects for Phase 1", "Goal", "Topics to Cover", "Book",
             "Capstone Projects", "Notes for week 3", "Read about pooling", "Q&A", "Project ",
             "x", "Practice for", "Projects for the win ", "Build's", "Mini-project"]
        ),
        st.text(st.sampled_from("aZ '-_:1 "), max_size=40),
    ),
    st.sampled_from([":", ": ", " : ", "", "::"]),
    st.text(st.sampled_from("ab :-"), max_size=10),
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(LABEL_TEXT.map(clean))
def test_labels_are_read_as_by_one_expression(text: str) -> None:
    assert label(text) == label_by_one_expression(text)


# --- repair ---------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(st.text(st.characters(max_codepoint=127)))
def test_ascii_text_is_repaired_exactly_as_ftfy_repairs_it(text: str) -> None:
    assert _repair(text) == ftfy.fix_text(text, normalization="NFC")
