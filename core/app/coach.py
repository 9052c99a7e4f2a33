"""The coach as adapters call it: each platform update becomes one unit of work, routed to
the capability that owns the command."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from time import perf_counter
from typing import TYPE_CHECKING

from core.accounts import data
from core.accounts.link import Linking
from core.app import views
from core.app.learner_commands import LearnerCommands
from core.app.ports import UnitOfWork
from core.app.updates import UpdateUnits
from core.groups.admin import group_gone, groups_gone
from core.groups.study_groups import StudyGroups
from core.importing import views as import_views
from core.importing.links import looks_like_link
from core.importing.ports import Downloaded, DownloadRefused, RoadmapDownloads
from core.importing.roadmaps import keep_roadmap, parse_roadmap, run_import, share_track
from core.kernel.clock import Clock
from core.kernel.commands import (
    Command,
    Export,
    Forget,
    Help,
    Import,
    Link,
    Start,
    Unparsed,
    Web,
    from_action,
    parse,
)
from core.kernel.i18n import language, speaking, supported
from core.kernel.observe import UNOBSERVED, Observer
from core.kernel.ports import UnitOfWorkFactory
from core.kernel.refs import ChatContext, ChatRef, LearnerRef
from core.kernel.reply import Outcome, QuizRef, QuizScope, Reply
from core.kernel.reply_codec import encode_reply
from core.learning import views as learning_views
from core.learning.context import learner_context
from core.learning.library import Defaults, TrackLibrary
from core.learning.model import Snapshot
from core.learning.onboarding import Onboarding
from core.learning.tracks import TrackCatalog
from core.progress.charts import ChartRenderer
from core.quizzes.bank import QuestionBank
from core.quizzes.quizmaster import QuizMaster

if TYPE_CHECKING:
    from core.importing.markdown import ImportedTrack

log = logging.getLogger(__name__)

ROADMAPS_PARSED_AT_ONCE = 2


async def chosen_language(units: UnitOfWorkFactory[UnitOfWork], who: LearnerRef) -> str | None:
    """The learner's chosen language, or their app's: read before work that has no unit of
    its own yet (parsing a roadmap, downloading one)."""
    async with units(read_only=True) as uow:
        snapshot = await uow.learners.load(who)
    return snapshot.language if snapshot and snapshot.language else supported(who.language)


async def language_for_notes(units: UnitOfWorkFactory[UnitOfWork], who: LearnerRef) -> str | None:
    """The learner's chosen language, else their app's, for the notes an adapter sends of
    itself. Those come when something failed, so if even the choice cannot be read, the
    app's language serves rather than a second failure."""
    try:
        return await chosen_language(units, who)
    except Exception:
        log.warning("the language of %s could not be read for a note", who.external_id)
        return supported(who.language)


