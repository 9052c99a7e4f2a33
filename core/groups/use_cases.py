"""Study group use cases: commands sent in a group chat, each one unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from core.groups import views as group_views
from core.groups.model import ChatContext, ChatRef, Membership, NewStudyGroup, Sharing, StudyGroup
from core.groups.standings import (
    GROUP_PACE,
    group_plan,
    group_week,
    last_study_day,
    monday_of,
    standings,
)
from core.kernel.commands import Command
from core.kernel.reply import Reply
from core.kernel.schedule import (
    DEFAULT_EVENING_TIME,
    DEFAULT_QUIZ_DAYS,
    local_instant,
    next_nudge_at,
)
from core.kernel.settings_input import (
    SettingsInputError,
    parse_quiz_days,
    parse_study_days,
    parse_time,
    parse_timezone,
)
from core.learning import views
from core.learning.tracks import Track
from core.ports import LearnerRef, NewEnrollment, Snapshot, UnitOfWork

if TYPE_CHECKING:
    from core.app.coach import Coach

GROUP_COMMANDS = frozenset({"group", "join", "leave", "leaderboard", "submit", "review", "share"})
DEFAULT_REPORT_TIME = time(18, 0)
MAX_SUBMISSION_CHARS = 1000
MAX_REVIEW_CHARS = 300
_SWITCHES = {"on": True, "yes": True, "off": False, "no": False}


def next_report_at(group: StudyGroup, now: datetime) -> datetime:
    """The weekly report: the group's last study day of the week, at its report time."""
    last_day = frozenset({last_study_day(group.study_days)})
    return next_nudge_at(now, zone=group.zone, at=group.report_time, study_days=last_day)


def reschedule_group(group: StudyGroup, now: datetime) -> None:
    if not group.active:
        group.next_digest_at = group.next_report_at = None
        return
    group.next_digest_at = next_nudge_at(
        now, zone=group.zone, at=group.digest_time, study_days=group.study_days
    )
    group.next_report_at = next_report_at(group, now)


def week_start_instant(group: StudyGroup, today: date) -> tuple[date, datetime]:
    monday = monday_of(today)
    return monday, local_instant(monday, time(0, 0), group.zone)


class GroupCall(NamedTuple):
    """A member command in an active group: everything its handler reads."""

    uow: UnitOfWork
    who: LearnerRef
    group: StudyGroup
    track: Track
    snapshot: Snapshot | None
    args: str

    async def membership(self) -> Membership | None:
        if self.snapshot is None:
            return None
        return await self.uow.groups.membership(self.group.id, self.snapshot.learner_id)


