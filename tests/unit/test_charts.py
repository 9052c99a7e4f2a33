"""Progress pictures: real PNGs of a phone-friendly size, drawn without blocking the event loop,
and drawn once: a picture asked for again with nothing changed comes from the cache."""

from __future__ import annotations

import asyncio
import colorsys
import dataclasses
import io
import itertools
import os
import signal
from datetime import date, timedelta

import pytest
from PIL import Image

from core.progress import canvas
from core.progress.canvas import counting_ticks
from core.progress.charts import (
    HEAT_LABELS,
    HEAT_SCALE,
    HEIGHT_PX,
    MAX_BARS,
    WEEKS_SHOWN,
    WIDTH_PX,
    Bar,
    ChartRenderer,
    GroupWeekPicture,
    MemberWeek,
    ProgressPicture,
    WeekBar,
    calendar_weeks,
    day_cell,
    group_week_png,
    heat_level,
    hours_label,
    progress_png,
    week_bars,
)
from core.progress.processes import DrawingFailed
from tests.fakes.png import png_size

TODAY = date(2026, 11, 22)  # a Sunday


def picture(current_week: int = 6, days: int = 60) -> ProgressPicture:
    return ProgressPicture(
        title="Python Backend Developer: week 6 of 24",
        weeks=tuple(WeekBar(n, 7, max(0, 9 - n)) for n in range(1, 25)),
        done_by_day={TODAY - timedelta(days=i): i % 6 for i in range(days)},
        today=TODAY,
        current_week=current_week,
    )


def test_a_learners_picture_is_a_png_sized_for_a_phone() -> None:
    png = progress_png(picture())
    assert png_size(png) == (WIDTH_PX, HEIGHT_PX)
    assert len(png) > 10_000  # something was drawn


def test_a_new_learner_and_a_long_track_both_draw() -> None:
    fresh = ProgressPicture("New", (WeekBar(1, 5, 0),), {}, TODAY, 1)
    assert png_size(progress_png(fresh)) == (WIDTH_PX, HEIGHT_PX)
    far = picture(current_week=24, days=200)
    assert png_size(progress_png(far)) == (WIDTH_PX, HEIGHT_PX)


async def test_the_event_loop_keeps_running_while_charts_render() -> None:
    renderer = ChartRenderer()
    ticks = 0
    rendering = True

    async def ticker() -> None:
        nonlocal ticks
        while rendering:
            await asyncio.sleep(0)
            ticks += 1

    try:
        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        weeks = range(3, 7)  # four pictures, none the same
        pngs = await asyncio.gather(*(renderer.progress(picture(current_week=n)) for n in weeks))
        rendering = False
        await ticking
        drawn_by = renderer.worker_pids()
    finally:
        renderer.close()
    assert all(png_size(png) == (WIDTH_PX, HEIGHT_PX) for png in pngs)
    assert len(set(pngs)) == 4
    # Drawn by a process of its own (drawing holds the GIL, so a thread would not do), while
    # this loop went on turning: started, drew four pictures, and the ticker ran throughout.
    assert drawn_by and os.getpid() not in drawn_by
    assert ticks >= 100


async def test_a_picture_asked_for_again_with_nothing_changed_is_drawn_once() -> None:
    renderer = ChartRenderer()
    try:
        first = await renderer.progress(picture())
        assert await renderer.progress(picture()) == first  # equal, not the same object
        days = picture().done_by_day
        reordered = dataclasses.replace(picture(), done_by_day=dict(reversed(days.items())))
        assert await renderer.progress(reordered) == first
        assert renderer.drawn == 1

        ticked = dataclasses.replace(picture(), done_by_day={**days, TODAY: days[TODAY] + 5})
        assert await renderer.progress(ticked) != first
        assert renderer.drawn == 2

        group = GroupWeekPicture("Study hall: week 6", 7, (MemberWeek("Ada", 3, 2),))
        assert await renderer.group_week(group) == await renderer.group_week(group)
        assert renderer.drawn == 3
    finally:
        renderer.close()


async def test_the_cache_keeps_only_the_pictures_used_last() -> None:
    renderer = ChartRenderer(cached=2)
    first, second, third = (picture(current_week=n) for n in (4, 5, 6))
    try:
        for each in (first, second, third):
            await renderer.progress(each)
        assert len(renderer.cache) == 2
        await renderer.progress(third)
        await renderer.progress(second)
        assert renderer.drawn == 3  # both still kept
        await renderer.progress(first)  # gone first, as the least recently used
        assert renderer.drawn == 4
        assert len(renderer.cache) == 2
    finally:
        renderer.close()


