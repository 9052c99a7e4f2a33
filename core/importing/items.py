"""What a week holds: items read from a section's blocks (lists, tables, labelled
blocks, days), the choice a "choose one" block offers, and a draft shared out over the
weeks it spans."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from core.importing.document import Block, Link, ListEntry, Paragraph, Section, Table
from core.importing.lists import one_after_another
from core.importing.text import (
    MAX_TITLE,
    Label,
    clean_title,
    is_completed_box,
    is_estimate,
    label,
)
from core.kernel import i18n
from core.kernel.i18n import messages
from core.kernel.reply import shortened
from core.learning.tracks import MAX_OPTIONS, ItemKind

_, n_ = messages("importing")

SECTION_PART_SIZE = 12  # a week-less section longer than this is split into parts
OPTION_LABEL_LENGTH = 60  # a label to pick by; the option's items keep the whole text

# --- drafts ------------------------------------------------------------------------


@dataclass
class DraftItem:
    title: str
    kind: ItemKind
    links: list[Link] = field(default_factory=list)
    hours: float | None = None
    practice: bool = False  # from a "Practice" block: the week's project if it has no other


@dataclass
class DraftOption:
    label: str
    items: list[DraftItem] = field(default_factory=list)


class Choice:
    """What the weeks of one "choose one" block share."""


@dataclass
class DraftWeek:
    title: str
    items: list[DraftItem] = field(default_factory=list)  # for every learner
    goal: str = ""
    resources: list[Link] = field(default_factory=list)
    options: list[DraftOption] = field(default_factory=list)  # a choice: one of these
    choice: Choice | None = None
    choosing: bool = True  # False inside an option: a choice within a choice is a sequence
    practice: bool = False  # it holds items from a "Practice" block
    notes: list[str] = field(default_factory=list)  # for the warnings


# --- blocks to items -------------------------------------------------------------

LEARN = Label(ItemKind.LEARN)


def collect(section: Section, week: DraftWeek, current: Label, subsections: list[Section]) -> None:
    """Adds what the section holds to the week: its blocks, then its subsections."""
    blocks = section.blocks
    if week.choosing and not week.options:
        rest = _choose_one(section, blocks, subsections, current, week)
        if rest is not None:
            blocks, subsections = rest
    for block in blocks:
        current = _collect_block(block, week, current)
    for sub in subsections:
        collect_subsection(sub, week)


def collect_subsection(sub: Section, week: DraftWeek) -> None:
    if is_skipped_section(sub.title):
        return
    title = without_cue(sub.title)
    if day := DAY_TITLE.match(sub.title):
        collect_day(sub, day, week, sub.subsections)  # "### Day 12" under "## Week 2"
        return
    found, rest = label(title)
    if found is not None and found.is_goal:
        week.goal = week.goal or _first_text(sub)
        return
    before = len(week.items)
    if found is not None and found.kind is not None and rest:
        add_item(week, rest, found, [])  # "### Project: Todo app"
    collect(sub, week, found or LEARN, sub.subsections)
    if len(week.items) > before or not title:
        return
    if found is not None:
        if found.kind is not None and not sub.blocks and not sub.subsections:
            add_item(week, title, found, [])  # "### Final Project" and nothing under it
        return
    if links := _section_links(sub):
        # A subsection of links only ("### Git" and its books) is one topic.
        add_item(week, title, LEARN, links)
    elif not sub.blocks and not sub.subsections:
        add_item(week, title, LEARN, [])  # a topic named by its heading alone


def topic_label(title: str) -> Label:
    """What a title that is the one item says it is: "Final Project" a project."""
    found, rest = label(title)
    return found if found is not None and found.kind is not None and not rest else LEARN


def _section_links(section: Section) -> list[Link]:
    links: list[Link] = []
    for block in section.blocks:
        if isinstance(block, Paragraph):
            links += block.links
        elif isinstance(block, list):
            for entry in _walk(block):
                links += entry.links
    return links


def _first_text(section: Section) -> str:
    for block in section.blocks:
        if isinstance(block, Paragraph) and block.text:
            return shortened(block.text, MAX_TITLE)
        if isinstance(block, list) and block and block[0].text:
            return shortened(block[0].text, MAX_TITLE)
    return ""


def _walk(entries: list[ListEntry]) -> Iterator[ListEntry]:
    """The entries and all their children, depth first, in the author's order."""
    pending = entries[::-1]
    while pending:
        entry = pending.pop()
        yield entry
        pending += entry.children[::-1]


