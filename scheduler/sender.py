"""Drains the outbox through the platforms' messengers: claimed in batches, sent in parallel
within the rate limits, every outcome written back to its row.

A claimed row is the sender's until its lease runs out; then another worker may claim it.
So every row is seen to an outcome (sent, or put back by the sender itself) a margin before
that: a send still running at its deadline is cancelled and the row goes back, and a row
whose deadline came before its turn goes back unsent. No other worker ever claims a row
whose send is still running.
"""

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
from core.outreach.ports import Messenger, SendGate
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
    # A claimed row is done with this long before its lease runs out (the larger of the
    # two, at most half the lease), leaving time to write its outcome back.
    lease_margin: float = 15.0
    lease_margin_share: float = 0.1
    # On starting, the chats written to this recently keep their pace (the longest
    # interval a platform asks of one chat is a few seconds).
    pacing_memory: float = 60.0


NOT_STARTED = "not started before its lease ran short"
OVERRAN = "timed out: the send would have outlived its lease"


class Sender:
    def __init__(
        self,
        outreach: Outreach,
        messengers: Mapping[str, Messenger],
        *,
        worker: str,
        settings: SenderSettings | None = None,
        observer: Observer = UNOBSERVED,
        gates: Mapping[str, SendGate] | None = None,
    ) -> None:
        """`gates` are the platforms' rate gates (by platform) that the messengers wait on,
        told on starting which chats were written to just before."""
        self._outreach = outreach
        self._observer = observer
        self._messengers = dict(messengers)
        self._gates = dict(gates or {})
        self.worker = worker
        self.settings = settings or SenderSettings()
        self._slots = asyncio.Semaphore(self.settings.concurrency)
        self._stopping = asyncio.Event()

    async def run(self, wake: asyncio.Event) -> None:
        """Sends until `stop`; sleeps while the outbox is empty, until woken or polled."""
        await self.keep_pace()
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

    async def keep_pace(self) -> None:
        """Tells the rate gates which chats were written to lately, from the outbox's record,
        so a chat written to just before a restart (or by the worker that sent until now)
        is not written to again within its interval."""
        if not self._gates:
            return
        within = timedelta(seconds=self.settings.pacing_memory)
        try:
            recent = await self._outreach.sent_recently(within)
        except StorageError:
            log.warning("the chats written to lately could not be read; pacing from now")
            return
        now = self._outreach.now()
        for sent in recent:
            gate = self._gates.get(sent.platform)
            if gate is not None:
                gate.note_sent(sent.chat, (now - sent.at).total_seconds())

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
        claimed_at = asyncio.get_running_loop().time()  # the leases start no earlier
        items = await self._outreach.claim(self.worker, self.settings.batch_size)
        if not items:
            return 0
        deadline = self._deadline(claimed_at)
        unfinished = {item.id: item for item in items}
        # Rows for one chat go one after another, in the order they were owed (the digest
        # before the quiz it announces); different chats go in parallel.
        chains: dict[Recipient, list[OutboxItem]] = {}
        for item in items:
            chains.setdefault(item.recipient, []).append(item)
        try:
            await asyncio.gather(
                *(self._send_in_order(chain, unfinished, deadline) for chain in chains.values())
            )
        finally:
            if unfinished:
                # Cancelled mid-batch (shutdown past its grace): these go back at once. One
                # whose request was already on the wire may arrive twice; none is lost.
                await asyncio.shield(self._return(list(unfinished.values())))
        return len(items)

    def _deadline(self, claimed_at: float) -> float:
        """When the rows claimed at `claimed_at` (the loop's clock) must be done with."""
        lease = self._outreach.policy.lease.total_seconds()
        margin = max(self.settings.lease_margin, lease * self.settings.lease_margin_share)
        return claimed_at + lease - min(margin, lease / 2)

    async def _send_in_order(
        self, chain: list[OutboxItem], unfinished: dict[int, OutboxItem], deadline: float
    ) -> None:
        for item in chain:
            await self._send(item, unfinished, deadline)

    async def _send(
        self, item: OutboxItem, unfinished: dict[int, OutboxItem], deadline: float
    ) -> None:
        async with self._slots:
            if self._stopping.is_set():
                return  # left in `unfinished`, so it goes back
            try:
                await self._deliver(item, deadline)
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

    async def _deliver(self, item: OutboxItem, deadline: float) -> None:
        outreach = self._outreach
        if _passed(deadline):
            # Its turn came too late to finish within the lease: back for the next claim,
            # costing it none of its tries.
            await outreach.postpone(item, outreach.now(), NOT_STARTED)
            return
        decision = await outreach.compose(item, self._messengers.keys())
        if isinstance(decision, Drop):
            await outreach.dropped(item, decision.why)
            return
        if isinstance(decision, Hold):
            await outreach.postpone(item, decision.until, decision.why)
            return
        assert isinstance(decision, Send)
        if _passed(deadline):
            await outreach.postpone(item, outreach.now(), NOT_STARTED)
            return
        platform = decision.to.platform
        messenger = self._messengers[platform]
        sent = self._observer.sent
        try:
            delivered = await self._request(messenger, decision, deadline)
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
            if delivered:
                sent(platform, "sent")
                await outreach.sent(item, decision)
                return
            # Cancelled at its deadline, perhaps after a part of it went out: a try spent.
            ended = await outreach.failed(item, OVERRAN, retry=True)
            sent(platform, "failed" if ended is Status.FAILED else "retried")
            log.warning("outbox row %s cut off at its deadline, now %s", item.id, ended)

    async def _request(self, messenger: Messenger, decision: Send, deadline: float) -> bool:
        """Sends, with quick tries for a blip, the rate gate's waits included; False when
        the deadline (the loop's clock) cut it off."""
        timeout = asyncio.timeout_at(deadline)
        try:
            async with timeout:
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
        except TimeoutError:
            if timeout.expired():
                return False
            raise
        return True

    async def _return(self, items: list[OutboxItem]) -> None:
        now = self._outreach.now()
        for item in items:
            with contextlib.suppress(StorageError):
                await self._outreach.postpone(item, now, "returned by a stopping worker")


def _passed(deadline: float) -> bool:
    return asyncio.get_running_loop().time() >= deadline
