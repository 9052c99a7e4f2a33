"""/group: a study group's setup and schedule, changed by the chat's admins; and the end of
a group when the bot is removed from its chat."""

from __future__ import annotations

import logging
from datetime import datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from core.groups import views
from core.groups.calendar import reschedule_group
from core.groups.call import own_language, to_the_group
from core.groups.membership import Members
from core.groups.model import NewStudyGroup, StudyGroup
from core.groups.ports import GroupUnitOfWork
from core.groups.standings import group_plan, group_week
from core.kernel import i18n
from core.kernel.commands import Group
from core.kernel.i18n import LANGUAGES, messages, speaking, supported
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
from core.learning.model import Snapshot
from core.learning.tracks import Track
from core.learning.views import days_text, unknown_track

_, n_ = messages("groups")
log = logging.getLogger(__name__)

DEFAULT_REPORT_TIME = time(18, 0)
GROUP_SETTINGS = frozenset(
    {Setting.TIMEZONE, Setting.TIME, Setting.REPORT, Setting.DAYS, Setting.QUIZ, Setting.TRACK}
)
_SHOW, _SETUP, _OFF = {"", "show", "status", "info"}, {"setup", "start"}, {"off", "stop"}
_LANGUAGE = {"language", "lang"}


def _apply(group: StudyGroup, setting: Setting, value: str) -> None:
    """Applies one schedule setting; SettingsInputError says what would work instead."""
    match setting:
        case Setting.TIMEZONE:
            group.timezone = parse_timezone(value)
        case Setting.TIME:
            group.digest_time = parse_time(value)
        case Setting.REPORT:
            group.report_time = parse_time(value)
        case Setting.DAYS:
            group.study_days = parse_study_days(value)
        case Setting.QUIZ:
            group.quiz_days = parse_quiz_days(value)
        case _:
            raise AssertionError(f"{setting} is not a group's schedule setting")


def _changed(group: StudyGroup, setting: Setting, track: Track | None) -> str:
    """What a change of the schedule came to, in words."""
    match setting:
        case Setting.TRACK if track is not None:
            return _("The group now follows {track}, from week {number} this week.").format(
                track=track.title, number=i18n.number(1)
            )
        case Setting.TIMEZONE:
            return _("The group's time zone is now {zone}.").format(zone=group.timezone)
        case Setting.TIME:
            return _("The daily digest now comes at {time}.").format(
                time=i18n.clock_time(group.digest_time)
            )
        case Setting.REPORT:
            return _("The weekly report now comes at {time}.").format(
                time=i18n.clock_time(group.report_time)
            )
        case Setting.DAYS:
            return _("The group studies on {days}.").format(days=days_text(group.study_days))
        case Setting.QUIZ if group.quiz_days:
            return _("Group quizzes on {days}.").format(days=days_text(group.quiz_days))
        case Setting.QUIZ:
            return _("Group quizzes are off.")
    raise AssertionError(f"{setting} is not a group's schedule setting")


@cache
def _language_words() -> dict[str, str]:
    """Each language's name in each of the coach's languages, and its code: "persian",
    "فارسی", "персидский" -> "fa"."""
    from babel import Locale

    words = {"farsi": "fa"}
    for code in LANGUAGES:
        words[code] = code
        for other in LANGUAGES:
            name = Locale.parse(code).get_display_name(other)
            if name:
                words[name.lower()] = code
    return words


async def remember_admin(
    uow: GroupUnitOfWork,
    who: LearnerRef,
    chat: ChatContext,
    now: datetime,
    *,
    admin: bool,
) -> None:
    """Records what the platform just said of `who`'s admin rights in the chat's group, for
    the web view, which has no platform to ask. Only the platform's own word counts: a
    change made on the web does not renew it. An admin who never joined (a mentor) gets a
    learner row, with no track, so they can sign in to the web view."""
    if not chat.asks_the_platform:
        return
    group = await uow.groups.find(chat.chat)
    if group is None:
        return
    snapshot = await uow.learners.load(who)
    if snapshot is None:
        if not admin:
            return
        snapshot = await uow.learners.create(who, None, at=now)
    await uow.groups.set_admin(group.id, snapshot.learner_id, now if admin else None)


