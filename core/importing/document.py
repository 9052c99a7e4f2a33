"""Markdown into a tree of sections holding blocks: paragraphs, lists and tables.

The tree keeps what an author shows as structure, whatever the markup: headings, a
"**Week 1: Basics**" line of its own, a list of "- Week 1: …" entries with the week's
topics nested under them, and HTML `<details>` with a `<summary>` title are sections
alike (`Section.origin` says which).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from core.importing.text import clean

# --- the document model ---------------------------------------------------------


@dataclass
class Link:
    title: str
    url: str


@dataclass
class Paragraph:
    text: str
    links: list[Link]


@dataclass
class ListEntry:
    text: str
    links: list[Link]
    task: bool  # written as a "- [ ]" task
    children: list[ListEntry] = field(default_factory=list)
    heading: bool = False  # "- ### Git": a heading inside a list item
    unit: int = 0  # the level of the week, month or day it names ("- Week 1: Basics")


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    links: list[list[list[Link]]] = field(default_factory=list)  # by row, then by cell


@dataclass
class Section:
    level: int
    title: str
    blocks: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    origin: str = "heading"  # or "paragraph", "entry", "details"


Block = Paragraph | list[ListEntry] | Table

# Where a section that is not a heading sits: below every Markdown heading, months above
# weeks above days, so that "**Day 3**" under "**Week 1**" is part of that week.
MONTH_LEVEL, WEEK_LEVEL, DAY_LEVEL = 7, 8, 9

# A line of its own or a list entry that names a unit of time: "Week 1: Basics",
# "**Day 4:**", "Month 2", "Month 2 / Week 5". A day or a month is set off from what
# follows it ("Day 1 is the hardest" is a sentence).
_UNIT_LABEL = re.compile(
    r"^\W*(?:(?P<week>(?:months?\s*\d+\s*[/,:–—-]\s*)?weeks?\s*\d{1,5}\b)"
    r"|(?:(?P<month>months?)|days?)\s*\d{1,5}(?:\s*[-–—]\s*\d{1,5})?\s*(?:[:.)\-–—|]|$))",
    re.IGNORECASE,
)
_WHOLE_LINK = re.compile(r"^\s*\[[^\[\]]*\]\([^()\s]*\)\s*$")  # a table of contents' entry


_UNIT_STARTS = frozenset("wWmMdD")


def unit_level(text: str) -> int | None:
    """The level of a section named by a unit of time, None for other text."""
    first = text[:1]
    if first.isalnum() and first not in _UNIT_STARTS:
        return None  # most text, without the cost of the expression
    match = _UNIT_LABEL.match(text)
    if match is None:
        return None
    return WEEK_LEVEL if match["week"] else MONTH_LEVEL if match["month"] else DAY_LEVEL


# --- parsing --------------------------------------------------------------------


def parse(text: str) -> Tokens:
    # What markdown-it's normalize rule does, at a sixth of the cost of its regular
    # expressions; the checks for the rules a document may need read the same text.
    source = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    # A parser is built for each document (a tenth of a millisecond): a shared one is
    # not safe to use from several threads at once.
    parser = Parser("commonmark", {"html": True}).enable("table").enable("strikethrough")
    # Inline markup is parsed only where the importer reads it, and only if there is any
    # (see Tokens.inline); the block rules that cannot match anywhere are left out.
    parser.disable(["normalize", "inline", "text_join", *unmatchable_block_rules(source)])
    env: dict[str, Any] = {}
    return Tokens(parser.parse(source, env), parser, env)


# A web address in the characters that markdown-it's link normalisation (mdurl's parse,
# format and percent-encoding, punycode for the host) keeps as they are: plain ASCII host
# labels of at most 63 characters; in the rest no "%", spaces or other unsafe characters.
PLAIN_WEB_URL = re.compile(
    r"https?://[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
    r"(?:[/?#][A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]*)?"
)


class Parser(MarkdownIt):
    """markdown-it, with a short way through link normalisation."""

    def normalizeLink(self, url: str) -> str:
        # Most links in a roadmap are plain web addresses, which the normalisation returns
        # unchanged, at a tenth of its cost (mdurl drops a hostname over 255 characters).
        if len(url) <= 255 and PLAIN_WEB_URL.fullmatch(url):
            return url
        return super().normalizeLink(url)


_UNDERLINE_END = re.compile(r"[-=][ \t]*$", re.MULTILINE)
_THEMATIC_BREAK = re.compile(r"([-*_])[ \t]*\1[ \t]*\1")  # "---", "* * *"


def unmatchable_block_rules(source: str) -> list[str]:
    """The block rules that cannot match anywhere in the text, for want of what each needs
    to start. markdown-it tries each rule at every line (and again at each line of a
    paragraph, to see whether it ends there): without them the tokens are the same,
    sooner."""
    rules = []
    if "|" not in source:
        rules.append("table")  # its header row has a pipe
    if "```" not in source and "~~~" not in source:
        rules.append("fence")
    if ">" not in source:
        rules.append("blockquote")
    if "<" not in source:
        rules.append("html_block")
    if "]:" not in source:
        rules.append("reference")  # "[label]: url"
    if not _THEMATIC_BREAK.search(source):
        rules.append("hr")
    if not _has_underline(source):
        rules.append("lheading")
    return rules


def _has_underline(source: str) -> bool:
    """Whether a line may underline a setext heading: one that ends in "-" or "=" (and
    spaces) right after a line that is not blank."""
    for match in _UNDERLINE_END.finditer(source):
        newline = source.rfind("\n", 0, match.start())  # the one ending the line before
        if newline > 0 and source[source.rfind("\n", 0, newline) + 1 : newline].strip(" \t"):
            return True
    return False


# --- tokens to sections ---------------------------------------------------------

_LIST_OPENERS = frozenset({"bullet_list_open", "ordered_list_open"})
_TEXT_OPENERS = frozenset({"paragraph_open", "heading_open"})
# Where an inline rule can start ("!" opens an image only before "["): text without any
# of these parses to one text token of itself.
_INLINE_MARKUP = re.compile(r"[\n\\`~*_\[<&]")
# Text with plain links in it, "See [the docs](https://…) (free)", which markdown-it reads
# as the text and a link to the address as written (checked in plain_links); any other
# markup, an image's "!" or an entity's "&" included, is left to markdown-it.
_PLAIN_RUN = r"[^\n\\`~*_\[\]<&!]*"
_PLAIN_LINK = re.compile(rf"\[({_PLAIN_RUN})\]\(([^()&\s]*)\)")
_PLAIN_LINKS = re.compile(rf"(?:{_PLAIN_RUN}{_PLAIN_LINK.pattern})*{_PLAIN_RUN}")
_WEB_URL = re.compile(r"^https?://\S+$")
# The tags of a collapsible section, and its title.
_DETAILS_TAG = re.compile(
    r"<details\b[^>]*>|<summary\b[^>]*>(?P<summary>.*?)</summary\s*>|</details\s*>",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"<[^>]*>")
_UNREAD = frozenset({"fence", "code_block"})


class Tokens:
    """A document's block tokens, with the text of their inline tokens read on demand."""

    def __init__(self, tokens: list[Token], parser: MarkdownIt, env: dict[str, Any]) -> None:
        self.tokens = tokens
        self._parser = parser
        self._env = env  # link reference definitions, for the inline parse
        self._read: dict[str, tuple[str, list[Link]]] = {}  # inline text by content

    def sections(self) -> Section:
        root = Section(level=0, title="")
        _Walk(self, [root]).tokens(self.tokens)
        return root

    def list_at(self, tokens: list[Token], position: int) -> tuple[list[ListEntry], int]:
        """The entries of the list opened at `position`, and the position after the list."""
        level = tokens[position].level
        entries: list[ListEntry] = []
        index = position + 1
        while tokens[index].level > level:  # what the list holds is nested deeper than it
            if tokens[index].type != "list_item_open":
                index += 1
                continue
            item_level = tokens[index].level
            entry = ListEntry(text="", links=[], task=False)
            inner = index + 1
            while tokens[inner].level > item_level:
                kind = tokens[inner].type
                if kind in _TEXT_OPENERS and not entry.text:
                    text, links = self.inline(tokens[inner + 1])
                    entry.heading = kind == "heading_open"
                    if text.startswith(("[ ] ", "[x] ", "[X] ")) or text in {"[ ]", "[x]", "[X]"}:
                        entry.task, text = True, text[3:].strip()
                    entry.text, entry.links = text, links
                    # A table of contents' "[Week 1: Basics](#week-1)" names no week.
                    unit = unit_level(text)
                    if unit and not _WHOLE_LINK.match(tokens[inner + 1].content):
                        entry.unit = unit
                    inner += 3
                elif kind in _TEXT_OPENERS:
                    text, links = self.inline(tokens[inner + 1])
                    entry.links += links
                    if text and not links:
                        entry.children.append(ListEntry(text=text, links=[], task=False))
                    inner += 3
                elif kind in _LIST_OPENERS:
                    children, inner = self.list_at(tokens, inner)
                    entry.children += children
                elif kind == "table_open":
                    inner = _closer(tokens, inner) + 1  # a table inside a list item is left out
                else:
                    inner += 1
            entries.append(entry)
            index = inner + 1
        return entries, index + 1

    def table_at(self, tokens: list[Token], position: int) -> tuple[Table, int]:
        end = _closer(tokens, position)
        table = Table([], [], [])
        row: list[str] | None = None
        row_links: list[list[Link]] = []
        in_head = False
        for token in tokens[position:end]:
            if token.type == "thead_open":
                in_head = True
            elif token.type == "thead_close":
                in_head = False
            elif token.type == "tr_open":
                row, row_links = [], []
            elif token.type == "inline" and row is not None:
                text, links = self.inline(token)
                row.append(text)
                row_links.append(links)
            elif token.type == "tr_close" and row is not None:
                if in_head:
                    table.header = row
                else:
                    table.rows.append(row)
                    table.links.append(row_links)
                row = None
        return table, end + 1

    def inline(self, token: Token) -> tuple[str, list[Link]]:
        """Plain text of an inline token, and the links in it."""
        content = token.content
        if not _INLINE_MARKUP.search(content):
            return clean(content), []
        read = self._read.get(content)
        if read is None:  # labels ("**Practice:**") come back week after week
            read = plain_links(content)
        if read is None:
            children: list[Token] = []
            self._parser.inline.parse(content, self._parser, self._env, children)
            read = self._read[content] = inline_text(children)
        text, links = read
        return text, links.copy()  # the reader's to extend

    def inline_of(self, markup: str) -> str:
        """The plain text of a line of Markdown met outside the tokens (a summary)."""
        token = Token("inline", "", 0)
        token.content = markup
        return self.inline(token)[0]

    def parse_more(self, markdown: str) -> list[Token]:
        """The block tokens of Markdown that markdown-it left inside an HTML block."""
        return self._parser.parse(markdown, self._env)


