"""Markdown roadmaps in, validated tracks out.

The text is parsed with markdown-it into a tree of sections holding paragraphs, lists and
tables (document.py), mapped onto weeks (shapes.py) and validated as a `Track` here.
`import_markdown` never raises: it returns a track or a refusal that says what to send.

Shapes read, tried in this order (the first that finds two weeks wins):
- week headings at any depth: "## Week 3: SQL", "#### Week 3" under "### Phase 1",
  "**Week 1: Basics**" on a line of its own, "<details><summary>Week 1</summary>",
  "Week 1-2: Basics" spanning two weeks, "Month 2 / Week 5"; weeks numbered afresh in
  each "## Month 2" or "## Phase 3" go on from the month before. Months without weeks
  inside ("## Month 1") are about four weeks each;
- a list of weeks: "1. **Week 1** – Basics" or "- Week 1: Basics" with the topics under it;
- a table with a row a week: a Week (or Sprint, Phase) column and a Topic, Focus or What
  column, optional Project and Resources columns; a row "1-2" spans two weeks;
- days: "## Day 1" … "## Day 30", "**Day 4:**", or a Day column, seven days a week (days
  under week headings are part of their week);
- otherwise one week per top-level section (the headings, or <details> summaries), and a
  document of lists only is one list.
Inside a week, items come from bullet, numbered and task lists, "Topic" table columns and
labelled blocks ("Topics to Cover", "Practice", "Project", "### Exercises"); the
"Practice" block is the week's project when it names no other; the projects listed after
a span of weeks close its last week; links under a topic become its resources. A "choose
one" block (a heading saying "Choose one", "Option A" / "Option B" subsections or entries,
"Capstone options:" and a list) becomes a choice between its options.

Refused, with what to send instead: binary files (PDF, Word, images), HTML pages and
exports (Notion's HTML), JSON (a roadmap.sh export is a graph of nodes, not an order of
weeks), CSV, a roadmap that is only a picture (a mind map) or a diagram (mermaid), and
text without headings or lists, which has no order of topics to follow.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import ftfy

from core.importing.collector import collector_paused
from core.importing.document import Link, Paragraph, Section, parse
from core.importing.items import DraftItem, DraftWeek
from core.importing.lists import either
from core.importing.ports import MAX_ROADMAP_BYTES
from core.importing.shapes import MAX_WEEKS, read_weeks
from core.importing.text import MAX_TITLE, clean_title, is_time_estimate
from core.kernel import i18n
from core.kernel.errors import TrackError
from core.kernel.i18n import messages
from core.kernel.reply import shortened
from core.learning.tracks import Track, choice_blocks, parse_track

__all__ = [
    "MAX_BYTES",
    "MAX_ITEMS_PER_WEEK",
    "MAX_TITLE",
    "MAX_WEEKS",
    "ImportRefused",
    "ImportedTrack",
    "import_markdown",
    "is_time_estimate",
    "preview",
]

MAX_BYTES = MAX_ROADMAP_BYTES  # one limit, whether a roadmap is sent, downloaded or read
MAX_ITEMS_PER_WEEK = 40  # and as many waiting in a week's other options
MAX_ID = 24  # the track model's limit for ids
_DIGEST = 6

_, n_ = messages("importing")


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
        return ImportRefused(_("That file nests lists or quotes too deeply to read as a roadmap."))


def _decode(data: bytes | str) -> str | ImportRefused:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        return ImportRefused(
            n_(
                "That file is larger than {limit} MB ({count} byte); a roadmap must be under "
                "{limit} MB of Markdown text.",
                "That file is larger than {limit} MB ({count} bytes); a roadmap must be under "
                "{limit} MB of Markdown text.",
                len(raw),
            ).format(limit=i18n.number(MAX_BYTES / 1_000_000), count=i18n.number(len(raw)))
        )
    if not raw.strip():
        return _expected(_("That file is empty."))
    if isinstance(data, str):
        text = data
    else:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte order mark
            raw = raw.decode("utf-16", errors="replace").encode("utf-8")
        if b"\x00" in raw[:8192]:
            return _binary()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    controls = sum(
        1 for c in text[:8192] if unicodedata.category(c) == "Cc" and c not in "\t\r\n\f"
    )
    if controls > max(8, len(text[:8192]) // 50):
        return _binary()
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


def _expected(problem: str) -> ImportRefused:
    """The problem, and what a roadmap the coach reads looks like."""
    expected = _(
        "I read Markdown roadmaps: headings such as “## Week 1: Python basics” (or one "
        "section per topic) with bullet lists, task lists or a Topic table under them."
    )
    return ImportRefused(f"{problem} {expected}")


def _binary() -> ImportRefused:
    return ImportRefused(
        _(
            "That looks like a binary file (a PDF, an image or a Word document?). "
            "Send the roadmap as Markdown text, a .md file."
        )
    )


_HTML = re.compile(r"^\s*(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
_PICTURE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<img\b[^>]*>", re.IGNORECASE)
_HEADING_LINE = re.compile(r"^\s{0,3}#.*$", re.MULTILINE)
_DIAGRAMS = frozenset({"mermaid", "dot", "graphviz", "plantuml", "markmap"})
_CSV_COLUMN = re.compile(r"\b(week|day|topic|module|phase)s?\b", re.IGNORECASE)
_CSV_NAME = re.compile(r"\s*\"?[\w #/()&'-]{1,24}\"?\s*")


def _import_text(text: str, *, name: str | None, source: str) -> ImportedTrack | ImportRefused:
    if _HTML.match(text):
        return ImportRefused(
            _(
                "That is an HTML page, not Markdown. Export or copy the roadmap as Markdown "
                "(.md) and send that (in Notion: ••• → Export → Markdown & CSV)."
            )
        )
    if (refusal := _json(text)) is not None:
        return refusal
    parsed = parse(text)
    tokens = parsed.tokens
    document = parsed.sections()
    if tokens and all(t.type == "html_block" for t in tokens) and _is_empty(document):
        return ImportRefused(
            _("That file is HTML markup, not Markdown. Send the roadmap as Markdown (.md).")
        )
    title = name or _document_title(document) or _title_from_source(source) or "Imported roadmap"
    warnings: list[str] = []
    weeks, mapping = read_weeks(document, warnings)
    if not weeks:
        return _nothing_to_follow(
            text, [t.info.strip().lower() for t in tokens if t.type == "fence"]
        )
    if len(weeks) > MAX_WEEKS:
        return ImportRefused(
            n_(
                "That roadmap has {count} week; I can follow up to {most} (three years). "
                "Split it into several roadmaps.",
                "That roadmap has {count} weeks; I can follow up to {most} (three years). "
                "Split it into several roadmaps.",
                len(weeks),
            ).format(count=i18n.number(len(weeks)), most=i18n.number(MAX_WEEKS))
        )
    return _to_track(title, weeks, mapping, warnings, text)


def _is_empty(document: Section) -> bool:
    """Nothing read but markup left out."""
    return not document.subsections and all(
        isinstance(block, Paragraph) and not block.text and not block.links
        for block in document.blocks
    )


def _json(text: str) -> ImportRefused | None:
    """A roadmap.sh export, or any JSON: nodes and edges, not weeks in an order."""
    if text.lstrip()[:1] not in {"{", "["}:
        return None
    try:
        json.loads(text)
    except ValueError:
        return None
    return ImportRefused(
        _(
            "That is JSON (a roadmap.sh export?), not Markdown: it holds a map of topics, not "
            "weeks in an order. Send the topics as Markdown instead: one “## Week 1: …” "
            "heading (or one section per topic) with a bullet list under each."
        )
    )


def _nothing_to_follow(text: str, fences: list[str]) -> ImportRefused:
    """Why a document has no weeks, as far as can be told, and what to send instead."""
    if any(info.split()[:1] and info.split()[0] in _DIAGRAMS for info in fences):
        return ImportRefused(
            _(
                "That roadmap is a diagram (a mermaid or graphviz chart), which I cannot "
                "follow in order. Send its topics as Markdown: a “## Week 1: …” heading (or "
                "one section per topic) with a bullet list under each."
            )
        )
    if _PICTURE.search(text) and len(_HEADING_LINE.sub("", _PICTURE.sub("", text)).split()) < 20:
        return ImportRefused(
            _(
                "That roadmap is a picture (a mind map or a chart?), and I can only read text. "
                "Type its topics out as Markdown: a “## Week 1: …” heading (or one section "
                "per topic) with a bullet list under each."
            )
        )
    if _looks_like_csv(text):
        return ImportRefused(
            _(
                "That looks like CSV, not Markdown. Send it as a Markdown table "
                "(“| Week | Topic |” with a row a week) or as “## Week 1: …” headings with "
                "lists."
            )
        )
    return _expected(_("I found no headings with lists of topics under them."))


def _looks_like_csv(text: str) -> bool:
    """ "Week,Topic" over rows of as many commas."""
    lines = [line for line in text.splitlines()[:4] if line.strip()]
    if len(lines) < 2 or any(line.count(",") != lines[0].count(",") for line in lines):
        return False
    header = lines[0].split(",")
    names = all(_CSV_NAME.fullmatch(name) for name in header)  # not a sentence with commas
    return len(header) > 1 and names and bool(_CSV_COLUMN.search(lines[0]))


# --- drafts to a validated track -------------------------------------------------


def _document_title(document: Section) -> str:
    pending = document.subsections[::-1]
    while pending:
        section = pending.pop()
        if section.level == 1 and section.origin == "heading" and clean_title(section.title):
            return clean_title(section.title)
        pending += section.subsections[::-1]
    return ""


def _title_from_source(source: str) -> str:
    stem = re.sub(r"\.(md|markdown|txt)$", "", source.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    return clean_title(stem.replace("_", " ").replace("-", " "))


def _slug(text: str) -> str:
    """The title as an id's first part: ascii words joined by hyphens, cut between words
    to leave room for the digest ("complete-python-c2ab12")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    room = MAX_ID - _DIGEST - 1
    if len(slug) > room:
        cut = slug.rfind("-", 0, room + 1)  # a hyphen right after the room is a word's end
        slug = slug[:cut] if cut > 0 else slug[:room]
    return slug if re.search("[a-z]", slug) else "roadmap"


