"""The commands of a learner who has started a track: each to the part of the core that
carries it out, inside the command's unit of work."""

from __future__ import annotations

from datetime import datetime

from core.app import views
from core.app.ports import UnitOfWork
from core.buddies.service import buddy
from core.kernel.commands import (
    Buddy,
    Calendar,
    Choose,
    Command,
    Done,
    Focus,
    Log,
    Note,
    Pause,
    Plan,
    Progress,
    Quiz,
    Replan,
    Resume,
    Settings,
    Today,
    Undo,
    Week,
)
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning import calendar as study_calendar
from core.learning import choices, daily, focus, journal, replanning
from core.learning import settings as learner_settings
from core.learning.context import Context
from core.learning.library import TrackLibrary
from core.learning.settings import LearnerSettings
from core.progress.charts import ChartRenderer
from core.progress.plan_report import PlanReport
from core.progress.report import ProgressReport
from core.quizzes.quizmaster import QuizMaster
from core.web import access
from core.web import views as web_views


class LearnerCommands:
    def __init__(
        self,
        library: TrackLibrary,
        quizzes: QuizMaster,
        charts: ChartRenderer | None,
        web_address: str | None = None,
    ) -> None:
        self.library = library
        self.web_address = web_address  # where the web view is served; None: it is not
        self.quizzes = quizzes
        self._settings = LearnerSettings(library)
        self._progress = ProgressReport(quizzes, charts)
        self._plan = PlanReport(charts)

    async def run(self, ctx: Context[UnitOfWork], command: Command) -> Reply:
        """A command of a started learner, in the language already spoken."""
        match command:
            case Today():
                return await daily.today(ctx)
            case Done():
                return await daily.done(ctx, command)
            case Undo():
                return await daily.undo(ctx, command)
            case Week():
                return await daily.week(ctx, command)
            case Progress():
                return await self._progress.progress(ctx)
            case Log():
                return await journal.log_hours(ctx, command)
            case Note():
                return await journal.note(ctx, command)
            case Settings(key="buddy"):  # what a study buddy sees, as /buddy share sets it
                return await buddy(ctx, Buddy(f"share {command.value}"), self.library)
            case Settings():
                return await self._settings.settings(ctx, command)
            case Pause():
                return await learner_settings.pause(ctx, command)
            case Resume():
                return await learner_settings.resume(ctx)
            case Quiz():
                return await self.quizzes.ask(ctx)
            case Choose():
                return await choices.choose(ctx, command)
            case Calendar():
                return await study_calendar.calendar(ctx)
            case Plan():
                return await self._plan.plan(ctx)
            case Replan():
                return await replanning.replan(ctx, command)
            case Focus():
                return await focus.focus(ctx, command)
            case Buddy():
                return await buddy(ctx, command, self.library)
        return views.unknown_command(command.name)

    async def web_link(
        self, uow: UnitOfWork, who: LearnerRef, learner_id: int, now: datetime
    ) -> Reply:
        """`/web`, routed by the coach before any track is needed: a mentor who runs a
        group without one signs in too."""
        if self.web_address is None:
            return web_views.not_served()
        address = self.web_address.rstrip("/")
        token = await access.issue_link(uow, learner_id, now)
        # Telegram opens a Mini App only from an https address.
        inside = who.platform == "telegram" and address.startswith("https://")
        return web_views.link(
            f"{address}/signin/{token}", mini_app=f"{address}/telegram" if inside else None
        )
