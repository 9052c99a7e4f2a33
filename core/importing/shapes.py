"""Sections into draft weeks, in whichever shape the roadmap was written (markdown.py
lists them): weeks, months, days, a table of weeks, or one section a week."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from core.importing.document import Link, Section, Table
from core.importing.items import (
    CLOSING,
    CONTENTS,
    DAY_TITLE,
    HEADING_CUE,
    LEARN,
    OPTION,
    TIME_COLUMNS,
    TOPIC_COLUMNS,
    UNIT_RANGE,
    Choice,
    DraftItem,
    DraftOption,
    DraftWeek,
    add_item,
    cell_hours,
    collect,
    collect_day,
    collect_subsection,
    consolidate,
    find_column,
    has_content,
    intro_cue,
    is_skipped_section,
    option_label,
    promote_practice,
    quoted_names,
    split_range,
    split_section,
    topic_label,
    without_cue,
)
from core.importing.text import MAX_TITLE, Label, clean_title, is_estimate, label, label_for
from core.kernel import i18n
from core.kernel.i18n import messages
from core.kernel.reply import shortened
from core.learning.tracks import MAX_OPTIONS, ItemKind

_, n_ = messages("importing")

DAYS_PER_WEEK = 7
WEEKS_PER_MONTH = 4

# --- weeks, months and days --------------------------------------------------------

MAX_WEEKS = 156  # three years of weekly study: past that, a roadmap is several

# A title that names its week: "Week 3: SQL", "Weeks 1-2 – Basics", "Month 2 / Week 5",
# "Phase 1 — Week 2"; after at most a container's name and number, not mid-sentence.
_WEEK_TITLE = re.compile(
    r"^[\W\d_]*(?:(?:month|phase|part|stage|level|module|sprint|step|section|unit|block|"
    r"quarter|term|semester|year)\s*[\w.]{1,4}[\W_]*)?weeks?\s*" + UNIT_RANGE,
    re.IGNORECASE,
)
_MONTH_TITLE = re.compile(r"^[\W\d_]*months?\s*" + UNIT_RANGE, re.IGNORECASE)
# A section whose weeks (or days) are numbered afresh: "Month 2", "Phase 3", "Part II".
_CONTAINER = re.compile(
    r"^[\W\d_]*(?:month|phase|part|stage|level|module|quarter|term|semester|year|sprint|track|"
    r"path|step|section|unit|block|milestone|chapter|tier)s?\s*"
    r"(?:\d{1,3}|[ivxlc]{1,6}|[a-f]|one|two|three|four|five|six|seven|eight|nine|ten)\b",
    re.IGNORECASE,
)


@dataclass
class _Unit:
    """A section that names its place in time: a week, a month or a day."""

    first: int
    last: int
    topic: str  # what its title says after the number
    section: Section
    parent: Section
    months: bool = False  # counted in months of about four weeks
    followers: list[Section] = field(default_factory=list)  # "### Phase 1 Project" after it
    subsections: list[Section] | None = None  # its own, when others of its kind are inside
    paths: list[tuple[str, list[_Unit]]] | None = None  # "Path A: Web" with its own weeks

    @property
    def size(self) -> int:
        """How many weeks (or days) it takes."""
        if self.paths is not None:
            return max(sum(u.size for u in units) for _path, units in self.paths)
        return (self.last - self.first + 1) * (WEEKS_PER_MONTH if self.months else 1)


def _units(
    document: Section, pattern: re.Pattern[str], months: re.Pattern[str] | None = None
) -> list[_Unit]:
    """The sections named by `pattern` (and, among the sections holding none of those,
    by `months`), in the author's order; a section holding others of its kind is their
    container. Sections from list entries count only when there are not two others."""
    units: list[_Unit] = []
    for entries in (False, True):
        units = []
        holding = _holding(document, pattern, entries)
        _find_units(document, pattern, months, holding, entries, units)
        if sum(not u.months for u in units) >= 2:
            break
    return units


def _matches(section: Section, pattern: re.Pattern[str], entries: bool) -> re.Match[str] | None:
    if section.origin == "entry" and not entries:
        return None
    match = pattern.match(section.title)
    if match is None or (match[2] and int(match[2]) < int(match[1])):
        return None
    return match


def _holding(document: Section, pattern: re.Pattern[str], entries: bool) -> set[int]:
    """The ids of the sections that hold a section named by `pattern`."""
    holding: set[int] = set()

    def visit(section: Section) -> bool:
        found = False
        for sub in section.subsections:
            if visit(sub) or _matches(sub, pattern, entries):
                found = True
        if found:
            holding.add(id(section))
        return found

    visit(document)
    return holding


def _find_units(
    section: Section,
    pattern: re.Pattern[str],
    months: re.Pattern[str] | None,
    holding: set[int],
    entries: bool,
    units: list[_Unit],
) -> None:
    paths = _paths(section, holding)
    for sub in section.subsections:
        if any(sub is path for path in paths):
            if sub is paths[0]:  # the choice between them takes the place of the first
                units.append(_path_unit(section, paths, pattern, months, holding, entries))
            continue
        match = _matches(sub, pattern, entries)
        by_month = match is None and months is not None and id(sub) not in holding
        if by_month and months is not None:
            match = _matches(sub, months, entries)
        if match is not None:
            first = int(match[1])
            last = int(match[2]) if match[2] else first
            if id(sub) not in holding:
                units.append(_Unit(first, last, match[3], sub, section, months=by_month))
                continue
            inner = [m for s in sub.subsections if (m := _matches(s, pattern, entries))]
            if not (last > first and all(first <= int(m[1]) <= last for m in inner)):
                # "# Week 3" with "## Week 4" under it (rare): weeks of their own, one after
                # the other; "## Weeks 1-4" over "### Week 1" … is only their container.
                own = [
                    s
                    for s in sub.subsections
                    if id(s) not in holding and not _matches(s, pattern, entries)
                ]
                units.append(_Unit(first, last, match[3], sub, section, subsections=own))
        elif id(sub) not in holding and units and _closes_unit(sub):
            units[-1].followers.append(sub)
            continue
        _find_units(sub, pattern, months, holding, entries, units)


def _paths(section: Section, holding: set[int]) -> list[Section]:
    """The subsections that are ways through the same weeks: "### Path A: Web" and
    "### Path B: Data" (or any, under "Choose your specialisation"), each with weeks."""
    if id(section) not in holding:
        return []
    held = [s for s in section.subsections if id(s) in holding]
    paths = [s for s in held if OPTION.match(s.title)]
    if len(paths) < 2 and (HEADING_CUE.search(section.title) or intro_cue(section.blocks)):
        paths = held
    return paths if 2 <= len(paths) <= MAX_OPTIONS else []


def _path_unit(
    section: Section,
    paths: list[Section],
    pattern: re.Pattern[str],
    months: re.Pattern[str] | None,
    holding: set[int],
    entries: bool,
) -> _Unit:
    found = []
    for path in paths:
        inner: list[_Unit] = []
        _find_units(path, pattern, months, holding, entries, inner)
        found.append((path.title, inner))
    held = [s for s in section.subsections if id(s) in holding]
    only_paths = len(held) == len(paths) and section.title
    title = (
        without_cue(section.title)
        if only_paths
        else " or ".join(option_label(path.title) for path in paths)
    )
    return _Unit(1, 1, title, section, section, paths=found)


def _closes_unit(section: Section) -> bool:
    """ "### Practice Projects for Phase 3" after the phase's weeks: part of the last."""
    found, rest = label(section.title)
    return found is not None and found.kind in {ItemKind.PRACTICE, *CLOSING} and not rest