_OPTION_IDS = "abcdef"


def _to_track(
    title: str, drafts: list[DraftWeek], mapping: str, warnings: list[str], text: str
) -> ImportedTrack | ImportRefused:
    title = clean_title(title) or "Imported roadmap"
    digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:_DIGEST]
    choices: dict[int, str] = {}
    weeks: list[dict[str, Any]] = []
    for number, draft in enumerate(drafts, start=1):
        warnings += draft.notes
        week_id = f"w{number:02d}"
        week: dict[str, Any] = {
            "id": week_id,
            "number": number,
            "title": clean_title(draft.title) or f"Week {number}",
            "goal": draft.goal,
            "resources": _resources(draft.resources)[:10],
        }
        if draft.options and draft.choice is not None:
            week["choice"] = choices.setdefault(id(draft.choice), f"c{len(choices) + 1}")
            week["options"] = [
                {"id": _OPTION_IDS[at], "label": option.label}
                for at, option in enumerate(draft.options)
            ]
        followed, waiting = _week_items(draft, number, warnings)
        items: list[dict[str, Any]] = []
        for option, part in followed:
            items += _items(week_id, len(items), part, option)
        week["items"] = items
        if waiting:
            week["alternatives"] = alternatives = list[dict[str, Any]]()
            for option, part in waiting:
                alternatives += _items(week_id, len(items) + len(alternatives), part, option)
        weeks.append(week)
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
        return ImportRefused(
            _("I could not turn that roadmap into a track: {problem}").format(problem=exc)
        )
    return ImportedTrack(track, mapping, warnings)


