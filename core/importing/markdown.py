"""Markdown roadmaps in, validated tracks out.

The text is parsed with markdown-it into sections of blocks (paragraphs, lists, tables),
then mapped onto weeks: by week headings when the roadmap has them ("Week 3: SQL",
"Week 1-2: Basics" spanning two weeks, "Month 2 / Week 5"), otherwise one week per
top-level section. Items come from bullet and task lists, "Topic" table columns and
labelled blocks ("Topics to Cover", "Practice", "Project"); links under a topic become
its resources. `import_markdown` never raises: it returns a track or a clear refusal.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import ftfy
from markdown_it import MarkdownIt
from markdown_it.token import Token

from core.importing.collector import collector_paused
from core.kernel.errors import TrackError
from core.kernel.reply import shortened
from core.learning.tracks import ItemKind, Track, parse_track

MAX_BYTES = 1_000_000
MAX_WEEKS = 520  # ten years of weekly study
MAX_ITEMS_PER_WEEK = 40
SECTION_PART_SIZE = 12  # a week-less section longer than this is split into parts
MAX_TITLE = 200  # a title is kept whole up to the track model's limit

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


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    level: int
    title: str
    blocks: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)


Block = Paragraph | list[ListEntry] | Table


@dataclass
class ImportedTrack:
    track: Track
    mapping: str  # how the roadmap was read, for the preview
    warnings: list[str]


@dataclass
class ImportRefused:
    reason: str


# --- entry point -----------------------------------------------------------------


def import_markdown(
    data: bytes | str, *, name: str | None = None, source: str = ""
) -> ImportedTrack | ImportRefused:
    try:
        with collector_paused():
            text = _decode(data)
            if isinstance(text, ImportRefused):
                return text
            return _import_text(text, name=name, source=source)
    except RecursionError:
        return ImportRefused("That file nests lists or quotes too deeply to read as a roadmap.")


def _decode(data: bytes | str) -> str | ImportRefused:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        return ImportRefused(
            f"That file is larger than 1 MB ({len(raw):,} bytes); a roadmap must be under 1 MB of Markdown text."
        )
    if not raw.strip():
        return ImportRefused(_EXPECTED.format(problem="That file is empty."))
    if isinstance(data, str):
        text = data
    else:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte order mark
            raw = raw.decode("utf-16", errors="replace").encode("utf-8")
        if b"\x00" in raw[:8192]:
            return ImportRefused(_BINARY)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    controls = sum(
        1 for c in text[:8192] if unicodedata.category(c) == "Cc" and c not in "\t\r\n\f"
    )
    if controls > max(8, len(text[:8192]) // 50):
        return ImportRefused(_BINARY)
    # Repairs UTF-8 that was read as Windows-1252 ("â€“" back to "–"), as exports often are.
    return _repair(text.replace("\x00", ""))


# ASCII that ftfy changes: entities to unescape, terminal escapes, line breaks, controls.
_ASCII_FTFY_FIXES = re.compile(r"[&\x00-\x08\x0b-\x1f\x7f]")


def _repair(text: str) -> str:
    """`ftfy.fix_text(text, normalization="NFC")`, line by line as ftfy itself reads it, but
    passing over the plain ASCII lines it would return unchanged: most of a roadmap."""
    config = ftfy.TextFixerConfig(explain=False, normalization="NFC")
    if len(text) > config.max_decode_length:  # never under MAX_BYTES; ftfy splits such lines
        return ftfy.fix_text(text, config)
    if text.isascii() and not _ASCII_FTFY_FIXES.search(text):
        return text  # every line is one that ftfy returns unchanged
    out: list[str] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        segment = line if index == len(lines) - 1 else line + "\n"
        if config.unescape_html == "auto" and "<" in segment:
            config = config._replace(unescape_html=False)  # as fix_text does, for what follows
        if segment.isascii() and not _ASCII_FTFY_FIXES.search(segment):
            out.append(segment)
        else:
            out.append(ftfy.fix_and_explain(segment, config).text)
    return "".join(out)


_EXPECTED = (
    "{problem} I read Markdown roadmaps: headings such as “## Week 1: Python basics” "
    "(or one section per topic) with bullet lists, task lists or a Topic table under them."
)
_BINARY = (
    "That looks like a binary file (a PDF, an image or a Word document?). "
    "Send the roadmap as Markdown text, a .md file."
)
_HTML = re.compile(r"^\s*(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)


def _import_text(text: str, *, name: str | None, source: str) -> ImportedTrack | ImportRefused:
    if _HTML.match(text):
        return ImportRefused(
            "That is an HTML page, not Markdown. Export or copy the roadmap as Markdown (.md) and send that."
        )
    parsed = _parse(text)
    tokens = parsed.tokens
    if tokens and all(t.type == "html_block" for t in tokens):
        return ImportRefused(
            "That file is HTML markup, not Markdown. Send the roadmap as Markdown (.md)."
        )
    document = parsed.sections()
    title = name or _document_title(document) or _title_from_source(source) or "Imported roadmap"
    warnings: list[str] = []
    weeks = _weeks_from_week_headings(document, warnings)
    if weeks:
        mapping = "by its week headings"
    else:
        weeks, mapping = _weeks_from_sections(document, warnings)
    if not weeks:
        return ImportRefused(
            _EXPECTED.format(problem="I found no headings with lists of topics under them.")
        )
    if len(weeks) > MAX_WEEKS:
        return ImportRefused(
            f"That roadmap has {len(weeks):,} weeks; I can follow up to {MAX_WEEKS} (ten years). "
            "Split it into several roadmaps."
        )
    return _to_track(title, weeks, mapping, warnings, text)


def _parse(text: str) -> _Tokens:
    # What markdown-it's normalize rule does, at a sixth of the cost of its regular
    # expressions; the checks for the rules a document may need read the same text.
    source = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    # A parser is built for each document (a tenth of a millisecond): a shared one is
    # not safe to use from several threads at once.
    parser = _Parser("commonmark", {"html": True}).enable("table").enable("strikethrough")
    # Inline markup is parsed only where the importer reads it, and only if there is any
    # (see _Tokens.inline); the block rules that cannot match anywhere are left out.
    parser.disable(["normalize", "inline", "text_join", *_unmatchable_block_rules(source)])
    env: dict[str, Any] = {}
    return _Tokens(parser.parse(source, env), parser, env)


# A web address in the characters that markdown-it's link normalisation (mdurl's parse,
# format and percent-encoding, punycode for the host) keeps as they are: plain ASCII host
# labels of at most 63 characters; in the rest no "%", spaces or other unsafe characters.
_PLAIN_WEB_URL = re.compile(
    r"https?://[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
    r"(?:[/?#][A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]*)?"
)


class _Parser(MarkdownIt):
    """markdown-it, with a short way through link normalisation."""

    def normalizeLink(self, url: str) -> str:
        # Most links in a roadmap are plain web addresses, which the normalisation returns
        # unchanged, at a tenth of its cost (mdurl drops a hostname over 255 characters).
        if len(url) <= 255 and _PLAIN_WEB_URL.fullmatch(url):
            return url
        return super().normalizeLink(url)


_UNDERLINE_END = re.compile(r"[-=][ \t]*$", re.MULTILINE)
_THEMATIC_BREAK = re.compile(r"([-*_])[ \t]*\1[ \t]*\1")  # "---", "* * *"


def _unmatchable_block_rules(source: str) -> list[str]:
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


PARAGRAPH_HEADING_LEVEL = 7  # below every Markdown heading
_WEEK_LABEL = re.compile(r"^\W*(?:month\s*\d+\s*[/,:–—-]\s*)?weeks?\s*\d{1,5}\b", re.IGNORECASE)
_LIST_OPENERS = frozenset({"bullet_list_open", "ordered_list_open"})
_TEXT_OPENERS = frozenset({"paragraph_open", "heading_open"})
# Where an inline rule can start ("!" opens an image only before "["): text without any
# of these parses to one text token of itself.
_INLINE_MARKUP = re.compile(r"[\n\\`~*_\[<&]")
# Text with plain links in it, "See [the docs](https://…) (free)", which markdown-it reads
# as the text and a link to the address as written (checked in _plain_links); any other
# markup, an image's "!" or an entity's "&" included, is left to markdown-it.
_PLAIN_RUN = r"[^\n\\`~*_\[\]<&!]*"
_PLAIN_LINK = re.compile(rf"\[({_PLAIN_RUN})\]\(([^()&\s]*)\)")
_PLAIN_LINKS = re.compile(rf"(?:{_PLAIN_RUN}{_PLAIN_LINK.pattern})*{_PLAIN_RUN}")
_WEB_URL = re.compile(r"^https?://\S+$")


class _Tokens:
    """A document's block tokens, with the text of their inline tokens read on demand."""

    def __init__(self, tokens: list[Token], parser: MarkdownIt, env: dict[str, Any]) -> None:
        self.tokens = tokens
        self._parser = parser
        self._env = env  # link reference definitions, for the inline parse
        self._read: dict[str, tuple[str, list[Link]]] = {}  # inline text by content

    def sections(self) -> Section:
        tokens = self.tokens
        root = Section(level=0, title="")
        stack = [root]
        position = 0
        while position < len(tokens):
            kind = tokens[position].type
            if kind == "heading_open":
                level = int(tokens[position].tag[1])
                title, _ = self.inline(tokens[position + 1])
                section = Section(level=level, title=title)
                while stack[-1].level >= level:
                    stack.pop()
                stack[-1].subsections.append(section)
                stack.append(section)
                position += 3
            elif kind == "paragraph_open":
                text, links = self.inline(tokens[position + 1])
                if _WEEK_LABEL.match(text) and len(text) <= 100 and not links:
                    # "**Week 1: Basics**" on a line of its own is a heading in all but markup.
                    while stack[-1].level >= PARAGRAPH_HEADING_LEVEL:
                        stack.pop()
                    section = Section(level=PARAGRAPH_HEADING_LEVEL, title=text)
                    stack[-1].subsections.append(section)
                    stack.append(section)
                else:
                    stack[-1].blocks.append(Paragraph(text, links))
                position += 3
            elif kind in _LIST_OPENERS:
                entries, position = self._list(position)
                stack[-1].blocks.append(entries)
            elif kind == "table_open":
                table, position = self._table(position)
                stack[-1].blocks.append(table)
            else:
                position += 1
        return root

    def _list(self, position: int) -> tuple[list[ListEntry], int]:
        """The entries of the list opened at `position`, and the position after the list."""
        tokens = self.tokens
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
                    inner += 3
                elif kind in _TEXT_OPENERS:
                    text, links = self.inline(tokens[inner + 1])
                    entry.links += links
                    if text and not links:
                        entry.children.append(ListEntry(text=text, links=[], task=False))
                    inner += 3
                elif kind in _LIST_OPENERS:
                    children, inner = self._list(inner)
                    entry.children += children
                elif kind == "table_open":
                    inner = self._closer(inner) + 1  # a table inside a list item is left out
                else:
                    inner += 1
            entries.append(entry)
            index = inner + 1
        return entries, index + 1

    def _closer(self, position: int) -> int:
        """The position of the token closing the one opened at `position`."""
        tokens = self.tokens
        level = tokens[position].level
        position += 1
        while tokens[position].level > level:
            position += 1
        return position

    def _table(self, position: int) -> tuple[Table, int]:
        end = self._closer(position)
        header: list[str] = []
        rows: list[list[str]] = []
        row: list[str] | None = None
        in_head = False
        for token in self.tokens[position:end]:
            if token.type == "thead_open":
                in_head = True
            elif token.type == "thead_close":
                in_head = False
            elif token.type == "tr_open":
                row = []
            elif token.type == "inline" and row is not None:
                row.append(self.inline(token)[0])
            elif token.type == "tr_close" and row is not None:
                if in_head:
                    header = row
                else:
                    rows.append(row)
                row = None
        return Table(header, rows), end + 1

    def inline(self, token: Token) -> tuple[str, list[Link]]:
        """Plain text of an inline token, and the links in it."""
        content = token.content
        if not _INLINE_MARKUP.search(content):
            return _clean(content), []
        read = self._read.get(content)
        if read is None:  # labels ("**Practice:**") come back week after week
            read = _plain_links(content)
        if read is None:
            children: list[Token] = []
            self._parser.inline.parse(content, self._parser, self._env, children)
            read = self._read[content] = _inline_text(children)
        text, links = read
        return text, links.copy()  # the reader's to extend


