"""The scheduler beside the adapters: an APScheduler tick that fills the outbox, and a
sender that drains it.

One periodic job, not one per learner: the tick asks the core for everything due since
the last one, with indexed queries in batches. APScheduler's own job store is not shared
between processes and holds nothing here; the outbox in the database is the shared state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import perf_counter
from types import TracebackType
from typing import Any, Protocol, Self

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from core.kernel.observe import UNOBSERVED, Observer
from core.outreach.model import TickReport
from core.outreach.ports import Messenger, SendGate
from core.outreach.service import Outreach
from scheduler.sender import Sender, SenderSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchedulerSettings:
    tick_seconds: float = 60.0
    # On shutdown, sends in flight get this long to finish before they are returned.
    grace_seconds: float = 10.0
    sender: SenderSettings = field(default_factory=SenderSettings)


class Leadership(Protocol):
    """Runs work in one worker at a time among those sharing the database."""

    async def run(
        self,
        work: Callable[[], Coroutine[Any, Any, None]],
        *,
        stop: Callable[[], Awaitable[None]],
    ) -> None: ...


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class CoachScheduler:
    def __init__(
        self,
        outreach: Outreach,
        messengers: Mapping[str, Messenger],
        settings: SchedulerSettings | None = None,
        *,
        worker: str | None = None,
        observer: Observer = UNOBSERVED,
        sending: Leadership | None = None,
        gates: Mapping[str, SendGate] | None = None,
    ) -> None:
        """`gates`: the rate gate each platform's messenger waits on, by platform; the
        sender tells them, each time it starts sending, which chats were written to just
        before (by this worker before a restart, or by the one that sent until now)."""
        self.settings = settings or SchedulerSettings()
        # With several workers, one sends: the platform's budget is the bot's, not a
        # process's, and one sender keeps every chat's pacing. Every worker ticks.
        self._sending_leadership = sending
        self._sender_running = sending is None
        self.outreach = outreach
        self.sender = Sender(
            outreach,
            messengers,
            worker=worker or worker_name(),
            settings=self.settings.sender,
            observer=observer,
            gates=gates,
        )
        self._observer = observer
        self.last_tick: TickReport | None = None
        self._wake = asyncio.Event()
        self._ticking = asyncio.Lock()
        self._apscheduler: AsyncIOScheduler | None = None
        self._sending: asyncio.Task[None] | None = None
        self._tick_tasks: set[asyncio.Task[object]] = set()

    async def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone=UTC)
        tick = self.settings.tick_seconds
        scheduler.add_job(
            self._tick_job,
            IntervalTrigger(seconds=tick),
            id="coach-tick",
            coalesce=True,  # after a stall, one catch-up tick, not a burst of them
            max_instances=1,
            misfire_grace_time=max(1, int(tick)),
            next_run_time=datetime.now(UTC),
        )
        scheduler.start()
        self._apscheduler = scheduler
        sending = (
            self.sender.run(self._wake)
            if self._sending_leadership is None
            else self._sending_leadership.run(self._send, stop=self._stop_sending)
        )
        self._sending = asyncio.create_task(sending, name="outbox-sender")
        log.info("scheduler started: a tick every %gs, worker %s", tick, self.sender.worker)

    async def _send(self) -> None:
        self.sender.resume()
        self._sender_running = True
        try:
            await self.sender.run(self._wake)
        finally:
            self._sender_running = False

    async def _stop_sending(self) -> None:
        self.sender.stop()

    async def tick(self) -> TickReport:
        """Enqueues what is due and wakes the sender; also run directly by tests."""
        async with self._ticking:
            started = perf_counter()
            try:
                report = await self.outreach.enqueue_due()
                await self.outreach.prune()
            finally:
                self._observer.ticked(perf_counter() - started)
        self.last_tick = report
        if report.enqueued:
            self._wake.set()
        log.debug("tick: %s", report)
        return report

    async def _tick_job(self) -> None:
        running = asyncio.current_task()
        if running is not None:
            self._tick_tasks.add(running)
        try:
            await self.tick()
        except Exception:
            log.exception("the scheduler tick failed; the next one tries again")
        finally:
            if running is not None:
                self._tick_tasks.discard(running)

    async def stop(self) -> None:
        if self._apscheduler is not None:
            # APScheduler's shutdown cancels running jobs: let a tick finish its transaction.
            self._apscheduler.pause()
            await asyncio.gather(*self._tick_tasks, return_exceptions=True)
            self._apscheduler.shutdown(wait=False)
            self._apscheduler = None
        self.sender.stop()
        if self._sending is not None:
            sending, self._sending = self._sending, None
            # A worker standing by for the lead has no sends in flight to wait for.
            grace = self.settings.grace_seconds if self._sender_running else 0
            done, _ = await asyncio.wait({sending}, timeout=grace)
            if not done:
                sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sending

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
