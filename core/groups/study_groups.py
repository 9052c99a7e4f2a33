"""The study-group side of the coach: commands sent in a group chat, and answers to its
quizzes."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from core.groups import membership, projects, views
from core.groups.admin import GroupAdmin, remember_admin
from core.groups.call import GroupCall, own_language
from core.groups.membership import Members
from core.groups.model import GroupQuizRecord
from core.groups.ports import GroupUnitOfWork
from core.kernel.commands import (
    Command,
    Group,
    Join,
    Leaderboard,
    Leave,
    Review,
    Share,
    Submit,
)
from core.kernel.i18n import speaking
from core.kernel.refs import ChatContext, LearnerRef
from core.kernel.reply import NOTHING_TO_SAY, NothingToSay, Reply
from core.learning.library import Defaults, TrackLibrary
from core.learning.model import Snapshot
from core.quizzes.quizmaster import QuizMaster

C = TypeVar("C", bound=Command)


class StudyGroups:
    def __init__(self, library: TrackLibrary, defaults: Defaults, quizzes: QuizMaster) -> None:
        self._library = library
        self._quizzes = quizzes
        self._members = Members(defaults)
        self.admin = GroupAdmin(library, defaults, self._members)

    async def run(
        self,
        uow: GroupUnitOfWork,
        who: LearnerRef,
        command: Command,
        chat: ChatContext | None,
        now: datetime,
    ) -> Reply:
        """A command sent in a group chat, answered in the language of whoever reads it.

        An answer the whole chat sees (Visibility.CHAT: a welcome, the standings, a shared
        project, a change of the schedule) speaks the group's language, whoever asked. One
        only the sender sees (what they share, usage, refusals, the schedule view) speaks
        their own: their choice once they made one, their app's until then. Handlers speak
        the sender's language unless they compose inside `GroupCall.to_the_group()`."""
        if isinstance(command, Group) and chat is not None:
            return await self.admin.group(uow, who, chat, command, now)
        group = await uow.groups.find(chat.chat) if chat is not None else None
        snapshot = await uow.learners.load(who, lock=not command.read_only)
        with speaking(own_language(who, snapshot)):
            if chat is None:
                return views.use_in_group(command.name)
            if group is None or not group.active:
                return views.not_a_group()
            track = await self._library.load(uow.tracks, group.track_id)
            if track is None:
                return views.track_gone()

            def call(typed: C) -> GroupCall[C]:
                return GroupCall(uow, who, group, track, snapshot, typed, now)

            match command:
                case Join():
                    joined = await self._members.join(call(command))
                    # An admin who joins can run the group from the web view from now on.
                    await remember_admin(uow, who, chat, now, admin=await chat.is_admin())
                    return joined
                case Leave():
                    return await membership.leave(call(command))
                case Share():
                    return await membership.share(call(command))
                case Leaderboard():
                    return await projects.leaderboard(call(command))
                case Submit():
                    return await projects.submit(call(command))
                case Review():
                    return await projects.review(call(command))
        raise AssertionError(f"/{command.name} is not a group command")

    async def answer_quiz(
        self,
        uow: GroupUnitOfWork,
        who: LearnerRef,
        platform: str,
        poll_ref: str,
        option_ids: list[int],
        now: datetime,
    ) -> Reply | NothingToSay:
        """Anyone in the chat may answer a group quiz, once; members' answers count for them."""
        quiz = await uow.group_quizzes.find(platform, poll_ref)
        if quiz is None or len(option_ids) != 1:
            return NOTHING_TO_SAY
        snapshot = await uow.learners.load(who)
        with speaking(own_language(who, snapshot)):  # only the one answering sees it
            return await self._graded(uow, who, quiz, snapshot, option_ids[0], now)

    async def _graded(
        self,
        uow: GroupUnitOfWork,
        who: LearnerRef,
        quiz: GroupQuizRecord,
        snapshot: Snapshot | None,
        chosen: int,
        now: datetime,
    ) -> Reply:
        if quiz.closed:
            return views.group_quiz_closed()
        correct = chosen == quiz.correct_option
        first = await uow.group_quizzes.answer(
            quiz.id,
            who,
            snapshot.learner_id if snapshot else None,
            chosen=chosen,
            correct=correct,
            at=now,
        )
        if not first:
            return views.group_quiz_answered_already()
        question = self._quizzes.questions.get(quiz.question_id)
        right = question.options[question.answer] if question else ""
        return views.group_quiz_result(correct, right)
