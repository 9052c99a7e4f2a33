"""The use cases: each command is one unit of work that ends in a Reply."""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.accounts import linking
from core.groups import views as group_views
from core.groups.model import ChatContext, ChatRef
from core.groups.use_cases import GROUP_COMMANDS, GroupCoach
from core.importing.markdown import ImportedTrack, ImportRefused, import_markdown, preview
from core.kernel.clock import Clock
from core.kernel.commands import MAX_MESSAGE_CHARS, Command, Unparsed, parse
from core.kernel.errors import AlreadyDone, StorageError
from core.kernel.reply import Attachment, Button, Image, QuizQuestion, Reply
from core.kernel.schedule import DEFAULT_EVENING_TIME, next_nudge_at
from core.kernel.settings_input import (
    SettingsInputError,
    parse_quiet_hours,
    parse_quiz_days,
    parse_study_days,
    parse_time,
    parse_timezone,
)
from core.learning import views
from core.learning.activity import streak
from core.learning.pace import Pace
from core.learning.plan import WeekPlan, plan_week
from core.learning.tracks import BUILTIN_TRACK_ID, Item, ItemKind, Track, TrackCatalog
from core.ports import (
    Enrollment,
    LearnerRef,
    MergedEnrollment,
    NewEnrollment,
    QuizFigures,
    Snapshot,
    TrackRef,
    UnitOfWork,
    UnitOfWorkFactory,
)
from core.progress.charts import ChartRenderer, ProgressPicture, WeekBar
from core.quizzes.bank import QuestionBank, builtin_bank, next_review, pick_subject, shuffled
from core.quizzes.review import SELF_CHECK_LEVELS, Recall, review

log = logging.getLogger(__name__)

MAX_HOURS_PER_ENTRY = 12.0
MAX_NOTE_CHARS = 1000
DEFAULT_STUDY_DAYS = frozenset(range(6))  # Mon-Sat
IMPORTED_TRACKS_CACHED = 256
# Answering these twice changes nothing, so a redelivery of one needs no claim (a write).
READ_ONLY_COMMANDS = frozenset({"today", "week", "progress", "help", "export", "leaderboard"})


@dataclass(frozen=True)
class Defaults:
    timezone: str = "UTC"
    nudge_time: time = time(9, 0)
    study_days: frozenset[int] = DEFAULT_STUDY_DAYS
    track_id: str = BUILTIN_TRACK_ID
    pace: Pace = Pace.STANDARD


@dataclass
class Context:
    """One command's view of the learner, inside its unit of work."""

    uow: UnitOfWork
    who: LearnerRef
    snapshot: Snapshot
    enrollment: Enrollment
    track: Track
    now: datetime
    today: date

    def plan(self) -> WeekPlan:
        week = self.track.week(self.enrollment.current_week_id) or self.track.first_week
        return plan_week(
            week,
            opened_on=self.enrollment.week_opened_on,
            pace=self.enrollment.pace,
            study_days=self.enrollment.study_days,
            done_on=self.snapshot.week_done,
        )

    def streak(self) -> int:
        e = self.enrollment
        return streak(
            self.today,
            active=e.active_days,
            paused=e.paused_days,
            paused_since=e.paused_since,
            study_days=e.study_days,
        )


Handler = Callable[[Context, str], Awaitable[Reply]]