def _plain_links(content: str) -> tuple[str, list[Link]] | None:
    """The text and links of text whose only markup is links to plain web addresses, as
    markdown-it reads it; None for any other."""
    if not _PLAIN_LINKS.fullmatch(content):
        return None
    parts: list[str] = []
    links: list[Link] = []
    end = 0
    for match in _PLAIN_LINK.finditer(content):
        label, url = match.groups()
        if len(url) > 255 or not _PLAIN_WEB_URL.fullmatch(url):
            return None  # normalised or refused by markdown-it
        parts += (content[end : match.start()], label)
        links.append(Link(_clean(label) or url, url))
        end = match.end()
    parts.append(content[end:])
    return _clean("".join(parts)), links


# "__str__" in a roadmap about Python is the method, though Markdown reads it as "str" in
# bold: a lone lower-case identifier between "__" is kept as written.
_DUNDER_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _dunder(children: list[Token], at: int) -> str | None:
    """The dunder name markdown-it read as bold at `at`, as its author wrote it."""
    if children[at].markup != "__" or at + 2 >= len(children):
        return None
    name, close = children[at + 1], children[at + 2]
    if name.type != "text" or close.type != "strong_close":
        return None
    return f"__{name.content}__" if _DUNDER_NAME.fullmatch(name.content) else None