class GroupCoach:
    """The group side of the coach; it borrows the coach's tracks, clock and defaults."""

    def __init__(self, coach: Coach) -> None:
        self._coach = coach

    async def run(
        self, uow: UnitOfWork, who: LearnerRef, command: Command, chat: ChatContext | None
    ) -> Reply:
        if chat is None:
            return group_views.use_in_group(command.name)
        group = await uow.groups.find_group(chat.chat.platform, chat.chat.external_id)
        if command.name == "group":
            return await self._group(uow, who, chat, group, command.args)
        if group is None or not group.active:
            return group_views.not_a_group()
        track = await self._coach.load_track(uow, group.track_id)
        if track is None:
            return Reply.text(
                "The track this group follows is no longer available.",
                "An admin can pick another with /group track NAME.",
            )
        snapshot = await uow.store.load(who.platform, who.external_id)
        handler = {
            "join": self._join,
            "leave": self._leave,
            "leaderboard": self._leaderboard,
            "submit": self._submit,
            "review": self._review,
            "share": self._share,
        }[command.name]
        return await handler(GroupCall(uow, who, group, track, snapshot, command.args))

    def _now(self) -> datetime:
        return self._coach.clock.now()

    # -- /group: setup, schedule, off ---------------------------------------------------

    async def _group(
        self,
        uow: UnitOfWork,
        who: LearnerRef,
        chat: ChatContext,
        group: StudyGroup | None,
        args: str,
    ) -> Reply:
        word, _, value = args.partition(" ")
        word, value = word.lower(), value.strip()
        if word in {"", "show", "status", "info"}:
            return await self._status(uow, who, group)
        if word not in {"setup", "start", "off", "stop", *_GROUP_SETTINGS}:
            return group_views.group_usage(word)
        if not await chat.is_admin():
            action = (
                "set up a study group"
                if word in {"setup", "start"}
                else "change the group's schedule"
            )
            return group_views.admins_only(action)
        if word in {"setup", "start"}:
            return await self._setup(uow, who, chat.chat, group, value)
        if group is None or not group.active:
            return group_views.not_a_group()
        if word in {"off", "stop"}:
            await uow.groups.deactivate_group(group.id)
            await uow.commit()
            return group_views.group_stopped()
        return await self._change(uow, group, word, value)

    async def _status(self, uow: UnitOfWork, who: LearnerRef, group: StudyGroup | None) -> Reply:
        if group is None or not group.active:
            return group_views.not_a_group()
        track = await self._coach.load_track(uow, group.track_id)
        if track is None:
            return group_views.not_a_group()
        today = self._now().astimezone(group.zone).date()
        snapshot = await uow.store.load(who.platform, who.external_id)
        member = (
            snapshot is not None
            and await uow.groups.membership(group.id, snapshot.learner_id) is not None
        )
        count = await uow.groups.member_count(group.id)
        return group_views.group_status(
            group, track, group_plan(track, group, today), count, member
        )

    async def _setup(
        self,
        uow: UnitOfWork,
        who: LearnerRef,
        chat: ChatRef,
        group: StudyGroup | None,
        track_name: str,
    ) -> Reply:
        if group is not None and group.active:
            current = await self._coach.load_track(uow, group.track_id)
            if current is not None:
                return group_views.already_set_up(current)
        snapshot = await uow.store.load(who.platform, who.external_id)
        learner_id = snapshot.learner_id if snapshot else None
        track = await self._choose_track(
            uow, learner_id, track_name or self._coach.defaults.track_id
        )
        if isinstance(track, Reply):
            return track
        now = self._now()
        own = snapshot.enrollment if snapshot else None
        timezone = own.timezone if own else self._coach.defaults.timezone
        today = now.astimezone(ZoneInfo(timezone)).date()
        if group is None:
            group = await uow.groups.create_group(
                NewStudyGroup(
                    chat=chat,
                    track_id=track.id,
                    timezone=timezone,
                    digest_time=self._coach.defaults.nudge_time,
                    report_time=DEFAULT_REPORT_TIME,
                    study_days=self._coach.defaults.study_days,
                    quiz_days=DEFAULT_QUIZ_DAYS,
                    started_on=today,
                    next_digest_at=None,
                    next_report_at=None,
                )
            )
            restarted = False
        else:  # set up again after the bot was removed or the group switched off
            group.chat = chat
            group.track_id = track.id
            group.started_on = today
            group.active = True
            restarted = True
        reschedule_group(group, now)
        await uow.groups.save_group(group)
        await self._add_member(uow, who, group, track, snapshot)
        await uow.commit()
        return group_views.group_set_up(
            group, track, group_week(track, group.started_on, today), restarted=restarted
        )

    async def _change(self, uow: UnitOfWork, group: StudyGroup, word: str, value: str) -> Reply:
        try:
            if word in {"tz", "timezone", "zone"}:
                group.timezone = parse_timezone(value)
                summary = f"The group's time zone is now {group.timezone}."
            elif word in {"time", "digest", "at"}:
                group.digest_time = parse_time(value)
                summary = f"The daily digest now comes at {group.digest_time:%H:%M}."
            elif word in {"report", "report-time"}:
                group.report_time = parse_time(value)
                summary = f"The weekly report now comes at {group.report_time:%H:%M}."
            elif word in {"days", "studydays", "study-days"}:
                group.study_days = parse_study_days(value)
                summary = f"The group studies on {views.days_text(group.study_days)}."
            elif word in {"quiz", "quizdays", "quiz-days"}:
                group.quiz_days = parse_quiz_days(value)
                summary = (
                    f"Group quizzes on {views.days_text(group.quiz_days)}."
                    if group.quiz_days
                    else "Group quizzes are off."
                )
            else:  # track
                track = await self._choose_track(uow, None, value)
                if isinstance(track, Reply):
                    return track
                group.track_id = track.id
                group.started_on = self._now().astimezone(group.zone).date()
                summary = f"The group now follows {track.title}, from week 1 this week."
        except SettingsInputError as problem:
            return Reply.text(str(problem), "Nothing was changed.")
        reschedule_group(group, self._now())
        await uow.groups.save_group(group)
        await uow.commit()
        return group_views.group_changed(summary)

    async def _choose_track(
        self, uow: UnitOfWork, learner_id: int | None, name: str
    ) -> Track | Reply:
        """A track the learner may pick by name, or the reply listing the ones they may."""
        wanted = name.strip().lower()
        choices = await self._coach.choosable(uow, learner_id)
        track = (
            await self._coach.load_track(uow, wanted) if wanted in {t.id for t in choices} else None
        )
        return track if track is not None else views.unknown_track(wanted, choices)

    # -- membership ------------------------------------------------------------------

    async def _add_member(
        self,
        uow: UnitOfWork,
        who: LearnerRef,
        group: StudyGroup,
        track: Track,
        snapshot: Snapshot | None,
    ) -> tuple[bool, str]:
        """Adds `who` to the group, starting them on its track if they have no track yet.
        Returns whether they were new, and a note on their own track if it differs."""
        now = self._now()
        if snapshot is None:
            snapshot = await uow.store.create_learner(who, self._enrollment(group, track, now))
        elif snapshot.enrollment is None:
            existing = await uow.store.find_enrollment(snapshot.learner_id, track.id)
            if existing is None:
                existing = await uow.store.create_enrollment(
                    snapshot.learner_id, self._enrollment(group, track, now)
                )
            await uow.store.activate(snapshot.learner_id, existing.id)
        membership = await uow.groups.membership(group.id, snapshot.learner_id)
        if membership is not None:
            if membership.who != who:  # a new display name, or the same learner linked
                await uow.groups.save_member(replace(membership, who=who))
            return False, ""
        await uow.groups.add_member(
            Membership(group.id, snapshot.learner_id, who, joined_at=now, sharing=Sharing())
        )
        own = snapshot.enrollment
        if own is not None and own.track_id != track.id:
            on_track = await uow.store.find_enrollment(snapshot.learner_id, track.id)
            note = (
                f"Your own track is another one; your ticks on {track.title} count here. "
                f"Switch any time with /settings track {track.id}"
                + ("" if on_track is None else " (your progress there is kept)")
                + "."
            )
            return True, note
        return True, ""

    def _enrollment(self, group: StudyGroup, track: Track, now: datetime) -> NewEnrollment:
        zone = group.zone
        defaults = self._coach.defaults
        return NewEnrollment(
            track_id=track.id,
            started_on=now.astimezone(zone).date(),
            pace=GROUP_PACE,
            timezone=group.timezone,
            study_days=group.study_days,
            nudge_time=defaults.nudge_time,
            current_week_id=track.first_week.id,
            next_nudge_at=next_nudge_at(
                now, zone=zone, at=defaults.nudge_time, study_days=group.study_days
            ),
            next_evening_at=next_nudge_at(
                now, zone=zone, at=DEFAULT_EVENING_TIME, study_days=group.study_days
            ),
        )

    async def _join(self, call: GroupCall) -> Reply:
        uow, who, group, track, snapshot, _ = call
        new, note = await self._add_member(uow, who, group, track, snapshot)
        await uow.commit()
        if not new:
            return group_views.already_member()
        today = self._now().astimezone(group.zone).date()
        week = group_week(track, group.started_on, today)
        return group_views.joined(who.display_name or "new member", track, week, note)

    async def _leave(self, call: GroupCall) -> Reply:
        uow, who, group, _, snapshot, _ = call
        if snapshot is None or not await uow.groups.remove_member(group.id, snapshot.learner_id):
            return Reply.text("You are not in this group. /join takes you in.")
        await uow.commit()
        return group_views.left(who.display_name or "A member")

    async def _share(self, call: GroupCall) -> Reply:
        uow, args = call.uow, call.args
        membership = await call.membership()
        if membership is None:
            return group_views.not_member("choose what it sees")
        words = args.lower().split()
        if not words:
            return group_views.sharing(membership.sharing)
        if len(words) != 2 or words[1] not in _SWITCHES:
            return group_views.sharing_usage()
        key, on = words[0], _SWITCHES[words[1]]
        share = membership.sharing
        if key in {"done", "items"}:
            share = replace(share, done=on)
        elif key == "streak":
            share = replace(share, streak=on)
        elif key in {"quiz", "score"}:
            share = replace(share, quiz=on)
        elif key in {"mentions", "mention", "nudge"}:
            share = replace(share, mentions=on)
        elif key == "all":
            share = Sharing(done=on, streak=on, quiz=on, mentions=share.mentions)
        else:
            return group_views.sharing_usage()
        await uow.groups.save_member(replace(membership, sharing=share))
        await uow.commit()
        return group_views.sharing(share)

    # -- standings -------------------------------------------------------------------

    async def _leaderboard(self, call: GroupCall) -> Reply:
        uow, group, track = call.uow, call.group, call.track
        today = self._now().astimezone(group.zone).date()
        monday, since_at = week_start_instant(group, today)
        activity = await uow.groups.member_activity(group, since=monday, since_at=since_at)
        rows = standings(activity, week_start=monday, today=today)
        return group_views.leaderboard(group_plan(track, group, today), track, rows, monday)

    # -- practice projects -------------------------------------------------------------

    async def _submit(self, call: GroupCall) -> Reply:
        uow, who, group, track, snapshot, args = call
        membership = await call.membership()
        if snapshot is None or membership is None:
            return group_views.not_member("share a project")
        if not args or len(args) > MAX_SUBMISSION_CHARS:
            return group_views.submit_usage(MAX_SUBMISSION_CHARS)
        today = self._now().astimezone(group.zone).date()
        week = group_week(track, group.started_on, today)
        own = await uow.store.find_enrollment(snapshot.learner_id, track.id)
        if own is not None:
            week = track.week(own.current_week_id) or week
        number = await uow.groups.add_submission(
            group.id, snapshot.learner_id, week_id=week.id, text=args, at=self._now()
        )
        await uow.commit()
        record = await uow.groups.find_submission(group.id, number)
        assert record is not None
        return group_views.submitted(
            replace(record, author=who.display_name or record.author), week
        )

    async def _review(self, call: GroupCall) -> Reply:
        uow, who, group, _track, snapshot, args = call
        membership = await call.membership()
        if snapshot is None or membership is None:
            return group_views.not_member("review projects")
        number_text, _, comment = args.partition(" ")
        number_text = number_text.lstrip("#")
        comment = comment.strip()
        if not number_text.isdigit() or not comment or len(comment) > MAX_REVIEW_CHARS:
            return group_views.review_usage(MAX_REVIEW_CHARS)
        record = await uow.groups.find_submission(group.id, int(number_text))
        if record is None:
            return group_views.no_such_submission(int(number_text))
        if record.learner_id == snapshot.learner_id:
            return group_views.own_submission()
        first = await uow.groups.review_submission(
            record.id, snapshot.learner_id, comment=comment, at=self._now()
        )
        await uow.commit()
        return group_views.reviewed(record, who.display_name or "A member", comment, first=first)


_GROUP_SETTINGS = frozenset(
    {
        "tz",
        "timezone",
        "zone",
        "time",
        "digest",
        "at",
        "report",
        "report-time",
        "days",
        "studydays",
        "study-days",
        "quiz",
        "quizdays",
        "quiz-days",
        "track",
    }
)
