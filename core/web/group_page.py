"""A study group's page for its members and admins: this week's standings (as far as each
member shares), the group's week and its schedule, which admins change there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from core.groups import views as group_views
from core.groups.calendar import Period, period_start_instant
from core.groups.model import ReviewedSubmission, ReviewRecord, StudyGroup
from core.groups.ports import GroupUnitOfWork
from core.groups.standings import Standing, group_plan, standings
from core.kernel import i18n
from core.kernel.settings_input import typed_days
from core.learning.library import TrackLibrary
from core.learning.tracks import Track
from core.quizzes.bank import QuestionBank
from core.web import views
from core.web.pages import GroupLink

SUBMISSIONS_SHOWN = 10
# How long the platform's word that a member is an admin holds on the web, where it cannot
# be asked: rights taken away in the chat stop working here within this, or at the next
# group command they send there.
ADMIN_REMEMBERED_FOR = timedelta(days=30)
GROUP_SETTINGS = ("tz", "time", "report", "days", "quiz", "language")
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
    you: int  # the learner looking: their row is marked (an admin may have none)
    schedule: tuple[str, ...]
    words: dict[str, str]
    submissions: tuple[SharedProject, ...] = ()  # the latest, the newest first
    quizzes: tuple[QuizLine, ...] = ()  # the latest closed group quizzes, the newest first
    # For an admin (as the platform last said, within ADMIN_REMEMBERED_FOR): the schedule
    # as `/group` takes it, to change on the page; None for other members.
    schedule_typed: dict[str, str] | None = None
    languages: dict[str, str] = field(default_factory=dict)  # each language's own name

    @property
    def right_to_left(self) -> bool:
        return i18n.is_right_to_left(self.language)


async def own_groups(uow: GroupUnitOfWork, learner_id: int, now: datetime) -> tuple[GroupLink, ...]:
    """The groups the learner is in, then those they run without being in them."""
    groups = await uow.groups.of_learner(learner_id)
    member_of = {group.id for group in groups}
    runs = await uow.groups.administered(learner_id, since=now - ADMIN_REMEMBERED_FOR)
    groups += [group for group in runs if group.id not in member_of]
    return tuple(GroupLink(group.id, group.chat.title or views.unnamed_group()) for group in groups)


async def is_remembered_admin(
    uow: GroupUnitOfWork, group_id: int, learner_id: int, now: datetime
) -> bool:
    """Whether the platform said, within ADMIN_REMEMBERED_FOR, that the learner may change
    the group."""
    since = await uow.groups.admin_since(group_id, learner_id)
    return since is not None and now - since <= ADMIN_REMEMBERED_FOR


def schedule_typed(group: StudyGroup) -> dict[str, str]:
    """The group's schedule as an admin would type it after `/group`."""
    return {
        "tz": group.timezone,
        "time": f"{group.digest_time:%H:%M}",
        "report": f"{group.report_time:%H:%M}",
        "days": typed_days(group.study_days),
        "quiz": typed_days(group.quiz_days),
        "language": group.language,
    }


async def group_page(
    uow: GroupUnitOfWork,
    library: TrackLibrary,
    questions: QuestionBank,
    group: StudyGroup,
    viewer: int,
    now: datetime,
    *,
    admin: bool,
) -> GroupPage | None:
    """The group as `viewer` (a member, or an admin) sees it, in the language spoken; None
    when its track is gone."""
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
        you=viewer,
        schedule_typed=schedule_typed(group) if admin else None,
        languages={code: i18n.as_typed(i18n.NAMES[code]) for code in i18n.LANGUAGES},
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
