"""The scheduler as `coach run` and `coach chat` wire it: from the environment, on or off."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.config import ConfigError, Settings, load_settings
from bot.wiring import running_app
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.storage import models as m
from core.storage.engine import make_sessions

FROZEN = "2026-11-16T09:00:30+00:00"  # Monday, just after the default 09:00 nudge


class Inbox:
    platform = "test"

    def __init__(self) -> None:
        self.received: list[Reply] = []

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        self.received.append(reply)


def configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **variables: str) -> Settings:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return load_settings()


async def due_learner(settings: Settings) -> None:
    """A learner whose 09:00 plan is due at the frozen instant."""
    async with running_app(settings) as app:
        await app.coach.handle(LearnerRef("test", "ada"), "/start")
        async with app.engine.begin() as connection:
            await connection.execute(
                update(m.Enrollment).values(
                    next_nudge_at=settings.frozen_time, next_evening_at=None
                )
            )


async def run_briefly(settings: Settings) -> tuple[Inbox, int]:
    inbox = Inbox()
    async with running_app(settings) as app:
        async with app.scheduler({"test": inbox}):
            for _ in range(100):
                if inbox.received:
                    break
                await asyncio.sleep(0.02)
        async with make_sessions(app.engine)() as session:
            rows = await session.scalar(select(func.count()).select_from(m.OutboxMessage))
    return inbox, rows or 0


async def test_the_scheduler_runs_beside_the_adapters_by_default(
    clean_settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = configure(
        clean_settings_env, tmp_path, COACH_FROZEN_TIME=FROZEN, COACH_TICK_SECONDS="0.05"
    )
    assert settings.scheduler is True
    await due_learner(settings)
    inbox, rows = await run_briefly(settings)
    assert rows == 2  # Monday: the plan and a quiz question
    assert any("Good morning" in reply.plain_text() for reply in inbox.received)


async def test_a_worker_with_the_scheduler_switched_off_only_answers(
    clean_settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = configure(
        clean_settings_env,
        tmp_path,
        COACH_FROZEN_TIME=FROZEN,
        COACH_TICK_SECONDS="0.05",
        COACH_SCHEDULER="false",
    )
    await due_learner(settings)
    inbox, rows = await run_briefly(settings)
    assert (inbox.received, rows) == ([], 0)


def test_scheduler_settings_are_read_from_the_environment(
    clean_settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = configure(
        clean_settings_env,
        tmp_path,
        COACH_TICK_SECONDS="15",
        COACH_TELEGRAM_SEND_RATE="20",
        COACH_DISCORD_SEND_RATE="45",
        COACH_OUTBOX_LEASE_SECONDS="300",
    )
    assert (settings.tick_seconds, settings.telegram_send_rate) == (15, 20)
    assert settings.discord_send_rate == 45
    assert settings.outbox_lease_seconds == 300


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("COACH_TICK_SECONDS", "0", "COACH_TICK_SECONDS"),
        ("COACH_TICK_SECONDS", "often", "COACH_TICK_SECONDS"),
        ("COACH_TELEGRAM_SEND_RATE", "31", "COACH_TELEGRAM_SEND_RATE"),
        ("COACH_DISCORD_SEND_RATE", "51", "COACH_DISCORD_SEND_RATE"),
        ("DISCORD_API_BASE", "not a url", "DISCORD_API_BASE"),
        ("COACH_OUTBOX_LEASE_SECONDS", "1", "COACH_OUTBOX_LEASE_SECONDS"),
        ("COACH_SCHEDULER", "sometimes", "COACH_SCHEDULER"),
    ],
)
def test_bad_scheduler_settings_are_named_in_one_line(
    clean_settings_env: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str, said: str
) -> None:
    with pytest.raises(ConfigError) as problem:
        configure(clean_settings_env, tmp_path, **{name: value})
    message = str(problem.value)
    assert "\n" not in message
    assert message.startswith("configuration error:")
    assert said in message
