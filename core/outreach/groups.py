"""What the coach posts to a study group: the daily digest, the group quiz and its close, the
weekly report and the monthly one. What a post says is decided when it goes, in the
group's language."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.groups import views
from core.groups.calendar import Period, month_end, period_start_instant, week_start_instant
from core.groups.model import MemberActivity, StudyGroup
from core.groups.standings import (
    behind,
    finished_yesterday,
    group_plan,
    kept_by_a_freeze,
    member_done,
    month_summary,
    standings,
    week_members,
    weeks_opening,
)
from core.kernel import i18n
from core.kernel.i18n import messages, speaking
from core.kernel.reply import Image, Mention, QuizQuestion, QuizRef, QuizScope, Reply, Visibility
from core.kernel.schedule import is_study_day
from core.learning.library import TrackLibrary
from core.learning.model import ProgressFigures
from core.learning.tracks import BUILTIN_TRACK_ID, Track
from core.outreach.model import Decision, Drop, Kind, OutboxItem, Send
from core.outreach.ports import OutreachUnitOfWork
from core.progress.charts import ChartRenderer, GroupWeekPicture
from core.quizzes.bank import Question, shuffled
from core.quizzes.quizmaster import QuizMaster

_, n_ = messages("outreach")
log = logging.getLogger(__name__)

GROUP_KINDS = frozenset(
    {Kind.GROUP_DIGEST, Kind.GROUP_QUIZ, Kind.GROUP_CLOSE, Kind.GROUP_REPORT, Kind.GROUP_MONTH}
)
# Posts that go whatever the weekday: a quiz closes when its time is up, a month ends when
# it ends.
ANY_DAY_KINDS = frozenset({Kind.GROUP_CLOSE, Kind.GROUP_MONTH})


def report_caption() -> str:
    return _("Items done this week by member; the bars show the leaders, the histogram all.")


@dataclass(frozen=True)
class _Today:
    uow: OutreachUnitOfWork
    group: StudyGroup
    track: Track
    today: date
    now: datetime
    item: OutboxItem


# What a post comes to: a reply, or why nothing is posted.
_Composer = Callable[[_Today], Coroutine[None, None, Reply | str]]


class GroupPosts:
    def __init__(
        self, library: TrackLibrary, quizzes: QuizMaster, charts: ChartRenderer | None
    ) -> None:
        self._library = library
        self._quizzes = quizzes
        self._charts = charts
        self._composers: dict[Kind, _Composer] = {
            Kind.GROUP_DIGEST: self._digest,
            Kind.GROUP_QUIZ: self._quiz,
            Kind.GROUP_CLOSE: self._close,
            Kind.GROUP_REPORT: self._report,
            Kind.GROUP_MONTH: self._month,
        }

    async def compose(
        self,
        uow: OutreachUnitOfWork,
        item: OutboxItem,
        platforms: Collection[str],
        now: datetime,
    ) -> Decision:
        group = await uow.groups.get(item.recipient.id)
        if group is None or not group.active:
            return Drop("the group is gone")
        if group.chat.platform not in platforms:
            return Drop(f"{group.chat.platform} is not running")
        track = await self._library.load(uow.tracks, group.track_id)
        if track is None:
            return Drop("track no longer available")
        day = _Today(uow, group, track, now.astimezone(group.zone).date(), now, item)
        if item.kind not in GROUP_KINDS:
            return Drop(f"unknown kind {item.kind!r}")
        kind = Kind(item.kind)
        if kind is not Kind.GROUP_CLOSE and day.today != item.local_date:
            return Drop(f"out of date: meant for {item.local_date.isoformat()}")
        if kind not in ANY_DAY_KINDS and not is_study_day(day.today, group.study_days):
            return Drop("rest day")
        with speaking(group.language):
            reply = await self._composers[kind](day)
        if isinstance(reply, str):
            return Drop(reply)
        return Send(group.chat, reply, kind.value.removeprefix("group_"))

    async def _digest(self, day: _Today) -> Reply | str:
        group, track = day.group, day.track
        yesterday = day.today - timedelta(days=1)
        monday, since_at = week_start_instant(group, day.today)
        activity = await day.uow.groups.member_activity(
            group, since=min(yesterday, monday), since_at=since_at
        )
        if not activity:
            return "no members"
        plan = group_plan(track, group, day.today)
        catching_up = [
            Mention(m.membership.who.external_id, m.membership.who.display_name or _("member"))
            for m in behind(activity, track, plan.week)
        ]
        return views.digest(
            plan,
            track,
            day.today,
            group.study_days,
            finished_yesterday(activity, track, yesterday),
            catching_up,
            frozen=kept_by_a_freeze(activity, track, day.now),
        )

    async def _todays_question(
        self, day: _Today, week_number: int, this_week: str
    ) -> tuple[Question, tuple[str, ...], int, int] | str:
        """The day's question (the same one again if it was composed but never posted),
        its options in the order shown, the right one's position, and the quiz id."""
        bank = self._quizzes.questions
        quizzes = day.uow.group_quizzes
        existing = await quizzes.on_day(day.group.id, day.today)
        if existing is not None:
            if existing.message_ref is not None:
                return "today's group quiz was posted already"
            question = bank.get(existing.question_id)
            if question is None:
                return "the question is no longer in the bank"
            order = [int(i) for i in existing.option_order.split(",")]
            options = tuple(question.options[i] for i in order)
            return question, options, existing.correct_option, existing.id
        studied = [w.id for w in day.track.weeks if w.number <= week_number]
        asked = await quizzes.asked(day.group.id)
        fresh = [q for q in bank.for_weeks(studied) if q.id not in asked]
        if not fresh:
            return "every question was asked in this group"
        question = random.choice([q for q in fresh if q.week == this_week] or fresh)
        options, correct, order_text = shuffled(question, random.Random())
        added = await quizzes.add(
            day.group.id,
            question_id=question.id,
            option_order=order_text,
            correct_option=correct,
            local_date=day.today,
            at=day.now,
        )
        if added is None:
            return "today's group quiz was posted already"
        return question, options, correct, added

    async def _quiz(self, day: _Today) -> Reply | str:
        if day.track.id != BUILTIN_TRACK_ID:
            return "this track has no question bank"
        plan = group_plan(day.track, day.group, day.today)
        chosen = await self._todays_question(day, plan.week.number, plan.week.id)
        if isinstance(chosen, str):
            return chosen
        question, options, correct, quiz_id = chosen
        return Reply(
            blocks=(views.group_quiz_intro(plan.week),),
            quiz=QuizQuestion(
                question.question,
                options,
                correct,
                question.explanation,
                ref=QuizRef(QuizScope.GROUP, quiz_id),
                title=views.group_quiz_title(),
            ),
            visibility=Visibility.CHAT,
        )

    async def _close(self, day: _Today) -> Reply | str:
        quiz = await day.uow.group_quizzes.on_day(day.group.id, day.item.local_date)
        if quiz is None or quiz.message_ref is None:
            return "the day's group quiz was not posted"
        # Closing twice (a retried send) changes nothing and tallies the same answers.
        tally = await day.uow.group_quizzes.close(quiz.id, at=day.now)
        question = self._quizzes.questions.get(quiz.question_id)
        if question is None:
            return "the question is no longer in the bank"
        return views.group_quiz_summary(
            question.question,
            question.options[question.answer],
            question.explanation,
            tally,
            quiz.message_ref,
        )

    async def _report(self, day: _Today) -> Reply | str:
        group, track = day.group, day.track
        monday, since_at = week_start_instant(group, day.today)
        activity = await day.uow.groups.member_activity(group, since=monday, since_at=since_at)
        if not activity:
            return "no members"
        plan = group_plan(track, group, day.today)
        rows = standings(activity, track=track, week_start=monday, today=day.today, now=day.now)
        figures = await day.uow.groups.week_figures(group.id, since_at=since_at)
        done = [member_done(m, monday, day.today) for m in activity]
        reply = views.weekly_report(
            plan, track, rows, len(activity), sum(1 for d in done if d), sum(done), figures
        )
        if self._charts is None:
            return reply
        picture = GroupWeekPicture(
            title=_("{track}: week {number}").format(
                track=track.title, number=i18n.number(plan.week.number)
            ),
            planned=len(plan.items),
            members=tuple(
                week_members(activity, track, week_start=monday, today=day.today, now=day.now)
            ),
        )
        try:
            png = await self._charts.group_week(picture)
        except Exception:
            log.exception("the group chart could not be drawn; reporting in text")
            return reply
        return Reply(
            blocks=reply.blocks, image=Image(png, report_caption()), visibility=Visibility.CHAT
        )

    async def _month(self, day: _Today) -> Reply | str:
        group, track = day.group, day.track
        first, since_at = period_start_instant(group, day.today, Period.MONTH)
        activity = await day.uow.groups.member_activity(group, since=first, since_at=since_at)
        if not activity:
            return "no members"
        # The month's standings are /leaderboard month's, sharing and ties alike.
        rows = standings(activity, track=track, week_start=first, today=day.today, now=day.now)
        progress = await _month_progress(day.uow, activity, first, day.today)
        month = month_summary(
            activity,
            rows,
            progress,
            started_on=group.started_on,
            first_day=first,
            today=day.today,
            since_at=since_at,
        )
        figures = await day.uow.groups.week_figures(group.id, since_at=since_at)
        next_first = month_end(day.today) + timedelta(days=1)
        opening = weeks_opening(track, group.started_on, next_first, month_end(next_first))
        return views.monthly_report(month, figures, track, opening, next_first)


async def _month_progress(
    uow: OutreachUnitOfWork, members: list[MemberActivity], first: date, last: date
) -> dict[int, ProgressFigures]:
    """Hours and weeks completed on the group's track, for the members who share what they
    do: a read per member, once a month."""
    return {
        member.membership.learner_id: await uow.ticks.progress(
            member.enrollment.id, hours_from=first, hours_to=last
        )
        for member in members
        if member.enrollment is not None and member.membership.sharing.done
    }
