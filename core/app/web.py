"""What the web view asks of the core: signing in, the learner's page, and the same
commands the chat runs, so the page and the chat always agree."""

from __future__ import annotations

import dataclasses

from core.app.coach import Coach
from core.app.ports import UnitOfWork
from core.kernel import i18n
from core.kernel.commands import Command, Group
from core.kernel.i18n import speaking, supported
from core.kernel.ports import UnitOfWorkFactory
from core.kernel.refs import ChatContext, LearnerRef
from core.kernel.reply import Outcome, Reply, Visibility
from core.learning.context import learner_context
from core.web import access, views
from core.web.group_page import GroupPage, group_page, is_remembered_admin, own_groups
from core.web.pages import LearnerPage, NoTrackPage, learner_page
from core.web.telegram import telegram_user_id


class WebCoach:
    def __init__(
        self,
        coach: Coach,
        units: UnitOfWorkFactory[UnitOfWork],
        telegram_token: str | None = None,
    ) -> None:
        self._coach = coach
        self._units = units
        self._telegram_token = telegram_token  # checks a Mini App's initData; None: no Mini App

    async def sign_in(self, link_token: str) -> str | None:
        """The session token a chat link opens; None for one used, expired or unknown."""
        async with self._units() as uow:
            session = await access.sign_in(uow, link_token, self._coach.clock.now())
            await uow.commit()
        return session

    async def sign_in_telegram(self, init_data: str) -> str | None:
        """The session a Telegram Mini App opens with the `initData` Telegram signed; None
        when it is not Telegram's, is stale, or names no learner of ours."""
        now = self._coach.clock.now()
        if self._telegram_token is None:
            return None
        user_id = telegram_user_id(init_data, self._telegram_token, now)
        if user_id is None:
            return None
        async with self._units() as uow:
            snapshot = await uow.learners.load(LearnerRef("telegram", str(user_id), ""))
            if snapshot is None:
                return None
            session = await access.open_session(uow, snapshot.learner_id, now)
            await uow.commit()
        return session

    async def sign_out(self, session_token: str) -> None:
        async with self._units() as uow:
            await access.sign_out(uow, session_token, self._coach.clock.now())
            await uow.commit()

    async def signed_in(self, session_token: str) -> LearnerRef | None:
        """Who a session is, as one of their chat identities: the page runs commands as
        that identity, so everything the chat checks is checked for it too."""
        async with self._units(read_only=True) as uow:
            learner_id = await access.session_learner(uow, session_token, self._coach.clock.now())
            identities = await uow.learners.identities(learner_id) if learner_id else []
        return identities[0].who if identities else None

    async def home(self, who: LearnerRef) -> LearnerPage | NoTrackPage | None:
        """The learner's roadmap, or for someone with no track (a mentor who runs groups)
        the groups they are in or run; None for someone the coach does not know."""
        now = self._coach.clock.now()
        async with self._units(read_only=True) as uow:
            snapshot = await uow.learners.load(who)
            if snapshot is None:
                return None
            with speaking(snapshot.language or supported(who.language)) as language:
                groups = await own_groups(uow, snapshot.learner_id, now)
                ctx = await learner_context(uow, self._coach.library, who, snapshot, now)
                if ctx is None:
                    return NoTrackPage(language, groups, views.no_track_words())
                return dataclasses.replace(await learner_page(ctx), groups=groups)

    async def page(self, who: LearnerRef) -> LearnerPage | None:
        """The learner's roadmap; None until they have started a track."""
        page = await self.home(who)
        return page if isinstance(page, LearnerPage) else None

    async def language(self, who: LearnerRef) -> str:
        """The language `who` is spoken to in, for the page's own notes."""
        return await self._coach.language_of(who) or i18n.ENGLISH

    async def group(self, who: LearnerRef, group_id: int) -> GroupPage | None:
        """A study group's page, for its members and its admins (as the platform last said)
        only: None for anyone else, a group that stopped, or one whose track is gone."""
        now = self._coach.clock.now()
        async with self._units(read_only=True) as uow:
            snapshot = await uow.learners.load(who)
            group = await uow.groups.get(group_id)
            if snapshot is None or group is None or not group.active:
                return None
            viewer = snapshot.learner_id
            admin = await is_remembered_admin(uow, group.id, viewer, now)
            if not admin and await uow.groups.membership(group.id, viewer) is None:
                return None
            with speaking(snapshot.language or supported(who.language)):
                library, questions = self._coach.library, self._coach.quizzes.questions
                return await group_page(uow, library, questions, group, viewer, now, admin=admin)

    async def change_group(
        self, who: LearnerRef, group_id: int, key: str, value: str
    ) -> Reply | None:
        """One schedule change an admin made on the group's page, run as `/group KEY VALUE`
        in the chat is, and told to the group there as it would be; None when `who` is not
        (or no longer) the group's admin as the platform last said."""
        now = self._coach.clock.now()
        async with self._units(read_only=True) as uow:
            snapshot = await uow.learners.load(who)
            group = await uow.groups.get(group_id)
            admin = (
                group is not None
                and group.active
                and snapshot is not None
                and await is_remembered_admin(uow, group.id, snapshot.learner_id, now)
            )
        if group is None or not admin:
            return None

        async def remembered_admin() -> bool:
            return True  # checked above, from the platform's last word

        chat = ChatContext(group.chat, remembered_admin, asks_the_platform=False)
        outcome = await self._coach.run(who, Group(key, value), chat=chat)
        if not isinstance(outcome, Reply):
            return None
        if outcome.visibility is Visibility.CHAT:
            await self._coach.owe_reply(group.chat, outcome)  # the group hears of it
        return outcome

    async def run(self, who: LearnerRef, command: Command) -> Outcome:
        return await self._coach.run(who, command)