def _inline_text(children: list[Token]) -> tuple[str, list[Link]]:
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
            title = _clean("".join(link_text))
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
        elif child.type == "image":
            continue
    return _clean("".join(parts)), links


# --- cleaning and recognising text -----------------------------------------------

# Bullets, arrows and dashes an author typed before a title; "*args" and quotes stay.
_SYMBOLS = re.compile(r"^[\s•·▪▫◦‣►▶→⇒✓✔☐☑\-–—:|>~]+")
_ESTIMATE_TEXT = (
    r"~?\d+(?:[.,]\d+)?\s*(?:(?:[-–—]|to)\s*\d+(?:[.,]\d+)?\s*)?"
    r"(?:hours?|hrs?|h|days?|weeks?|months?|mins?|minutes?)(?:\s*(?:/|per)\s*(?:week|day|wk))?"
)
_ESTIMATE = re.compile(rf"\(?\s*{_ESTIMATE_TEXT}\s*\)?", re.IGNORECASE)
# Only a set-off estimate is cut from a title: "Basics (6-8 weeks)", "Setup - 2 days";
# "Backend in 9 months" keeps its words.
_TRAILING_ESTIMATE = re.compile(
    rf"(?:\s*\(\s*{_ESTIMATE_TEXT}\s*\)|\s+[-–—|]\s*{_ESTIMATE_TEXT})\s*$", re.IGNORECASE
)
# The ASCII an estimate can end with: ")" or a unit's last letter, in either case.
_ESTIMATE_ENDINGS = frozenset(")hrsykneHRSYKNE")


