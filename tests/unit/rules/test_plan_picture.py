"""/plan with its burn-up picture, on a two-week track: the text as /plan gives it, and a
picture of the items planned and done from the learner's own plan and ticks; text alone
when there is nothing to draw or the drawing fails. And /progress's calendar carries the
hours logged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.reply import Reply
from core.learning.context import learner_context
from core.learning.library import Defaults
from core.learning.tracks import Track, parse_track
from core.progress import charts
from core.progress.burnup import BurnUpPicture
from core.progress.charts import HEIGHT_PX, WIDTH_PX
from core.progress.plan_report import PlanReport
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.fakes.png import png_size
from tests.fakes.renderer import RecordingRenderer


def two_week_track() -> Track:
    weeks = [
        {
            "id": f"p{w}",
            "number": w,
            "title": f"Week {w}",
            "items": [
                {"id": f"p{w}-{n}", "kind": "learn", "title": f"Step {n}"} for n in range(1, 6)
            ]
            + [{"id": f"p{w}-r", "kind": "review", "title": "Review"}],
        }
        for w in (1, 2)
    ]
    return parse_track({"id": "pair", "title": "Two Weeks", "version": 1, "weeks": weeks})


class OneTrack:
    def __init__(self, track: Track) -> None:
        self.track = track

    def get(self, track_id: str) -> Track | None:
        return self.track if track_id == self.track.id else None

    def all(self) -> tuple[Track, ...]:
        return (self.track,)


@pytest.fixture
def renderer() -> Iterator[RecordingRenderer]:
    renderer = RecordingRenderer()
    yield renderer
    renderer.close()


@pytest.fixture
def coach(uow: MemoryUnitOfWorkFactory, clock: FrozenClock, renderer: RecordingRenderer) -> Coach:
    return Coach(uow, clock, OneTrack(two_week_track()), Defaults(track_id="pair"), charts=renderer)


async def plan(
    coach: Coach, uow: MemoryUnitOfWorkFactory, learner: Learner, report: PlanReport
) -> Reply:
    """/plan as the PlanReport answers it, in one unit of work as the coach runs a command."""
    async with uow() as work:
        snapshot = await work.learners.load(learner.ref)
        assert snapshot is not None
        ctx = await learner_context(work, coach.library, learner.ref, snapshot, coach.clock.now())
        assert ctx is not None
        return await report.plan(ctx)


async def test_a_started_learner_gets_the_plan_and_a_picture_of_it(
    coach: Coach,
    ada: Learner,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    renderer: RecordingRenderer,
) -> None:
    await ada.say("/start")
    await ada.say("/done")
    clock.advance(timedelta(days=1))
    await ada.say("/done")
    text = await ada.say("/plan")  # the coach answers /plan with its PlanReport
    assert ada.last is not None and ada.last.image is not None

    reply = await plan(coach, uow, ada, PlanReport(renderer))
    assert reply.plain_text() == text  # the text /plan gives, as it is
    assert reply.image is not None and reply.image.caption
    assert png_size(reply.image.png) == (WIDTH_PX, HEIGHT_PX)
    first, picture = renderer.burn_ups
    assert first == picture
    assert "Two Weeks" in picture.title
    assert picture.total == 12 and picture.done_so_far == 2
    assert picture.started_on == clock.now().date() - timedelta(days=1)
    assert picture.today == clock.now().date()
    assert picture.projected_finish is not None  # two items in two days: a pace to go by
    assert picture.planned_by(picture.last_day) == 12


async def test_text_alone_without_charts_or_when_the_drawing_fails(
    coach: Coach,
    ada: Learner,
    uow: MemoryUnitOfWorkFactory,
    renderer: RecordingRenderer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(picture: BurnUpPicture) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(charts, "burn_up_png", broken)
    await ada.say("/start")
    text = await ada.say("/plan")  # drawn by the coach's renderer, which fails
    assert ada.last is not None and ada.last.image is None
    plain = await plan(coach, uow, ada, PlanReport(None))
    assert plain.image is None and plain.plain_text() == text
    failed = await plan(coach, uow, ada, PlanReport(renderer))
    assert failed.image is None and failed.plain_text() == text


async def test_a_paused_learner_and_a_finished_track_get_text_alone(
    coach: Coach,
    ada: Learner,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    renderer: RecordingRenderer,
) -> None:
    await ada.say("/start")
    await ada.say("/pause")
    paused = await plan(coach, uow, ada, PlanReport(renderer))
    assert paused.image is None and "/resume" in paused.plain_text()
    await ada.say("/resume")
    for _ in range(12):
        await ada.say("/done")
        clock.advance(timedelta(hours=1))
    finished = await plan(coach, uow, ada, PlanReport(renderer))
    assert finished.image is None and "nothing left" in finished.plain_text()
    assert renderer.burn_ups == [] and renderer.drawn == 0


async def test_the_progress_calendar_carries_the_hours_logged(
    ada: Learner, clock: FrozenClock, renderer: RecordingRenderer
) -> None:
    await ada.say("/start")
    await ada.say("/log 1.5")
    await ada.say("/log 0.5")
    clock.advance(timedelta(days=1))
    await ada.say("/done")
    await ada.say("/log 2")
    await ada.say("/progress")
    assert ada.last is not None and ada.last.image is not None
    [picture] = renderer.pictures
    today = clock.now().date()
    assert picture.hours_by_day == {today - timedelta(days=1): 2.0, today: 2.0}
    assert picture.done_by_day == {today: 1}


async def test_the_pictures_count_days_in_the_learners_own_time_zone(
    coach: Coach,
    ada: Learner,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    renderer: RecordingRenderer,
) -> None:
    # Monday 08:00 UTC is Monday 21:00 in Auckland (UTC+13 in November); four hours on it is
    # already Tuesday there, while still Monday in UTC.
    await ada.say("/start")
    await ada.say("/settings tz Pacific/Auckland")
    monday = clock.now().date()
    await ada.say("/done")
    clock.advance(timedelta(hours=4))
    await ada.say("/done")
    await ada.say("/log 1")
    assert clock.now().date() == monday
    tuesday = monday + timedelta(days=1)

    reply = await plan(coach, uow, ada, PlanReport(renderer))
    assert reply.image is not None
    [burn_up] = renderer.burn_ups
    assert burn_up.today == tuesday
    assert (burn_up.done_by(monday), burn_up.done_by(tuesday)) == (1, 2)
    await ada.say("/progress")
    [calendar] = renderer.pictures
    assert calendar.done_by_day == {monday: 1, tuesday: 1}
    assert calendar.hours_by_day == {tuesday: 1.0}