def _closer(tokens: list[Token], position: int) -> int:
    """The position of the token closing the one opened at `position`."""
    level = tokens[position].level
    position += 1
    while tokens[position].level > level:
        position += 1
    return position


class _Walk:
    """Token by token into the section tree; `stack` holds the sections open."""

    def __init__(self, read: Tokens, stack: list[Section]) -> None:
        self.read = read
        self.stack = stack
        self.floor = 1  # an open <details> is closed by its tag, never by a heading in it
        self.details: list[tuple[int, int]] = []  # (its place in the stack, the floor before)

    def tokens(self, tokens: list[Token]) -> None:
        read = self.read
        position = 0
        while position < len(tokens):
            kind = tokens[position].type
            if kind == "heading_open":
                level = int(tokens[position].tag[1])
                title, _ = read.inline(tokens[position + 1])
                self.open(Section(level=level, title=title))
                position += 3
            elif kind == "paragraph_open":
                text, links = read.inline(tokens[position + 1])
                unit = unit_level(text) if len(text) <= 100 and not links else None
                if unit is not None:
                    # "**Week 1: Basics**" on a line of its own is a heading in all but markup.
                    self.open(Section(level=unit, title=text, origin="paragraph"))
                else:
                    self.stack[-1].blocks.append(Paragraph(text, links))
                position += 3
            elif kind in _LIST_OPENERS:
                entries, position = read.list_at(tokens, position)
                self.add_list(entries)
            elif kind == "table_open":
                table, position = read.table_at(tokens, position)
                self.stack[-1].blocks.append(table)
            elif kind == "html_block":
                self.html(tokens[position].content)
                position += 1
            else:
                if kind in _UNREAD:  # something is there, though not read: not an empty section
                    self.stack[-1].blocks.append(Paragraph("", []))
                position += 1

    def open(self, section: Section) -> None:
        stack = self.stack
        if self.details:  # a heading inside <details> stays inside it
            section.level = max(section.level, stack[self.details[-1][0]].level + 1)
        while len(stack) > self.floor and stack[-1].level >= section.level:
            stack.pop()
        stack[-1].subsections.append(section)
        stack.append(section)

    def add_list(self, entries: list[ListEntry]) -> None:
        parent = self.stack[-1]
        before, units = _units_from_list(entries)
        if before:
            parent.blocks.append(before)
        parent.subsections += units

    def html(self, content: str) -> None:
        lowered = content.lower()
        if "<details" not in lowered and "<summary" not in lowered and "</details" not in lowered:
            if _TAG.sub("", content).strip():
                self.stack[-1].blocks.append(Paragraph("", []))  # other markup is left out
            return
        end = 0
        for match in _DETAILS_TAG.finditer(content):
            self.markdown_in_html(content[end : match.start()])
            end = match.end()
            tag = match[0][:4].lower()
            if tag == "<det":
                self.open_details()
            elif tag == "<sum":
                if self.details and not self.stack[self.details[-1][0]].title:
                    summary = self.read.inline_of(_TAG.sub(" ", match["summary"]))
                    self.stack[self.details[-1][0]].title = summary
            elif self.details:  # </details>
                place, self.floor = self.details.pop()
                del self.stack[place:]
        self.markdown_in_html(content[end:])

    def open_details(self) -> None:
        stack = self.stack
        section = Section(level=stack[-1].level + 1, title="", origin="details")
        stack[-1].subsections.append(section)
        stack.append(section)
        self.details.append((len(stack) - 1, self.floor))
        self.floor = len(stack)

    def markdown_in_html(self, text: str) -> None:
        """Markdown written inside <details> without the blank lines that end an HTML
        block, which markdown-it leaves in the block as it is."""
        if not self.details or not _TAG.sub("", text).strip():
            return
        self.tokens(self.read.parse_more(textwrap.dedent(text.strip("\n"))))


