"""/group: a study group's setup and schedule, changed by the chat's admins; and the end of
a group when the bot is removed from its chat."""

from __future__ import annotations

import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

from core.groups import views
from core.groups.calendar import reschedule_group
from core.groups.membership import Members
from core.groups.model import NewStudyGroup, StudyGroup
from core.groups.ports import GroupUnitOfWork
from core.groups.standings import group_plan, group_week
from core.kernel.commands import Group
from core.kernel.refs import ChatContext, ChatRef, LearnerRef
from core.kernel.reply import Reply
from core.kernel.schedule import DEFAULT_QUIZ_DAYS
from core.kernel.settings_input import (
    Setting,
    SettingsInputError,
    parse_quiz_days,
    parse_study_days,
    parse_time,
    parse_timezone,
    setting_named,
)
from core.learning.library import Defaults, TrackLibrary
from core.learning.tracks import Track
from core.learning.views import days_text, unknown_track

log = logging.getLogger(__name__)

DEFAULT_REPORT_TIME = time(18, 0)
GROUP_SETTINGS = frozenset(
    {Setting.TIMEZONE, Setting.TIME, Setting.REPORT, Setting.DAYS, Setting.QUIZ, Setting.TRACK}
)
_SHOW, _SETUP, _OFF = {"", "show", "status", "info"}, {"setup", "start"}, {"off", "stop"}


def _change(group: StudyGroup, setting: Setting, value: str) -> str:
    """Applies one schedule setting; returns what changed, in words."""
    match setting:
        case Setting.TIMEZONE:
            group.timezone = parse_timezone(value)
            return f"The group's time zone is now {group.timezone}."
        case Setting.TIME:
            group.digest_time = parse_time(value)
            return f"The daily digest now comes at {group.digest_time:%H:%M}."
        case Setting.REPORT:
            group.report_time = parse_time(value)
            return f"The weekly report now comes at {group.report_time:%H:%M}."
        case Setting.DAYS:
            group.study_days = parse_study_days(value)
            return f"The group studies on {days_text(group.study_days)}."
        case Setting.QUIZ:
            group.quiz_days = parse_quiz_days(value)
            if not group.quiz_days:
                return "Group quizzes are off."
            return f"Group quizzes on {days_text(group.quiz_days)}."
    raise AssertionError(f"{setting} is not a group's schedule setting")


class GroupAdmin:
    def __init__(self, library: TrackLibrary, defaults: Defaults, members: Members) -> None:
        self._library = library
        self._defaults = defaults
        self._members = members

    async def group(
        self,
        uow: GroupUnitOfWork,
        who: LearnerRef,
        chat: ChatContext,
        command: Group,
        now: datetime,
    ) -> Reply:
        word, value = command.key.lower(), command.value.strip()
        group = await uow.groups.find(chat.chat, lock=word not in _SHOW)
        if word in _SHOW:
            return await self._status(uow, who, group, now)
        setting = setting_named(word)
        if word not in _SETUP | _OFF and setting not in GROUP_SETTINGS:
            return views.group_usage(word)
        if not await chat.is_admin():
            doing = "set up a study group" if word in _SETUP else "change the group's schedule"
            return views.admins_only(doing)
        if word in _SETUP:
            return await self._setup(uow, who, chat.chat, group, value, now)
        if group is None or not group.active:
            return views.not_a_group()
        if word in _OFF:
            await uow.groups.deactivate(group.id)
            return views.group_stopped()
        assert setting is not None
        return await self._change(uow, group, setting, value, now)

    async def _status(
        self, uow: GroupUnitOfWork, who: LearnerRef, group: StudyGroup | None, now: datetime
    ) -> Reply:
        if group is None or not group.active:
            return views.not_a_group()
        track = await self._library.load(uow.tracks, group.track_id)
        if track is None:
            return views.not_a_group()
        today = now.astimezone(group.zone).date()
        snapshot = await uow.learners.load(who)
        member = (
            snapshot is not None
            and await uow.groups.membership(group.id, snapshot.learner_id) is not None
        )
        count = await uow.groups.member_count(group.id)
        return views.group_status(group, track, group_plan(track, group, today), count, member)

    async def _choose(
        self, uow: GroupUnitOfWork, learner_id: int | None, name: str
    ) -> Track | Reply:
        """A track the learner may pick by name, or the reply listing the ones they may."""
        track = await self._library.choose(uow.tracks, learner_id, name)
        if track is not None:
            return track
        choices = await self._library.choosable(uow.tracks, learner_id)
        return unknown_track(name.strip().lower(), choices)

    async def _setup(
        self,
        uow: GroupUnitOfWork,
        who: LearnerRef,
        chat: ChatRef,
        group: StudyGroup | None,
        track_name: str,
        now: datetime,
    ) -> Reply:
        if group is not None and group.active:
            current = await self._library.load(uow.tracks, group.track_id)
            if current is not None:
                return views.already_set_up(current)
        snapshot = await uow.learners.load(who)
        track = await self._choose(
            uow, snapshot.learner_id if snapshot else None, track_name or self._defaults.track_id
        )
        if isinstance(track, Reply):
            return track
        own = snapshot.enrollment if snapshot else None
        timezone = own.timezone if own else self._defaults.timezone
        today = now.astimezone(ZoneInfo(timezone)).date()
        restarted = group is not None
        if group is None:
            group = await uow.groups.create(
                NewStudyGroup(
                    chat=chat,
                    track_id=track.id,
                    timezone=timezone,
                    digest_time=self._defaults.nudge_time,
                    report_time=DEFAULT_REPORT_TIME,
                    study_days=self._defaults.study_days,
                    quiz_days=DEFAULT_QUIZ_DAYS,
                    started_on=today,
                    next_digest_at=None,
                    next_report_at=None,
                ),
                at=now,
            )
        else:  # set up again after the bot was removed or the group switched off
            group.chat, group.track_id, group.started_on, group.active = chat, track.id, today, True
        reschedule_group(group, now)
        await uow.groups.save(group)
        await self._members.add(uow, who, group, track, snapshot, now)
        week = group_week(track, group.started_on, today)
        return views.group_set_up(group, track, week, restarted=restarted)

    async def _change(
        self, uow: GroupUnitOfWork, group: StudyGroup, setting: Setting, value: str, now: datetime
    ) -> Reply:
        try:
            if setting is Setting.TRACK:
                track = await self._choose(uow, None, value)
                if isinstance(track, Reply):
                    return track
                group.track_id = track.id
                group.started_on = now.astimezone(group.zone).date()
                summary = f"The group now follows {track.title}, from week 1 this week."
            else:
                summary = _change(group, setting, value)
        except SettingsInputError as problem:
            return Reply.text(str(problem), "Nothing was changed.")
        reschedule_group(group, now)
        await uow.groups.save(group)
        return views.group_changed(summary)


async def group_gone(uow: GroupUnitOfWork, chat: ChatRef) -> None:
    """The bot is out of a group chat: its schedule stops and pending posts are dropped."""
    group = await uow.groups.find(chat)
    if group is not None and group.active:
        dropped = await uow.groups.deactivate(group.id)
        log.info("group %s is gone; %s pending posts dropped", group.id, dropped)


async def groups_gone(uow: GroupUnitOfWork, platform: str, parent: str) -> None:
    """The bot left a Discord server: every study group in its channels is gone."""
    for group in await uow.groups.in_parent(platform, parent):
        await uow.groups.deactivate(group.id)
