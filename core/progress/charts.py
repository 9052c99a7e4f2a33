"""Pictures of progress: drawn with Pillow (canvas.py) in a child process of our own
(processes.py), so the event loop never waits for them, and remembered by value: a picture is
a pure function of its dataclass, so one asked for again with nothing changed is not drawn.

A picture speaks the language spoken when it was made (its `language`, since the drawing
process has none of its own): titles, labels and legends, numbers and dates. In a
right-to-left language the words are laid out right to left, the headings stand at the
right of their plots, and the legends read from the right: each colour's sample at the
right of its words, the first entry rightmost. The plots themselves are not mirrored: time
runs left to right, as it does in Persian charts too, and the counts beside it."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from core.kernel import i18n
from core.kernel.i18n import messages, speaking
from core.progress.burnup import BurnUpPicture, Steps
from core.progress.processes import Draw, DrawingProcesses

if TYPE_CHECKING:  # Pillow loads in the drawing processes only
    from core.progress.canvas import Box, Canvas, Scale

_, n_ = messages("progress")

# Okabe–Ito colours, told apart with every common colour vision deficiency.
DONE_COLOUR = "#0072B2"
PLANNED_COLOUR = "#BBBBBB"
TODAY_COLOUR = "#D55E00"
# One hue, darker for more (ColorBrewer's Blues): read in order with colour blindness and
# in grey, and apart from the orange that marks today. "None" is a neutral grey.
HEAT_SCALE = ("#EDEDED", "#C6DBEF", "#6BAED6", "#2171B5", "#08306B")
HEAT_LABELS = ("0", "1", "2", "3–4", "5+")
HEAT_FROM = (1, 2, 3, 5)  # the fewest items of each colour after the first
COLOURS = (DONE_COLOUR, PLANNED_COLOUR, TODAY_COLOUR, *HEAT_SCALE)

WIDTH_PX, HEIGHT_PX = 1080, 1350  # 4:5 fills a phone screen in chat
WEEKS_SHOWN = 12  # weeks of the heatmap
MAX_BARS = 24  # a longer track's weeks are summed in twos, threes...
# One process (about 30 MB) draws some 50 pictures a second, and repeats come from the cache.
MAX_RENDERS = 1
CACHED_PICTURES = 128  # PNGs of 15 to 30 kB: 4 MB at most
TOP_MEMBERS = 15  # named bars; a bigger group is summed up in the histogram beside them

# Where things go on the picture, in pixels: (left, top, right, bottom) of each plot. Text
# sizes are as matplotlib drew them at 150 dpi: 13 pt titles, 11 pt headings (10 pt text).
TITLE_Y, TITLE_SIZE, HEADING_SIZE = 16, 27, 23
UPPER_PLOT: Box = (110, 104, 1045, 690)
LOWER_PLOT: Box = (110, 840, 1045, 1236)
HEAT_KEY_WIDTH = 84  # of each colour in the heatmap's key
CELL = 56  # a day of the heatmap, with its white border
DAYS_TOP = 836
HOURS_SIZE = 18  # the hours logged, written in a day of the heatmap: "12h" fits
DARK_FROM = 3  # heat levels dark enough for the hours on them to be written in white
# The burn-up fills the picture: the plot, its dates, and a legend of two rows under it.
BURN_UP_PLOT: Box = (110, 104, 1045, 1140)
BURN_UP_LEGEND_TOP = 1215
DATE_TICKS = 8  # at most, on a time axis
KEY_GAP = 40  # between the entries of a legend

P = TypeVar("P")


@dataclass(frozen=True)
class WeekBar:
    number: int
    planned: int
    done: int


@dataclass(frozen=True)
class Bar:
    """A bar of the chart: one week, or several summed."""

    label: str
    planned: int
    done: int


def week_bars(weeks: Sequence[WeekBar], current_week: int) -> tuple[int, list[Bar]]:
    """Every week up to the current one, as at most MAX_BARS bars: how many weeks a bar
    sums, and the bars. The whole way so far, not its last weeks only."""
    so_far = [w for w in weeks if w.number <= current_week]
    size = max(1, math.ceil(len(so_far) / MAX_BARS))
    bars = []
    for start in range(0, len(so_far), size):
        group = so_far[start : start + size]
        first, last = group[0].number, group[-1].number
        label = _count(first)
        if first != last:
            label = f"{label}–{_count(last)}"
        bars.append(
            Bar(
                label,
                sum(w.planned for w in group),
                sum(w.done for w in group),
            )
        )
    return size, bars


def calendar_weeks(today: date, started_on: date | None) -> tuple[date, int]:
    """The heatmap's first Monday and its number of weeks: the last WEEKS_SHOWN, or fewer
    for a learner who started since, so no empty weeks stand before their start."""
    last_monday = today - timedelta(days=today.weekday())
    columns = WEEKS_SHOWN
    if started_on is not None:
        start_monday = started_on - timedelta(days=started_on.weekday())
        columns = min(WEEKS_SHOWN, max(1, (last_monday - start_monday).days // 7 + 1))
    return last_monday - timedelta(weeks=columns - 1), columns


@dataclass(frozen=True)
class MemberWeek:
    name: str
    done: int  # items done this week
    streak: int


@dataclass(frozen=True)
class GroupWeekPicture:
    title: str
    planned: int  # items in the group's week
    members: tuple[MemberWeek, ...]
    language: str = field(default_factory=i18n.language)  # spoken when it was made


@dataclass(frozen=True)
class ProgressPicture:
    title: str
    weeks: tuple[WeekBar, ...]
    done_by_day: dict[date, int]  # items ticked off per local day
    today: date
    current_week: int
    started_on: date | None = None  # days before it are not the learner's to count
    hours_by_day: dict[date, float] = field(default_factory=dict)  # logged per local day
    language: str = field(default_factory=i18n.language)  # spoken when it was made


class PngCache:
    """The pictures drawn last, by value; the least recently used goes first."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._pngs: OrderedDict[Hashable, bytes] = OrderedDict()

    def get(self, key: Hashable) -> bytes | None:
        png = self._pngs.get(key)
        if png is not None:
            self._pngs.move_to_end(key)
        return png

    def put(self, key: Hashable, png: bytes) -> None:
        self._pngs[key] = png
        self._pngs.move_to_end(key)
        while len(self._pngs) > self.most:
            self._pngs.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pngs)


