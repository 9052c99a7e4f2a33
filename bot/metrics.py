"""Prometheus metrics: what the core and the scheduler report through the Observer port,
and gauges read when scraped (the outbox, the connection pool, the platforms).

Each process keeps its own registry, so several apps in one process (tests) never clash.
On the hot path an update costs two dictionary look-ups for its label children, which
are made once per platform and kind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime

import prometheus_client
from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from core.kernel.clock import Clock
from core.kernel.observe import UpdateMeter
from core.storage.models import InboxUpdate, OutboxMessage

log = logging.getLogger(__name__)

# Counters' `_created` series double the series count and say nothing a scrape needs.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

UPDATE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TICK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# A scrape waits this long for the outbox query; a busy database must not stall it.
OUTBOX_QUERY_SECONDS = 2.0


class _Meter:
    """The label children of one platform and kind, bound once."""

    __slots__ = ("_failed", "_handled", "_received", "_seconds")

    def __init__(self, metrics: Metrics, platform: str, kind: str) -> None:
        self._received = metrics.received.labels(platform, kind)
        self._handled = metrics.handled.labels(platform, kind)
        self._failed = metrics.failed.labels(platform, kind)
        self._seconds = metrics.seconds.labels(platform, kind)

    def received(self) -> None:
        self._received.inc()

    def handled(self, seconds: float) -> None:
        self._handled.inc()
        self._seconds.observe(seconds)

    def failed(self, seconds: float) -> None:
        self._failed.inc()
        self._seconds.observe(seconds)


class Metrics:
    """The Observer the composition root plugs into the core and the scheduler."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        platforms: Callable[[], Mapping[str, bool]] = dict,
    ) -> None:
        self.registry = CollectorRegistry()
        labels = ("platform", "kind")
        self.received = Counter(
            "coach_updates_received",
            "Platform updates that reached the core.",
            labels,
            registry=self.registry,
        )
        self.handled = Counter(
            "coach_updates_handled",
            "Updates answered (redeliveries included).",
            labels,
            registry=self.registry,
        )
        self.failed = Counter(
            "coach_updates_failed",
            "Updates answered with an apology: nothing was changed.",
            labels,
            registry=self.registry,
        )
        self.seconds = Histogram(
            "coach_update_duration_seconds",
            "How long the core took over an update.",
            labels,
            buckets=UPDATE_BUCKETS,
            registry=self.registry,
        )
        self.sends = Counter(
            "coach_outbox_sends",
            "Tries to deliver an outbox row: sent, retried, 429, 403 or failed.",
            ("platform", "outcome"),
            registry=self.registry,
        )
        self.ticks = Histogram(
            "coach_scheduler_tick_duration_seconds",
            "How long a scheduler tick took to enqueue what was due.",
            buckets=TICK_BUCKETS,
            registry=self.registry,
        )
        self.state = _ScrapedState(engine, clock, platforms)
        self.registry.register(self.state)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self._meters: dict[str, dict[str, _Meter]] = {}
        self._sends: dict[str, dict[str, Counter]] = {}

    # -- the Observer port ---------------------------------------------------

    def update(self, platform: str, kind: str) -> UpdateMeter:
        try:
            return self._meters[platform][kind]
        except KeyError:
            meter = _Meter(self, platform, kind)
            self._meters.setdefault(platform, {})[kind] = meter
            return meter

    def sent(self, platform: str, outcome: str) -> None:
        try:
            child = self._sends[platform][outcome]
        except KeyError:
            child = self.sends.labels(platform, outcome)
            self._sends.setdefault(platform, {})[outcome] = child
        child.inc()

    def ticked(self, seconds: float) -> None:
        self.ticks.observe(seconds)

    # -- scraping ------------------------------------------------------------

    async def scrape(self) -> bytes:
        """The text exposition, with the outbox read just before."""
        await self.state.refresh()
        return prometheus_client.generate_latest(self.registry)


class _ScrapedState(Collector):
    """Gauges whose truth lives elsewhere: read at scrape time, never kept up to date."""

    def __init__(
        self, engine: AsyncEngine, clock: Clock, platforms: Callable[[], Mapping[str, bool]]
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._platforms = platforms
        self._outbox: tuple[int, float] | None = None
        self._inbox: tuple[int, float] | None = None

    async def refresh(self) -> None:
        """Reads the outbox's and the inbox's depth; on failure their gauges are left out
        of this scrape."""
        now = self._clock.now()
        # The inbox's times are real ones even when the coach's clock is frozen.
        real_now = datetime.now(UTC)
        try:
            async with asyncio.timeout(OUTBOX_QUERY_SECONDS):
                pending, oldest = await self._read_outbox(now)
                waiting, received = await self._read_inbox()
        except (OSError, SQLAlchemyError, TimeoutError) as problem:
            log.warning("the outbox could not be read for metrics: %s", type(problem).__name__)
            self._outbox = self._inbox = None
            return
        self._outbox = (pending, _age(now, oldest))
        self._inbox = (waiting, _age(real_now, received))

    async def _read_inbox(self) -> tuple[int, datetime | None]:
        query = select(func.count(), func.min(InboxUpdate.received_at))
        async with self._engine.connect() as connection:
            result = (await connection.execute(query)).one()
        return int(result[0]), result[1]

    async def _read_outbox(self, now: datetime) -> tuple[int, datetime | None]:
        row = OutboxMessage
        # Rows held back (quiet hours, a 429's wait, a live claim) are pending but not yet
        # waiting: the age is of the row that has been ready longest without a sender.
        query = select(
            func.count(),
            func.min(case((row.available_at <= now, row.available_at))),
        ).where(row.status == "pending")
        async with self._engine.connect() as connection:
            result = (await connection.execute(query)).one()
        return int(result[0]), result[1]

    def collect(self) -> Iterator[Metric]:
        if self._outbox is not None:
            pending, age = self._outbox
            yield GaugeMetricFamily(
                "coach_outbox_pending", "Outbox rows not yet sent, dropped or failed.", pending
            )
            yield GaugeMetricFamily(
                "coach_outbox_oldest_pending_age_seconds",
                "How long the longest-waiting row ready to send has waited.",
                age,
            )
        if self._inbox is not None:
            waiting, age = self._inbox
            yield GaugeMetricFamily(
                "coach_inbox_pending",
                "Updates recorded and acknowledged to their platform, not yet handled.",
                waiting,
            )
            yield GaugeMetricFamily(
                "coach_inbox_oldest_age_seconds",
                "How long the oldest update not yet handled has waited.",
                age,
            )
        pool = self._engine.sync_engine.pool
        if isinstance(pool, QueuePool):
            capacity = pool.size() + max(0, pool._max_overflow)
            yield GaugeMetricFamily(
                "coach_db_pool_checked_out",
                "Database connections in use.",
                pool.checkedout(),
            )
            yield GaugeMetricFamily(
                "coach_db_pool_size",
                "The most connections the pool hands out (its size and overflow).",
                capacity,
            )
        connected = GaugeMetricFamily(
            "coach_platform_connected",
            "1 while the platform is connected.",
            labels=["platform"],
        )
        for platform, up in self._platforms().items():
            connected.add_metric([platform], 1.0 if up else 0.0)
        yield connected


def _age(now: datetime, since: datetime | None) -> float:
    return max(0.0, (now - since).total_seconds()) if since else 0.0