def _numbered(
    units: list[_Unit], warnings: list[str], word: str
) -> Iterator[tuple[_Unit, int, int]]:
    """Units with their place in the count (their first and last number), in order:
    numbering that starts again in each month or phase goes on from the one before; a
    month takes the next four weeks; a unit that repeats a number already counted is
    skipped."""
    seen = 0
    offset = 0
    parent: Section | None = None
    for unit in units:
        if unit.months or unit.paths is not None:  # in the order they come
            first = seen + 1
            last = seen + unit.size
        else:
            first, last = unit.first + offset, unit.last + offset
            restarts = unit.parent is not parent and _CONTAINER.match(unit.parent.title)
            if first <= seen and restarts:
                offset = seen - unit.first + 1
                first, last = unit.first + offset, unit.last + offset
        if first <= seen:
            warnings.append(_repeats(unit.section.title[:60], word, unit.first))
            continue
        seen = last
        parent = unit.parent
        yield unit, first, last


def _repeats(title: str, word: str, number: int) -> str:
    """What the preview notes of a unit numbered as one before it (`word`: week or day)."""
    if word == "day":
        said = _("“{title}” repeats day {number}; skipped.")
    else:
        said = _("“{title}” repeats week {number}; skipped.")
    return said.format(title=title, number=i18n.digits(str(number)))


