"""Pictures of progress: matplotlib's object API on the Agg canvas, drawn in worker
processes so the event loop never waits for them. pyplot's global state is not used."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from multiprocessing import get_context
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib loads in the drawing processes only
    from matplotlib.axes import Axes
    from matplotlib.collections import QuadMesh

# Okabe–Ito colours, told apart with every common colour vision deficiency.
DONE_COLOUR = "#0072B2"
PLANNED_COLOUR = "#BBBBBB"
TODAY_COLOUR = "#D55E00"
# A sequential scale from cividis, which reads the same with colour blindness.
HEAT_SCALE = ("#EDEDED", "#BCAF6F", "#7C7B78", "#3B496C", "#00224E")

WIDTH_PX, HEIGHT_PX, DPI = 1080, 1350, 150  # 4:5 fills a phone screen in chat
WEEKS_SHOWN = 12  # weeks of the bar chart and of the heatmap
MAX_RENDERS = 2  # worker processes, each about 80 MB once matplotlib is loaded


@dataclass(frozen=True)
class WeekBar:
    number: int
    planned: int
    done: int


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


@dataclass(frozen=True)
class ProgressPicture:
    title: str
    weeks: tuple[WeekBar, ...]
    done_by_day: dict[date, int]  # items ticked off per local day
    today: date
    current_week: int


class ChartRenderer:
    """Renders in worker processes, a few at a time.

    Not threads: Agg draws and encodes PNGs in C++ while holding the GIL, which paused the
    event loop for about as long as drawing in it would (measured in bench/charts.py).
    The pool starts on first use, with "spawn" so no lock of the running loop is inherited.
    """

    def __init__(self, at_once: int = MAX_RENDERS) -> None:
        self._at_once = at_once
        self._pool: ProcessPoolExecutor | None = None

    async def progress(self, picture: ProgressPicture) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(
            self._started(), progress_png, picture
        )

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self._at_once, mp_context=get_context("spawn"))
        return self._pool

    async def group_week(self, picture: GroupWeekPicture) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(
            self._started(), group_week_png, picture
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def progress_png(picture: ProgressPicture) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    weeks_axes, days_axes = figure.subplots(2, 1, height_ratios=(3, 2))
    figure.suptitle(_plain(picture.title), fontsize=13, fontweight="bold")
    _draw_weeks(weeks_axes, picture)
    image = _draw_days(days_axes, picture)
    bar = figure.colorbar(image, ax=days_axes, orientation="horizontal", shrink=0.6)
    bar.set_ticks([0.5, 1.5, 2.5, 4, 500], labels=["0", "1", "2", "3–4", "5+"])
    bar.ax.tick_params(length=0)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _draw_weeks(axes: Axes, picture: ProgressPicture) -> None:
    shown = [w for w in picture.weeks if w.number <= picture.current_week][-WEEKS_SHOWN:]
    numbers = [w.number for w in shown]
    axes.bar(numbers, [w.planned for w in shown], color=PLANNED_COLOUR, label="planned")
    axes.bar(numbers, [w.done for w in shown], width=0.55, color=DONE_COLOUR, label="done")
    axes.set_title("Items per week", fontsize=11, loc="left")
    axes.set_xlabel("week")
    axes.set_ylabel("items")
    axes.set_xticks(numbers)
    tallest = max((max(w.planned, w.done) for w in shown), default=1)
    axes.set_ylim(0, tallest * 1.25 + 0.5)  # room for the legend above the bars
    axes.legend(loc="upper center", frameon=False, ncols=2)
    axes.spines[["top", "right"]].set_visible(False)


def _draw_days(axes: Axes, picture: ProgressPicture) -> QuadMesh:
    """A calendar heatmap: one column per week (Monday first), one row per weekday."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Rectangle

    last_monday = picture.today - timedelta(days=picture.today.weekday())
    first_monday = last_monday - timedelta(weeks=WEEKS_SHOWN - 1)
    grid = [[0.0] * WEEKS_SHOWN for _ in range(7)]
    for column in range(WEEKS_SHOWN):
        for row in range(7):
            day = first_monday + timedelta(weeks=column, days=row)
            grid[row][column] = -1.0 if day > picture.today else picture.done_by_day.get(day, 0)
    scale = ListedColormap(HEAT_SCALE).with_extremes(under="white")  # days still to come
    norm = BoundaryNorm([0, 1, 2, 3, 5, 1000], scale.N)
    image = axes.pcolormesh(grid, cmap=scale, norm=norm, edgecolors="white", linewidth=2)
    axes.set_aspect("equal")
    axes.invert_yaxis()  # Monday on top
    axes.set_title("Items done per day", fontsize=11, loc="left")
    axes.set_yticks(
        [row + 0.5 for row in range(7)], ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    )
    axes.set_xticks(
        [column + 0.5 for column in range(0, WEEKS_SHOWN, 2)],
        [_day_month(first_monday + timedelta(weeks=column)) for column in range(0, WEEKS_SHOWN, 2)],
    )
    axes.tick_params(length=0)
    axes.spines[:].set_visible(False)
    today = Rectangle(
        (WEEKS_SHOWN - 1, picture.today.weekday()),
        1,
        1,
        fill=False,
        edgecolor=TODAY_COLOUR,
        linewidth=2,
    )
    axes.add_patch(today)
    return image


def _day_month(day: date) -> str:
    return f"{day.day} {day:%b}"


TOP_MEMBERS = 15  # named bars; a bigger group is summed up in the histogram beside them


def group_week_png(picture: GroupWeekPicture) -> bytes:
    """The group's week: the members furthest along by name, and how everyone is spread."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    leaders_axes, spread_axes = figure.subplots(2, 1, height_ratios=(3, 2))
    figure.suptitle(_plain(picture.title), fontsize=13, fontweight="bold")

    # Ties broken by name, so the same week always draws the same picture.
    ranked = sorted(picture.members, key=lambda m: (-m.done, -m.streak, m.name.casefold()))
    leaders = ranked[:TOP_MEMBERS][::-1]  # the first at the top
    rows = range(len(leaders))
    leaders_axes.barh(rows, [picture.planned] * len(leaders), color=PLANNED_COLOUR, label="planned")
    leaders_axes.barh(rows, [m.done for m in leaders], height=0.55, color=DONE_COLOUR, label="done")
    leaders_axes.set_yticks(list(rows), [_short(m.name) for m in leaders])
    leaders_axes.set_xlabel("items done this week")
    shown = min(TOP_MEMBERS, len(ranked))
    who = f"Top {shown} of {len(ranked)}" if len(ranked) > shown else "Everyone"
    leaders_axes.set_title(f"{who}: done (blue) of planned (grey)", fontsize=11, loc="left")
    leaders_axes.spines[["top", "right"]].set_visible(False)

    counts = [0] * (picture.planned + 1)
    for member in ranked:
        counts[min(member.done, picture.planned)] += 1
    spread_axes.bar(range(len(counts)), counts, color=DONE_COLOUR)
    spread_axes.set_title("Members by items done", fontsize=11, loc="left")
    spread_axes.set_xlabel("items done this week")
    spread_axes.set_ylabel("members")
    spread_axes.set_xticks(range(len(counts)))
    spread_axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    spread_axes.spines[["top", "right"]].set_visible(False)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _short(name: str, limit: int = 18) -> str:
    return _plain(name if len(name) <= limit else name[: limit - 1] + "…")


def _plain(text: str) -> str:
    """Text drawn as written: matplotlib reads $…$ as mathematics, and a lone $ fails."""
    return text.replace("$", r"\$")