async def test_start_warms_the_drawing_process_in_the_background() -> None:
    renderer = ChartRenderer()
    try:
        warming = renderer.start()
        assert renderer.drawn == 0
        await asyncio.gather(*map(asyncio.wrap_future, warming))
        [warm] = renderer.worker_pids()
        assert png_size(await renderer.progress(picture())) == (WIDTH_PX, HEIGHT_PX)
        assert renderer.worker_pids() == [warm]  # drawn by the process warmed
        assert renderer.drawn == 1  # warming is no learner's picture
    finally:
        renderer.close()
    assert renderer.worker_pids() == []


async def test_a_drawing_that_fails_is_reported_and_the_process_draws_on() -> None:
    renderer = ChartRenderer()
    broken = ProgressPicture("Broken", None, {}, TODAY, 1)  # type: ignore[arg-type]
    try:
        with pytest.raises(DrawingFailed, match="TypeError"):
            await renderer.progress(broken)
        [drawing] = renderer.worker_pids()
        assert png_size(await renderer.progress(picture())) == (WIDTH_PX, HEIGHT_PX)
        assert renderer.worker_pids() == [drawing]
    finally:
        renderer.close()


async def test_a_drawing_process_that_ended_is_replaced() -> None:
    renderer = ChartRenderer()
    try:
        await renderer.progress(picture())
        [ended] = renderer.worker_pids()
        os.kill(ended, signal.SIGKILL)  # as the kernel does when memory runs out
        png = await renderer.progress(picture(current_week=7))
        assert png_size(png) == (WIDTH_PX, HEIGHT_PX)
        assert renderer.worker_pids() not in ([], [ended])
    finally:
        renderer.close()


def test_each_day_has_the_colour_of_its_count() -> None:
    labels = {done: HEAT_LABELS[heat_level(done)] for done in (0, 1, 2, 3, 4, 5, 1000)}
    assert labels == {0: "0", 1: "1", 2: "2", 3: "3–4", 4: "3–4", 5: "5+", 1000: "5+"}


def test_count_axes_step_by_one_two_or_five() -> None:
    assert counting_ticks(9.25) == [0, 2, 4, 6, 8]
    assert counting_ticks(1.05) == [0, 1]
    assert counting_ticks(66) == [0, 10, 20, 30, 40, 50, 60]
    assert counting_ticks(0) == [0]


def test_the_picture_crosses_to_a_worker_process() -> None:
    import pickle

    assert pickle.loads(pickle.dumps(picture())) == picture()


def test_titles_and_names_with_dollar_signs_are_drawn_as_written() -> None:
    # matplotlib reads $…$ as mathematics and fails on an unbalanced $.
    odd = ProgressPicture("Earn $$$ with $x$", (WeekBar(1, 3, 1),), {}, TODAY, 1)
    assert png_size(progress_png(odd)) == (WIDTH_PX, HEIGHT_PX)
    members = (MemberWeek("$x^2", 2, 1), MemberWeek("Ada $", 3, 0))
    assert png_size(group_week_png(GroupWeekPicture("Costs in $", 7, members))) == (
        WIDTH_PX,
        HEIGHT_PX,
    )


async def test_a_500_member_group_draws_in_a_worker() -> None:
    members = tuple(MemberWeek(f"Learner {n}", (n * 7) % 8, n % 12) for n in range(500))
    renderer = ChartRenderer()
    try:
        png = await renderer.group_week(GroupWeekPicture("Study hall: week 6", 7, members))
    finally:
        renderer.close()
    assert png_size(png) == (WIDTH_PX, HEIGHT_PX)


def test_an_empty_group_draws() -> None:
    assert png_size(group_week_png(GroupWeekPicture("New group", 5, ()))) == (WIDTH_PX, HEIGHT_PX)


def test_pictures_draw_with_pillows_own_font_when_dejavu_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(canvas, "_font_folders", list)
    canvas.font.cache_clear()
    try:
        assert png_size(progress_png(picture())) == (WIDTH_PX, HEIGHT_PX)
        members = (MemberWeek("Ada", 2, 1),)
        assert png_size(group_week_png(GroupWeekPicture("Group", 3, members))) == (
            WIDTH_PX,
            HEIGHT_PX,
        )
    finally:
        canvas.font.cache_clear()


def _rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG): how light a colour reads."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_the_day_colours_darken_with_more_items_in_one_hue() -> None:
    lightness = [_luminance(colour) for colour in HEAT_SCALE]
    assert all(a > b * 1.2 for a, b in itertools.pairwise(lightness)), lightness
    hues = [colorsys.rgb_to_hsv(*_rgb(colour))[0] * 360 for colour in HEAT_SCALE[1:]]
    assert max(hues) - min(hues) < 20, hues  # no khaki between the greys and blues