class Coach:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        catalog: TrackCatalog,
        defaults: Defaults | None = None,
        questions: QuestionBank | None = None,
        charts: ChartRenderer | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._catalog = catalog
        self._imported: dict[str, Track] = {}  # imported tracks never change, so caching is safe
        self._defaults = defaults or Defaults()
        self._questions = questions
        self._charts = charts  # None: /progress answers in text only
        self.groups = GroupCoach(self)
        self._handlers: dict[str, Handler] = {
            "today": self._today,
            "done": self._done,
            "undo": self._undo,
            "week": self._week,
            "progress": self._progress,
            "log": self._log,
            "note": self._note,
            "settings": self._settings,
            "pause": self._pause,
            "resume": self._resume,
            "export": self._export,
            "forget": self._forget,
            "quiz": self._quiz,
        }

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def defaults(self) -> Defaults:
        return self._defaults

    @property
    def charts(self) -> ChartRenderer | None:
        return self._charts

    async def handle(
        self,
        who: LearnerRef,
        text: str,
        *,
        update_key: str | None = None,
        chat: ChatContext | None = None,
    ) -> Reply:
        """A message typed by a learner, in a private chat or in the group chat `chat`.

        `update_key` names the platform update that carried it; an update delivered
        twice (a redelivery after a crash, a retried webhook) has its effect once, and
        the second delivery gets an empty Reply.
        """
        parsed = parse(text)
        if isinstance(parsed, Unparsed):
            return _unparsed_reply(parsed)
        return await self.run(who, parsed, update_key=update_key, chat=chat)

    async def press(
        self,
        who: LearnerRef,
        action: str,
        *,
        update_key: str | None = None,
        chat: ChatContext | None = None,
    ) -> Reply:
        """A button pressed by a learner: its action id is a command."""
        return await self.run(who, Command.from_action(action), update_key=update_key, chat=chat)

    async def run(
        self,
        who: LearnerRef,
        command: Command,
        *,
        update_key: str | None = None,
        chat: ChatContext | None = None,
    ) -> Reply:
        try:
            async with self._uow_factory() as uow:
                claims = update_key is not None and command.name not in READ_ONLY_COMMANDS
                if claims and not await uow.store.claim_update(update_key or ""):
                    return Reply()
                if command.name in GROUP_COMMANDS:
                    reply = await self.groups.run(uow, who, command, chat)
                else:
                    reply = await self._run(uow, who, command)
                if claims:
                    await uow.commit()  # the claim, also for a command that changed nothing
                return reply
        except StorageError:
            log.exception("storage failed during /%s", command.name)
            return views.apology()
        except Exception:
            log.exception("unexpected failure during /%s", command.name)
            return views.apology()

    async def mark_unreachable(self, who: LearnerRef) -> None:
        """The platform refuses to deliver to this identity (the user blocked the bot)."""
        async with self._uow_factory() as uow:
            await uow.store.set_reachable(who.platform, who.external_id, reachable=False)
            await uow.commit()

    async def _run(self, uow: UnitOfWork, who: LearnerRef, command: Command) -> Reply:
        if command.name == "help":
            return views.help_text()
        snapshot = await uow.store.load(who.platform, who.external_id)
        if snapshot is not None and not snapshot.reachable:
            # They wrote to us, so they can be reached again.
            await uow.store.set_reachable(who.platform, who.external_id, reachable=True)
            await uow.commit()
        if command.name == "start":
            return await self._start(uow, who, snapshot, command.args)
        if command.name == "import":
            return views.import_usage()
        if command.name == "link":
            return await self._link(uow, who, snapshot, command.args)
        handler = self._handlers.get(command.name)
        if handler is None:
            return views.unknown_command(command.name)
        if snapshot is None or snapshot.enrollment is None:
            if command.name == "forget":
                return Reply.text("I have no data about you. Send /start to begin.")
            return views.not_started()
        context = await self.context(uow, who, snapshot)
        if context is None:
            return Reply.text(
                "The track you were on is no longer available.",
                "Pick another with /settings track " + BUILTIN_TRACK_ID,
            )
        return await handler(context, command.args)

    async def context(self, uow: UnitOfWork, who: LearnerRef, snapshot: Snapshot) -> Context | None:
        """A started learner's view for a use case; None when their track is gone."""
        enrollment = snapshot.enrollment
        if enrollment is None:
            return None
        track = await self._track(uow, enrollment.track_id)
        if track is None:
            return None
        now = self._clock.now()
        return Context(
            uow=uow,
            who=who,
            snapshot=snapshot,
            enrollment=enrollment,
            track=track,
            now=now,
            today=now.astimezone(enrollment.zone).date(),
        )

    # -- onboarding ----------------------------------------------------------

    async def _start(
        self, uow: UnitOfWork, who: LearnerRef, snapshot: Snapshot | None, args: str
    ) -> Reply:
        if snapshot is not None and snapshot.enrollment is not None:
            track = await self._track(uow, snapshot.enrollment.track_id)
            week = track.week(snapshot.enrollment.current_week_id) if track else None
            return views.welcome_back(week)
        learner_id = snapshot.learner_id if snapshot else None
        choices = await self._choosable(uow, learner_id)
        wanted = args.strip().lower() or self._defaults.track_id
        if wanted not in {t.id for t in choices}:
            return views.unknown_track(wanted, choices)
        track = await self._track(uow, wanted)
        if track is None:
            raise LookupError(f"track {wanted!r} is listed but cannot be loaded")
        d = self._defaults
        now = self._clock.now()
        zone = ZoneInfo(d.timezone)
        enrollment = NewEnrollment(
            track_id=track.id,
            started_on=now.astimezone(zone).date(),
            pace=d.pace,
            timezone=d.timezone,
            study_days=d.study_days,
            nudge_time=d.nudge_time,
            current_week_id=track.first_week.id,
            next_nudge_at=next_nudge_at(now, zone=zone, at=d.nudge_time, study_days=d.study_days),
            next_evening_at=next_nudge_at(
                now, zone=zone, at=DEFAULT_EVENING_TIME, study_days=d.study_days
            ),
        )
        if snapshot is None:
            snapshot = await uow.store.create_learner(who, enrollment)
        else:
            snapshot.enrollment = await uow.store.create_enrollment(snapshot.learner_id, enrollment)
        await uow.commit()
        assert snapshot.enrollment is not None
        plan = plan_week(
            track.first_week,
            opened_on=snapshot.enrollment.week_opened_on,
            pace=snapshot.enrollment.pace,
            study_days=snapshot.enrollment.study_days,
            done_on={},
        )
        return views.welcome(track, plan, snapshot.enrollment, choices)

    # -- tracks --------------------------------------------------------------

    async def load_track(self, uow: UnitOfWork, track_id: str) -> Track | None:
        return await self._track(uow, track_id)

    async def choosable(self, uow: UnitOfWork, learner_id: int | None) -> list[TrackRef]:
        return await self._choosable(uow, learner_id)

    async def _track(self, uow: UnitOfWork, track_id: str) -> Track | None:
        track = self._catalog.get(track_id) or self._imported.get(track_id)
        if track is None:
            track = await uow.store.load_track(track_id)
            if track is not None:
                if len(self._imported) >= IMPORTED_TRACKS_CACHED:
                    del self._imported[next(iter(self._imported))]  # the oldest entry
                self._imported[track_id] = track
        return track

    async def _choosable(self, uow: UnitOfWork, learner_id: int | None) -> list[TrackRef]:
        """Tracks a learner may pick: the built-in ones, shared imports and their own."""
        builtin = [TrackRef(t.id, t.title) for t in self._catalog.all()]
        return builtin + await uow.store.visible_tracks(learner_id)

    async def import_roadmap(self, who: LearnerRef, filename: str, data: bytes) -> Reply:
        """A roadmap sent in chat: previewed and kept, then theirs once they confirm."""
        try:
            result = import_markdown(data, source=filename)
            if isinstance(result, ImportRefused):
                return Reply.text(result.reason, "Nothing was saved.")
            async with self._uow_factory() as uow:
                snapshot = await uow.store.load(who.platform, who.external_id)
                if snapshot is None:
                    snapshot = await uow.store.create_learner(who, None)
                await uow.store.save_track(
                    result.track, owner_learner_id=snapshot.learner_id, source=filename
                )
                await uow.commit()
            command = (
                Command("settings", f"track {result.track.id}")
                if snapshot.enrollment is not None
                else Command("start", result.track.id)
            )
            return views.import_preview(preview(result), result.track, command.as_action())
        except StorageError:
            log.exception("storage failed while importing a roadmap")
            return views.apology()

    # -- quizzes -------------------------------------------------------------

    @property
    def questions(self) -> QuestionBank:
        if self._questions is None:
            self._questions = builtin_bank()
        return self._questions

    async def ask_quiz(self, ctx: Context) -> Reply:
        """A quiz question for this learner now; a plain Reply when there is none to ask."""
        return await self._quiz(ctx, "")

    async def _quiz(self, ctx: Context, args: str) -> Reply:
        """Due reviews first, then new questions from this week and the ones before.

        The built-in track asks its bank's questions; an imported roadmap, which has none,
        asks how sure the learner is about each topic, feeding the same review schedule.
        """
        week = ctx.track.week(ctx.enrollment.current_week_id) or ctx.track.first_week
        studied = [w for w in ctx.track.weeks if w.number <= week.number]
        if ctx.track.id == BUILTIN_TRACK_ID:
            candidates = [q.id for q in self.questions.for_weeks(w.id for w in studied)]
        else:
            candidates = [
                self_check_subject(ctx.track, item.id)
                for w in studied
                for item in w.items
                if item.kind is ItemKind.LEARN
            ]
        if not candidates:
            return views.no_questions(ctx.track)
        due = await ctx.uow.store.review_due(ctx.snapshot.learner_id)
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
            options = tuple(label for label, _ in SELF_CHECK_LEVELS)
            correct, order, kind, explanation = -1, "", "self_check", ""
            text = f"How sure are you about “{item.title if item else subject}”?"
        quiz_id = await ctx.uow.store.add_quiz(
            ctx.snapshot.learner_id,
            kind=kind,
            question_id=subject,
            option_order=order,
            correct_option=correct,
            at=ctx.now,
        )
        await ctx.uow.commit()
        return Reply(quiz=QuizQuestion(text, options, correct, explanation, quiz_id=quiz_id))

    async def quiz_sent(self, quiz_id: int, platform: str, poll_ref: str) -> None:
        """Where an adapter put a quiz (a Telegram poll id, say), so its answers find it."""
        async with self._uow_factory() as uow:
            await uow.store.set_quiz_ref(quiz_id, platform=platform, poll_ref=poll_ref)
            await uow.commit()

    async def quiz_answered(
        self,
        who: LearnerRef,
        platform: str,
        poll_ref: str,
        option_ids: list[int],
        *,
        update_key: str | None = None,
    ) -> Reply:
        """Grades an answer. Unknown polls, second answers and other people's answers change
        nothing and get an empty Reply."""
        try:
            async with self._uow_factory() as uow:
                if update_key is not None and not await uow.store.claim_update(update_key):
                    return Reply()
                quiz = await uow.store.find_quiz(platform, poll_ref)
                if quiz is None:
                    reply = await self._group_quiz_answered(
                        uow, who, platform, poll_ref, option_ids
                    )
                    await uow.commit()
                    return reply
                snapshot = await uow.store.load(who.platform, who.external_id)
                if (
                    quiz is None
                    or quiz.answered
                    or snapshot is None
                    or snapshot.learner_id != quiz.learner_id
                ):
                    await uow.commit()
                    return Reply()
                if len(option_ids) != 1:
                    await uow.commit()
                    return Reply()  # a retracted vote
                chosen = option_ids[0]
                if quiz.kind == "self_check":
                    recall = SELF_CHECK_LEVELS[min(chosen, len(SELF_CHECK_LEVELS) - 1)][1]
                    correct = recall >= Recall.GOOD
                else:
                    correct = chosen == quiz.correct_option
                    recall = Recall.GOOD if correct else Recall.FORGOT
                now = self._clock.now()
                if not await uow.store.answer_quiz(quiz.id, chosen=chosen, correct=correct, at=now):
                    await uow.commit()
                    return Reply()
                card, due = review(
                    await uow.store.review_card(quiz.learner_id, quiz.question_id), recall, now
                )
                await uow.store.save_review(
                    quiz.learner_id,
                    quiz.question_id,
                    card=card,
                    due=due,
                    lapsed=recall is Recall.FORGOT,
                )
                await uow.commit()
            zone = snapshot.enrollment.zone if snapshot.enrollment else ZoneInfo("UTC")
            again_on = due.astimezone(zone).date()
            question = self.questions.get(quiz.question_id)
            if quiz.kind == "self_check" or question is None:
                return views.self_check_noted(again_on)
            return views.quiz_result(
                correct, question.options[question.answer], question.explanation, again_on
            )
        except StorageError:
            log.exception("storage failed while grading a quiz")
            return views.apology()

    async def _group_quiz_answered(
        self, uow: UnitOfWork, who: LearnerRef, platform: str, poll_ref: str, option_ids: list[int]
    ) -> Reply:
        """Anyone in the chat may answer a group quiz, once; members' answers count for them."""
        quiz = await uow.groups.find_group_quiz(platform, poll_ref)
        if quiz is None or len(option_ids) != 1:
            return Reply()
        if quiz.closed:
            return group_views.group_quiz_closed()
        snapshot = await uow.store.load(who.platform, who.external_id)
        correct = option_ids[0] == quiz.correct_option
        first = await uow.groups.answer_group_quiz(
            quiz.id,
            who,
            snapshot.learner_id if snapshot else None,
            chosen=option_ids[0],
            correct=correct,
            at=self._clock.now(),
        )
        if not first:
            return group_views.group_quiz_answered_already()
        question = self.questions.get(quiz.question_id)
        right = question.options[question.answer] if question else ""
        return group_views.group_quiz_result(correct, right)

    async def group_quiz_posted(
        self, quiz_id: int, platform: str, poll_ref: str, message_ref: str
    ) -> None:
        """Where a group quiz went: its answers find it by `poll_ref`, closing by message."""
        async with self._uow_factory() as uow:
            await uow.groups.set_group_quiz_ref(
                quiz_id, platform=platform, poll_ref=poll_ref, message_ref=message_ref
            )
            await uow.commit()

    async def group_gone(self, chat: ChatRef) -> None:
        """The bot is out of a group chat: its schedule stops and pending posts are dropped."""
        async with self._uow_factory() as uow:
            group = await uow.groups.find_group(chat.platform, chat.external_id)
            if group is not None and group.active:
                dropped = await uow.groups.deactivate_group(group.id)
                log.info("group %s is gone; %s pending posts dropped", group.id, dropped)
            await uow.commit()

    async def groups_gone(self, platform: str, parent: str) -> None:
        """The bot left a Discord server: every study group in its channels is gone."""
        async with self._uow_factory() as uow:
            for group in await uow.groups.groups_in(platform, parent):
                await uow.groups.deactivate_group(group.id)
            await uow.commit()

    async def share_track(self, imported: ImportedTrack, source: str) -> bool:
        """Makes an imported track available to every learner; False if it already was."""
        async with self._uow_factory() as uow:
            created = await uow.store.save_track(
                imported.track, owner_learner_id=None, source=source
            )
            await uow.commit()
        return created

    # -- the daily loop ------------------------------------------------------

    async def _today(self, ctx: Context, args: str) -> Reply:
        if ctx.enrollment.paused_since is not None:
            return views.paused(ctx.enrollment.paused_since)
        plan = ctx.plan()
        if plan.is_complete and ctx.track.week_after(plan.week.id) is None:
            return views.track_finished(ctx.track)
        return views.today(ctx.track, plan, ctx.today, ctx.enrollment.study_days, ctx.streak())

    async def _done(self, ctx: Context, args: str) -> Reply:
        e = ctx.enrollment
        if e.paused_since is not None:
            return views.paused(e.paused_since)
        plan = ctx.plan()
        words = args.lower().split()
        done_on = ctx.today
        if words and words[0] in {"yesterday", "y"}:
            done_on = ctx.today - timedelta(days=1)
            words = words[1:]
            if done_on < e.active_days.origin:
                return Reply.text("You started today, so there is no yesterday to credit yet.")
        if len(words) > 1:
            return views.done_usage(plan)
        if not words:
            target = plan.next_open()
            if target is None:
                return (
                    views.track_finished(ctx.track)
                    if ctx.track.week_after(plan.week.id) is None
                    else views.done_usage(plan)
                )
        elif words[0].isdigit():
            target = plan.by_number(int(words[0]))
            if target is None:
                return views.no_such_item(words[0], plan)
        else:
            target = plan.by_item_id(words[0])
            if target is None:
                # A button from an earlier week, or a typo.
                return views.stale_button() if "-" in words[0] else views.done_usage(plan)
        if target.done_on is not None:
            return views.already_done(target)

        completes_week = plan.done_count + 1 == len(plan.items)
        try:
            await ctx.uow.store.add_completion(
                e.id,
                week_id=plan.week.id,
                item_id=target.item.id,
                done_on=done_on,
                done_at=ctx.now,
                completes_week=completes_week,
            )
        except AlreadyDone:
            return views.already_done(target)

        changed = done_on not in e.active_days
        e.active_days = e.active_days.with_day(done_on)
        next_week = ctx.track.week_after(plan.week.id) if completes_week else None
        if next_week is not None:
            e.current_week_id = next_week.id
            e.week_opened_on = ctx.today
            changed = True
        if changed:
            await ctx.uow.store.save_enrollment(e)
        await ctx.uow.commit()

        ctx.snapshot.week_done = {**ctx.snapshot.week_done, target.item.id: done_on}
        if completes_week:
            ctx.snapshot.week_done = {}
            new_plan = ctx.plan() if next_week is not None else None
            return views.week_completed(ctx.track, plan.week, done_on, new_plan, ctx.streak())
        return views.ticked(
            target, ctx.plan(), ctx.today, ctx.streak(), credited_yesterday=done_on != ctx.today
        )

    async def _undo(self, ctx: Context, args: str) -> Reply:
        e = ctx.enrollment
        store = ctx.uow.store
        last = await store.last_completion(e.id)
        if last is None:
            return Reply.text("There is nothing to undo yet.")
        week = ctx.track.week(last.week_id)
        await store.delete_completion(last.id)
        if last.completes_week and week is not None:
            previous = ctx.track.week_before(week.id)
            opened = await store.week_completed_on(e.id, previous.id) if previous else None
            e.current_week_id = week.id
            e.week_opened_on = opened or e.started_on
        if not await store.any_completion_on(e.id, last.done_on):
            e.active_days = e.active_days.without_day(last.done_on)
        await store.save_enrollment(e)
        await ctx.uow.commit()
        item = week.item(last.item_id) if week else None
        return views.undone(item.title if item else last.item_id, reopened=last.completes_week)

    async def _week(self, ctx: Context, args: str) -> Reply:
        plan = ctx.plan()
        notes = await ctx.uow.store.week_notes(ctx.enrollment.id, plan.week.id)
        return views.week(ctx.track, plan, len(notes))

    async def _progress(self, ctx: Context, args: str) -> Reply:
        e = ctx.enrollment
        monday = ctx.today - timedelta(days=ctx.today.weekday())
        figures = await ctx.uow.store.progress(e.id, hours_from=monday, hours_to=ctx.today)
        quiz = await ctx.uow.store.quiz_figures(ctx.snapshot.learner_id, now=ctx.now)
        plan = ctx.plan()
        reply = views.progress(
            ctx.track, plan, e, figures, ctx.streak(), quiz, self._weakest(ctx.track, quiz)
        )
        if self._charts is None:
            return reply
        try:
            picture = await self._progress_picture(ctx, plan.week.number)
            png = await self._charts.progress(picture)
        except Exception:
            log.exception("the progress chart could not be drawn; answering in text")
            return reply
        return dataclasses.replace(reply, image=Image(png, views.PROGRESS_CHART_CAPTION))

    async def _progress_picture(self, ctx: Context, current_week: int) -> ProgressPicture:
        done_by_week: Counter[str] = Counter()
        done_by_day: Counter[date] = Counter()
        for record in await ctx.uow.store.completions(ctx.enrollment.id):
            done_by_week[record.week_id] += 1
            done_by_day[record.done_on] += 1
        return ProgressPicture(
            title=f"{ctx.track.title}: week {current_week} of {len(ctx.track.weeks)}",
            weeks=tuple(
                WeekBar(week.number, len(week.items), done_by_week[week.id])
                for week in ctx.track.weeks
            ),
            done_by_day=dict(done_by_day),
            today=ctx.today,
            current_week=current_week,
        )

    def _weakest(self, track: Track, quiz: QuizFigures, count: int = 3) -> list[str]:
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
        return [topic for _, _, topic in sorted(missed)[:count]]

    # -- logging -------------------------------------------------------------

    async def _log(self, ctx: Context, args: str) -> Reply:
        hours = parse_hours(args)
        if hours is None:
            return views.log_usage()
        if not 0 < hours <= MAX_HOURS_PER_ENTRY:
            return views.log_out_of_range(MAX_HOURS_PER_ENTRY)
        store = ctx.uow.store
        logged_today = await store.hours_on(ctx.snapshot.learner_id, ctx.today)
        if logged_today + hours > 24:
            return views.log_day_full(logged_today)
        await store.add_hours(
            ctx.snapshot.learner_id, ctx.enrollment.id, on=ctx.today, hours=hours, at=ctx.now
        )
        await ctx.uow.commit()
        return views.logged(hours, logged_today + hours, ctx.enrollment.pace)

    async def _note(self, ctx: Context, args: str) -> Reply:
        week_id = ctx.enrollment.current_week_id
        store = ctx.uow.store
        if not args:
            notes = await store.week_notes(ctx.enrollment.id, week_id)
            return views.notes(notes)
        if len(args) > MAX_NOTE_CHARS:
            return Reply.text(
                f"That note is {len(args):,} characters; keep a note under {MAX_NOTE_CHARS:,}.",
                "Split a long reflection into several /note messages.",
            )
        await store.add_note(
            ctx.snapshot.learner_id,
            ctx.enrollment.id,
            week_id=week_id,
            on=ctx.today,
            text=args,
            at=ctx.now,
        )
        await ctx.uow.commit()
        count = len(await store.week_notes(ctx.enrollment.id, week_id))
        return views.noted(count)

    # -- settings ------------------------------------------------------------

    async def _settings(self, ctx: Context, args: str) -> Reply:
        key, _, value = args.partition(" ")
        key, value = key.lower(), value.strip()
        if not key:
            choices = await self._choosable(ctx.uow, ctx.snapshot.learner_id)
            return views.settings(ctx.enrollment, ctx.track, choices)
        e = ctx.enrollment
        try:
            if key in {"tz", "timezone", "zone"}:
                e.timezone = parse_timezone(value)
                summary = f"Time zone set to {e.timezone}."
            elif key in {"time", "nudge", "at"}:
                e.nudge_time = parse_time(value)
                summary = f"Daily nudge set to {e.nudge_time:%H:%M} ({e.timezone})."
            elif key in {"days", "studydays", "study-days"}:
                e.study_days = parse_study_days(value)
                summary = f"Study days set to {views.days_text(e.study_days)}."
            elif key in {"evening", "evening-time", "checkin", "check-in"}:
                e.evening_time = parse_time(value)
                summary = f"Evening check-in set to {e.evening_time:%H:%M} ({e.timezone})."
            elif key in {"quiz", "quizdays", "quiz-days"}:
                e.quiz_days = parse_quiz_days(value)
                summary = (
                    f"Quiz questions on {views.days_text(e.quiz_days)}, at your daily plan time."
                    if e.quiz_days
                    else "Scheduled quiz questions are off; /quiz still asks one."
                )
            elif key in {"quiet", "quiet-hours", "quiethours"}:
                e.quiet_hours = parse_quiet_hours(value)
                summary = (
                    f"Quiet hours set to {e.quiet_hours} ({e.timezone}): nothing arrives then."
                    if e.quiet_hours
                    else "Quiet hours are off."
                )
            elif key == "pace":
                pace = Pace.parse(value)
                if pace is None:
                    raise SettingsInputError(
                        f"“{value}” is not a pace. Choose part-time, standard or accelerated."
                    )
                e.pace = pace
                summary = f"Pace set to {pace.profile.label.lower()} ({pace.profile.hours_text})."
            elif key == "track":
                return await self._switch_track(ctx, value)
            else:
                return views.settings_usage(key)
        except SettingsInputError as problem:
            return Reply.text(str(problem), "Nothing was changed.")
        reschedule(e, ctx.now)
        await ctx.uow.store.save_enrollment(e)
        await ctx.uow.commit()
        return Reply.text(summary, "See all settings with /settings.")

    async def _switch_track(self, ctx: Context, track_id: str) -> Reply:
        wanted = track_id.strip().lower()
        choices = await self._choosable(ctx.uow, ctx.snapshot.learner_id)
        track = await self._track(ctx.uow, wanted) if wanted in {t.id for t in choices} else None
        if track is None:
            return views.unknown_track(track_id, choices)
        if track.id == ctx.track.id:
            return Reply.text(f"You are already on {track.title}.")
        store = ctx.uow.store
        current = ctx.enrollment
        target = await store.find_enrollment(ctx.snapshot.learner_id, track.id)
        if target is None:
            target = await store.create_enrollment(
                ctx.snapshot.learner_id,
                NewEnrollment(
                    track_id=track.id,
                    started_on=ctx.today,
                    pace=current.pace,
                    timezone=current.timezone,
                    study_days=current.study_days,
                    nudge_time=current.nudge_time,
                    current_week_id=track.first_week.id,
                    next_nudge_at=None,
                    evening_time=current.evening_time,
                    quiz_days=current.quiz_days,
                    quiet_hours=current.quiet_hours,
                ),
            )
        await store.activate(ctx.snapshot.learner_id, target.id)
        # The nudges follow the learner to the track they picked.
        reschedule(target, ctx.now)
        await store.save_enrollment(target)
        await ctx.uow.commit()
        week = track.week(target.current_week_id) or track.first_week
        return Reply.text(
            f"Switched to {track.title}: week {week.number}, {week.title}.",
            f"Your progress on {ctx.track.title} is kept; switch back any time.",
        )

    async def _pause(self, ctx: Context, args: str) -> Reply:
        e = ctx.enrollment
        if e.paused_since is not None:
            return views.paused(e.paused_since)
        e.paused_since = ctx.today
        reschedule(e, ctx.now)
        await ctx.uow.store.save_enrollment(e)
        await ctx.uow.commit()
        return Reply.text(
            "Paused. No nudges, and your streak is safe while you are away.",
            "Send /resume when you are ready; your week picks up where you left it.",
        )

    async def _resume(self, ctx: Context, args: str) -> Reply:
        e = ctx.enrollment
        if e.paused_since is None:
            return Reply.text("You are not paused. /today shows what is next.")
        away = (ctx.today - e.paused_since).days
        e.paused_days = e.paused_days.with_days(
            e.paused_since + timedelta(days=n) for n in range(away)
        )
        # The plan shifts by the days away, so the break leaves nothing overdue.
        e.week_opened_on += timedelta(days=away)
        e.paused_since = None
        reschedule(e, ctx.now)
        await ctx.uow.store.save_enrollment(e)
        await ctx.uow.commit()
        return views.resumed(away)

    # -- one learner, several platforms ---------------------------------------

    async def _link(
        self, uow: UnitOfWork, who: LearnerRef, snapshot: Snapshot | None, args: str
    ) -> Reply:
        if not args:
            return await self._issue_link_code(uow, who, snapshot)
        code = linking.normalise_code(args)
        if code is None:
            return views.link_code_malformed()
        return await self._redeem_link_code(uow, who, snapshot, code)

    async def _issue_link_code(
        self, uow: UnitOfWork, who: LearnerRef, snapshot: Snapshot | None
    ) -> Reply:
        if snapshot is None:
            await uow.store.create_learner(who, None)
        code = linking.new_code()
        now = self._clock.now()
        await uow.store.issue_link_code(
            who, code_hash=linking.code_hash(code), at=now, expires_at=now + linking.CODE_TTL
        )
        await uow.commit()
        return views.link_code(code, who.platform, linking.CODE_TTL)

    async def _redeem_link_code(
        self, uow: UnitOfWork, who: LearnerRef, snapshot: Snapshot | None, code: str
    ) -> Reply:
        """Joins this identity's learner to the one that issued the code.

        Only a code that matches nothing counts against the guess limit; the other
        refusals (own code, already linked, same platform twice) change nothing at all.
        """
        store = uow.store
        now = self._clock.now()
        failures = await store.link_failures(who, since=now - linking.WRONG_CODE_WINDOW)
        if len(failures) >= linking.MAX_WRONG_CODES:
            retry_at = failures[-linking.MAX_WRONG_CODES] + linking.WRONG_CODE_WINDOW
            return views.link_locked(retry_at - now)
        hashed = linking.code_hash(code)
        found = await store.find_link_code(hashed, now=now)
        if found is None:
            await store.add_link_failure(who, at=now, forget_before=now - linking.WRONG_CODE_WINDOW)
            await uow.commit()
            return views.link_code_unknown(linking.MAX_WRONG_CODES - len(failures) - 1)
        issuer = found.issued_by
        if snapshot is not None and snapshot.learner_id == found.learner_id:
            same = (issuer.platform, issuer.external_id) == (who.platform, who.external_id)
            return views.link_own_code() if same else views.already_linked()
        theirs = [i.who for i in await store.identities(found.learner_id)]
        mine = [i.who for i in await store.identities(snapshot.learner_id)] if snapshot else [who]
        clash = {i.platform for i in theirs} & {i.platform for i in mine}
        if clash:
            return views.link_same_platform(linking.platform_name(min(clash)))
        if not await store.use_link_code(hashed, now=now):
            return views.link_code_unknown(None)  # redeemed by someone else a moment ago
        if snapshot is None:
            await store.add_identity(found.learner_id, who)
            merged_items, kept_settings = 0, True
        else:
            merged_items, kept_settings = await self._absorb(uow, found.learner_id, snapshot, now)
        await uow.commit()
        return views.linked(
            [issuer.platform, *(i.platform for i in theirs + mine)],
            issuer.platform,
            merged_items=merged_items,
            kept_settings=kept_settings,
        )

    async def _absorb(
        self, uow: UnitOfWork, survivor_id: int, absorbed: Snapshot, now: datetime
    ) -> tuple[int, bool]:
        """Folds the absorbed learner into the survivor. Returns how many done items came
        over, and whether the survivor's settings are the ones in force."""
        store = uow.store
        survivor = await store.learner_snapshot(survivor_id)
        survivor_active = survivor.enrollment if survivor else None
        own = {e.track_id: e for e in await store.enrollments(survivor_id)}
        merged: list[MergedEnrollment] = []
        came_over = 0
        for theirs in await store.enrollments(absorbed.learner_id):
            done = await store.completions(theirs.id)
            keep = own.get(theirs.track_id)
            if keep is None:
                came_over += len(done)
                continue
            track = await self._track(uow, theirs.track_id)
            pair = linking.merge_enrollments(
                keep, theirs, await store.completions(keep.id), done, track
            )
            came_over += pair.added
            merged.append(pair)
        await store.absorb_learner(survivor_id, absorbed.learner_id, merged)

        # The survivor's active track stays active; a survivor without one takes the other's.
        leading = survivor_active or absorbed.enrollment
        if leading is not None:
            active = await store.find_enrollment(survivor_id, leading.track_id)
            if active is not None:
                if survivor_active is None:
                    await store.activate(survivor_id, active.id)
                if active.next_nudge_at is None:  # moved over or reactivated: not scheduled
                    reschedule(active, now)
                    await store.save_enrollment(active)
        return came_over, survivor_active is not None or absorbed.enrollment is None

    # -- your data -----------------------------------------------------------

    async def _export(self, ctx: Context, args: str) -> Reply:
        data = await ctx.uow.store.export(ctx.snapshot.learner_id)
        data["exported_at"] = ctx.now.isoformat()
        content = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True).encode()
        accounts = [i.who for i in await ctx.uow.store.identities(ctx.snapshot.learner_id)]
        return Reply(
            blocks=views.export_blocks(accounts),
            attachment=Attachment(
                f"roadmap-coach-{ctx.today.isoformat()}.json", content, "application/json"
            ),
        )

    async def _forget(self, ctx: Context, args: str) -> Reply:
        answer = args.lower()
        if answer in {"confirm", "yes"}:
            await ctx.uow.store.forget(ctx.snapshot.learner_id)
            await ctx.uow.commit()
            return Reply.text(
                "Done: everything I kept about you is deleted.", "Send /start to begin afresh."
            )
        if answer in {"cancel", "no"}:
            return Reply.text("Kept. Nothing was deleted.")
        return Reply.text(
            "This deletes your progress, hours, notes and settings on every platform. It cannot be undone.",
            "You can /export a copy first. Delete everything?",
            buttons=(
                (
                    Button("Yes, delete everything", Command("forget", "confirm").as_action()),
                    Button("Cancel", Command("forget", "cancel").as_action()),
                ),
            ),
        )