class ChartRenderer:
    """Draws in a child process, a picture at a time, and keeps the last ones drawn.

    Not threads: drawing holds the GIL, which would pause the event loop for as long as the
    picture takes (bench/charts.py). The process starts on first use, or warms up in the
    background from `start()`, so that even the first learner's picture is quick.
    """

    def __init__(self, at_once: int = MAX_RENDERS, cached: int = CACHED_PICTURES) -> None:
        self._at_once = at_once
        self._processes: DrawingProcesses | None = None
        self.cache = PngCache(cached)
        self.drawn = 0  # pictures sent to be drawn; the others came from the cache

    def start(self) -> list[Future[bytes]]:
        """Starts the drawing process and has it draw once, in the background: returns at once,
        and the first learner's picture then costs what any other does."""
        return self._started().warm(warm_up)

    async def progress(self, picture: ProgressPicture) -> bytes:
        key = (
            picture.title,
            picture.weeks,
            frozenset(picture.done_by_day.items()),  # its dicts, hashable, in any order
            picture.today,
            picture.current_week,
            picture.started_on,
            frozenset(picture.hours_by_day.items()),
            picture.language,
        )
        return await self._png(progress_png, picture, key)

    async def burn_up(self, picture: BurnUpPicture) -> bytes:
        return await self._png(burn_up_png, picture, picture)

    async def group_week(self, picture: GroupWeekPicture) -> bytes:
        return await self._png(group_week_png, picture, picture)

    async def _png(self, draw: Draw[P], picture: P, key: Hashable) -> bytes:
        png = self.cache.get(key)
        if png is None:
            self.drawn += 1
            png = await self._started().run(draw, picture)
            self.cache.put(key, png)
        return png

    def _started(self) -> DrawingProcesses:
        if self._processes is None:
            self._processes = DrawingProcesses(self._at_once)
        return self._processes

    def worker_pids(self) -> list[int]:
        return self._processes.pids() if self._processes is not None else []

    def close(self) -> None:
        if self._processes is not None:
            self._processes.close()
            self._processes = None


def progress_png(picture: ProgressPicture) -> bytes:
    """Items planned and done in the last weeks, and a calendar of the days."""
    from core.progress.canvas import Canvas

    with speaking(picture.language) as language:
        canvas = Canvas(WIDTH_PX, HEIGHT_PX, COLOURS, language=language)
        _title(canvas, picture.title)
        _draw_weeks(canvas, picture)
        _draw_days(canvas, picture)
    return canvas.png()


