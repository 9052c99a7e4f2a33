"""The study-group side of the coach: commands sent in a group chat, and answers to its
quizzes."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from core.groups import membership, projects, views
from core.groups.admin import GroupAdmin
from core.groups.call import GroupCall
from core.groups.membership import Members
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
from core.kernel.refs import ChatContext, LearnerRef
from core.kernel.reply import NOTHING_TO_SAY, NothingToSay, Reply
from core.learning.library import Defaults, TrackLibrary
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
        if chat is None:
            return views.use_in_group(command.name)
        if isinstance(command, Group):
            return await self.admin.group(uow, who, chat, command, now)
        group = await uow.groups.find(chat.chat)
        if group is None or not group.active:
            return views.not_a_group()
        track = await self._library.load(uow.tracks, group.track_id)
        if track is None:
            return Reply.text(
                "The track this group follows is no longer available.",
                "An admin can pick another with /group track NAME.",
            )
        snapshot = await uow.learners.load(who, lock=not command.read_only)

        def call(typed: C) -> GroupCall[C]:
            return GroupCall(uow, who, group, track, snapshot, typed, now)

        match command:
            case Join():
                return await self._members.join(call(command))
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
        if quiz.closed:
            return views.group_quiz_closed()
        snapshot = await uow.learners.load(who)
        correct = option_ids[0] == quiz.correct_option
        first = await uow.group_quizzes.answer(
            quiz.id,
            who,
            snapshot.learner_id if snapshot else None,
            chosen=option_ids[0],
            correct=correct,
            at=now,
        )
        if not first:
            return views.group_quiz_answered_already()
        question = self._quizzes.questions.get(quiz.question_id)
        right = question.options[question.answer] if question else ""
        return views.group_quiz_result(correct, right)