_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "So", "Sk"})
_ASCII_DROPPED = re.compile(r"[\x00-\x1f\x7f^`]")  # the ASCII in those categories


def _clean(text: str) -> str:
    """The text without control, format, private-use and symbol characters (emoji),
    its spaces collapsed."""
    if text.isascii():
        spaced = "  " in text or text[:1] == " " or text[-1:] == " "
        if not spaced and not _ASCII_DROPPED.search(text):
            return text  # already clean, as most text is
        text = _ASCII_DROPPED.sub("", text)
    else:
        dropped = {
            ord(c): None for c in set(text) if unicodedata.category(c) in _DROPPED_CATEGORIES
        }
        text = text.translate(dropped)
    return " ".join(text.split())  # runs of whitespace as one space, none at the ends


def _title(text: str) -> str:
    """Item or week title: leading bullets and emoji gone, trailing time estimates gone."""
    text = _SYMBOLS.sub("", _clean(text)).strip()
    if not text[-1:].isascii() or text[-1:] in _ESTIMATE_ENDINGS:  # most titles end otherwise
        text = _TRAILING_ESTIMATE.sub("", text)
    text = text.strip(" -–—:|,")
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()  # a list item's full stop reads oddly before ": done."
    return shortened(text, MAX_TITLE)


def is_time_estimate(text: str) -> bool:
    """ "3-4 days", "10–15 hrs/week", "(6-8 weeks)": understood, not imported as items."""
    return _is_estimate(_clean(text))


def _is_estimate(cleaned: str) -> bool:
    """is_time_estimate of text already cleaned, as all text read from the document and
    every title is."""
    cleaned = cleaned.strip("*_ ")
    return bool(cleaned) and _ESTIMATE.fullmatch(cleaned) is not None


_COMPLETED = re.compile(r"^\W*(completed|done|finished)(\s+(on|date)\b|\s*:|\W*$)", re.IGNORECASE)


def _is_completed_box(text: str) -> bool:
    return bool(_COMPLETED.match(text)) and len(text) < 60


