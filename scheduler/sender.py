"""Drains the outbox through the platforms' messengers: claimed in batches, sent in parallel
within the rate limits, every outcome written back to its row."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from core.kernel.errors import (
    PermanentFailure,
    RetryLater,
    StorageError,
    TemporaryFailure,
    Unreachable,
)
from core.kernel.observe import UNOBSERVED, Observer
from core.kernel.refs import ChatRef
from core.outreach.model import Drop, Hold, OutboxItem, Recipient, Send, Status
from core.outreach.ports import Messenger
from core.outreach.service import Outreach

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SenderSettings:
    batch_size: int = 50
    concurrency: int = 32
    # Quick tries within one claim, for a blip; the outbox's backoff handles longer outages.
    quick_tries: int = 3
    quick_wait: float = 0.5
    idle_poll: float = 5.0


class Sender:
    def __init__(
        self,
        outreach: Outreach,
        messengers: Mapping[str, Messenger],
        *,
        worker: str,
        settings: SenderSettings | None = None,
        observer: Observer = UNOBSERVED,
    ) -> None:
        self._outreach = outreach
        self._observer = observer
        self._messengers = dict(messengers)
        self.worker = worker
        self.settings = settings or SenderSettings()
        self._slots = asyncio.Semaphore(self.settings.concurrency)
        self._stopping = asyncio.Event()

    async def run(self, wake: asyncio.Event) -> None:
        """Sends until `stop`; sleeps while the outbox is empty, until woken or polled."""
        while not self._stopping.is_set():
            try:
                handled = await self.drain_once()
            except Exception:
                log.exception("the outbox could not be drained; trying again shortly")
                handled = 0
            if handled:
                continue
            waking = asyncio.ensure_future(wake.wait())
            stopping = asyncio.ensure_future(self._stopping.wait())
            try:
                await asyncio.wait(
                    {waking, stopping},
                    timeout=self.settings.idle_poll,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                waking.cancel()
                stopping.cancel()
            wake.clear()

    def stop(self) -> None:
        """No new claims; rows claimed and not yet started go back to the outbox."""
        self._stopping.set()

    def resume(self) -> None:
        """Sends again after a `stop` (a worker elected to send once more)."""
        self._stopping.clear()

    async def drain_once(self) -> int:
        """Claims one batch and sees each row to an outcome; returns how many it claimed."""
        if not self._messengers:
            return 0
        items = await self._outreach.claim(self.worker, self.settings.batch_size)
        if not items:
            return 0
        unfinished = {item.id: item for item in items}
        # Rows for one chat go one after another, in the order they were owed (the digest
        # before the quiz it announces); different chats go in parallel.
        chains: dict[Recipient, list[OutboxItem]] = {}
        for item in items:
            chains.setdefault(item.recipient, []).append(item)
        try:
            await asyncio.gather(
                *(self._send_in_order(chain, unfinished) for chain in chains.values())
            )
        finally:
            if unfinished:
                # Cancelled mid-batch (shutdown past its grace): these go back at once. One
                # whose request was already on the wire may arrive twice; none is lost.
                await asyncio.shield(self._return(list(unfinished.values())))
        return len(items)

    async def _send_in_order(
        self, chain: list[OutboxItem], unfinished: dict[int, OutboxItem]
    ) -> None:
        for item in chain:
            await self._send(item, unfinished)

    async def _send(self, item: OutboxItem, unfinished: dict[int, OutboxItem]) -> None:
        async with self._slots:
            if self._stopping.is_set():
                return  # left in `unfinished`, so it goes back
            try:
                await self._deliver(item)
            except StorageError:
                # Left claimed: its lease runs out and another try follows, by then perhaps
                # with the database back.
                log.exception("could not record the outcome of outbox row %s", item.id)
            except Exception as unexpected:
                # One row that cannot be composed must not stop the sender for everyone.
                log.exception("unexpected failure with outbox row %s", item.id)
                with contextlib.suppress(StorageError):
                    await self._outreach.failed(
                        item, f"error: {type(unexpected).__name__}", retry=True
                    )
            del unfinished[item.id]

    async def _deliver(self, item: OutboxItem) -> None:
        outreach = self._outreach
        decision = await outreach.compose(item, self._messengers.keys())
        if isinstance(decision, Drop):
            await outreach.dropped(item, decision.why)
            return
        if isinstance(decision, Hold):
            await outreach.postpone(item, decision.until, decision.why)
            return
        assert isinstance(decision, Send)
        platform = decision.to.platform
        messenger = self._messengers[platform]
        sent = self._observer.sent
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(TemporaryFailure),
                stop=stop_after_attempt(self.settings.quick_tries),
                wait=wait_exponential(multiplier=self.settings.quick_wait, max=8)
                + wait_random(0, self.settings.quick_wait),
                reraise=True,
            ):
                with attempt:
                    if isinstance(decision.to, ChatRef):
                        await messenger.post(decision.to, decision.reply)
                    else:
                        await messenger.deliver(decision.to, decision.reply)
        except Unreachable as refused:
            sent(platform, "403")
            await outreach.unreachable(item, decision.to, str(refused))
        except RetryLater as flood:
            sent(platform, "429")
            when = outreach.now() + timedelta(seconds=flood.after)
            await outreach.postpone(item, when, f"flood control: {flood}")
        except TemporaryFailure as failure:
            ended = await outreach.failed(item, f"temporary: {failure}", retry=True)
            sent(platform, "failed" if ended is Status.FAILED else "retried")
            log.warning("outbox row %s not delivered (%s), now %s", item.id, failure, ended)
        except PermanentFailure as failure:
            sent(platform, "failed")
            await outreach.failed(item, f"refused: {failure}", retry=False)
            log.warning("outbox row %s refused by %s: %s", item.id, messenger.platform, failure)
        except Exception as unexpected:
            log.exception("unexpected failure sending outbox row %s", item.id)
            ended = await outreach.failed(item, f"error: {type(unexpected).__name__}", retry=True)
            sent(platform, "failed" if ended is Status.FAILED else "retried")
        else:
            sent(platform, "sent")
            await outreach.sent(item, decision)

    async def _return(self, items: list[OutboxItem]) -> None:
        now = self._outreach.now()
        for item in items:
            with contextlib.suppress(StorageError):
                await self._outreach.postpone(item, now, "returned by a stopping worker")
