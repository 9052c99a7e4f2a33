"""One unit of work per platform update: claiming the update's key, its effect and the
commit happen together, with one error policy for every entry point."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import TypeVar

from core.app import views
from core.app.ports import UnitOfWork
from core.kernel.clock import Clock
from core.kernel.errors import ConflictError, StorageError
from core.kernel.observe import UNMETERED, UpdateMeter, current_update
from core.kernel.ports import UnitOfWorkFactory
from core.kernel.reply import ALREADY_HANDLED, Outcome

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[UnitOfWork], Awaitable[Outcome]]

# A lost race is run again from the start; losing this many in a row is no longer a race.
ATTEMPTS = 3


class UpdateUnits:
    def __init__(self, uow_factory: UnitOfWorkFactory[UnitOfWork], clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def handle(
        self,
        what: str,
        work: Work,
        *,
        update_key: str | None,
        claims: bool = True,
        meter: UpdateMeter = UNMETERED,
        started: float | None = None,
    ) -> Outcome:
        """Runs `work` in one transaction and commits it with the update's claim.

        An update seen before is answered AlreadyHandled and has no effect; `claims=False`
        is for updates whose answer changes nothing, which may as well be answered twice.
        A transaction that lost a race to another worker is rolled back and run again.
        Whatever else fails, the learner is told that nothing was changed. `meter` counts
        it and times it from `started` (a perf_counter reading; now by default).
        """
        meter.received()
        started = perf_counter() if started is None else started
        naming = current_update.set(update_key)
        try:
            outcome = await self._attempts(what, work, update_key, claims=claims)
        finally:
            current_update.reset(naming)
        if outcome is None:
            meter.failed(perf_counter() - started)
            return views.apology()
        meter.handled(perf_counter() - started)
        return outcome

    @staticmethod
    def answered(meter: UpdateMeter, outcome: Outcome, started: float) -> Outcome:
        """An update answered without a unit of work (text that is no command, say)."""
        meter.received()
        meter.handled(perf_counter() - started)
        return outcome

    async def _attempts(
        self, what: str, work: Work, update_key: str | None, *, claims: bool
    ) -> Outcome | None:
        """The outcome, or None when it failed (the reason is logged). Work that claims
        nothing changes nothing: it runs as read-only."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                if not claims:
                    return await self._attempt(work, None, read_only=True)
                return await self._attempt(work, update_key)
            except ConflictError:
                if attempt < ATTEMPTS:
                    log.info("%s lost a race (attempt %s); running it again", what, attempt)
                    continue
                log.exception("%s kept losing races", what)
            except StorageError:
                log.exception("storage failed during %s", what)
            except Exception:
                log.exception("unexpected failure during %s", what)
            break
        return None

    async def _attempt(
        self, work: Work, update_key: str | None, *, read_only: bool = False
    ) -> Outcome:
        async with self._uow_factory(read_only=read_only) as uow:
            if update_key is not None and not await self._claim(uow, update_key):
                return ALREADY_HANDLED
            outcome = await work(uow)
            await uow.commit()
            return outcome

    async def _claim(self, uow: UnitOfWork, update_key: str) -> bool:
        return await uow.updates.claim(update_key, at=self._clock.now())

    async def record(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """What a platform reports outside any learner's command (a poll posted, the bot
        removed from a chat); a failure is raised to the adapter, which logs it."""
        async with self._uow_factory() as uow:
            done = await work(uow)
            await uow.commit()
        return done
