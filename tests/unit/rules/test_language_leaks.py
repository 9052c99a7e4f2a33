"""No English escapes into a Persian or Russian learner's chat: every command, button and
message the coach writes first, run for a learner who speaks another language, and any run
of three English words that is not the built-in track's or quiz bank's own content (which
stays English) is a string that escaped translation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.tracks import BuiltinCatalog
from core.outreach.service import Outreach
from core.quizzes.bank import builtin_bank
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.outbox import Decisions

MONDAY = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]{2,}){2,}")
COMMANDS = [
    "/start",
    "/today",
    "/done",
    "/done 2",
    "/undo",
    "/week",
    "/week 3",
    "/week x",
    "/progress",
    "/plan",
    "/replan",
    "/replan sideways",
    "/log 1.5",
    "/log lots",
    "/note learned loops",
    "/note 2 left off here",
    "/settings",
    "/settings tz Mars/Base",
    "/settings time 25:00",
    "/settings pace fast",
    "/quiz",
    "/calendar",
    "/choose",
    "/focus",
    "/focus",
    "/focus stop",
    "/focus 500",
    "/buddy",
    "/buddy share",
    "/buddy x",
    "/link",
    "/link WRONG1",
    "/import",
    "/help",
    "/pause",
    "/today",
    "/resume",
    "/nonsense",
    "plain words",
    "/export",
    "/forget",
]


def content() -> list[str]:
    """What stays English by design: the built-in track's and quiz bank's own words."""
    track = BuiltinCatalog().get("python-backend")
    assert track is not None
    words = [track.title]
    for week in track.weeks:
        words += [week.title, week.goal, *(r.title for r in week.resources)]
        for item in week.items:
            words += [item.title, *(r.title for r in item.resources)]
    for question in builtin_bank().questions:
        words += [question.question, question.topic, question.explanation]
        words += [str(option) for option in question.options]
    return sorted((w for w in words if len(w) >= 6), key=len, reverse=True)


CONTENT = content()


def _content_cut_short(label: str) -> bool:
    """A button naming an item by the start of its title: "✓ 3. Write list and…"."""
    start = re.sub(r"^\W*\d+\.\s*", "", label).rstrip("…").strip()
    return label.endswith("…") and any(words.startswith(start) for words in CONTENT)


def leaks(reply: Reply) -> list[str]:
    labels = [b.label for b in reply.all_buttons if not _content_cut_short(b.label)]
    shown = [reply.plain_text(), *labels]
    if reply.image is not None:
        shown.append(reply.image.caption)
    text = "\n".join(shown)
    for words in CONTENT:
        text = text.replace(words, " ")
    # What learners type stays as typed: commands with their words, and links.
    text = re.sub(r"/[a-z_]+(?: (?:[a-z0-9:.-]+,)*[a-z0-9:.-]+){0,3}|https?://\S+", " ", text)
    return ENGLISH_RUN.findall(text)


@pytest.mark.parametrize("language", ["fa", "ru"])
async def test_nothing_the_coach_says_escapes_translation(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock, language: str
) -> None:
    clock.set(MONDAY)
    who = Learner(coach, f"learner-{language}")
    who.ref = LearnerRef("test", f"learner-{language}", "Parvin", language=language)
    found: dict[str, list[str]] = {}
    for typed in COMMANDS:
        await who.say(typed)
        assert who.last is not None
        if escaped := leaks(who.last):
            found[typed] = escaped
        for button in who.last.all_buttons[:2]:
            if "forget" in button.action:
                continue
            await who.press(button.action)
            assert who.last is not None
            if escaped := leaks(who.last):
                found[f"{typed} → {button.action}"] = escaped
    decisions = Decisions(clock, Outreach(coach, uow, clock))
    await decisions.run_until(MONDAY + timedelta(days=3), step_minutes=60)
    for sent in decisions.sent:
        if escaped := leaks(sent.reply):
            found[f"post: {sent.what}"] = escaped
    assert not found, found