class Coach:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[UnitOfWork],
        clock: Clock,
        catalog: TrackCatalog,
        defaults: Defaults | None = None,
        questions: QuestionBank | None = None,
        charts: ChartRenderer | None = None,
        observer: Observer = UNOBSERVED,
        downloads: RoadmapDownloads | None = None,
        web_address: str | None = None,
    ) -> None:
        self.clock = clock
        self._downloads = downloads
        self._observer = observer
        self.defaults = defaults or Defaults()
        self.library = TrackLibrary(catalog)
        self.quizzes = QuizMaster(questions)
        self.charts = charts
        self._units = UpdateUnits(uow_factory, clock)
        self._uow_factory = uow_factory
        self._parsing = asyncio.Semaphore(ROADMAPS_PARSED_AT_ONCE)
        self._onboarding = Onboarding(self.library, self.defaults)
        self._learners = LearnerCommands(self.library, self.quizzes, charts, web_address)
        self._linking = Linking(self.library)
        self.groups = StudyGroups(self.library, self.defaults, self.quizzes)

    # -- updates -------------------------------------------------------------

    async def run(
        self,
        who: LearnerRef,
        command: Command | Unparsed,
        *,
        update_key: str | None = None,
        chat: ChatContext | None = None,
    ) -> Outcome:
        # Until the learner's own choice is read, their app's language speaks.
        with speaking(supported(who.language)):
            return await self._run(who, command, update_key=update_key, chat=chat)

    async def _run(
        self,
        who: LearnerRef,
        command: Command | Unparsed,
        *,
        update_key: str | None,
        chat: ChatContext | None,
    ) -> Outcome:
        started = perf_counter()
        if isinstance(command, Unparsed):
            meter = self._observer.update(who.platform, "unparsed")
            return self._units.answered(meter, views.unparsed(command), started)
        # Typed or pressed, a command counts under its own name: the work is the same.
        meter = self._observer.update(who.platform, command.name)
        if isinstance(command, Import) and looks_like_link(command.text):
            # Downloaded before any unit of work: a slow site holds no row lock.
            return await self.import_link(who, command.text, update_key=update_key)
        if command.private and chat is not None and not chat.answers_privately:
            reply = views.answered_in_private(command.name, chat.private_chat)
            return self._units.answered(meter, reply, started)

        async def work(uow: UnitOfWork) -> Outcome:
            return await self._route(uow, who, command, chat)

        return await self._units.handle(
            f"/{command.name}",
            work,
            update_key=update_key,
            claims=not command.read_only,
            meter=meter,
            started=started,
        )

    async def handle(
        self,
        who: LearnerRef,
        text: str,
        *,
        update_key: str | None = None,
        chat: ChatContext | None = None,
    ) -> Outcome:
        """What a learner typed."""
        return await self.run(who, parse(text), update_key=update_key, chat=chat)

    async def press(
        self,
        who: LearnerRef,
        action: str,
        *,
        update_key: str | None = None,
        chat: ChatContext | None = None,
    ) -> Outcome:
        """A button pressed: its action id is a command."""
        return await self.run(who, from_action(action), update_key=update_key, chat=chat)

    async def answer_quiz(
        self,
        who: LearnerRef,
        platform: str,
        poll_ref: str,
        option_ids: list[int],
        *,
        update_key: str | None = None,
    ) -> Outcome:
        """Grades an answer to a learner's quiz or a group's; unknown polls, second answers
        and other people's answers change nothing."""

        async def work(uow: UnitOfWork) -> Outcome:
            now = self.clock.now()
            quiz = await uow.quizzes.find(platform, poll_ref)
            if quiz is None:
                return await self.groups.answer_quiz(uow, who, platform, poll_ref, option_ids, now)
            snapshot = await uow.learners.load(who)
            with speaking(snapshot.language if snapshot and snapshot.language else language()):
                return await self.quizzes.answer(uow, who, quiz, option_ids, now)

        meter = self._observer.update(platform, "quiz_answer")
        with speaking(supported(who.language)):
            return await self._units.handle(
                "a quiz answer", work, update_key=update_key, meter=meter
            )

    async def import_roadmap(
        self, who: LearnerRef, filename: str, data: bytes, *, update_key: str | None = None
    ) -> Outcome:
        """A roadmap sent in chat: previewed and kept, then theirs once they confirm."""
        started = perf_counter()  # parsing is most of an import's work
        meter = self._observer.update(who.platform, "import")
        with speaking(await chosen_language(self._uow_factory, who)):
            # Reading a large roadmap takes seconds of CPU: off the event loop, a few at a
            # time, so everyone else's commands are answered meanwhile.
            async with self._parsing:
                imported = await asyncio.to_thread(parse_roadmap, filename, data)
            if isinstance(imported, Reply):
                return self._units.answered(meter, imported, started)

            async def work(uow: UnitOfWork) -> Outcome:
                return await keep_roadmap(uow, who, filename, imported, self.clock.now())

            return await self._units.handle(
                "an import", work, update_key=update_key, meter=meter, started=started
            )

    async def import_link(
        self, who: LearnerRef, link: str, *, update_key: str | None = None
    ) -> Outcome:
        """`/import LINK`: the roadmap downloaded, then read as a file sent in chat is."""
        started = perf_counter()
        with speaking(await chosen_language(self._uow_factory, who)):
            found: Downloaded | Reply = import_views.links_unavailable()
            if self._downloads is not None:
                got = await self._downloads.download(link, from_chat=True)
                found = Reply.text(got.reason) if isinstance(got, DownloadRefused) else got
        if isinstance(found, Reply):  # counted here: no import follows
            meter = self._observer.update(who.platform, "import")
            return self._units.answered(meter, found, started)
        return await self.import_roadmap(who, found.filename, found.data, update_key=update_key)

    async def quiz_posted(
        self, ref: QuizRef, platform: str, poll_ref: str, message_ref: str
    ) -> None:
        async def work(uow: UnitOfWork) -> None:
            if ref.scope is QuizScope.GROUP:
                await uow.group_quizzes.set_ref(
                    ref.id, platform=platform, poll_ref=poll_ref, message_ref=message_ref
                )
            else:
                await uow.quizzes.set_ref(ref.id, platform=platform, poll_ref=poll_ref)

        await self._units.record(work)

    async def language_of(self, who: LearnerRef) -> str | None:
        """The language `who` chose, else their app's: for what an adapter says itself."""
        return await language_for_notes(self._uow_factory, who)

    async def mark_unreachable(self, who: LearnerRef) -> None:
        async def work(uow: UnitOfWork) -> None:
            await uow.learners.set_reachable(who, reachable=False)

        await self._units.record(work)

    async def group_gone(self, chat: ChatRef) -> None:
        async def work(uow: UnitOfWork) -> None:
            await group_gone(uow, chat)

        await self._units.record(work)

    async def groups_gone(self, platform: str, parent: str) -> None:
        async def work(uow: UnitOfWork) -> None:
            await groups_gone(uow, platform, parent)

        await self._units.record(work)

    async def owe_reply(self, chat: ChatRef, reply: Reply) -> None:
        async def work(uow: UnitOfWork) -> None:
            await uow.outbox.enqueue_reply(chat, encode_reply(reply), at=self.clock.now())

        await self._units.record(work)

    async def share_track(self, imported: ImportedTrack, source: str) -> bool:
        """Makes an imported track available to every learner; False if it already was."""

        async def work(uow: UnitOfWork) -> bool:
            return await share_track(uow, imported, source, self.clock.now())

        return await self._units.record(work)

    # -- routing -------------------------------------------------------------

    async def _route(
        self, uow: UnitOfWork, who: LearnerRef, command: Command, chat: ChatContext | None
    ) -> Outcome:
        now = self.clock.now()
        if command.in_group:
            return await self.groups.run(uow, who, command, chat, now)
        if isinstance(command, Help):
            return views.help_text()
        snapshot = await uow.learners.load(who, lock=not command.read_only)
        if snapshot is not None and not snapshot.reachable:
            # They wrote to us, so they can be reached again.
            await uow.learners.set_reachable(who, reachable=True)
        with speaking(snapshot.language if snapshot and snapshot.language else language()):
            return await self._learner_route(uow, who, command, snapshot, now)

    async def _learner_route(
        self,
        uow: UnitOfWork,
        who: LearnerRef,
        command: Command,
        snapshot: Snapshot | None,
        now: datetime,
    ) -> Outcome:
        match command:
            case Start():
                return await self._onboarding.start(uow, who, snapshot, command, now)
            case Import():
                return await run_import(uow, self.library, snapshot, command)
            case Link():
                return await self._linking.link(uow, who, snapshot, command, now)
            case Web() if snapshot is not None:
                return await self._learners.web_link(uow, who, snapshot.learner_id, now)
            case Export() | Forget() if snapshot is not None:
                zone = snapshot.enrollment.zone if snapshot.enrollment else UTC
                owner = data.DataOwner(uow, snapshot.learner_id, now, now.astimezone(zone).date())
                if isinstance(command, Export):
                    return await data.export(owner)
                return await data.forget(owner, command)
        if snapshot is None or snapshot.enrollment is None:
            return (
                views.nothing_to_forget()
                if isinstance(command, Forget)
                else learning_views.not_started()
            )
        ctx = await learner_context(uow, self.library, who, snapshot, now)
        if ctx is None:
            return views.track_gone()
        return await self._learners.run(ctx, command)
