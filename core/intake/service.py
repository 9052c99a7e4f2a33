"""Updates recorded before they are acknowledged, then handled concurrently across chats
while each chat keeps its order.

A platform hands updates over (a getUpdates batch, a webhook call); `accept` records them
in the inbox and returns, and only then does the adapter acknowledge them. Each chat's
updates run one after another on a lane of their own, and at most `max_in_flight` run at
once in all, so one slow chat (a stalled request, a flood hold, a picture being drawn)
holds up nobody else. On stop, what is in hand is finished and the rest is handed back
for the next worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.intake.model import NewUpdate, RecordedUpdate
from core.intake.ports import Inbox

log = logging.getLogger(__name__)

Handler = Callable[[RecordedUpdate], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IntakeSettings:
    # How long a worker holds an update before another may take it; renewed while held.
    lease: timedelta = timedelta(seconds=60)
    max_in_flight: int = 128
    # How often leftovers of a stopped or dead worker are looked for, and leases renewed.
    recover_every: float = 5.0
    # An update that has ended a worker this often is set aside rather than tried again.
    most_attempts: int = 5


class IntakeClosed(Exception):
    """The intake is stopping: the platform should deliver the update again later."""


class Intake:
    def __init__(
        self,
        inbox: Inbox,
        platform: str,
        handle: Handler,
        *,
        worker: str,
        settings: IntakeSettings | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._inbox = inbox
        self.platform = platform
        self._handle = handle
        self.worker = worker
        self.settings = settings or IntakeSettings()
        # Leases are an operational matter: they follow real time even when the coach's
        # clock is frozen for a demonstration.
        self._now = now
        self._slots = asyncio.Semaphore(self.settings.max_in_flight)
        self._lanes: dict[str, deque[RecordedUpdate]] = {}
        self._lane_tasks: dict[str, asyncio.Task[None]] = {}
        self._held: set[int] = set()  # queued or in hand, and not yet handled
        self._handled: list[int] = []  # handled, not yet forgotten by the inbox
        self._handled_waiting = asyncio.Event()
        self._closing = False
        self._background: list[asyncio.Task[None]] = []

    @property
    def in_hand(self) -> int:
        return len(self._held)

    def start(self) -> None:
        """Starts looking for leftovers (at once, then now and then) and renewing leases."""
        if self._background:
            return
        self._closing = False
        self._background = [
            asyncio.create_task(self._keep_leases(), name=f"{self.platform}-intake-leases"),
            asyncio.create_task(self._forget_handled(), name=f"{self.platform}-intake-done"),
        ]

    async def accept(self, updates: list[NewUpdate]) -> None:
        """Records the updates and queues them; once this returns they may be acknowledged.
        Raises IntakeClosed while stopping, and a storage error when they could not be kept."""
        if self._closing:
            raise IntakeClosed
        now = self._now()
        recorded = await self._inbox.record(
            updates, worker=self.worker, now=now, lease_until=now + self.settings.lease
        )
        self._queue(recorded)

    async def recover(self) -> int:
        """Takes the updates a stopped or dead worker left; returns how many."""
        if self._closing:
            return 0
        room = self.settings.max_in_flight * 4 - len(self._held)
        if room <= 0:
            return 0
        now = self._now()
        taken = await self._inbox.claim(
            self.platform,
            worker=self.worker,
            now=now,
            lease_until=now + self.settings.lease,
            limit=room,
        )
        spent = [u for u in taken if u.attempts > self.settings.most_attempts]
        if spent:
            log.error(
                "%s updates were set aside after %s tries each: %s",
                len(spent),
                self.settings.most_attempts,
                ", ".join(u.key for u in spent),
            )
            await self._inbox.done([u.id for u in spent])
        self._queue([u for u in taken if u.attempts <= self.settings.most_attempts])
        return len(taken)

    async def stop(self, grace: float = 10.0) -> None:
        """Takes nothing new, lets updates in hand finish for up to `grace` seconds, and
        hands the rest back to the inbox for the next worker."""
        self._closing = True
        lanes = list(self._lane_tasks.values())
        if lanes:
            _, late = await asyncio.wait(lanes, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            if late:
                log.warning("%s chats' updates were cut short at shutdown", len(late))
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self._background = []
        await self._flush_handled()
        if self._held:
            left = sorted(self._held)
            await self._inbox.release(left, at=self._now())
            log.info("%s updates were handed back for the next worker", len(left))
            self._held.clear()
        self._lanes.clear()

    async def drained(self) -> None:
        """Waits until every update taken so far is handled and forgotten (for tests)."""
        while self._lane_tasks:
            await asyncio.gather(*list(self._lane_tasks.values()), return_exceptions=True)
        await self._flush_handled()

    def _queue(self, updates: list[RecordedUpdate]) -> None:
        for update in updates:
            if update.id in self._held:
                continue  # already queued here: a lease renewal raced a recovery
            self._held.add(update.id)
            self._lanes.setdefault(update.lane, deque()).append(update)
            if update.lane not in self._lane_tasks:
                self._lane_tasks[update.lane] = asyncio.create_task(self._run_lane(update.lane))

    async def _run_lane(self, lane: str) -> None:
        queue = self._lanes[lane]
        try:
            while queue and not self._closing:
                async with self._slots:
                    if self._closing:
                        break
                    update = queue.popleft()
                    await self._handle_one(update)
        finally:
            if not queue or self._closing:
                self._lanes.pop(lane, None)
            del self._lane_tasks[lane]

    async def _handle_one(self, update: RecordedUpdate) -> None:
        try:
            await self._handle(update)
        except Exception:
            # The core answers its own failures with an apology; what escapes is the
            # adapter's, and trying the same update forever would help no one.
            log.exception("update %s could not be handled", update.key)
        self._held.discard(update.id)
        self._handled.append(update.id)
        self._handled_waiting.set()

    async def _forget_handled(self) -> None:
        while True:
            await self._handled_waiting.wait()
            await self._flush_handled()

    async def _flush_handled(self) -> None:
        self._handled_waiting.clear()
        batch, self._handled = self._handled, []
        if not batch:
            return
        try:
            await self._inbox.done(batch)
        except asyncio.CancelledError:
            self._handled.extend(batch)  # stopping: the last flush takes them
            raise
        except Exception:
            # Kept for the next try; if this worker dies first, the updates come back and
            # the core recognises them as handled.
            log.exception("could not forget %s handled updates", len(batch))
            self._handled.extend(batch)
            await asyncio.sleep(self.settings.recover_every)
            self._handled_waiting.set()

    async def _keep_leases(self) -> None:
        while True:
            try:
                await self._renew()
            except Exception:
                log.warning("could not renew the hold on updates in hand", exc_info=True)
            try:
                await self.recover()
            except Exception:
                log.exception("could not look for updates left by other workers")
            await asyncio.sleep(self.settings.recover_every)

    async def _renew(self) -> None:
        if self._held:
            now = self._now()
            await self._inbox.extend(
                list(self._held), worker=self.worker, lease_until=now + self.settings.lease
            )
