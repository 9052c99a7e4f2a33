"""Progress pictures: real PNGs of a phone-friendly size, drawn without blocking the event loop."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta

from core.progress.charts import (
    HEIGHT_PX,
    WIDTH_PX,
    ChartRenderer,
    GroupWeekPicture,
    MemberWeek,
    ProgressPicture,
    WeekBar,
    group_week_png,
    progress_png,
)
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
    try:
        await renderer.progress(picture())  # the workers start and load matplotlib
        gaps: list[float] = []
        rendering = True

        async def ticker() -> None:
            last = time.perf_counter()
            while rendering:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        pngs = await asyncio.gather(*(renderer.progress(picture()) for _ in range(4)))
        rendering = False
        await ticking
    finally:
        renderer.close()
    started = time.perf_counter()
    progress_png(picture())
    one_chart_inline = time.perf_counter() - started
    assert all(png_size(png) == (WIDTH_PX, HEIGHT_PX) for png in pngs)
    # Compared within this run: drawn in the loop's thread (or in a thread, as Agg holds
    # the GIL), one chart would pause the loop for about its whole drawing time.
    assert len(gaps) >= 10
    assert max(gaps) < one_chart_inline / 2, (max(gaps), one_chart_inline)


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