def _unit_draft(unit: _Unit, default_title: str, *, choosing: bool = True) -> DraftWeek:
    draft = DraftWeek(clean_title(without_cue(unit.topic)) or default_title, choosing=choosing)
    section = unit.section
    own = section.subsections if unit.subsections is None else unit.subsections
    collect(section, draft, LEARN, own)
    for follower in unit.followers:
        collect_subsection(follower, draft)
    if not has_content(draft) and not section.blocks and not section.subsections:
        add_item(draft, unit.topic, topic_label(unit.topic), [])  # "- Week 3: Decorators"
    promote_practice(draft)
    return draft


def _weeks_from_timeline(
    document: Section, warnings: list[str]
) -> tuple[list[DraftWeek], str] | None:
    """By week headings, and by month headings for the months without weeks in them
    (about four weeks a month); None when the roadmap names fewer than two weeks."""
    units = _units(document, _WEEK_TITLE, _MONTH_TITLE)
    if sum(not u.months for u in units) < 2:
        if len(_units(document, DAY_TITLE)) >= 2:
            return None  # months of days: read as days, seven a week
        units = _units(document, _MONTH_TITLE)
        for unit in units:
            unit.months = True
        if len(units) < 2:
            return None
    weeks: list[DraftWeek] = []
    kinds: set[str] = set()
    for unit, first, last in _numbered(units, warnings, "week"):
        if unit.paths is not None:
            kinds.add("week")
            weeks += _path_weeks(unit, unit.paths)
            continue
        draft = _unit_draft(unit, f"Month {unit.first}" if unit.months else f"Week {first}")
        if not has_content(draft):
            warnings.append(
                _("Week {number} (“{title}”) has no items; skipped.").format(
                    number=i18n.digits(str(unit.first)), title=draft.title[:50]
                )
            )
            continue
        kinds.add("month" if unit.months else unit.section.origin)
        span = last - first + 1
        if span > MAX_WEEKS:
            weeks.extend(DraftWeek(draft.title) for _week in range(span))  # refused by the caller
            continue
        weeks.extend(split_range(draft, span))
    return weeks, _timeline_mapping(kinds)


def _timeline_mapping(kinds: set[str]) -> str:
    """How a roadmap of weeks and months was read, for the preview."""
    if "month" in kinds and len(kinds) > 1:
        return _("by its week and month headings (about four weeks a month)")
    if "month" in kinds:
        return _("by its month headings (about four weeks a month)")
    return _("by its list of weeks") if kinds == {"entry"} else _("by its week headings")


def _unit_weeks(unit: _Unit, *, choosing: bool = True) -> list[DraftWeek]:
    default = f"Month {unit.first}" if unit.months else f"Week {unit.first}"
    draft = _unit_draft(unit, default, choosing=choosing)
    return split_range(draft, min(unit.size, MAX_WEEKS)) if has_content(draft) else []


def _path_weeks(unit: _Unit, paths: list[tuple[str, list[_Unit]]]) -> list[DraftWeek]:
    """Paths through the same stretch of weeks, as a choice each of its weeks offers: week
    k of the choice holds week k of each path."""
    ways = []
    for title, inner in paths:
        weeks = [week for u in inner for week in _unit_weeks(u, choosing=False)]
        if weeks:
            ways.append((option_label(title), weeks))
    if len(ways) < 2:  # nothing to choose between: the weeks there are, in order
        return [week for _path, weeks in ways for week in weeks]
    span = max(len(weeks) for _path, weeks in ways)
    choice = Choice()
    result = []
    for part in range(span):
        options = []
        for label_text, weeks in ways:
            # A path's weeks were read without choices of their own: all is in `items`.
            items = weeks[part].items if part < len(weeks) else [consolidate(label_text)]
            options.append(DraftOption(label_text, items))
        suffix = f" ({part + 1}/{span})" if span > 1 else ""
        first = ways[0][1][part] if part < len(ways[0][1]) else None
        result.append(
            DraftWeek(
                shortened(clean_title(unit.topic) or "Your choice", MAX_TITLE - len(suffix))
                + suffix,
                goal=first.goal if first else "",
                resources=first.resources if first else [],
                options=options,
                choice=choice,
            )
        )
    return result


