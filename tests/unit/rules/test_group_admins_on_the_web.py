"""Who may change a group on the web: a member the platform last said is an admin, for
thirty days. Only the platform's own word renews or withdraws that."""

from __future__ import annotations

from datetime import timedelta

from core.app.coach import Coach
from core.app.web import WebCoach
from core.kernel.clock import FrozenClock
from core.kernel.refs import ChatContext, ChatRef
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