def reschedule(e: Enrollment, now: datetime) -> None:
    """Sets when the coach next writes first; a paused learner hears nothing."""
    if e.paused_since is not None:
        e.next_nudge_at = e.next_evening_at = None
        return
    e.next_nudge_at = next_nudge_at(now, zone=e.zone, at=e.nudge_time, study_days=e.study_days)
    e.next_evening_at = next_nudge_at(now, zone=e.zone, at=e.evening_time, study_days=e.study_days)


_HOURS_ONLY = re.compile(r"(\d{1,3}(?:[.,]\d+)?)(?:h|hr|hrs|hours?)?")
_MINUTES_ONLY = re.compile(r"(\d{1,4})(?:m|min|mins|minutes?)")
_HOURS_AND_MINUTES = re.compile(r"(\d{1,3})h([0-5]?\d)(?:m|min|mins)?")


def parse_hours(text: str) -> float | None:
    """'1.5', '1,5', '1h', '90m', '1h30m' -> hours; anything else -> None."""
    value = text.strip().lower().replace(" ", "")
    if match := _HOURS_ONLY.fullmatch(value):
        return float(match[1].replace(",", "."))
    if match := _MINUTES_ONLY.fullmatch(value):
        return round(int(match[1]) / 60, 2)
    if match := _HOURS_AND_MINUTES.fullmatch(value):
        return round(int(match[1]) + int(match[2]) / 60, 2)
    return None


def _unparsed_reply(parsed: Unparsed) -> Reply:
    if parsed.reason == "too_long":
        return Reply.text(
            f"That message is longer than {MAX_MESSAGE_CHARS:,} characters, so I did not read it.",
            "Commands are short: /help lists them.",
        )
    if parsed.reason == "unknown_command":
        return views.unknown_command(parsed.word)
    return views.hint()


def self_check_subject(track: Track, item_id: str) -> str:
    return f"{track.id}/{item_id}"


def self_check_item(track: Track, subject: str) -> Item | None:
    _, _, item_id = subject.partition("/")
    return next((i for w in track.weeks for i in w.items if i.id == item_id), None)
