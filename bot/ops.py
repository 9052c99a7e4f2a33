"""Operations: /healthz, /readyz and /metrics on one HTTP port, and the log format.

The endpoints are a site of their own (COACH_OPS_LISTEN), not routes on the Telegram
webhook's app: the webhook faces the internet through the load balancer, while readiness
and metrics are for the orchestrator and Prometheus, so they listen where only those reach
(loopback by default). They are also up before any platform connects and when no webhook
runs at all (polling, Discord), which is when /readyz has most to say.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import traceback
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.metrics import Metrics
from core.kernel.clock import Clock
from core.kernel.observe import UNOBSERVED, Observer, current_update
from core.storage.migrate import alembic_config

if TYPE_CHECKING:
    import discord
    from aiogram import Bot

log = logging.getLogger(__name__)

# A readiness probe answers within this, whatever the database does.
READY_TIMEOUT_SECONDS = 3.0


class OpsUnavailable(Exception):
    """The operations port cannot be listened on."""


Probe = Callable[[], bool | None]  # None: nothing to connect to (a standby poller)


class Health:
    """What /readyz checks: the database answers, its schema is the one this code knows,
    and each configured platform is connected."""

    def __init__(self, engine: AsyncEngine, platforms: Iterable[str]) -> None:
        self._engine = engine
        # A platform without a probe yet is still being set up: not ready.
        self._probes: dict[str, Probe | None] = dict.fromkeys(platforms)
        self._head: str | None = None
        self._stopping = False

    def stopping(self) -> None:
        """The worker is shutting down: a load balancer should send it nothing new."""
        self._stopping = True

    def platform(self, name: str, probe: Probe) -> None:
        self._probes[name] = probe

    def connected(self) -> dict[str, bool]:
        return {name: bool(probe and probe()) for name, probe in self._probes.items()}

    def watch_telegram(self, bot: Bot) -> None:
        """Connected while polling (or the webhook's registration) last reached Telegram.

        A worker that never polls (another one was elected poller) has no connection to
        keep and is not held unready for it; a failed getUpdates makes any worker unready
        until one goes through again.
        """
        from aiogram.client.session.middlewares.base import BaseRequestMiddleware
        from aiogram.methods import DeleteWebhook, GetUpdates, SetWebhook

        contact = (GetUpdates, SetWebhook, DeleteWebhook)
        state: dict[str, bool | None] = {"up": None}

        class Contact(BaseRequestMiddleware):
            async def __call__(self, make_request: Any, bot: Bot, method: Any) -> Any:
                try:
                    response = await make_request(bot, method)
                except Exception:
                    if isinstance(method, contact):
                        state["up"] = False
                    raise
                if isinstance(method, contact):
                    state["up"] = True
                return response

        bot.session.middleware(Contact())
        self.platform("telegram", lambda: state["up"])

    def watch_discord(self, client: discord.Client) -> None:
        """Connected while every gateway session (one per shard) is open after READY."""
        import discord

        def connected() -> bool:
            if not client.is_ready():
                return False
            if isinstance(client, discord.AutoShardedClient):
                shards = client.shards.values()
                return bool(shards) and not any(shard.is_closed() for shard in shards)
            return client.ws is not None and client.ws.open

        self.platform("discord", connected)

    async def problems(self) -> dict[str, str]:
        """What is not ready, by name; empty when all is."""
        problems: dict[str, str] = {}
        if self._stopping:
            problems["worker"] = "stopping"
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                head = await self._head_revision()
                current = await self._current_revision()
        except TimeoutError:
            problems["database"] = f"no answer within {READY_TIMEOUT_SECONDS:g}s"
        except (OSError, SQLAlchemyError) as problem:
            problems["database"] = f"unreachable: {_first_line(problem)}"
        else:
            if current != head:
                problems["schema"] = f"at revision {current}, the code needs {head}"
        for name, probe in self._probes.items():
            if probe is None or probe() is False:
                problems[name] = "not connected"
        return problems

    async def _head_revision(self) -> str | None:
        # The newest revision is fixed for the process's code: read the scripts once.
        if self._head is None:
            self._head = await asyncio.to_thread(
                lambda: ScriptDirectory.from_config(alembic_config()).get_current_head()
            )
        return self._head

    async def _current_revision(self) -> str | None:
        def current(connection: Connection) -> str | None:
            return MigrationContext.configure(connection).get_current_revision()

        async with self._engine.connect() as connection:
            return await connection.run_sync(current)


def _first_line(problem: BaseException) -> str:
    cause = getattr(problem, "orig", None) or problem
    text = str(cause).strip()
    return text.splitlines()[0][:200] if text else type(cause).__name__


@dataclass
class Ops:
    health: Health
    metrics: Metrics | None  # None when the endpoints are off: nothing would be scraped

    @property
    def observer(self) -> Observer:
        return self.metrics if self.metrics is not None else UNOBSERVED


def build_ops(settings: Settings, engine: AsyncEngine, clock: Clock) -> Ops:
    platforms = [
        name
        for name, token in (
            ("telegram", settings.telegram_bot_token),
            ("discord", settings.discord_bot_token),
        )
        if token is not None
    ]
    health = Health(engine, platforms)
    if settings.ops_listen is None:
        return Ops(health, None)
    return Ops(health, Metrics(engine, clock, platforms=health.connected))


def ops_app(ops: Ops) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"alive": True})

    async def readyz(_: web.Request) -> web.Response:
        problems = await ops.health.problems()
        return web.json_response(
            {"ready": not problems, "not_ready": problems}, status=503 if problems else 200
        )

    async def metrics(_: web.Request) -> web.Response:
        if ops.metrics is None:
            raise web.HTTPNotFound()
        body = await ops.metrics.scrape()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app


@contextlib.asynccontextmanager
async def serving_ops(settings: Settings, ops: Ops) -> AsyncIterator[None]:
    """The operations endpoints for as long as the coach runs, unless switched off."""
    if settings.ops_listen is None:
        yield
        return
    listen = settings.ops_listen

    def unavailable(why: str) -> Exception:
        return OpsUnavailable(
            f"cannot listen on {listen} for /healthz, /readyz and /metrics "
            f"(COACH_OPS_LISTEN): {why}"
        )

    async with listening(ops_app(ops), listen, unavailable):  # probes every few seconds: no log
        log.info("operations endpoints on http://%s/", listen)
        yield


@contextlib.asynccontextmanager
async def listening(
    app: web.Application, listen: str, unavailable: Callable[[str], Exception]
) -> AsyncIterator[None]:
    """Serves `app` on HOST:PORT until the block ends, without an access log; a port taken
    or not allowed is raised as `unavailable(why)`, a line for the operator."""
    host, _, port = listen.rpartition(":")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, int(port)).start()
        except OSError as problem:
            raise unavailable(problem.strerror or str(problem)) from None
        yield
    finally:
        await runner.cleanup()


# -- logs ----------------------------------------------------------------------

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Shorter secrets (a toy database password) would blank out ordinary words instead.
SHORTEST_REDACTED = 8


class _Redacting(logging.Formatter):
    def __init__(self, secrets: Sequence[str], fmt: str | None = None) -> None:
        super().__init__(fmt)
        self._secrets = [secret for secret in secrets if len(secret) >= SHORTEST_REDACTED]

    def redact(self, line: str) -> str:
        for secret in self._secrets:
            line = line.replace(secret, "[redacted]")
        return line


class TextFormatter(_Redacting):
    def __init__(self, secrets: Sequence[str] = ()) -> None:
        super().__init__(secrets, TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(_Redacting):
    """One JSON object a line: time, level, logger, message, the update being handled,
    and for an exception its types and frames. An exception's own words are left out:
    a driver's error may quote the SQL parameters, and with them what a learner wrote."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        update = current_update.get()
        if update is not None:
            entry["update"] = update
        if record.exc_info is not None and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["error"] = _error_types(error)
            entry["trace"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(error.__traceback__)
            ]
        return self.redact(json.dumps(entry, ensure_ascii=False))


def _error_types(error: BaseException) -> str:
    """`StorageError from OperationalError`: the chain of causes, by type."""
    names: list[str] = []
    seen: BaseException | None = error
    while seen is not None and len(names) < 5:
        names.append(type(seen).__name__)
        seen = seen.__cause__ or seen.__context__
    return " from ".join(names)


def secrets_of(settings: Settings) -> list[str]:
    found = [
        value.get_secret_value()
        for value in (
            settings.telegram_bot_token,
            settings.telegram_webhook_secret,
            settings.discord_bot_token,
        )
        if value is not None
    ]
    if settings.telegram_bot_token is not None:
        found.append(settings.webhook_secret)
    password = make_url(settings.database_url).password
    if password:
        found.append(str(password))
    return found


def configure_logging(settings: Settings) -> None:
    secrets = secrets_of(settings)
    formatter = JsonFormatter(secrets) if settings.log_format == "json" else TextFormatter(secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    logging.basicConfig(level=settings.log_level, handlers=[handler])