_Parts = list[tuple[str, list[DraftItem]]]  # items by the id of the option they follow


def _week_items(draft: DraftWeek, number: int, warnings: list[str]) -> tuple[_Parts, _Parts]:
    """The items the week follows (everyone's, then its first option's) and those waiting
    in its other options, each capped."""
    followed = draft.items + (draft.options[0].items if draft.options else [])
    if len(followed) > MAX_ITEMS_PER_WEEK:
        warnings.append(
            n_(
                "Week {number} lists {count} item; kept the first {most}.",
                "Week {number} lists {count} items; kept the first {most}.",
                len(followed),
            ).format(
                number=_shown(number), count=_shown(len(followed)), most=_shown(MAX_ITEMS_PER_WEEK)
            )
        )
    common = draft.items[:MAX_ITEMS_PER_WEEK]
    if not draft.options:
        return [("", common)], []
    first = draft.options[0].items[: MAX_ITEMS_PER_WEEK - len(common)]
    others = list(zip(_OPTION_IDS[1:], draft.options[1:], strict=False))
    count = sum(len(option.items) for _option_id, option in others)
    if count > MAX_ITEMS_PER_WEEK:
        warnings.append(
            n_(
                "Week {number}'s other options list {count} item; kept the first {most}.",
                "Week {number}'s other options list {count} items; kept the first {most}.",
                count,
            ).format(number=_shown(number), count=_shown(count), most=_shown(MAX_ITEMS_PER_WEEK))
        )
    waiting: _Parts = []
    room = MAX_ITEMS_PER_WEEK
    for option_id, option in others:
        waiting.append((option_id, option.items[:room]))
        room -= len(waiting[-1][1])
    return [("", common), (_OPTION_IDS[0], first)], waiting