_LABELS: dict[str, ItemKind | None] = {
    "topics": ItemKind.LEARN,
    "topics to cover": ItemKind.LEARN,
    "topic": ItemKind.LEARN,
    "goals": ItemKind.LEARN,
    "learn": ItemKind.LEARN,
    "concepts": ItemKind.LEARN,
    "what you'll learn": ItemKind.LEARN,
    "what to learn": ItemKind.LEARN,
    "key concepts": ItemKind.LEARN,
    "objectives": ItemKind.LEARN,
    "learning objectives": ItemKind.LEARN,
    "study": ItemKind.LEARN,
    "practice": ItemKind.PRACTICE,
    "exercises": ItemKind.PRACTICE,
    "exercise": ItemKind.PRACTICE,
    "drills": ItemKind.PRACTICE,
    "tasks": ItemKind.PRACTICE,
    "hands-on": ItemKind.PRACTICE,
    "project": ItemKind.BUILD,
    "projects": ItemKind.BUILD,
    "mini project": ItemKind.BUILD,
    "mini-project": ItemKind.BUILD,
    "build": ItemKind.BUILD,
    "capstone": ItemKind.BUILD,
    "practice project": ItemKind.BUILD,
    "practice projects": ItemKind.BUILD,
    "review": ItemKind.REVIEW,
    "reflection": ItemKind.REVIEW,
    "notes": ItemKind.REVIEW,
    # Resource categories: what follows are links for the topic above, not items.
    "book": None,
    "books": None,
    "video": None,
    "videos": None,
    "course": None,
    "courses": None,
    "article": None,
    "articles": None,
    "website": None,
    "websites": None,
    "resources": None,
    "podcast": None,
    "podcasts": None,
    "documentation": None,
    "docs": None,
    "tutorial": None,
    "tutorials": None,
    "links": None,
    "reading": None,
    "further reading": None,
}
_GOAL_LABELS = {"goal", "objective", "aim", "focus", "outcome"}


@dataclass(frozen=True)
class Label:
    kind: ItemKind | None  # None: a resource category ("Book"), its links go to the topic
    is_goal: bool = False


def _label_for(key: str) -> Label | None:
    if key in _GOAL_LABELS:
        return Label(None, is_goal=True)
    if key in _LABELS:
        return Label(_LABELS[key])
    if key.endswith((" project", " projects", "project ideas")):
        return Label(ItemKind.BUILD)  # "Capstone Projects", "Portfolio project"
    return None


# What comes before a label's colon: "Practice", "Practice Projects for Phase 1".
_LABEL_HEAD = re.compile(r"([A-Za-z][A-Za-z' -]{1,30}?)\s*(?:for [\w ]+?)?\s*")


def _label(text: str) -> tuple[Label | None, str]:
    """(Label(practice), rest) for "Practice: build X"; (None, text) when there is no label.
    The text is cleaned, one line."""
    head, colon, rest = text.partition(":")
    if colon and (label := _short_head_label(head) if len(head) <= 60 else _head_label(head)):
        return label, rest.strip()
    if label := _label_for(text.strip().rstrip(":").strip().lower()):
        return label, ""
    return None, text


def _head_label(head: str) -> Label | None:
    match = _LABEL_HEAD.fullmatch(head)
    return _label_for(match[1].strip().lower()) if match else None


# Remembered: the same few heads ("Practice", "Project") start item after item.
_short_head_label = functools.lru_cache(maxsize=1024)(_head_label)


# --- blocks to items -------------------------------------------------------------


@dataclass
class DraftItem:
    title: str
    kind: ItemKind
    links: list[Link] = field(default_factory=list)
    hours: float | None = None


@dataclass
class DraftWeek:
    title: str
    items: list[DraftItem] = field(default_factory=list)
    goal: str = ""
    resources: list[Link] = field(default_factory=list)


def _collect(section: Section, week: DraftWeek, *, include_subsections: bool) -> None:
    kind: ItemKind | None = ItemKind.LEARN
    for block in section.blocks:
        kind = _collect_block(block, week, kind)
    if include_subsections:
        for sub in section.subsections:
            if _is_skipped_section(sub.title):
                continue
            before = len(week.items)
            _collect(sub, week, include_subsections=True)
            if len(week.items) == before and sub.title and _section_links(sub):
                # A subsection of links only ("### Git" and its books) is one topic.
                _add_item(week, sub.title, ItemKind.LEARN, _section_links(sub))