def _units_from_list(entries: list[ListEntry]) -> tuple[list[ListEntry], list[Section]]:
    """A list of weeks ("- Week 1: Basics" with the week's topics nested under it) as
    sections: the entries before the first week, and a section for each week. Entries
    that follow a week belong to it; a table of contents' links are not weeks."""
    if sum(1 for entry in entries if entry.unit) < 2:
        return entries, []
    before: list[ListEntry] = []
    units: list[Section] = []
    for entry in entries:
        if not entry.unit:
            if units:
                _add_entries(units[-1], [entry])
            else:
                before.append(entry)
            continue
        unit = Section(level=entry.unit, title=entry.text, origin="entry")
        if entry.links:
            unit.blocks.append(Paragraph("", entry.links))
        _add_entries(unit, entry.children)
        units.append(unit)
    return before, units


def _add_entries(section: Section, entries: list[ListEntry]) -> None:
    if not entries:
        return
    before, units = _units_from_list(entries)
    if before:
        if section.blocks and isinstance(section.blocks[-1], list):
            section.blocks[-1].extend(before)
        else:
            section.blocks.append(before)
    section.subsections += units


def plain_links(content: str) -> tuple[str, list[Link]] | None:
    """The text and links of text whose only markup is links to plain web addresses, as
    markdown-it reads it; None for any other."""
    if not _PLAIN_LINKS.fullmatch(content):
        return None
    parts: list[str] = []
    links: list[Link] = []
    end = 0
    for match in _PLAIN_LINK.finditer(content):
        label, url = match.groups()
        if len(url) > 255 or not PLAIN_WEB_URL.fullmatch(url):
            return None  # normalised or refused by markdown-it
        parts += (content[end : match.start()], label)
        links.append(Link(clean(label) or url, url))
        end = match.end()
    parts.append(content[end:])
    return clean("".join(parts)), links