# "MongoDB (Optional)", "Optional: publish a write-up", "[bonus] Docker": extra to the week.
_OPTIONAL_MARK = re.compile(
    r"^\s*(?:optional|bonus)\s*[:\-–—]\s*|\s*[(\[]\s*(?:optional|bonus)\s*[)\]]\s*", re.IGNORECASE
)


def optional_title(title: str) -> tuple[str, bool]:
    """The title without its "optional" mark, and whether it had one."""
    unmarked = _OPTIONAL_MARK.sub(" ", title).strip()
    if not unmarked or unmarked == title.strip():
        return title, False
    return unmarked[0].upper() + unmarked[1:], True


def _items(week_id: str, before: int, items: list[DraftItem], option: str) -> list[dict[str, Any]]:
    """The items as the track model reads them, numbered after the week's `before`."""
    found: list[dict[str, Any]] = []
    for index, item in enumerate(items, start=before + 1):
        title, optional = optional_title(item.title)
        found.append(
            {
                "id": f"{week_id}-{index:02d}",
                "kind": item.kind,
                "title": title,
                "hours": item.hours or 1.0,
                "resources": _resources(item.links) if item.links else [],
                **({"optional": True} if optional else {}),
            }
        )
    if option:
        for fields in found:
            fields["option"] = option
    return found


def _resources(links: list[Link]) -> list[dict[str, str]]:
    unique: dict[str, str] = {}
    for link in links:
        unique.setdefault(link.url, clean_title(link.title) or link.url[:MAX_TITLE])
    return [{"title": title, "url": url} for url, title in list(unique.items())[:10]]


# --- the preview -----------------------------------------------------------------


def _shown(count: int) -> str:
    """A count as the preview writes it: in the language's digits, not grouped."""
    return i18n.digits(str(count))


def preview(imported: ImportedTrack, *, weeks_shown: int = 5) -> str:
    track = imported.track
    weeks, items = len(track.weeks), sum(len(w.items) for w in track.weeks)
    lines = [
        _("{title}: {weeks}, {items} (read {how}).").format(
            title=track.title,
            weeks=n_("{count} week", "{count} weeks", weeks).format(count=_shown(weeks)),
            items=n_("{count} item", "{count} items", items).format(count=_shown(items)),
            how=imported.mapping,
        )
    ]
    for week in track.weeks[:weeks_shown]:
        count = len(week.items)
        line = _("Week {number}: {title} ({items})").format(
            number=_shown(week.number),
            title=week.title,
            items=n_("{count} item", "{count} items", count).format(count=_shown(count)),
        )
        lines.append(f"  {line}")
    if weeks > weeks_shown:
        more = weeks - weeks_shown
        line = n_("… and {count} more week", "… and {count} more weeks", more)
        lines.append("  " + line.format(count=_shown(more)))
    lines.extend(_choices(track))
    lines.extend(_("Note: {warning}").format(warning=warning) for warning in imported.warnings)
    return "\n".join(lines)


def _choices(track: Track) -> list[str]:
    """ "Weeks 17–20: choose FastAPI or Django (the first until you pick; /choose switches)." """
    lines = []
    for block in choice_blocks(track):
        labels = [o.label for o in block.options]
        named = either([shortened(label, 40) for label in labels[:-1]] + labels[-1:])
        if block.last_week > block.first_week:
            line = _(
                "Weeks {first}–{last}: choose {options} (the first until you pick; "
                "/choose switches)."
            ).format(first=_shown(block.first_week), last=_shown(block.last_week), options=named)
        else:
            line = _(
                "Week {number}: choose {options} (the first until you pick; /choose switches)."
            ).format(number=_shown(block.first_week), options=named)
        lines.append(line)
    return lines
