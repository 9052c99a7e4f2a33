"""Who may change a group on the web: a member the platform last said is an admin, for
thirty days. Only the platform's own word renews or withdraws that."""

from __future__ import annotations

from datetime import timedelta

from core.app.coach import Coach
from core.app.web import WebCoach
from core.kernel.clock import FrozenClock
from core.kernel.refs import ChatContext, ChatRef
from core.kernel.reply import WebLink
from core.learning.tracks import BuiltinCatalog
from core.web.pages import NoTrackPage
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory

CHAT = ChatRef("test", "-900", "Cohort")


class Platform:
    """The chat's own say on who is an admin, which can change."""

    def __init__(self) -> None:
        self.admin = True

    async def is_admin(self) -> bool:
        return self.admin

    def chat(self) -> ChatContext:
        return ChatContext(CHAT, self.is_admin)


async def group_id(uow: MemoryUnitOfWorkFactory) -> int:
    async with uow(read_only=True) as work:
        group = await work.groups.find(CHAT)
    assert group is not None
    return group.id


async def test_the_platforms_no_withdraws_it_and_the_web_never_renews_it(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    web = WebCoach(coach, uow)
    platform = Platform()
    ada = Learner(coach)
    await ada.say("/start")
    await coach.handle(ada.ref, "/group setup", chat=platform.chat())
    await coach.handle(ada.ref, "/join", chat=platform.chat())
    group = await group_id(uow)
    page = await web.group(ada.ref, group)
    assert page is not None and page.schedule_typed is not None

    # Changes made on the web do not extend the platform's word: day 29's change works,
    # day 31 finds it run out.
    clock.advance(timedelta(days=29))
    assert await web.change_group(ada.ref, group, "time", "08:15") is not None
    clock.advance(timedelta(days=2))
    assert await web.change_group(ada.ref, group, "time", "08:30") is None

    # A command in the chat renews it; the platform saying no takes it away at once.
    await coach.handle(ada.ref, "/group time 08:45", chat=platform.chat())
    assert await web.change_group(ada.ref, group, "days", "mon-fri") is not None
    platform.admin = False
    await coach.handle(ada.ref, "/group time 09:00", chat=platform.chat())
    page = await web.group(ada.ref, group)
    assert page is not None and page.schedule_typed is None
    assert await web.change_group(ada.ref, group, "time", "09:15") is None


async def test_a_mentor_who_never_joined_runs_the_group_from_the_web(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    """An admin who studies elsewhere, or not at all, sees the group's week and changes
    its schedule; someone who is neither member nor admin sees nothing."""
    web = WebCoach(coach, uow)
    platform = Platform()
    ada, mentor, stranger = Learner(coach), Learner(coach, "Mo"), Learner(coach, "Sy")
    await ada.say("/start")
    await coach.handle(ada.ref, "/group setup", chat=platform.chat())
    group = await group_id(uow)

    # The mentor's first word in the group is an admin command: it makes them known.
    await coach.handle(mentor.ref, "/group time 07:30", chat=platform.chat())
    page = await web.group(mentor.ref, group)
    assert page is not None and page.schedule_typed is not None
    assert page.schedule_typed["time"] == "07:30"
    assert page.you not in {row.learner_id for row in page.standings}
    no_track = await web.home(mentor.ref)  # no track of their own
    assert isinstance(no_track, NoTrackPage) and [g.id for g in no_track.groups] == [group]
    assert await web.change_group(mentor.ref, group, "time", "08:00") is not None
    page = await web.group(mentor.ref, group)
    assert page is not None and page.schedule_typed is not None
    assert page.schedule_typed["time"] == "08:00"

    # Neither a member nor an admin: nothing to see, nothing to change.
    await stranger.say("/start")
    assert await web.group(stranger.ref, group) is None
    assert await web.change_group(stranger.ref, group, "time", "09:00") is None

    # Thirty days on without a word from the platform, the group is no longer theirs.
    clock.advance(timedelta(days=31))
    assert await web.group(mentor.ref, group) is None
    no_track = await web.home(mentor.ref)
    assert isinstance(no_track, NoTrackPage) and no_track.groups == ()


async def test_a_mentor_without_a_track_gets_a_web_link(
    uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    coach = Coach(uow, clock, BuiltinCatalog(), web_address="http://coach.test")
    platform = Platform()
    ada, mentor = Learner(coach), Learner(coach, "Mo")
    await ada.say("/start")
    await coach.handle(ada.ref, "/group setup", chat=platform.chat())

    async def web_link() -> WebLink | None:
        await mentor.say("/web")
        assert mentor.last is not None
        return mentor.last.link

    assert await web_link() is None  # nobody yet: /start first
    platform.admin = False
    await coach.handle(mentor.ref, "/group time 07:30", chat=platform.chat())
    assert await web_link() is None  # a refused admin command makes no one known
    platform.admin = True
    await coach.handle(mentor.ref, "/group time 07:30", chat=platform.chat())
    link = await web_link()
    assert link is not None and link.url.startswith("http://coach.test/signin/")


async def test_a_mentor_known_from_an_admin_command_starts_a_track_as_anyone_does(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    platform = Platform()
    ada, mentor = Learner(coach), Learner(coach, "Mo")
    await ada.say("/start")
    await coach.handle(ada.ref, "/group setup", chat=platform.chat())
    await coach.handle(mentor.ref, "/group time 07:30", chat=platform.chat())
    await mentor.say("/start")
    async with uow(read_only=True) as work:
        snapshot = await work.learners.load(mentor.ref)
    assert snapshot is not None and snapshot.enrollment is not None
    await mentor.say("/done")
    page = await WebCoach(coach, uow).page(mentor.ref)
    assert page is not None and [item.done for item in page.current.items].count(True) == 1
    assert [g.title for g in page.groups] == ["Cohort"]  # still runs it, now with a track