def add_item(week: DraftWeek, text: str, current: Label, links: list[Link]) -> None:
    title = clean_title(text)
    if title and not is_estimate(title):
        if current.practice:
            week.items.append(DraftItem(title, ItemKind.PRACTICE, links, practice=True))
            week.practice = True
        else:
            week.items.append(DraftItem(title, current.kind or ItemKind.LEARN, links))


def _collect_block(block: Block, week: DraftWeek, current: Label) -> Label:
    """Adds the block's items to the week; returns the label for what follows."""
    if isinstance(block, Paragraph):
        text = block.text
        if not text or is_completed_box(text) or is_estimate(text):
            return current
        found, rest = label(text)
        if found is not None and found.is_goal:
            week.goal = week.goal or shortened(rest, MAX_TITLE)
            return current
        if found is not None:
            if rest and found.kind is not None:
                add_item(week, rest, found, block.links)
            return found
        if current.kind not in {None, ItemKind.LEARN} and clean_title(text):
            # Text under "Project:" or "Practice:" is that project.
            add_item(week, text, current, block.links)
            return current
        week.resources += block.links
        return current
    if isinstance(block, Table):
        items = _table_items(block, current.kind or ItemKind.LEARN)
        if current.practice and items:
            for item in items:
                item.practice = True
            week.practice = True
        week.items += items
        return current
    for entry in block:
        _collect_entry(entry, week, current)
    return current


def _collect_entry(entry: ListEntry, week: DraftWeek, current: Label) -> None:
    text = entry.text
    if is_completed_box(text) or (not text and not entry.links) or is_estimate(text):
        return
    found, rest = label(text)
    if found is not None and found.is_goal:
        week.goal = week.goal or shortened(rest, MAX_TITLE)
        return
    if found is not None and found.kind is None:  # "Book", "Video": links for the topic above
        week.resources += entry.links + _nested_links(entry)
        return
    if found is not None:
        if rest or not entry.children:
            # "Practice: write ten queries", or a bare "- Project" with nothing under it.
            add_item(week, rest or text, found, entry.links)
        for child in entry.children:
            _collect_entry(child, week, found)
        return
    if len(entry.links) == 1 and text.startswith(entry.links[0].title):
        # "[OWASP Top 10](…) (English) (Free)": the link names the topic.
        text = entry.links[0].title
    # Links under a topic, at any depth, are its resources; nested plain text is detail.
    add_item(
        week,
        text or (entry.links[0].title if entry.links else ""),
        current if current.kind is not None else LEARN,
        entry.links + _nested_links(entry),
    )


def _nested_links(entry: ListEntry) -> list[Link]:
    if not entry.children:
        return []
    return [link for child in _walk(entry.children) for link in child.links]


def promote_practice(week: DraftWeek) -> None:
    """A week's "Practice" block is its project when it names no other."""
    if not week.practice:
        return
    parts = [week.items, *(option.items for option in week.options)]
    if any(item.kind is ItemKind.BUILD for part in parts for item in part):
        return
    for part in parts:
        for item in part:
            if item.practice:
                item.kind = ItemKind.BUILD


# --- tables of topics ----------------------------------------------------------

