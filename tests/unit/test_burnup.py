"""/plan's burn-up: the items planned and done, added up day by day from a small track's
plans and ticks on injected days, and the picture drawn from them."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from PIL import Image

from core.learning.model import CompletionRecord
from core.learning.plan import WeekPlan, plan_over
from core.learning.tracks import Track, parse_track
from core.progress.burnup import BurnUpPicture, burn_up, cumulative
from core.progress.charts import (
    BURN_UP_PLOT,
    DATE_TICKS,
    DONE_COLOUR,
    HEIGHT_PX,
    PLANNED_COLOUR,
    TODAY_COLOUR,
    WIDTH_PX,
    burn_up_png,
    date_labels,
    date_ticks,
)
from tests.fakes.png import png_size

MONDAY = date(2026, 11, 16)


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


def track() -> Track:
    """Two weeks of three items each."""
    weeks = [
        {
            "id": f"w{w}",
            "number": w,
            "title": f"Week {w}",
            "items": [
                {"id": f"w{w}-{n}", "kind": "learn", "title": f"Step {n}"} for n in (1, 2, 3)
            ],
        }
        for w in (1, 2)
    ]
    return parse_track({"id": "small", "title": "Small", "version": 1, "weeks": weeks})


TRACK = track()
WEEK_1, WEEK_2 = TRACK.weeks


def plan(week_number: int, due: tuple[int, ...], done: dict[str, int]) -> WeekPlan:
    """The week's items due on the given days (from MONDAY), ticked on `done`'s."""
    return plan_over(
        TRACK.weeks[week_number - 1],
        opened_on=day(due[0]),
        dates=tuple(day(n) for n in due),
        done_on={item: day(n) for item, n in done.items()},
    )


def tick(item: str, on: int, skipped: bool = False) -> CompletionRecord:
    at = datetime.combine(day(on), datetime.min.time(), UTC)
    return CompletionRecord(0, item.split("-")[0], item, day(on), False, at, skipped)


def picture(
    plans: list[WeekPlan], ticks: list[CompletionRecord], today: int, finish: int
) -> BurnUpPicture:
    return burn_up(
        "Small: planned and done",
        track=TRACK,
        plans=plans,
        ticks=ticks,
        started_on=MONDAY,
        today=day(today),
        planned_finish=day(finish),
        projected_finish=None,
    )


def counts(p: BurnUpPicture, days: range) -> tuple[list[int], list[int]]:
    return [p.planned_by(day(n)) for n in days], [p.done_by(day(n)) for n in days]


def test_a_learner_behind_sees_the_overdue_items_between_planned_and_done() -> None:
    # Thursday: one item of week 1 done, the two due Tuesday and Wednesday still open; the
    # plan opens week 2 on Friday.
    current = plan(1, (0, 1, 2), {"w1-1": 0})
    coming = plan(2, (4, 5, 6), {})
    p = picture([current, coming], [tick("w1-1", 0)], today=3, finish=6)
    planned, done = counts(p, range(-1, 8))
    assert planned == [0, 1, 2, 3, 3, 4, 5, 6, 6]
    assert done == [0, 1, 1, 1, 1, 1, 1, 1, 1]
    assert p.total == 6 and p.done_so_far == 1
    assert p.planned_by(p.today) - p.done_so_far == 2  # the overdue items


def test_a_learner_ahead_has_done_all_that_was_planned_so_far() -> None:
    # Week 1 done on Monday and Tuesday; week 2 opened Wednesday and its first item ticked.
    ticks = [tick("w1-1", 0), tick("w1-2", 0), tick("w1-3", 1), tick("w2-1", 2)]
    current = plan(2, (2, 3, 4), {"w2-1": 2})
    p = picture([current], ticks, today=2, finish=4)
    planned, done = counts(p, range(0, 6))
    assert planned == [2, 3, 4, 5, 6, 6]
    assert done == [2, 3, 4, 4, 4, 4]
    assert p.planned_by(p.today) == p.done_so_far == 4


def test_skipped_items_are_neither_planned_nor_done_nor_in_the_total() -> None:
    ticks = [tick("w1-1", 0), tick("w1-2", 1, skipped=True)]
    current = plan(1, (0, 1, 2), {"w1-1": 0, "w1-2": 1})
    coming = plan(2, (3, 4, 5), {})
    p = picture([current, coming], ticks, today=1, finish=5)
    planned, done = counts(p, range(0, 6))
    assert planned == [1, 1, 2, 3, 4, 5]
    assert done == [1, 1, 1, 1, 1, 1]
    assert p.total == 5  # every item but the skipped one: what "done" reaches at the end


def test_ticks_outside_the_track_and_items_ticked_ahead_count_once() -> None:
    # An item of an option no longer followed, and a coming week's item already ticked.
    ticks = [tick("w1-1", 0), tick("gone-1", 0), tick("w2-1", 1)]
    current = plan(1, (0, 1, 2), {"w1-1": 0})
    coming = plan(2, (3, 4, 5), {})
    p = picture([current, coming], ticks, today=1, finish=5)
    assert p.total == 6 and p.done_so_far == 2
    assert counts(p, range(0, 6))[0] == [1, 3, 4, 4, 5, 6]


def test_the_range_runs_from_the_start_to_the_later_finish() -> None:
    current = plan(1, (0, 1, 2), {})
    p = picture([current], [], today=0, finish=2)
    assert (p.first_day, p.last_day) == (MONDAY, day(2))
    later = BurnUpPicture(p.title, MONDAY, day(0), p.planned, p.done, day(2), day(30))
    assert later.last_day == day(30)


def test_cumulative_adds_up_each_day() -> None:
    assert cumulative([day(2), day(0), day(2)]) == ((day(0), 1), (day(2), 3))
    assert cumulative([]) == ()


def test_time_axes_mark_mondays_or_months_and_never_too_many() -> None:
    assert date_ticks(day(2), day(20)) == [day(7), day(14)]
    assert date_ticks(day(0), day(167)) == [day(n) for n in range(0, 168, 28)]
    months = date_ticks(date(2026, 11, 16), date(2027, 11, 1))
    assert months == [date(2027, m, 1) for m in (1, 3, 5, 7, 9, 11)]  # every other from January
    quarters = date_ticks(date(2026, 11, 16), date(2029, 1, 1))
    assert all(d.day == 1 and d.month in (1, 7) for d in quarters)
    for last in (day(1), day(400), day(3650), day(20000)):
        ticks = date_ticks(MONDAY, last)
        assert 0 < len(ticks) <= DATE_TICKS and all(MONDAY <= d <= last for d in ticks)


def test_dates_on_the_axis_read_as_days_or_months() -> None:
    assert date_labels([day(0), day(28)]) == ["16 Nov", "14 Dec"]
    months = [date(2026, 11, 1), date(2027, 1, 1), date(2027, 3, 1)]
    assert date_labels(months) == ["Nov 2026", "Jan 2027", "Mar"]


# -- the picture ---------------------------------------------------------------------------


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def pixels(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def in_plot(image: Image.Image, colour: str) -> Counter[int]:
    """How many pixels of the colour each column of the plot holds, on every third row."""
    left, top, right, bottom = (round(v) for v in BURN_UP_PLOT)
    plot = image.crop((left + 3, top, right, bottom - 2))
    wanted, width, data = bytes(rgb(colour)), plot.width, plot.tobytes()  # 3 bytes a pixel
    found: Counter[int] = Counter()
    for row in range(0, plot.height, 3):
        at = row * width * 3
        found.update(
            left + 3 + x for x in range(width) if data[at + 3 * x : at + 3 * x + 3] == wanted
        )
    return found


def behind_on_a_long_track(projected: date | None) -> BurnUpPicture:
    start, today = date(2026, 11, 16), date(2027, 1, 20)
    done = [start + timedelta(days=n) for n in range(0, 65, 2)]
    due = [today + timedelta(days=n) for n in range(-3, 130)]
    return BurnUpPicture(
        "Python Backend Developer: planned and done",
        start,
        today,
        cumulative(done + due),
        cumulative(done),
        due[-1],
        projected,
    )


def test_the_picture_is_sized_for_a_phone_and_shows_each_series_in_its_colour() -> None:
    image = pixels(png := burn_up_png(behind_on_a_long_track(date(2027, 10, 7))))
    assert png_size(png) == (WIDTH_PX, HEIGHT_PX)
    today = today_column(image)
    done, planned = in_plot(image, DONE_COLOUR), in_plot(image, PLANNED_COLOUR)
    assert min(done) < today < max(planned)  # done up to today, planned on after it
    assert max(done) > today + 100  # and the kept pace, dashed, on to its finish
    image_colours = {c for _, c in image.getcolors(maxcolors=256) or []}
    assert {rgb(c) for c in (DONE_COLOUR, PLANNED_COLOUR, TODAY_COLOUR)} <= image_colours


def test_without_a_pace_to_project_nothing_is_blue_after_today() -> None:
    image = pixels(burn_up_png(behind_on_a_long_track(None)))
    assert max(in_plot(image, DONE_COLOUR)) < today_column(image)


def today_column(image: Image.Image) -> int:
    """The middle of the line that marks today: the one thing in its colour from the top of
    the plot to the bottom."""
    line = sorted(x for x, n in in_plot(image, TODAY_COLOUR).items() if n > 100)
    assert line and line[-1] - line[0] < 5, line
    return line[len(line) // 2]


def test_a_first_day_picture_draws() -> None:
    current = plan(1, (0, 1, 2), {})
    p = picture([current], [], today=0, finish=2)
    assert png_size(burn_up_png(p)) == (WIDTH_PX, HEIGHT_PX)