def _section_links(section: Section) -> list[Link]:
    links: list[Link] = []
    for block in section.blocks:
        if isinstance(block, Paragraph):
            links += block.links
        elif isinstance(block, list):
            for entry in _walk(block):
                links += entry.links
    return links


def _walk(entries: list[ListEntry]) -> Iterator[ListEntry]:
    """The entries and all their children, depth first, in the author's order."""
    pending = entries[::-1]
    while pending:
        entry = pending.pop()
        yield entry
        pending += entry.children[::-1]


def _add_item(week: DraftWeek, text: str, kind: ItemKind, links: list[Link]) -> None:
    title = _title(text)
    if title and not _is_estimate(title):
        week.items.append(DraftItem(title, kind, links))


def _collect_block(block: Block, week: DraftWeek, kind: ItemKind | None) -> ItemKind | None:
    """Adds the block's items to the week; returns the item kind for what follows."""
    if isinstance(block, Paragraph):
        text = block.text
        if not text or _is_completed_box(text) or _is_estimate(text):
            return kind
        label, rest = _label(text)
        if label is not None and label.is_goal:
            week.goal = week.goal or rest[:200]
            return kind
        if label is not None:
            if rest and label.kind is not None:
                _add_item(week, rest, label.kind, block.links)
            return label.kind
        if kind is not None and kind is not ItemKind.LEARN and _title(text):
            # Text under "Project:" or "Practice:" is that project.
            _add_item(week, text, kind, block.links)
            return kind
        week.resources += block.links
        return kind
    if isinstance(block, Table):
        week.items += _table_items(block, kind or ItemKind.LEARN)
        return kind
    for entry in block:
        _collect_entry(entry, week, kind)
    return kind


def _collect_entry(entry: ListEntry, week: DraftWeek, kind: ItemKind | None) -> None:
    text = entry.text
    if _is_completed_box(text) or (not text and not entry.links) or _is_estimate(text):
        return
    label, rest = _label(text)
    if label is not None and label.is_goal:
        week.goal = week.goal or rest[:200]
        return
    if label is not None and label.kind is None:  # "Book", "Video": links for the topic above
        week.resources += entry.links + _nested_links(entry)
        return
    if label is not None and label.kind is not None:
        if rest or not entry.children:
            # "Practice: write ten queries", or a bare "- Project" with nothing under it.
            _add_item(week, rest or text, label.kind, entry.links)
        for child in entry.children:
            _collect_entry(child, week, label.kind)
        return
    if len(entry.links) == 1 and text.startswith(entry.links[0].title):
        # "[OWASP Top 10](…) (English) (Free)": the link names the topic.
        text = entry.links[0].title
    # Links under a topic, at any depth, are its resources; nested plain text is detail.
    _add_item(
        week,
        text or (entry.links[0].title if entry.links else ""),
        kind or ItemKind.LEARN,
        entry.links + _nested_links(entry),
    )


def _nested_links(entry: ListEntry) -> list[Link]:
    if not entry.children:
        return []
    return [link for child in _walk(entry.children) for link in child.links]


_TOPIC_COLUMNS = (
    "topic",
    "topics",
    "subject",
    "skill",
    "skills",
    "module",
    "lesson",
    "concept",
    "area",
)
_DETAIL_COLUMNS = (
    "what you'll learn",
    "what you will learn",
    "description",
    "details",
    "content",
    "covers",
)
_TIME_COLUMNS = ("time", "duration", "estimate", "hours", "days")


def _table_items(table: Table, kind: ItemKind) -> list[DraftItem]:
    header = [h.lower().strip() for h in table.header]
    topic = next((i for i, h in enumerate(header) if h in _TOPIC_COLUMNS), None)
    if topic is None:
        return []
    detail = next((i for i, h in enumerate(header) if h in _DETAIL_COLUMNS), None)
    time_column = next((i for i, h in enumerate(header) if h in _TIME_COLUMNS), None)
    items = []
    for row in table.rows:
        if topic >= len(row) or not _title(row[topic]):
            continue
        title = _title(row[topic])
        if detail is not None and detail < len(row) and row[detail].strip():
            title = _title(f"{title}: {row[detail]}")
        hours = (
            _hours(row[time_column]) if time_column is not None and time_column < len(row) else None
        )
        items.append(DraftItem(title, kind, hours=hours))
    return items


