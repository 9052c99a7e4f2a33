"""/progress and /plan with their pictures: drawn from the learner's own ticks and hours, and
never in the way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.reply import Reply
from core.learning.context import learner_context
from core.learning.tracks import BuiltinCatalog
from core.progress import charts
from core.progress.charts import ChartRenderer, ProgressPicture
from core.progress.plan_report import PlanReport
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import Learner
from tests.fakes.png import png_size
from tests.fakes.renderer import RecordingRenderer


@pytest.fixture
def renderer() -> Iterator[RecordingRenderer]:
    renderer = RecordingRenderer()
    yield renderer
    renderer.close()


@pytest.fixture
def units(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(make_sessions(engine))


@pytest.fixture
def ada_with_charts(
    units: SqlUnitOfWorkFactory, clock: FrozenClock, renderer: RecordingRenderer
) -> Learner:
    return Learner(Coach(units, clock, BuiltinCatalog(), charts=renderer))


async def test_progress_comes_with_a_picture_of_the_weeks_and_days(
    ada_with_charts: Learner, clock: FrozenClock, renderer: RecordingRenderer
) -> None:
    ada = ada_with_charts
    await ada.say("/start")
    await ada.say("/done")
    await ada.say("/done")
    clock.advance(timedelta(days=1))
    await ada.say("/done")
    text = await ada.say("/progress")
    assert "Items done: 3 of 172" in text
    assert ada.last is not None and ada.last.image is not None
    assert png_size(ada.last.image.png) == (charts.WIDTH_PX, charts.HEIGHT_PX)
    assert ada.last.image.caption

    [picture] = renderer.pictures
    assert picture.current_week == 1
    assert picture.weeks[0].done == 3 and picture.weeks[0].planned == 7
    monday = clock.now().date() - timedelta(days=1)
    assert picture.done_by_day == {monday: 2, monday + timedelta(days=1): 1}
    assert picture.today == clock.now().date()


async def test_the_calendar_carries_the_hours_logged_each_day(
    ada_with_charts: Learner, clock: FrozenClock, renderer: RecordingRenderer
) -> None:
    ada = ada_with_charts
    await ada.say("/start")
    await ada.say("/log 1.25")
    await ada.say("/log 0.5")
    clock.advance(timedelta(days=1))
    await ada.say("/log 2")
    await ada.say("/progress")
    assert ada.last is not None and ada.last.image is not None
    [picture] = renderer.pictures
    today = clock.now().date()
    assert picture.hours_by_day == {today - timedelta(days=1): 1.75, today: 2.0}


async def plan_with_picture(
    ada: Learner, units: SqlUnitOfWorkFactory, renderer: ChartRenderer
) -> Reply:
    """/plan as PlanReport answers it, in one unit of work as the coach runs a command."""
    coach = ada.coach
    async with units() as work:
        snapshot = await work.learners.load(ada.ref)
        assert snapshot is not None
        ctx = await learner_context(work, coach.library, ada.ref, snapshot, coach.clock.now())
        assert ctx is not None
        return await PlanReport(renderer).plan(ctx)


async def test_plan_comes_with_a_burn_up_of_the_track(
    ada_with_charts: Learner,
    units: SqlUnitOfWorkFactory,
    clock: FrozenClock,
    renderer: RecordingRenderer,
) -> None:
    ada = ada_with_charts
    await ada.say("/start")
    await ada.say("/done")
    clock.advance(timedelta(days=1))
    await ada.say("/done")
    await ada.say("/done")
    reply = await plan_with_picture(ada, units, renderer)
    assert reply.image is not None
    assert png_size(reply.image.png) == (charts.WIDTH_PX, charts.HEIGHT_PX)
    [picture] = renderer.burn_ups
    today = clock.now().date()
    assert picture.total == 172 and picture.done_so_far == 3
    assert picture.done_by(today - timedelta(days=1)) == 1
    assert picture.planned_by(picture.planned_finish) == 172
    assert picture.projected_finish is not None


async def test_a_chart_that_fails_leaves_the_text(
    ada_with_charts: Learner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(picture: ProgressPicture) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(charts, "progress_png", broken)
    await ada_with_charts.say("/start")
    assert "Items done: 0 of 172" in await ada_with_charts.say("/progress")
    assert ada_with_charts.last is not None and ada_with_charts.last.image is None


async def test_progress_asked_again_with_nothing_changed_is_not_drawn_again(
    ada_with_charts: Learner, renderer: RecordingRenderer
) -> None:
    ada = ada_with_charts
    await ada.say("/start")
    await ada.say("/done")
    await ada.say("/progress")
    assert ada.last is not None and ada.last.image is not None
    first = ada.last.image.png
    await ada.say("/progress")
    assert ada.last is not None and ada.last.image is not None
    assert ada.last.image.png == first
    assert renderer.drawn == 1

    await ada.say("/done")
    await ada.say("/progress")
    assert ada.last is not None and ada.last.image is not None
    assert ada.last.image.png != first
    assert renderer.drawn == 2
