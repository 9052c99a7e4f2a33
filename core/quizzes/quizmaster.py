"""A learner's quizzes: which question to ask now, grading the answer, and what is weakest.

The built-in track asks its bank's questions; an imported roadmap, which has none, asks
how sure the learner is about each topic, feeding the same review schedule.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from core.kernel.refs import LearnerRef
from core.kernel.reply import NOTHING_TO_SAY, NothingToSay, QuizQuestion, QuizRef, QuizScope, Reply
from core.learning.context import Context
from core.learning.tracks import BUILTIN_TRACK_ID, Item, ItemKind, Track
from core.quizzes import views
from core.quizzes.bank import QuestionBank, builtin_bank, next_review, pick_subject, shuffled
from core.quizzes.model import QuizFigures, QuizRecord
from core.quizzes.ports import QuizUnitOfWork
from core.quizzes.review import EVERY_DAY, KNOWN, SELF_CHECK_LEVELS, Recall, recall_at, review

SELF_CHECK = "self_check"


def self_check_subject(track: Track, item_id: str) -> str:
    return f"{track.id}/{item_id}"


def self_check_item(track: Track, subject: str) -> Item | None:
    item_id = subject.partition("/")[2]
    return next((i for w in track.weeks for i in w.items if i.id == item_id), None)


def _grade(quiz: QuizRecord, chosen: int) -> tuple[bool, Recall]:
    if quiz.kind == SELF_CHECK:
        recall = SELF_CHECK_LEVELS[min(chosen, len(SELF_CHECK_LEVELS) - 1)][1]
        return recall >= KNOWN, recall
    correct = chosen == quiz.correct_option
    return correct, Recall.GOOD if correct else Recall.FORGOT


class QuizMaster:
    def __init__(self, questions: QuestionBank | None = None) -> None:
        self._questions = questions

    @property
    def questions(self) -> QuestionBank:
        if self._questions is None:
            self._questions = builtin_bank()
        return self._questions

    def _candidates(self, ctx: Context[QuizUnitOfWork]) -> list[str]:
        """Subjects from this week and the ones before."""
        week = ctx.track.week(ctx.enrollment.current_week_id) or ctx.track.first_week
        studied = [w for w in ctx.track.weeks if w.number <= week.number]
        if ctx.track.id == BUILTIN_TRACK_ID:
            return [q.id for q in self.questions.for_weeks(w.id for w in studied)]
        return [
            self_check_subject(ctx.track, item.id)
            for w in studied
            for item in w.items
            if item.kind is ItemKind.LEARN
        ]

    async def ask(self, ctx: Context[QuizUnitOfWork]) -> Reply:
        """Due reviews first, then new questions; a plain Reply when there is none to ask."""
        candidates = self._candidates(ctx)
        if not candidates:
            return views.no_questions(ctx.track)
        due = await ctx.uow.reviews.due(ctx.learner_id)
        subject = pick_subject(candidates, due, ctx.now)
        if subject is None:
            upcoming = next_review(candidates, due)
            return views.quiz_caught_up(
                upcoming.astimezone(ctx.enrollment.zone).date() if upcoming else None
            )
        question = self.questions.get(subject)
        if question is not None:
            options, correct, order = shuffled(question, random.Random())
            kind, text, explanation = "quiz", question.question, question.explanation
        else:
            item = self_check_item(ctx.track, subject)
            options = views.self_check_options()
            correct, order, kind, explanation = -1, "", SELF_CHECK, ""
            text = views.self_check_question(item.title if item else subject)
        quiz_id = await ctx.uow.quizzes.add(
            ctx.learner_id,
            kind=kind,
            question_id=subject,
            option_order=order,
            correct_option=correct,
            at=ctx.now,
        )
        ref = QuizRef(QuizScope.LEARNER, quiz_id)
        title = views.quiz_title() if correct >= 0 else views.self_check_title()
        return Reply(quiz=QuizQuestion(text, options, correct, explanation, ref=ref, title=title))

    async def answer(
        self,
        uow: QuizUnitOfWork,
        who: LearnerRef,
        quiz: QuizRecord,
        option_ids: list[int],
        now: datetime,
    ) -> Reply | NothingToSay:
        """Grades a learner's own quiz. A second answer, someone else's answer or a retracted
        vote changes nothing."""
        snapshot = await uow.learners.load(who, lock=True)
        if quiz.answered or snapshot is None or snapshot.learner_id != quiz.learner_id:
            return NOTHING_TO_SAY
        if len(option_ids) != 1:
            return NOTHING_TO_SAY
        chosen = option_ids[0]
        correct, recall = _grade(quiz, chosen)
        if not await uow.quizzes.answer(quiz.id, chosen=chosen, correct=correct, at=now):
            return NOTHING_TO_SAY
        e = snapshot.enrollment
        zone = e.zone if e else ZoneInfo("UTC")
        card, due = review(
            await uow.reviews.card(quiz.learner_id, quiz.question_id),
            recall,
            now,
            study_days=e.study_days if e else EVERY_DAY,
            zone=zone,
        )
        await uow.reviews.save(
            quiz.learner_id, quiz.question_id, card=card, due=due, lapsed=recall is Recall.FORGOT
        )
        again_on = due.astimezone(zone).date()
        question = self.questions.get(quiz.question_id)
        if quiz.kind == SELF_CHECK or question is None:
            return views.self_check_noted(again_on)
        return views.quiz_result(
            correct, question.options[question.answer], question.explanation, again_on
        )

    def recall_by_week(
        self, track: Track, cards: Mapping[str, str], now: datetime
    ) -> dict[int, float]:
        """How much of each week is still remembered: the mean recall of its subjects'
        cards (questions on it, and self-checks of its items), by week number."""
        recalls: dict[int, list[float]] = {}
        for subject, card in cards.items():
            number = self.week_of(track, subject)
            if number is not None:
                recalls.setdefault(number, []).append(recall_at(card, now))
        return {n: sum(r) / len(r) for n, r in sorted(recalls.items())}

    def week_of(self, track: Track, subject: str) -> int | None:
        """The number of the week a card's subject belongs to: a question's week, or the
        week of a self-checked item."""
        question = self.questions.get(subject)
        if question is not None:
            week = track.week(question.week)
            return week.number if week else None
        item_id = subject.partition("/")[2]
        return next((w.number for w in track.weeks for i in w.items if i.id == item_id), None)

    def weakest(self, track: Track, quiz: QuizFigures, count: int = 3) -> list[str]:
        """Topics with misses, the lowest share of right answers first."""
        scores: dict[str, list[int]] = {}
        for subject, (answers, right) in quiz.by_subject.items():
            question = self.questions.get(subject)
            item = None if question else self_check_item(track, subject)
            topic = question.topic if question else (item.title if item else subject)
            total = scores.setdefault(topic, [0, 0])
            total[0] += answers
            total[1] += right
        missed = [
            (right / answers, -answers, topic)
            for topic, (answers, right) in scores.items()
            if right < answers
        ]
        return [topic for _share, _answers, topic in sorted(missed)[:count]]