def _draw_weeks(canvas: Canvas, picture: ProgressPicture) -> None:
    from core.progress.canvas import Scale, axes, category_axis, counting_ticks, value_axis

    size, shown = week_bars(picture.weeks, picture.current_week)
    left, top, right, bottom = UPPER_PLOT
    _heading(canvas, UPPER_PLOT, _items_per(size))
    tallest = max((max(w.planned, w.done) for w in shown), default=1)
    height = Scale(0, tallest * 1.25 + 0.5, bottom, top)  # room for the legend above the bars
    centres = _slots(left, right, len(shown), fewest=6)
    slot = (right - left) / max(len(shown), 6)
    for x, week in zip(centres, shown, strict=True):
        _column(canvas, x, slot * 0.8, height, week.planned, PLANNED_COLOUR)
        _column(canvas, x, slot * 0.55, height, week.done, DONE_COLOUR)
    axes(canvas, UPPER_PLOT)
    value_axis(canvas, UPPER_PLOT, height, counting_ticks(height.high), _("items"))
    category_axis(canvas, UPPER_PLOT, centres, [w.label for w in shown], _("week"))
    planned, done = Key(_("planned"), "box", PLANNED_COLOUR), Key(_("done"), "box", DONE_COLOUR)
    _key_row(canvas, [planned, done], (left + right) / 2, top + 19)


def _items_per(weeks: int) -> str:
    """The heading of bars that sum `weeks` weeks each."""
    if weeks == 1:
        return _("Items per week")
    per = n_("Items per {count} week", "Items per {count} weeks", weeks)
    return per.format(count=_count(weeks))


def _draw_days(canvas: Canvas, picture: ProgressPicture) -> None:
    """A calendar heatmap: one column per week (Monday first), one row per weekday."""
    first_monday, columns = calendar_weeks(picture.today, picture.started_on)
    left = (WIDTH_PX - columns * CELL) / 2 + 20
    heading = _("Items done per day")
    if canvas.right_to_left:
        canvas.text((left + columns * CELL, DAYS_TOP - 14), heading, size=HEADING_SIZE, anchor="rs")
    else:
        canvas.text((left, DAYS_TOP - 14), heading, size=HEADING_SIZE, anchor="ls")
    # Days before the start or still to come stay white.
    first = max(first_monday, picture.started_on or first_monday)
    shown = [first + timedelta(days=n) for n in range((picture.today - first).days + 1)]
    for day in shown:
        done, hours = picture.done_by_day.get(day, 0), picture.hours_by_day.get(day, 0.0)
        _day_cell(canvas, day_cell(picture, day), done, hours)
    canvas.box(day_cell(picture, picture.today), None, outline=TODAY_COLOUR, width=4)
    for row in range(7):
        canvas.text((left - 10, DAYS_TOP + (row + 0.5) * CELL), i18n.weekday(row), anchor="rm")
    bottom = DAYS_TOP + 7 * CELL
    for column in range(0, columns, 2):
        label = _day_month(first_monday + timedelta(weeks=column))
        canvas.text((left + (column + 0.5) * CELL, bottom + 6), label, anchor="mt")
    _heat_legend(canvas, WIDTH_PX / 2 + 20, bottom + 44)
    if any(picture.hours_by_day.get(day, 0) > 0 for day in shown):
        _hours_key(canvas, WIDTH_PX / 2 + 20, bottom + 44)


def day_cell(picture: ProgressPicture, day: date) -> Box:
    """Where a day of the heatmap is drawn: its square, white border and all."""
    first_monday, columns = calendar_weeks(picture.today, picture.started_on)
    x = (WIDTH_PX - columns * CELL) / 2 + 20 + (day - first_monday).days // 7 * CELL
    y = DAYS_TOP + day.weekday() * CELL
    return (x, y, x + CELL, y + CELL)


def _day_cell(canvas: Canvas, cell: Box, done: int, hours: float) -> None:
    """A day in the colour of its items, with the hours logged on it written in."""
    left, top, right, bottom = cell
    level = heat_level(done)
    canvas.box((left + 2, top + 2, right - 2, bottom - 2), HEAT_SCALE[level])
    if hours > 0:
        ink = "#FFFFFF" if level >= DARK_FROM else "#000000"
        _hours_in(canvas, ((left + right) / 2, (top + bottom) / 2), hours, ink)


