"""Nudges in the terminal: the console adapter's messenger prints into the running chat."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.console import ConsoleChat, ConsoleMessenger
from core.app.coach import Coach
from core.kernel import i18n
from core.kernel.clock import FrozenClock
from core.kernel.i18n import written_right_to_left
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.tracks import BuiltinCatalog
from core.outreach.service import Outreach
from core.progress.charts import ChartRenderer
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from scheduler.sender import Sender
from tests.conftest import Learner
from tests.fakes import pseudo_locale


async def test_the_plan_and_a_quiz_arrive_in_the_console_and_the_quiz_can_be_answered(
    engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> None:
    who = LearnerRef("console", "local", "Ada")
    out = io.StringIO()
    chat = ConsoleChat(coach, who, io.StringIO(), out, interactive=False)
    outreach = Outreach(coach, SqlUnitOfWorkFactory(make_sessions(engine)), clock)
    sender = Sender(outreach, {"console": ConsoleMessenger(chat)}, worker="console")
    await coach.handle(who, "/start")

    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))  # Monday: the plan and a question
    await outreach.enqueue_due()
    while await sender.drain_once():
        pass
    printed = out.getvalue()
    assert "Good morning! Here is your plan." in printed
    assert "(type the number of your answer)" in printed

    # The quiz came after the plan: its numbers are the quiz's, and the answer says so.
    graded = await chat.send("1")
    assert isinstance(graded, Reply) and "again" in graded.plain_text().lower()
    assert "(message 2, option 1)" in out.getvalue()


async def test_numbers_answer_the_latest_message_that_offered_them_or_say_the_range(
    coach: Coach, tmp_path: Path
) -> None:
    who = LearnerRef("console", "local", "Ada")
    out = io.StringIO()
    chat = ConsoleChat(coach, who, io.StringIO(), out, interactive=True, pictures=tmp_path)
    assert "none is open" in _text(await chat.send("1"))
    await chat.show(_reply(await chat.send("/start")))
    await chat.show(_reply(await chat.send("/today")))  # message 2: a ✓ per item
    assert "offers choices 1 to" in _text(await chat.send("99"))
    ticked = _text(await chat.send("1"))
    assert ": done." in ticked and "(message 2, ✓ 1." in out.getvalue()
    # A nudge printed while the learner types draws the prompt again after it.
    await ConsoleMessenger(chat).deliver(who, Reply.text("Good morning!"))
    assert out.getvalue().endswith("Good morning!\n\nyou> ")


async def test_a_picture_is_saved_to_a_file_and_its_path_printed(
    engine: AsyncEngine, clock: FrozenClock, tmp_path: Path
) -> None:
    renderer = ChartRenderer()
    drawing = Coach(
        SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog(), charts=renderer
    )
    who = LearnerRef("console", "local", "Ada")
    out = io.StringIO()
    chat = ConsoleChat(drawing, who, io.StringIO(), out, interactive=False, pictures=tmp_path)
    try:
        await chat.send("/start")
        await chat.show(_reply(await chat.send("/progress")))
    finally:
        renderer.close()
    [saved] = _pictures(tmp_path)
    assert saved.read_bytes().startswith(b"\x89PNG")
    assert f"[picture saved to {saved}" in out.getvalue()


def _pictures(folder: Path) -> list[Path]:
    return list(folder.glob("*.png"))


def _reply(outcome: object) -> Reply:
    assert isinstance(outcome, Reply)
    return outcome


def _text(outcome: object) -> str:
    return _reply(outcome).plain_text()


async def test_settings_show_and_change_the_evening_quiz_days_and_quiet_hours(
    ada: Learner,
) -> None:
    await ada.say("/start")
    shown = await ada.say("/settings")
    assert "Evening check-in at: 20:00" in shown
    assert "Quiz days: Mon, Wed, Fri" in shown
    assert "Quiet hours: off" in shown
    assert "Evening check-in set to 21:15" in await ada.say("/settings evening 21:15")
    assert "Quiz questions on Tue, Thu" in await ada.say("/settings quiz tue thu")
    assert "Quiet hours set to 22:00–07:00" in await ada.say("/settings quiet 22:00-07:00")
    assert "Nothing was changed" in await ada.say("/settings quiet sometimes")
    shown = await ada.say("/settings")
    assert "Evening check-in at: 21:15" in shown
    assert "Quiz days: Tue, Thu" in shown
    assert "Quiet hours: 22:00–07:00" in shown
    assert "Scheduled quiz questions are off" in await ada.say("/settings quiz off")
    assert "Quiet hours are off" in await ada.say("/settings quiet off")


CONSOLE_SCRIPT = (
    "1",  # no numbered choices open
    "/start",
    "/today",
    "99",  # out of range
    "1",  # a choice of the latest message
    "/import /no/such/roadmap.md",
    "/progress",
)


async def _console_session(coach: Coach, who: LearnerRef, pictures: Path) -> str:
    """The whole console session of CONSOLE_SCRIPT, as the terminal printed it."""
    script = io.StringIO("".join(f"{line}\n" for line in CONSOLE_SCRIPT))
    out = io.StringIO()
    chat = ConsoleChat(coach, who, script, out, interactive=True, pictures=pictures)
    await chat.run()
    return out.getvalue()


async def test_every_word_the_console_prints_comes_through_a_catalog(
    charting_coach: Coach, tmp_path: Path
) -> None:
    """The console's own words (its greeting, hints, choices, refusals) pseudo-localized:
    nothing it prints escaped the catalogs."""
    pseudo_locale.take_escaped()
    i18n.mark_translations(True)
    try:
        printed = await _console_session(
            charting_coach, LearnerRef("console", "local", "Ada"), tmp_path
        )
    finally:
        i18n.mark_translations(False)
    pseudo_locale.allow_built_in_content()
    pseudo_locale.seen("console", printed)
    assert pseudo_locale.take_escaped() == []
    assert "[picture saved to" in pseudo_locale.unmarked(printed)


async def test_the_console_speaks_the_learners_language(
    charting_coach: Coach, tmp_path: Path
) -> None:
    printed = await _console_session(
        charting_coach, LearnerRef("console", "local", "Ada", language="fa"), tmp_path
    )
    messages = [m.replace("you> ", "").strip() for m in printed.split("\n\n")]
    messages = [m for m in messages if m]
    assert len(messages) >= len(CONSOLE_SCRIPT)
    # Every message, the console's own included, is in Persian; the built-in track's
    # titles in them stay English, as content.
    assert all(written_right_to_left([m]) for m in messages), [
        m for m in messages if not written_right_to_left([m])
    ][:2]