def language_named(text: str) -> str | None:
    """The coach's language a word names: "fa", "ru-RU", "Persian", "فارسی", "русский"."""
    word = text.strip().lower()
    return supported(word) or _language_words().get(word)


class GroupAdmin:
    """`/group`. What the whole chat sees (a setup, a change, the group switched off) is
    said in the group's language, a change of language in the new one; what only the
    admin sees (the schedule view, usage, refusals, errors) in the admin's own."""

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
        word = command.key.lower()
        group = await uow.groups.find(chat.chat, lock=word not in _SHOW)
        snapshot = await uow.learners.load(who)
        with speaking(own_language(who, snapshot)):
            if word in _SHOW:
                return await self._status(uow, group, snapshot, now)
            setting = setting_named(word)
            if word not in _SETUP | _OFF | _LANGUAGE and setting not in GROUP_SETTINGS:
                return views.group_usage(word)
            admin = await chat.is_admin()
            if not admin:
                await remember_admin(uow, who, chat, now, admin=False)
                change = "setup" if word in _SETUP else "language" if word in _LANGUAGE else ""
                return views.admins_only(change)
            reply = await self._admin_command(uow, who, chat, group, snapshot, command, now)
            await remember_admin(uow, who, chat, now, admin=True)
            return reply

    async def _admin_command(
        self,
        uow: GroupUnitOfWork,
        who: LearnerRef,
        chat: ChatContext,
        group: StudyGroup | None,
        snapshot: Snapshot | None,
        command: Group,
        now: datetime,
    ) -> Reply:
        word, value = command.key.lower(), command.value.strip()
        if word in _SETUP:
            return await self._setup(uow, who, chat.chat, group, snapshot, value, now)
        if group is None or not group.active:
            return views.not_a_group()
        if word in _OFF:
            await uow.groups.deactivate(group.id)
            with to_the_group(group):
                return views.group_stopped()
        if word in _LANGUAGE:
            return await self._language(uow, group, value)
        setting = setting_named(word)
        assert setting is not None
        return await self._change(uow, group, setting, value, now)

    async def _status(
        self,
        uow: GroupUnitOfWork,
        group: StudyGroup | None,
        snapshot: Snapshot | None,
        now: datetime,
    ) -> Reply:
        if group is None or not group.active:
            return views.not_a_group()
        track = await self._library.load(uow.tracks, group.track_id)
        if track is None:
            return views.not_a_group()
        today = now.astimezone(group.zone).date()
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
        snapshot: Snapshot | None,
        track_name: str,
        now: datetime,
    ) -> Reply:
        """A new group speaks the language of the admin who set it up; one set up again
        keeps its own."""
        if group is not None and group.active:
            current = await self._library.load(uow.tracks, group.track_id)
            if current is not None:
                return views.already_set_up(current)
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
                    language=own_language(who, snapshot),
                ),
                at=now,
            )
        else:  # set up again after the bot was removed or the group switched off
            group.chat, group.track_id, group.started_on, group.active = chat, track.id, today, True
        reschedule_group(group, now)
        await uow.groups.save(group)
        await self._members.add(uow, who, group, track, snapshot, now)
        week = group_week(track, group.started_on, today)
        with to_the_group(group):
            return views.group_set_up(group, track, week, restarted=restarted)

    async def _change(
        self, uow: GroupUnitOfWork, group: StudyGroup, setting: Setting, value: str, now: datetime
    ) -> Reply:
        track: Track | None = None
        try:
            if setting is Setting.TRACK:
                chosen = await self._choose(uow, None, value)
                if isinstance(chosen, Reply):
                    return chosen
                track = chosen
                group.track_id = track.id
                group.started_on = now.astimezone(group.zone).date()
            else:
                _apply(group, setting, value)
        except SettingsInputError as problem:
            return views.not_changed(str(problem))
        reschedule_group(group, now)
        await uow.groups.save(group)
        with to_the_group(group):
            return views.group_changed(_changed(group, setting, track))

    async def _language(self, uow: GroupUnitOfWork, group: StudyGroup, value: str) -> Reply:
        """`/group language fa`: the group's posts and answers to it speak it from now."""
        code = language_named(value)
        if code is None:
            return views.language_usage(value)
        group.language = code
        await uow.groups.save(group)
        with to_the_group(group):
            return views.group_changed(views.language_changed(code))


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