# "__str__" in a roadmap about Python is the method, though Markdown reads it as "str" in
# bold: a lone lower-case identifier between "__" is kept as written.
_DUNDER_NAME = re.compile(r"[a-z][a-z0-9_]*")
_LINE_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _dunder(children: list[Token], at: int) -> str | None:
    """The dunder name markdown-it read as bold at `at`, as its author wrote it."""
    if children[at].markup != "__" or at + 2 >= len(children):
        return None
    name, close = children[at + 1], children[at + 2]
    if name.type != "text" or close.type != "strong_close":
        return None
    return f"__{name.content}__" if _DUNDER_NAME.fullmatch(name.content) else None


def inline_text(children: list[Token]) -> tuple[str, list[Link]]:
    parts: list[str] = []
    links: list[Link] = []
    href: str | None = None
    link_text: list[str] = []
    skip_to = 0
    for at, child in enumerate(children):
        if at < skip_to:
            continue
        if child.type == "strong_open" and (dunder := _dunder(children, at)) is not None:
            parts.append(dunder)
            if href is not None:
                link_text.append(dunder)
            skip_to = at + 3
        elif child.type == "link_open":
            href = str(child.attrs.get("href", ""))
            link_text = []
        elif child.type == "link_close":
            title = clean("".join(link_text))
            if href and _WEB_URL.match(href) and len(href) <= 500:
                links.append(Link(title or href, href))
            href = None
        elif child.type in {"text", "text_special", "code_inline"}:
            # text_special: an escaped character or an entity, which markdown-it's
            # text_join rule (left out) would have made text.
            parts.append(child.content)
            if href is not None:
                link_text.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
        elif child.type == "html_inline" and _LINE_BREAK_TAG.fullmatch(child.content):
            # "Loops<br>Functions" in a table cell: two things, not "LoopsFunctions".
            parts.append("; ")
        elif child.type == "image":
            continue
    return clean("".join(parts)), links