def test_the_calendar_starts_with_the_learners_first_week() -> None:
    monday = TODAY - timedelta(days=TODAY.weekday())
    assert calendar_weeks(TODAY, TODAY) == (monday, 1)
    saturday_before_last = TODAY - timedelta(days=8)
    assert calendar_weeks(TODAY, saturday_before_last) == (monday - timedelta(weeks=1), 2)
    long_ago = TODAY - timedelta(days=400)
    assert calendar_weeks(TODAY, long_ago) == (
        monday - timedelta(weeks=WEEKS_SHOWN - 1),
        WEEKS_SHOWN,
    )
    assert calendar_weeks(TODAY, None)[1] == WEEKS_SHOWN


def test_the_bars_cover_the_whole_way_so_far() -> None:
    weeks = tuple(WeekBar(n, 7, n % 5) for n in range(1, 25))
    size, bars = week_bars(weeks, 24)
    assert size == 1 and [b.label for b in bars] == [str(n) for n in range(1, 25)]
    size, bars = week_bars(weeks, 6)
    assert [b.label for b in bars] == ["1", "2", "3", "4", "5", "6"]
    long = tuple(WeekBar(n, 5, 3) for n in range(1, 157))
    size, bars = week_bars(long, 156)
    assert size == 7 and len(bars) <= MAX_BARS
    assert bars[0] == Bar("1–7", 35, 21) and bars[-1].label.endswith("–156")
    assert sum(b.done for b in bars) == 3 * 156


def test_a_learner_who_started_this_week_and_one_who_finished_both_draw() -> None:
    new = dataclasses.replace(picture(current_week=1, days=3), started_on=TODAY)
    finished = dataclasses.replace(
        picture(current_week=24, days=200), started_on=TODAY - timedelta(days=200)
    )
    for drawn in (new, finished):
        assert png_size(progress_png(drawn)) == (WIDTH_PX, HEIGHT_PX)


# -- hours logged, in the calendar ---------------------------------------------------------


def test_hours_are_written_short_and_never_as_none() -> None:
    labels = [hours_label(h) for h in (0.01, 0.42, 0.5, 1.0, 1.3, 2.75, 9.96, 12.4, 24)]
    assert labels == ["0.1h", "0.4h", "0.5h", "1h", "1.3h", "2.8h", "10h", "12h", "24h"]


def _colours_in(png: bytes, box: tuple[float, float, float, float]) -> set[object]:
    """The colours inside a day of the heatmap, its white border and today's outline left out:
    (red, green, blue) each."""
    left, top, right, bottom = (round(v) for v in box)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    cell = image.crop((left + 5, top + 5, right - 5, bottom - 5))
    return {colour for _, colour in cell.getcolors(maxcolors=4096) or []}


def test_the_calendar_writes_the_hours_logged_in_their_days() -> None:
    quiet, logged, dark = (
        TODAY - timedelta(days=3),
        TODAY - timedelta(days=2),
        TODAY - timedelta(days=1),
    )
    shown = dataclasses.replace(
        picture(),
        done_by_day={quiet: 0, logged: 0, dark: 6},
        hours_by_day={logged: 1.5, dark: 2.0, TODAY + timedelta(days=1): 3.0},
    )
    png = progress_png(shown)
    assert png_size(png) == (WIDTH_PX, HEIGHT_PX)
    assert len(_colours_in(png, day_cell(shown, quiet))) == 1  # its colour alone
    with_hours = _colours_in(png, day_cell(shown, logged))
    assert (0, 0, 0) in with_hours  # written in black on a light day
    assert (255, 255, 255) in _colours_in(png, day_cell(shown, dark))  # in white on a dark one
    # The items' colours are as they were: the hours only write over them.
    without = progress_png(dataclasses.replace(shown, hours_by_day={}))
    assert _colours_in(without, day_cell(shown, logged)) < with_hours


async def test_a_picture_with_other_hours_is_drawn_again() -> None:
    renderer = ChartRenderer()
    try:
        first = await renderer.progress(picture())
        logged = await renderer.progress(dataclasses.replace(picture(), hours_by_day={TODAY: 2.0}))
        again = await renderer.progress(dataclasses.replace(picture(), hours_by_day={TODAY: 2.0}))
    finally:
        renderer.close()
    assert logged != first and again == logged
    assert renderer.drawn == 2