def _hours_in(canvas: Canvas, at: tuple[float, float], hours: float, ink: str = "#000000") -> None:
    """The hours written in a day, in smaller letters where a language's words are longer."""
    label, size = hours_label(hours), HOURS_SIZE
    while size > HOURS_SIZE - 6 and canvas.width_of(label, size=size) > CELL - 8:
        size -= 1
    canvas.text(at, label, size=size, anchor="mm", colour=ink)


def hours_label(hours: float) -> str:
    """Hours as written in a day of the heatmap: "0.5h", "2h", "12h"; never "0h" for some."""
    shown = round(hours) if hours >= 9.95 else float(f"{max(hours, 0.1):.1f}")
    return _("{hours}h").format(hours=_count(shown))


def _hours_key(canvas: Canvas, centre: float, top: float) -> None:
    """Beside the colours (after them, as the language reads): a day with hours written in
    it, and what they are."""
    beside = HEAT_KEY_WIDTH * len(HEAT_SCALE) / 2 + 30
    label = _("hours logged")
    if canvas.right_to_left:
        right = centre - beside
        canvas.box((right - CELL + 4, top - 13, right, top + 39), HEAT_SCALE[0])
        _hours_in(canvas, (right - CELL / 2 + 2, top + 13), 2)
        canvas.text((right - CELL - 6, top + 13), label, anchor="rm")
    else:
        left = centre + beside
        canvas.box((left, top - 13, left + CELL - 4, top + 39), HEAT_SCALE[0])
        _hours_in(canvas, (left + CELL / 2 - 2, top + 13), 2)
        canvas.text((left + CELL + 6, top + 13), label, anchor="lm")


def heat_level(done: int) -> int:
    """The heatmap colour of a day with `done` items: 0, 1, 2, 3–4, 5 or more."""
    return sum(1 for least in HEAT_FROM if done >= least)


def _heat_legend(canvas: Canvas, centre: float, top: float) -> None:
    """The heatmap's colours in a row, each with the number of items it stands for."""
    width, height = HEAT_KEY_WIDTH, 26
    left = centre - width * len(HEAT_SCALE) / 2
    for n, (colour, label) in enumerate(zip(HEAT_SCALE, HEAT_LABELS, strict=True)):
        canvas.box((left + n * width, top, left + (n + 1) * width, top + height), colour)
        shown = i18n.digits(label, canvas.language)
        canvas.text((left + (n + 0.5) * width, top + height + 6), shown, anchor="mt")
    right = left + width * len(HEAT_SCALE)
    canvas.box((left - 1, top - 1, right + 1, top + height + 1), None, outline="#000000")


def _day_month(day: date) -> str:
    return _dated(day, "d MMM")


def _dated(day: date, pattern: str) -> str:
    """A day in a CLDR pattern, as the language spoken writes it, its digits included."""
    return _date_in(day, pattern, i18n.language())


def _count(value: float) -> str:
    """A number as the language spoken writes it."""
    return _number_in(value, i18n.language())


# Babel takes a good part of a millisecond to write a number or a date, and a picture writes
# dozens, mostly the same from one picture to the next.
@lru_cache(maxsize=1024)
def _number_in(value: float, language: str) -> str:
    return i18n.number(value, language)


@lru_cache(maxsize=1024)
def _date_in(day: date, pattern: str, language: str) -> str:
    from babel.dates import format_date

    return i18n.digits(format_date(day, pattern, locale=language), language)


def group_week_png(picture: GroupWeekPicture) -> bytes:
    """The group's week: the members furthest along by name, and how everyone is spread."""
    from core.progress.canvas import Canvas

    with speaking(picture.language) as language:
        canvas = Canvas(WIDTH_PX, HEIGHT_PX, COLOURS, language=language)
        _title(canvas, picture.title)
        # Ties broken by name, so the same week always draws the same picture.
        ranked = sorted(picture.members, key=lambda m: (-m.done, -m.streak, m.name.casefold()))
        _draw_leaders(canvas, picture.planned, ranked)
        _draw_spread(canvas, picture.planned, ranked)
    return canvas.png()