def _weeks_from_days(document: Section, warnings: list[str]) -> tuple[list[DraftWeek], str] | None:
    """ "## Day 1" … "## Day 30": seven days a week."""
    units = _units(document, DAY_TITLE)
    if len(units) < 2:
        return None
    groups: dict[int, list[tuple[_Unit, int, int]]] = {}
    for unit, first, last in _numbered(units, warnings, "day"):
        groups.setdefault((first - 1) // DAYS_PER_WEEK, []).append((unit, first, last))
    weeks = []
    for days in groups.values():
        low, high = days[0][1], max(last for _unit, _first, last in days)
        draft = DraftWeek(f"Days {low}–{high}" if high > low else f"Day {low}")
        for unit, _first, _last in days:
            own = unit.section.subsections if unit.subsections is None else unit.subsections
            match = DAY_TITLE.match(unit.section.title)
            if match is not None:
                collect_day(unit.section, match, draft, own)
            for follower in unit.followers:
                collect_subsection(follower, draft)
        if draft.items:
            promote_practice(draft)
            weeks.append(draft)
    return (weeks, _("by its day headings, seven days a week")) if weeks else None


# --- a table of weeks ------------------------------------------------------------

_NUMBER_COLUMN = re.compile(
    r"^(?P<unit>week|wk|day|sprint|phase|stage)s?(?:\s*(?:#|no\.?|number))?$", re.IGNORECASE
)
_FOCUS_COLUMNS = ("focus", "theme", "title", "goal", "goals", "objective", "milestone")
_WHAT_COLUMNS = (
    *TOPIC_COLUMNS,
    "what",
    "what to learn",
    "what you'll learn",
    "what you will learn",
    "learn",
    "content",
    "description",
    "details",
    "tasks",
    "activities",
    "plan",
    "covers",
)
_PROJECT_COLUMNS = (
    "project",
    "projects",
    "mini project",
    "mini-project",
    "build",
    "deliverable",
    "deliverables",
    "practice",
    "exercise",
    "exercises",
    "assignment",
    "assignments",
    "homework",
)
_RESOURCE_COLUMNS = (
    "resources",
    "resource",
    "links",
    "link",
    "materials",
    "reading",
    "course",
    "courses",
    "books",
    "references",
)
_NUMBERS = re.compile(r"(\d{1,5})(?:\s*(?:[-–—]|to|through|&|and)\s*(\d{1,5}))?")


@dataclass
class _WeekTable:
    table: Table
    unit: str  # what a row is numbered by: "week", "day", "sprint", "phase" or "stage"
    number: int
    focus: int | None  # the row's title
    what: int | None  # its topics
    project: int | None
    resources: int | None
    time: int | None


def _week_table(table: Table) -> _WeekTable | None:
    header = [h.lower().strip(" :") for h in table.header]
    numbered = [
        (i, "week" if m["unit"].lower() == "wk" else m["unit"].lower())
        for i, h in enumerate(header)
        if (m := _NUMBER_COLUMN.match(h))
    ]
    if not numbered:
        return None
    # Days beside a Week column are grouped by it; days alone, seven a week.
    number, unit = next((c for c in numbered if c[1] == "week"), numbered[0])
    focus = find_column(header, _FOCUS_COLUMNS)
    what = find_column(header, _WHAT_COLUMNS, skip=focus)
    if focus is None and what is None:
        return None
    numbers = sum(1 for row in table.rows if number < len(row) and _NUMBERS.search(row[number]))
    if numbers < 2:
        return None
    time = find_column(header, TIME_COLUMNS, skip=number)
    if (
        unit != "week"
        and time is not None
        and any(
            re.search(r"weeks?|months?", row[time], re.IGNORECASE)
            for row in table.rows
            if time < len(row)
        )
    ):
        return None  # "| Phase 1 | 6-8 weeks | …": a summary of phases, not a week each
    return _WeekTable(
        table,
        unit,
        number,
        focus,
        what,
        find_column(header, _PROJECT_COLUMNS),
        find_column(header, _RESOURCE_COLUMNS),
        time,
    )


def _tables(section: Section) -> Iterator[Table]:
    for block in section.blocks:
        if isinstance(block, Table):
            yield block
    for sub in section.subsections:
        yield from _tables(sub)


def _weeks_from_tables(
    document: Section, warnings: list[str]
) -> tuple[list[DraftWeek], str] | None:
    """A table with a row a week (or a day, a sprint, a phase) and what it covers."""
    found = [shape for table in _tables(document) if (shape := _week_table(table))]
    if not found:
        return None
    unit = found[0].unit
    rows: list[tuple[int, int, DraftWeek]] = []  # first and last number, and the row's draft
    for shape in found:
        if shape.unit == unit:
            rows += _table_rows(shape)
    if len(rows) < 2:
        return None
    if unit == "day":
        return _days_into_weeks(rows), _("by its table of days, seven days a week")
    weeks: list[DraftWeek] = []
    seen = 0
    for first, last, draft in rows:
        if first <= seen:
            warnings.append(_row_repeats(draft.title[:50], unit, first))
            continue
        seen = last
        promote_practice(draft)
        span = last - first + 1
        if span > MAX_WEEKS:
            weeks.extend(DraftWeek(draft.title) for _week in range(span))  # refused by the caller
            continue
        weeks.extend(split_range(draft, span))
    return weeks, _table_mapping(unit)


def _table_mapping(unit: str) -> str:
    """How a table of weeks (or sprints, phases, stages) was read, for the preview."""
    match unit:
        case "sprint":
            return _("by its table of sprints")
        case "phase":
            return _("by its table of phases")
        case "stage":
            return _("by its table of stages")
    return _("by its table of weeks")


def _row_repeats(title: str, unit: str, number: int) -> str:
    """What the preview notes of a row numbered as one above it."""
    said = _("The row “{title}” repeats week {number}; skipped.")
    match unit:
        case "sprint":
            said = _("The row “{title}” repeats sprint {number}; skipped.")
        case "phase":
            said = _("The row “{title}” repeats phase {number}; skipped.")
        case "stage":
            said = _("The row “{title}” repeats stage {number}; skipped.")
    return said.format(title=title, number=i18n.digits(str(number)))


def _table_rows(shape: _WeekTable) -> list[tuple[int, int, DraftWeek]]:
    """A draft for each number in the number column; a row with that cell blank or the
    same number as the row above goes on with it ("Week 1" over several days' rows)."""
    rows: list[tuple[int, int, DraftWeek]] = []
    table = shape.table
    for at, row in enumerate(table.rows):
        links = table.links[at] if at < len(table.links) else []
        cell = _cell(row, shape.number)
        number = _NUMBERS.search(cell)
        if number is None or (rows and int(number[1]) == rows[-1][0]):
            if rows and (number is not None or not cell.strip()):
                above = rows[-1][2]
                if _row_title(row, shape) != above.title:  # several rows make the week
                    above.title = f"{shape.unit.title()} {rows[-1][0]}"
                _add_row(above, row, links, shape)
            continue  # "Total", "Rest": not a row of the plan
        first = int(number[1])
        last = int(number[2]) if number[2] and int(number[2]) >= first else first
        draft = DraftWeek(_row_title(row, shape) or f"{shape.unit.title()} {first}")
        _add_row(draft, row, links, shape)
        if has_content(draft):
            rows.append((first, last, draft))
    return rows


def _cell(row: list[str], column: int | None) -> str:
    return row[column] if column is not None and column < len(row) else ""


def _row_title(row: list[str], shape: _WeekTable) -> str:
    title = _cell(row, shape.focus if shape.focus is not None else shape.what)
    return clean_title(title.replace(";", ","))  # "Loops<br>Functions": "Loops, Functions"


def _add_row(draft: DraftWeek, row: list[str], links: list[list[Link]], shape: _WeekTable) -> None:
    """The row's topics (a cell of several, split at ";" or <br>), its project and links."""
    hours = cell_hours(row, shape.time)
    column = shape.what if shape.what is not None else shape.focus
    topics = [clean_title(part) for part in _cell(row, column).split(";")]
    topics = [t for t in topics if t and not is_estimate(t)]
    if not topics and column != shape.focus:
        topics = [t for t in [clean_title(_cell(row, shape.focus))] if t]
    resources = _cell_links(links, shape.resources) + _cell_links(links, column)
    items = [DraftItem(topic, ItemKind.LEARN, hours=hours) for topic in topics]
    if items:
        items[0].links = resources
    else:
        draft.resources += resources
    draft.items += items
    if shape.project is not None:
        header = shape.table.header[shape.project].lower().strip(" :")
        kind = label_for(header) or Label(ItemKind.BUILD)
        before = len(draft.items)
        for part in _cell(row, shape.project).split(";"):
            add_item(draft, part, kind, [])
        if len(draft.items) > before:
            draft.items[before].links = _cell_links(links, shape.project)


def _cell_links(links: list[list[Link]], column: int | None) -> list[Link]:
    return list(links[column]) if column is not None and column < len(links) else []


def _days_into_weeks(rows: list[tuple[int, int, DraftWeek]]) -> list[DraftWeek]:
    weeks: dict[int, tuple[int, int, DraftWeek]] = {}
    for first, last, day in rows:
        index = (first - 1) // DAYS_PER_WEEK
        low, high, week = weeks.get(index, (first, last, DraftWeek("")))
        week.items += day.items
        week.resources += day.resources
        week.practice = week.practice or day.practice
        weeks[index] = (min(low, first), max(high, last), week)
    drafts = []
    for low, high, week in weeks.values():
        week.title = f"Days {low}–{high}" if high > low else f"Day {low}"
        promote_practice(week)
        drafts.append(week)
    return drafts


# --- one section a week ----------------------------------------------------------


def _section_title(title: str) -> str:
    # "07. Modules and Packages" -> "Modules and Packages"; "Step 1: Python" stays.
    return clean_title(re.sub(r"^\s*\d{1,3}[.)]\s+", "", without_cue(title))) or "Section"


def _weeks_from_sections(document: Section, warnings: list[str]) -> tuple[list[DraftWeek], str]:
    top = document.subsections
    # A lone top heading is the document's title: its subsections are the roadmap.
    while len(top) == 1 and top[0].subsections:
        top = top[0].subsections
    if not top:
        draft = DraftWeek("Roadmap")
        collect(document, draft, LEARN, [])
        promote_practice(draft)
        return (split_section(draft), _("as one list")) if has_content(draft) else ([], "")
    weeks: list[DraftWeek] = []
    skipped: list[str] = []
    empty: list[str] = []
    # A table of contents is left out without a word: no one expects it as a week.
    shown = [s for s in top if not CONTENTS.match(clean_title(s.title))]
    for section in shown:
        if is_skipped_section(section.title):
            skipped.append(clean_title(section.title))
            continue
        draft = DraftWeek(_section_title(section.title))
        collect(section, draft, LEARN, section.subsections)
        if not has_content(draft) and draft.resources:
            # Only reading lists ("Book", "Video"): the section's topic is the one item.
            topic = re.sub(
                r"^(step|part|stage|phase|module|chapter)\s*\d+\s*[:.\-–—]\s*",
                "",
                draft.title,
                flags=re.I,
            )
            draft.items.append(DraftItem(topic or draft.title, ItemKind.LEARN, draft.resources))
            draft.resources = []
        if (
            not has_content(draft)
            and not section.blocks
            and not section.subsections
            and (len(shown) > 1)
        ):
            # A topic named by its heading alone, among others.
            add_item(draft, draft.title, topic_label(draft.title), [])
        if not has_content(draft):
            empty.append(clean_title(section.title))
            continue
        promote_practice(draft)
        weeks.extend(split_section(draft))
    if skipped:
        warnings.append(
            _("Left out sections that are not study topics: {names}.").format(
                names=quoted_names(skipped)
            )
        )
    if empty:
        warnings.append(_("Skipped empty sections: {names}.").format(names=quoted_names(empty)))
    return weeks, _sections_mapping(shown[0] if shown else top[0])


def _sections_mapping(first: Section) -> str:
    """How a roadmap without week numbers was read, for the preview."""
    marker = {"heading": "#" * first.level, "details": "<details>"}.get(first.origin)
    if marker is None:
        return _("without week numbers: each titled section became a week")
    return _("without week numbers: each {marker} section became a week").format(marker=marker)


# --- all shapes ------------------------------------------------------------------


def read_weeks(document: Section, warnings: list[str]) -> tuple[list[DraftWeek], str]:
    """The roadmap's weeks, by the first shape it fits, and how it was read."""
    for shape in (_weeks_from_timeline, _weeks_from_tables, _weeks_from_days):
        attempt: list[str] = []
        found = shape(document, attempt)
        if found is not None and found[0]:
            warnings += attempt
            return found
    return _weeks_from_sections(document, warnings)