TOPIC_COLUMNS = (
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
TIME_COLUMNS = ("time", "duration", "estimate", "hours", "days")


def find_column(header: list[str], names: tuple[str, ...], skip: int | None = None) -> int | None:
    return next((i for i, h in enumerate(header) if h in names and i != skip), None)


def _table_items(table: Table, kind: ItemKind) -> list[DraftItem]:
    header = [h.lower().strip() for h in table.header]
    topic = find_column(header, TOPIC_COLUMNS)
    if topic is None:
        return []
    detail = find_column(header, _DETAIL_COLUMNS)
    time_column = find_column(header, TIME_COLUMNS)
    items = []
    for row in table.rows:
        if topic >= len(row) or not clean_title(row[topic]):
            continue
        title = clean_title(row[topic])
        if detail is not None and detail < len(row) and row[detail].strip():
            title = clean_title(f"{title}: {row[detail]}")
        hours = cell_hours(row, time_column)
        items.append(DraftItem(title, kind, hours=hours))
    return items


def cell_hours(row: list[str], column: int | None) -> float | None:
    return _hours(row[column]) if column is not None and column < len(row) else None


def _hours(estimate: str) -> float | None:
    """A table's "3-4 days" as study hours, at the two hours a day the paces assume."""
    numbers = [float(n.replace(",", ".")) for n in re.findall(r"\d+(?:[.,]\d+)?", estimate)]
    if not numbers:
        return None
    middle = sum(numbers[:2]) / len(numbers[:2])
    unit = estimate.lower()
    hours = middle * 2 if "day" in unit else middle * 10 if "week" in unit else middle
    return min(8.0, max(0.25, round(hours * 4) / 4))


# --- "choose one" blocks ---------------------------------------------------------

# "Option A: FastAPI", "Path 2 - Data", "Track B"; "Track your progress" is no option.
OPTION = re.compile(
    r"^\W*(?:option|path|track|route|choice|alternative|variant)\s*"
    r"(?:[a-f]|\d{1,2}|one|two|three|four|five|six)\b\s*[:.)\-–—]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
# A heading says "choose one" outright; a section's first sentence may say "Choose a
# framework that suits you" ("Select a database and learn SQL" as a title is a topic).
_STRONG_CUE = (
    r"\b(?:choose|pick|select)\s+(?:one|1|any one|only one|your|between|either)\b"
    r"|\bone of (?:the following|these|them)\b"
)
_CUE = rf"{_STRONG_CUE}|\b(?:choose|pick|select)\s+(?:a|an|from)\b"
HEADING_CUE = re.compile(_STRONG_CUE, re.IGNORECASE)
_INTRO_CUE = re.compile(rf"^\W*(?:{_CUE})", re.IGNORECASE)
# "(Choose One - See Comparison Below)", " — pick one": what a week's title says besides
# its topic.
_CUE_NOISE = re.compile(
    rf"\s*[(\[][^()\[\]]*(?:{_STRONG_CUE})[^()\[\]]*[)\]]|\s*[-–—:|,]\s*(?:{_STRONG_CUE})\b.*$",
    re.IGNORECASE,
)
# "Capstone Options:", "Choose one:", "Project ideas (pick one):": a list of options follows.
_CHOICE_LABEL = re.compile(
    rf"^(?:[A-Za-z][\w' -]{{0,40}}?\s+)?(?:\b(?:options|choices|alternatives)\b"
    rf"|\(?(?:{_CUE})[\w' -]{{0,40}}\)?)(?:\s*\([^()]{{0,40}}\))?\s*:?$",
    re.IGNORECASE,
)
_BUILD_WORDS = re.compile(r"\b(?:projects?|capstones?|build)\b", re.IGNORECASE)
_PRACTICE_WORDS = re.compile(r"\b(?:exercises?|practice|challenges?|drills?)\b", re.IGNORECASE)
# What an option's name says besides the name: "(Recommended for 2025)", "(optional)".
_OPTION_NOISE = re.compile(
    r"\s*\((?:[^()]*\b(?:recommend\w*|prefer\w*|popular|optional|default|suggest\w*|best|easi\w*|"
    r"harder|beginner\w*|advanced|alternative|choose|pick|\d{4}|weeks?|days?|months?|hours?)\b"
    r"[^()]*)\)",
    re.IGNORECASE,
)


# How an option's name starts: a look that is quicker than the expression's.
_OPTION_HEADS = frozenset({"opt", "pat", "tra", "rou", "cho", "alt", "var"})


def without_cue(title: str) -> str:
    """ "Web Framework (Choose One - See Comparison Below)" -> "Web Framework",
    "Choose your specialisation" -> "Specialisation"."""
    if not HEADING_CUE.search(title):
        return title
    kept = _CUE_NOISE.sub("", title).strip()
    if lead := _INTRO_CUE.match(kept):
        kept = kept[lead.end() :].lstrip(" :-–—")
        kept = kept[:1].upper() + kept[1:]
    return kept or title


def option_label(text: str) -> str:
    """ "Option A: FastAPI (Recommended for 2025) - 4 weeks" -> "FastAPI"."""
    match = OPTION.match(text)
    name = match["rest"] if match and match["rest"] else text
    name = _OPTION_NOISE.sub("", clean_title(name))
    return clean_title(name, OPTION_LABEL_LENGTH) or clean_title(text, OPTION_LABEL_LENGTH)


@dataclass
class _Group:
    """One option as written: a subsection, a list entry, or a paragraph and what follows."""

    label: str
    fill: Callable[[DraftWeek], None]
    empty: bool  # nothing under its name


def _choose_one(
    section: Section,
    blocks: list[Block],
    subsections: list[Section],
    current: Label,
    week: DraftWeek,
) -> tuple[list[Block], list[Section]] | None:
    """When the section offers a choice, sets the week's options from it and returns the
    blocks and subsections that are for every learner; None when it offers none."""
    heading_cue = bool(HEADING_CUE.search(section.title))
    cue = heading_cue or intro_cue(blocks)
    found = _option_subsections(subsections, cue)
    if found is not None:
        groups, subsections = found
    else:
        # "## Week 5: Pick one project" over a list and no more: each entry is one.
        chosen = section.title if heading_cue and not subsections and len(blocks) <= 2 else ""
        found_in_blocks = _option_blocks(blocks, current, cue, chosen)
        if found_in_blocks is None:
            return None
        groups, blocks = found_in_blocks
    if len(groups) > MAX_OPTIONS:
        # Too many to offer: the names with nothing under them are left out.
        empty = [option_label(g.label) for g in groups if g.empty]
        groups = [g for g in groups if not g.empty]
        if 2 <= len(groups) <= MAX_OPTIONS:
            week.notes.append(
                _("“{title}”: left out the options with nothing under them: {names}.").format(
                    title=clean_title(section.title)[:50], names=quoted_names(empty)
                )
            )
    if not 2 <= len(groups) <= MAX_OPTIONS:
        return None
    week.options = []
    for group in groups:
        draft = DraftWeek(group.label, choosing=False)
        group.fill(draft)
        items = draft.items or [DraftItem(option_label(group.label), ItemKind.LEARN)]
        items[0].links = items[0].links + draft.resources  # links of the option as a whole
        week.options.append(DraftOption(option_label(group.label), items))
        week.practice = week.practice or draft.practice
    week.choice = Choice()
    return blocks, subsections


def intro_cue(blocks: list[Block]) -> bool:
    first = blocks[0] if blocks else None
    return isinstance(first, Paragraph) and bool(_INTRO_CUE.match(first.text))


def _option_subsections(
    subsections: list[Section], cue: bool
) -> tuple[list[_Group], list[Section]] | None:
    options = [s for s in subsections if OPTION.match(s.title)]  # few: no quick look
    if len(options) < 2 and cue:
        options = [
            s for s in subsections if not is_skipped_section(s.title) and label(s.title)[0] is None
        ]
    if len(options) < 2:
        return None
    chosen = {id(s) for s in options}
    return [_section_group(s) for s in options], [s for s in subsections if id(s) not in chosen]


def _section_group(section: Section) -> _Group:
    def fill(draft: DraftWeek) -> None:
        collect(section, draft, LEARN, section.subsections)

    return _Group(section.title, fill, not section.blocks and not section.subsections)


def _option_blocks(
    blocks: list[Block], current: Label, cue: bool, chosen: str
) -> tuple[list[_Group], list[Block]] | None:
    paragraphs: list[int] = []
    for at, block in enumerate(blocks):
        if isinstance(block, list):
            found = _option_entries(block, cue, chosen)
            if found is not None:
                options, rest, says = found
                kind = _choice_kind(says, _label_after(blocks[:at], current))
                groups = [_entry_group(entry, kind) for entry in options]
                return groups, [*blocks[:at], *([rest] if rest else []), *blocks[at + 1 :]]
        elif isinstance(block, Paragraph):
            text = block.text
            following = blocks[at + 1] if at + 1 < len(blocks) else None
            if isinstance(following, list) and len(following) >= 2 and _is_choice_label(text):
                # "**Capstone Options:**" and a list: each entry is one.
                kind = _choice_kind(text, _label_after(blocks[:at], current))
                groups = [_entry_group(entry, kind) for entry in following]
                return groups, [*blocks[:at], *blocks[at + 2 :]]
            if text[:3].lower() in _OPTION_HEADS and OPTION.match(text):
                paragraphs.append(at)
    if len(paragraphs) >= 2:
        return _option_paragraphs(blocks, paragraphs, current)
    return None


def _label_after(blocks: list[Block], current: Label) -> Label:
    """The label that holds after these blocks: "**Project:**" makes what follows projects."""
    for block in blocks:
        if isinstance(block, Paragraph):
            found, _rest = label(block.text)
            if found is not None and not found.is_goal:
                current = found
    return current


_CHOICE_HINT = re.compile(r"option|choice|alternative|choose|pick|select|one of", re.IGNORECASE)


def _is_choice_label(text: str) -> bool:
    """ "Capstone Options:", "Pick one of these projects:"; the quick looks first."""
    return (
        len(text) <= 120
        and (text.endswith((":", ")")) or text.lower().endswith(("options", "choices")))
        and bool(_CHOICE_HINT.search(text))
        and bool(_CHOICE_LABEL.match(text))
    )


def _choice_kind(text: str, current: Label) -> Label:
    """What the options of "Capstone options:" or "Pick one exercise:" are."""
    if _BUILD_WORDS.search(text):
        return Label(ItemKind.BUILD)
    if _PRACTICE_WORDS.search(text):
        return Label(ItemKind.PRACTICE)
    return current


def _option_entries(
    entries: list[ListEntry], cue: bool, chosen: str
) -> tuple[list[ListEntry], list[ListEntry], str] | None:
    """The entries of a list that are options, the others, and what says what they are."""
    # The quick look inline: this runs over every list of every week.
    options = [e for e in entries if e.text[:3].lower() in _OPTION_HEADS and OPTION.match(e.text)]
    says = ""
    if len(options) < 2 and cue:
        options = [e for e in entries if e.heading]  # "- ### Django", "- ### FastAPI"
    if len(options) < 2 and chosen:
        options, says = list(entries), chosen  # what the section's title says to choose from
    if len(options) >= 2:
        chosen_ids = {id(e) for e in options}
        return options, [e for e in entries if id(e) not in chosen_ids], says
    for entry in entries:  # "- Choose one:" with the options under it
        if len(entry.children) >= 2 and _is_choice_label(entry.text):
            return entry.children, [e for e in entries if e is not entry], entry.text
    return None


def _entry_group(entry: ListEntry, current: Label) -> _Group:
    """An option written as a list entry. "- Option A: FastAPI" is a path, its children
    its items; any other ("- ### Django" and its books, "1. Blog API") is one topic."""
    path = OPTION.match(entry.text)

    def fill(draft: DraftWeek) -> None:
        if path is None:
            _collect_entry(entry, draft, current)
            return
        for child in entry.children:
            _collect_entry(child, draft, current)
        if not draft.items:
            add_item(draft, path["rest"] or entry.text, current, [])
        draft.resources = entry.links + draft.resources

    return _Group(entry.text, fill, not entry.children and not entry.links)


def _option_paragraphs(
    blocks: list[Block], starts: list[int], current: Label
) -> tuple[list[_Group], list[Block]]:
    """ "**Option A:** FastAPI" and the blocks up to the next option: one option."""
    groups = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(blocks)
        opening = blocks[start]
        text, links = (opening.text, opening.links) if isinstance(opening, Paragraph) else ("", [])
        held = blocks[start + 1 : end]

        def fill(
            draft: DraftWeek, held: list[Block] = held, text: str = text, links: list[Link] = links
        ) -> None:
            state = current
            for block in held:
                state = _collect_block(block, draft, state)
            if not draft.items:
                add_item(draft, OPTION.sub(r"\g<rest>", text) or text, current, [])
            draft.resources = links + draft.resources

        groups.append(_Group(text, fill, not held))
    return groups, blocks[: starts[0]]


# --- sharing a draft out over weeks ----------------------------------------------

CLOSING = frozenset({ItemKind.BUILD, ItemKind.REVIEW})


def _share(items: list[DraftItem], span: int) -> list[list[DraftItem]]:
    """Items shared out over `span` weeks in order; the projects and reviews listed after
    everything else close the span, in its last week."""
    body_end = len(items)
    while body_end and items[body_end - 1].kind in CLOSING:
        body_end -= 1
    body, closing = (items[:body_end], items[body_end:]) if body_end else (items, [])
    per_week = len(body) / span
    chunks = [body[round(part * per_week) : round((part + 1) * per_week)] for part in range(span)]
    chunks[-1] = chunks[-1] + closing
    return chunks


def consolidate(title: str) -> DraftItem:
    return DraftItem(clean_title(f"Practise and consolidate: {title}"), ItemKind.PRACTICE)


def split_range(draft: DraftWeek, span: int) -> list[DraftWeek]:
    """ "Week 1-2" is two weeks: its items are shared out between them in order, and
    each option's items alike."""
    if span == 1:
        return [draft]
    common = _share(draft.items, span)
    options = [(option, _share(option.items, span)) for option in draft.options]
    parts = []
    for part in range(span):
        chunk = common[part]
        shared = [
            DraftOption(
                option.label, chunks[part] or ([] if chunk else [consolidate(option.label)])
            )
            for option, chunks in options
        ]
        if not chunk and not shared:
            chunk = [consolidate(draft.title)]
        suffix = f" ({part + 1}/{span})"
        parts.append(
            DraftWeek(
                shortened(draft.title, MAX_TITLE - len(suffix)) + suffix,
                chunk,
                goal=draft.goal,
                resources=draft.resources if part == 0 else [],
                options=shared,
                choice=draft.choice,
                notes=draft.notes if part == 0 else [],
            )
        )
    return parts


def _size(draft: DraftWeek) -> int:
    return len(draft.items) + max((len(o.items) for o in draft.options), default=0)


def split_section(draft: DraftWeek) -> list[DraftWeek]:
    if _size(draft) <= SECTION_PART_SIZE + SECTION_PART_SIZE // 2:
        return [draft]
    return split_range(draft, math.ceil(_size(draft) / SECTION_PART_SIZE))


def has_content(draft: DraftWeek) -> bool:
    return bool(draft.items or draft.options)


# --- sections that are not study topics ------------------------------------------

CONTENTS = re.compile(r"^(table of contents|contents|toc|index)\W*$", re.IGNORECASE)
_SKIPPED_SECTIONS = re.compile(
    r"^(table of contents|contents|toc|index|contribut\w*|license|licence|credits|acknowledg\w*|"
    r"podcasts?|(international )?conferences?|who to follow.*|where to go next.*|notes?|faq|"
    r"about( this.*)?|support|sponsors?|changelog|learning milestones|milestones|summary.*|"
    r"how to use.*|overview.*|introduction to this roadmap)\W*$",
    re.IGNORECASE,
)


def is_skipped_section(title: str) -> bool:
    return bool(_SKIPPED_SECTIONS.match(clean_title(title)))


def quoted_names(titles: list[str], limit: int = 12) -> str:
    """ "“Notes”, “FAQ” and 3 more", in the language's quotes and commas."""
    names = one_after_another([_("“{name}”").format(name=t[:40]) for t in titles[:limit] if t])
    more = len(titles) - limit
    if more <= 0:
        return names
    return n_("{names} and {count} more", "{names} and {count} more", more).format(
        names=names, count=i18n.digits(str(more))
    )


# --- days ------------------------------------------------------------------------

UNIT_RANGE = r"(\d{1,5})(?:\s*(?:[-–—]|to|through|&|and)\s*(\d{1,5}))?\b\s*[:.\-–—)]?\s*(.*)$"
DAY_TITLE = re.compile(
    r"^[\W\d_]*(?:(?:week|month|phase)\s*\d{1,3}[\W_]*)?days?\s*" + UNIT_RANGE, re.IGNORECASE
)


def collect_day(
    section: Section, match: re.Match[str], week: DraftWeek, subsections: list[Section]
) -> None:
    """A day is one item, "Day 3: Loops", with the links under it, and the practice and
    projects it lists; a day without a topic in its title ("## Day 3") is its items, or
    its first line."""
    day = DraftWeek(section.title)
    collect(section, day, LEARN, subsections)
    week.resources += day.resources
    week.goal = week.goal or day.goal
    week.practice = week.practice or day.practice
    topic = clean_title(match[3])
    if not topic and day.items:
        week.items += day.items
        return
    if topic := topic or _first_text(section):
        named = f"Days {match[1]}–{match[2]}" if match[2] else f"Day {match[1]}"
        links = [link for i in day.items if i.kind is ItemKind.LEARN for link in i.links]
        add_item(week, f"{named}: {topic}", LEARN, links)
    week.items += [i for i in day.items if i.kind is not ItemKind.LEARN]
