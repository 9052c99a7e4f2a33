"""A study group's page for its members: this week's standings (as far as each member
shares), the group's week and its schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.groups import views as group_views
from core.groups.calendar import Period, period_start_instant
from core.groups.model import ReviewedSubmission, ReviewRecord, StudyGroup
from core.groups.ports import GroupUnitOfWork
from core.groups.standings import Standing, group_plan, standings
from core.kernel import i18n
from core.learning.library import TrackLibrary
from core.learning.tracks import Track
from core.quizzes.bank import QuestionBank
from core.web import views
from core.web.pages import GroupLink

SUBMISSIONS_SHOWN = 10
QUIZZES_SHOWN = 5


@dataclass(frozen=True)
class QuizLine:
    day: date
    question: str
    answered: int
    right: int


@dataclass(frozen=True)
class SharedProject:
    number: int
    author: str  # "" for a member who left
    week: int | None  # the track week it was shared in; None if the track no longer has it
    text: str
    reviews: tuple[ReviewRecord, ...]


@dataclass(frozen=True)
class GroupPage:
    language: str
    title: str
    week_number: int
    week_title: str
    items: tuple[str, ...]
    standings: tuple[Standing, ...]
    you: int  # the learner looking: their row is marked
    schedule: tuple[str, ...]
    words: dict[str, str]
    submissions: tuple[SharedProject, ...] = ()  # the latest, the newest first
    quizzes: tuple[QuizLine, ...] = ()  # the latest closed group quizzes, the newest first

    @property
    def right_to_left(self) -> bool:
        return i18n.is_right_to_left(self.language)


async def member_groups(uow: GroupUnitOfWork, learner_id: int) -> tuple[GroupLink, ...]:
    return tuple(
        GroupLink(group.id, group.chat.title or views.unnamed_group())
        for group in await uow.groups.of_learner(learner_id)
    )


async def group_page(
    uow: GroupUnitOfWork,
    library: TrackLibrary,
    questions: QuestionBank,
    group: StudyGroup,
    you: int,
    now: datetime,
) -> GroupPage | None:
    """The group as one of its members sees it, in the language spoken; None when its
    track is gone."""
    track = await library.load(uow.tracks, group.track_id)
    if track is None:
        return None
    today = now.astimezone(group.zone).date()
    plan = group_plan(track, group, today)
    since, since_at = period_start_instant(group, today, Period.WEEK)
    activity = await uow.groups.member_activity(group, since=since, since_at=since_at)
    rows = standings(activity, track=track, week_start=since, today=today, now=now)
    return GroupPage(
        language=i18n.language(),
        title=group.chat.title or views.unnamed_group(),
        week_number=plan.week.number,
        week_title=plan.week.title,
        items=tuple(p.item.title for p in plan.items),
        standings=tuple(rows),
        you=you,
        schedule=tuple(group_views.schedule_lines(group, track)),
        words=views.group_words(),
        quizzes=tuple(
            QuizLine(
                r.local_date, _question(questions, r.question_id), r.tally.answered, r.tally.right
            )
            for r in await uow.group_quizzes.results(group.id, limit=QUIZZES_SHOWN)
        ),
        submissions=tuple(
            _shared(shared, track)
            for shared in await uow.projects.recent(group.id, limit=SUBMISSIONS_SHOWN)
        ),
    )


def _shared(shared: ReviewedSubmission, track: Track) -> SharedProject:
    s = shared.submission
    week = track.week(s.week_id)
    return SharedProject(s.number, s.author, week.number if week else None, s.text, shared.reviews)


def _question(questions: QuestionBank, question_id: str) -> str:
    question = questions.get(question_id)
    return question.question if question else ""