def _hours(estimate: str) -> float | None:
    """A table's "3-4 days" as study hours, at the two hours a day the paces assume."""
    numbers = [float(n.replace(",", ".")) for n in re.findall(r"\d+(?:[.,]\d+)?", estimate)]
    if not numbers:
        return None
    middle = sum(numbers[:2]) / len(numbers[:2])
    unit = estimate.lower()
    hours = middle * 2 if "day" in unit else middle * 10 if "week" in unit else middle
    return min(8.0, max(0.25, round(hours * 4) / 4))


# --- mapping sections to weeks ---------------------------------------------------

_WEEK_HEADING = re.compile(
    r"\bweeks?\s*(\d{1,5})(?:\s*(?:[-–—]|to|through)\s*(\d{1,5}))?\b\s*[:.\-–—)]?\s*(.*)$",
    re.IGNORECASE,
)


def _all_sections(section: Section) -> Iterator[Section]:
    for sub in section.subsections:
        yield sub
        yield from _all_sections(sub)


def _weeks_from_week_headings(document: Section, warnings: list[str]) -> list[DraftWeek]:
    headed: list[tuple[int, int, str, Section]] = []
    for section in _all_sections(document):
        match = _WEEK_HEADING.search(section.title)
        if match is None:
            continue
        first = int(match[1])
        last = int(match[2]) if match[2] else first
        if last < first:
            continue
        headed.append((first, last, _title(match[3]) or f"Week {first}", section))
    if len(headed) < 2:
        return []
    weeks: list[DraftWeek] = []
    seen_up_to = 0
    for first, last, title, section in headed:
        span = last - first + 1
        if first <= seen_up_to:
            warnings.append(f"“{section.title[:60]}” repeats week {first}; skipped.")
            continue
        if span > MAX_WEEKS:
            weeks.extend(DraftWeek(title) for _ in range(span))  # refused by the caller's limit
            continue
        seen_up_to = last
        draft = DraftWeek(title)
        # Week headings nested under this one (rare) are weeks of their own, not items.
        own = Section(
            section.level,
            section.title,
            section.blocks,
            [s for s in section.subsections if not _WEEK_HEADING.search(s.title)],
        )
        _collect(own, draft, include_subsections=True)
        if not draft.items:
            warnings.append(f"Week {first} (“{title[:50]}”) has no items; skipped.")
            continue
        weeks.extend(_split_range(draft, span))
    return weeks


def _split_range(draft: DraftWeek, span: int) -> list[DraftWeek]:
    """ "Week 1-2" is two weeks: its items are shared out between them in order."""
    if span == 1:
        return [draft]
    parts = []
    per_week = len(draft.items) / span
    for part in range(span):
        chunk = draft.items[round(part * per_week) : round((part + 1) * per_week)]
        if not chunk:
            chunk = [DraftItem(f"Practise and consolidate: {draft.title}", ItemKind.PRACTICE)]
        parts.append(
            DraftWeek(
                f"{draft.title} ({part + 1}/{span})",
                chunk,
                goal=draft.goal,
                resources=draft.resources if part == 0 else [],
            )
        )
    return parts


_SKIPPED_SECTIONS = re.compile(
    r"^(table of contents|contents|toc|index|contribut\w*|license|licence|credits|acknowledg\w*|"
    r"podcasts?|(international )?conferences?|who to follow.*|where to go next.*|notes?|faq|"
    r"about( this.*)?|support|sponsors?|changelog|learning milestones|milestones|summary.*|"
    r"how to use.*|overview.*|introduction to this roadmap)\W*$",
    re.IGNORECASE,
)


def _is_skipped_section(title: str) -> bool:
    return bool(_SKIPPED_SECTIONS.match(_title(title)))


def _weeks_from_sections(document: Section, warnings: list[str]) -> tuple[list[DraftWeek], str]:
    top = document.subsections
    # A lone top heading is the document's title: its subsections are the roadmap.
    while len(top) == 1 and top[0].subsections:
        top = top[0].subsections
    if not top:
        draft = DraftWeek("Roadmap")
        _collect(document, draft, include_subsections=False)
        return (_split_section(draft), "as one list") if draft.items else ([], "")
    weeks: list[DraftWeek] = []
    skipped: list[str] = []
    empty: list[str] = []
    level = top[0].level
    for section in top:
        if _is_skipped_section(section.title):
            skipped.append(_title(section.title))
            continue
        draft = DraftWeek(_section_title(section.title))
        _collect(section, draft, include_subsections=True)
        if not draft.items and draft.resources:
            # Only reading lists ("Book", "Video"): the section's topic is the one item.
            topic = re.sub(
                r"^(step|part|stage|phase|module|chapter)\s*\d+\s*[:.\-–—]\s*",
                "",
                draft.title,
                flags=re.I,
            )
            draft.items.append(DraftItem(topic or draft.title, ItemKind.LEARN, draft.resources))
            draft.resources = []
        if not draft.items:
            empty.append(_title(section.title))
            continue
        weeks.extend(_split_section(draft))
    if skipped:
        warnings.append("Left out sections that are not study topics: " + _names(skipped) + ".")
    if empty:
        warnings.append("Skipped empty sections: " + _names(empty) + ".")
    mapping = f"without week numbers: each {'#' * level} section became a week"
    return weeks, mapping