def _draw_leaders(canvas: Canvas, planned: int, ranked: Sequence[MemberWeek]) -> None:
    from core.progress.canvas import Scale, axes, category_axis, counting_ticks

    leaders = ranked[:TOP_MEMBERS]  # the first at the top
    names = [_short(m.name) for m in leaders]
    widest = max((canvas.width_of(name, theirs=True) for name in names), default=0)
    left = max(60.0, widest + 24)
    plot = (left, UPPER_PLOT[1], UPPER_PLOT[2], UPPER_PLOT[3])
    shown = min(TOP_MEMBERS, len(ranked))
    if len(ranked) > shown:
        heading = _("Top {shown} of {count}: done (blue) of planned (grey)").format(
            shown=_count(shown), count=_count(len(ranked))
        )
    else:
        heading = _("Everyone: done (blue) of planned (grey)")
    _heading(canvas, plot, heading)
    most = max([planned, 1, *(m.done for m in leaders)])
    length = Scale(0, most * 1.05, left, plot[2])
    slot = (plot[3] - plot[1]) / max(len(leaders), 1)
    for row, (member, name) in enumerate(zip(leaders, names, strict=True)):
        y = plot[1] + (row + 0.5) * slot
        canvas.box((left, y - slot * 0.4, length(planned), y + slot * 0.4), PLANNED_COLOUR)
        canvas.box((left, y - slot * 0.275, length(member.done), y + slot * 0.275), DONE_COLOUR)
        canvas.text((left - 12, y), name, anchor="rm", theirs=True)
    axes(canvas, plot)
    ticks = counting_ticks(most)
    labels = [_count(t) for t in ticks]
    category_axis(canvas, plot, [length(t) for t in ticks], labels, _("items done this week"))


def _draw_spread(canvas: Canvas, planned: int, ranked: Sequence[MemberWeek]) -> None:
    from core.progress.canvas import Scale, axes, category_axis, counting_ticks, value_axis

    counts = [0] * (planned + 1)
    for member in ranked:
        counts[min(member.done, planned)] += 1
    left, top, right, bottom = LOWER_PLOT
    _heading(canvas, LOWER_PLOT, _("Members by items done"))
    height = Scale(0, max(*counts, 1) * 1.05, bottom, top)
    centres = _slots(left, right, len(counts))
    for x, count in zip(centres, counts, strict=True):
        _column(canvas, x, (right - left) / len(counts) * 0.8, height, count, DONE_COLOUR)
    axes(canvas, LOWER_PLOT)
    value_axis(canvas, LOWER_PLOT, height, counting_ticks(max(*counts, 1)), _("members"))
    labels = [_count(n) for n in range(len(counts))]
    category_axis(canvas, LOWER_PLOT, centres, labels, _("items done this week"))


def burn_up_png(picture: BurnUpPicture) -> bytes:
    """/plan's picture: items planned and done, added up from the start to the finish, with
    the total, today, and the finish at the pace kept."""
    from core.progress.canvas import Canvas

    with speaking(picture.language) as language:
        canvas = Canvas(WIDTH_PX, HEIGHT_PX, COLOURS, language=language)
        _title(canvas, picture.title)
        _draw_burn_up(canvas, picture)
        _burn_up_legend(canvas, picture)
    return canvas.png()


def _draw_burn_up(canvas: Canvas, picture: BurnUpPicture) -> None:
    from core.progress.canvas import INK, Scale, axes, category_axis, counting_ticks, value_axis

    left, top, right, bottom = BURN_UP_PLOT
    _heading(canvas, BURN_UP_PLOT, _("Items added up, day by day"))
    first, end = picture.first_day, picture.last_day + timedelta(days=1)
    across = Scale(first.toordinal(), end.toordinal(), left, right)

    def at(day: date) -> float:  # where a day's column starts
        return across(day.toordinal())

    total = picture.total
    height = Scale(0, max(total, 1) * 1.06, bottom, top)
    now = picture.today + timedelta(days=1)  # the end of today: done so far, and what is left
    canvas.area(_under_steps(picture.planned, at, height, first, end), PLANNED_COLOUR)
    canvas.area(_under_steps(picture.done, at, height, first, now), DONE_COLOUR)
    canvas.line([(left, height(total)), (right, height(total))], width=2, colour=INK)
    if picture.projected_finish is not None:
        start = (at(now), height(picture.done_so_far))
        canvas.dashed_line(
            start, (at(picture.projected_finish), height(total)), colour=DONE_COLOUR, width=5
        )
    canvas.line([(at(now), top), (at(now), bottom)], width=3, colour=TODAY_COLOUR)
    axes(canvas, BURN_UP_PLOT)
    value_axis(canvas, BURN_UP_PLOT, height, counting_ticks(height.high), _("items"))
    ticks = date_ticks(first, end)
    category_axis(canvas, BURN_UP_PLOT, [at(day) for day in ticks], date_labels(ticks), "")