def _names(titles: list[str], limit: int = 12) -> str:
    shown = [f"“{t[:40]}”" for t in titles[:limit] if t]
    more = len(titles) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _section_title(title: str) -> str:
    # "07. Modules and Packages" -> "Modules and Packages"; "Step 1: Python" stays.
    return _title(re.sub(r"^\s*\d{1,3}[.)]\s+", "", title)) or "Section"


def _split_section(draft: DraftWeek) -> list[DraftWeek]:
    if len(draft.items) <= SECTION_PART_SIZE + SECTION_PART_SIZE // 2:
        return [draft]
    parts = math.ceil(len(draft.items) / SECTION_PART_SIZE)
    return _split_range(draft, parts)


# --- drafts to a validated track -------------------------------------------------


def _document_title(document: Section) -> str:
    for section in _all_sections(document):
        if section.level == 1 and _title(section.title):
            return _title(section.title)
    return ""


def _title_from_source(source: str) -> str:
    stem = re.sub(r"\.(md|markdown|txt)$", "", source.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    return _title(stem.replace("_", " ").replace("-", " "))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:14].strip("-") or "roadmap"


def _to_track(
    title: str, drafts: list[DraftWeek], mapping: str, warnings: list[str], text: str
) -> ImportedTrack | ImportRefused:
    title = _title(title) or "Imported roadmap"
    digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:6]
    weeks: list[dict[str, Any]] = []
    for number, draft in enumerate(drafts, start=1):
        week_id = f"w{number:02d}"
        items = draft.items
        if len(items) > MAX_ITEMS_PER_WEEK:
            warnings.append(
                f"Week {number} lists {len(items)} items; kept the first {MAX_ITEMS_PER_WEEK}."
            )
            items = items[:MAX_ITEMS_PER_WEEK]
        weeks.append(
            {
                "id": week_id,
                "number": number,
                "title": _title(draft.title)[:60] or f"Week {number}",
                "goal": draft.goal,
                "items": [
                    {
                        "id": f"{week_id}-{index:02d}",
                        "kind": item.kind,
                        "title": item.title,
                        "hours": item.hours or 1.0,
                        "resources": _resources(item.links) if item.links else [],
                    }
                    for index, item in enumerate(items, start=1)
                ],
                "resources": _resources(draft.resources)[:10],
            }
        )
    try:
        track = parse_track(
            {
                "id": f"{_slug(title)}-{digest}",
                "title": title,
                "version": 1,
                "summary": "",
                "weeks": weeks,
            }
        )
    except TrackError as exc:
        return ImportRefused(f"I could not turn that roadmap into a track: {exc}")
    return ImportedTrack(track, mapping, warnings)


def _resources(links: list[Link]) -> list[dict[str, str]]:
    unique: dict[str, str] = {}
    for link in links:
        unique.setdefault(link.url, _title(link.title)[:200] or link.url[:200])
    return [{"title": title, "url": url} for url, title in list(unique.items())[:10]]


# --- the preview -----------------------------------------------------------------


def preview(imported: ImportedTrack, *, weeks_shown: int = 5) -> str:
    track = imported.track
    total_items = sum(len(w.items) for w in track.weeks)
    lines = [
        f"{track.title}: {len(track.weeks)} weeks, {total_items} items (read {imported.mapping}).",
    ]
    for week in track.weeks[:weeks_shown]:
        count = len(week.items)
        lines.append(f"  Week {week.number}: {week.title} ({count} item{'s' * (count != 1)})")
    if len(track.weeks) > weeks_shown:
        lines.append(f"  … and {len(track.weeks) - weeks_shown} more weeks")
    lines.extend(f"Note: {warning}" for warning in imported.warnings)
    return "\n".join(lines)