def _under_steps(
    steps: Steps, at: Callable[[date], float], height: Scale, first: date, end: date
) -> list[tuple[float, float]]:
    """The outline of the area under a count that steps up on each day of `steps`, from the
    start of `first` to the start of `end`."""
    points, count = [(at(first), height(0))], 0
    for day, reached in steps:
        if day >= end:
            break
        points += [(at(day), height(count)), (at(day), height(reached))]
        count = reached
    return [*points, (at(end), height(count)), (at(end), height(0))]


def date_ticks(first: date, last: date, most: int = DATE_TICKS) -> list[date]:
    """The days marked on a time axis from `first` to `last`: Mondays 1, 2 or 4 weeks apart,
    else the first of every 1, 2, 3, 6 or 12 months: the closest together that are at most
    `most`."""
    monday = first + timedelta(days=-first.weekday() % 7)
    for weeks in (1, 2, 4):
        days = [monday + timedelta(weeks=n) for n in range(0, (last - monday).days // 7 + 1, weeks)]
        if len(days) <= most:
            return days
    for months in (1, 2, 3, 6, 12, 24, 60):
        days = _month_starts(first, last, months)
        if len(days) <= most:
            return days
    return days[:: math.ceil(len(days) / most)]


def _month_starts(first: date, last: date, months: int) -> list[date]:
    """The first days of the months from `first` to `last` whose number (January 0) divides
    by `months`: every quarter starts in January, April, July and October."""
    index = first.year * 12 + first.month - 1 + (first.day > 1)
    index += -index % months
    days = []
    while (day := date(index // 12, index % 12 + 1, 1)) <= last:
        days.append(day)
        index += months
    return days


def date_labels(days: Sequence[date]) -> list[str]:
    """Mondays as "16 Nov"; the firsts of months by name, with the year on the first and on
    January."""
    if any(day.day != 1 for day in days):
        return [_day_month(day) for day in days]
    return [
        _dated(day, "LLL y" if n == 0 or day.month == 1 else "LLL") for n, day in enumerate(days)
    ]


def _burn_up_legend(canvas: Canvas, picture: BurnUpPicture) -> None:
    """What each line and colour is, with the figures a learner looks for: the finish dates
    and the items done, in rows as wide as the plot."""
    from core.progress.canvas import INK

    total = picture.total
    planned = _("planned: all by {day}").format(day=_long_day(picture.planned_finish))
    done = _("done: {done} of {total}").format(
        done=_count(picture.done_so_far), total=_count(total)
    )
    entries = [Key(planned, "box", PLANNED_COLOUR), Key(done, "box", DONE_COLOUR)]
    if picture.projected_finish is not None:
        pace = _("at your pace: all by {day}").format(day=_long_day(picture.projected_finish))
        entries.append(Key(pace, "dashes", DONE_COLOUR))
    everything = n_("all {count} item", "all {count} items", total)
    entries += [
        Key(_("today"), "line", TODAY_COLOUR),
        Key(everything.format(count=_count(total)), "line", INK),
    ]
    left, right = BURN_UP_PLOT[0], BURN_UP_PLOT[2]
    for n, row in enumerate(_rows(canvas, entries, right - left)):
        _key_row(canvas, row, (left + right) / 2, BURN_UP_LEGEND_TOP + n * 44)


@dataclass(frozen=True)
class Key:
    """An entry of a legend: a sample of how something is drawn, and what it is."""

    label: str
    kind: str  # "box", "line" or "dashes"
    colour: str


def _rows(canvas: Canvas, keys: Sequence[Key], room: float) -> list[list[Key]]:
    """The keys in rows, as many to a row as fit in `room`."""
    rows: list[list[Key]] = [[]]
    used = 0.0
    for key in keys:
        width = _key_width(canvas, key)
        if rows[-1] and used + KEY_GAP + width > room:
            rows.append([])
            used = 0.0
        used += width + (KEY_GAP if rows[-1] else 0)
        rows[-1].append(key)
    return rows


def _key_width(canvas: Canvas, key: Key) -> float:
    return 50 + canvas.width_of(key.label)


def _key_row(canvas: Canvas, row: Sequence[Key], centre: float, y: float) -> None:
    """Keys side by side, centred on `centre`, in the order the language reads."""
    widths = [_key_width(canvas, key) for key in row]
    x = centre - (sum(widths) + KEY_GAP * (len(row) - 1)) / 2
    placed = list(zip(row, widths, strict=True))
    for key, width in reversed(placed) if canvas.right_to_left else placed:
        _key(canvas, x, y, key, width)
        x += width + KEY_GAP


def _key(canvas: Canvas, x: float, y: float, key: Key, width: float) -> None:
    """A sample 40 pixels wide (a swatch, a line or dashes), then its label, centred on y,
    in `width` from x: the sample first as the language reads, so on the right in Persian."""
    start, label, anchor = (x, x + 50, "lm")
    if canvas.right_to_left:
        start, label, anchor = (x + width - 40, x + width - 50, "rm")
    if key.kind == "box":
        canvas.box((start, y - 7, start + 40, y + 7), key.colour)
    elif key.kind == "dashes":
        end = (start + 40, y)
        canvas.dashed_line((start, y), end, colour=key.colour, width=5, dash=12, gap=6)
    else:
        canvas.line([(start, y), (start + 40, y)], width=3, colour=key.colour)
    canvas.text((label, y), key.label, anchor=anchor)


def _long_day(day: date) -> str:
    return _dated(day, "d MMM y")


def warm_up(_nothing: None) -> bytes:
    """Loads Pillow and the fonts and draws both pictures once, as full as a learner's and a
    group's: the drawing process's first real picture then costs what any other does."""
    today = date.today()
    weeks = tuple(WeekBar(n, 7, n % 8) for n in range(1, 25))
    days = {today - timedelta(days=n): n % 7 for n in range(WEEKS_SHOWN * 7)}
    hours = {today: 2.5}
    for language in i18n.LANGUAGES:  # each catalog and each language's dates read once
        progress_png(ProgressPicture("Warming up", weeks, days, today, 20, None, hours, language))
    members = tuple(MemberWeek(f"Member {n}", n % 8, n) for n in range(TOP_MEMBERS * 2))
    group_week_png(GroupWeekPicture("Warming up", 7, members))
    start = today - timedelta(days=59)
    done = tuple((start + timedelta(days=n), n + 1) for n in range(60))
    finish, pace = today + timedelta(days=30), today + timedelta(days=40)
    burn_up_png(
        BurnUpPicture("Warming up", start, today, (*done, (finish, 120)), done, finish, pace)
    )
    return b""


def _title(canvas: Canvas, text: str) -> None:
    """A long title in smaller letters, down to the size of the rest, then cut short."""
    size, room = TITLE_SIZE, WIDTH_PX - 40
    while size > HEADING_SIZE - 2 and canvas.width_of(text, size=size, bold=True) > room:
        size -= 1
    title = canvas.fitted(text, room, size=size, bold=True)
    canvas.text((WIDTH_PX / 2, TITLE_Y), title, size=size, anchor="mt", bold=True)


def _heading(canvas: Canvas, plot: Box, text: str) -> None:
    """Above the plot, from the side the language starts from; a long one (a language's
    longer words beside long names) in smaller letters, then cut short."""
    room = plot[2] - 20 if canvas.right_to_left else WIDTH_PX - 20 - plot[0]
    size = HEADING_SIZE
    while size > HEADING_SIZE - 4 and canvas.width_of(text, size=size) > room:
        size -= 1
    text = canvas.fitted(text, room, size=size)
    if canvas.right_to_left:
        canvas.text((plot[2], plot[1] - 14), text, size=size, anchor="rs")
    else:
        canvas.text((plot[0], plot[1] - 14), text, size=size, anchor="ls")


def _slots(left: float, right: float, count: int, fewest: int = 1) -> list[float]:
    """The centres of `count` equal slots, side by side in the middle of left to right;
    a slot is never wider than a `fewest`-th of the whole."""
    width = (right - left) / max(count, fewest)
    start = (left + right) / 2 - width * count / 2
    return [start + width * (n + 0.5) for n in range(count)]


def _column(canvas: Canvas, x: float, width: float, height: Scale, value: int, colour: str) -> None:
    if value > 0:
        canvas.box((x - width / 2, height(value), x + width / 2, height(0)), colour)


def _short(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
