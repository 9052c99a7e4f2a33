"""The `coach` command line.

Each command imports what it uses when it runs, and the top of this module takes only
light standard modules: `coach --help` is no more than an argparse program, and `coach
import --dry-run` reads a roadmap without the database, the platforms or the web server
(tests/unit/test_startup_imports.py keeps both so; bench/startup.py times them). aiohttp
comes only with a roadmap to download.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.wiring import App
    from core.importing.markdown import ImportedTrack
    from core.outreach.ports import Messenger, SendGate

    # A platform running: how the scheduler writes first on it, the gate pacing that, and
    # the coroutine serving its updates.
    Serving = tuple[Messenger, SendGate, Coroutine[Any, Any, None]]

COMMANDS = ("run", "chat", "migrate", "import")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach", description="Roadmap Coach: a study coach in chat."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run every configured chat platform (the console when none is)")
    sub.add_parser("chat", help="talk to the coach in this terminal")
    sub.add_parser("migrate", help="bring the database schema up to date")
    importing = sub.add_parser(
        "import", help="turn a Markdown roadmap into a track every learner can choose"
    )
    importing.add_argument(
        "file",
        metavar="FILE.md|URL",
        help="the roadmap, as Markdown: a file, or a link to download it from",
    )
    importing.add_argument(
        "--name", help="the track's title (default: the roadmap's first heading)"
    )
    importing.add_argument("--dry-run", action="store_true", help="show the preview, save nothing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    # pydantic-settings once the command line is understood: not for --help or a typo.
    from bot.config import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError as problem:
        print(problem, file=sys.stderr)
        return 2
    _configure_logging(settings, dry_run=command == "import" and args.dry_run)
    try:
        return _command(command, args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as problem:
        said = _failure(problem, settings)
        if said is None:
            raise
        print(said, file=sys.stderr)
        return 1


def _configure_logging(settings: Settings, *, dry_run: bool) -> None:
    """The coach's log handler: LOG_LEVEL, LOG_FORMAT, secrets masked. A dry run logs
    nothing at WARNING or above, so it sets the handler up only for a lower LOG_LEVEL
    (markdown-it traces its parsing at DEBUG): bot.ops, where the handler is made, brings
    the web server and SQLAlchemy with it."""
    if dry_run and settings.log_level in ("WARNING", "ERROR", "CRITICAL"):
        return
    from bot.ops import configure_logging

    configure_logging(settings)


def _command(command: str, args: argparse.Namespace, settings: Settings) -> int:
    if command == "import":
        from core.importing.links import looks_like_link

        path = Path(args.file).expanduser()
        # "github.com/…" might also be a folder here: a file that exists wins.
        if looks_like_link(args.file) and not _is_file(path):
            return import_link(settings, args.file, name=args.name, dry_run=args.dry_run)
        return import_file(settings, path, name=args.name, dry_run=args.dry_run)
    import asyncio

    if command == "migrate":
        return asyncio.run(migrate(settings))
    if command == "run":
        return asyncio.run(run(settings))
    return asyncio.run(chat(settings))


def _failure(problem: Exception, settings: Settings) -> str | None:
    """The one line for a command stopped by something its operator can put right; None
    for anything else, which keeps its traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.ops import OpsUnavailable
    from bot.wiring import NotMigrated, WebUnavailable
    from core.storage.engine import NotWritable

    if isinstance(problem, NotMigrated | OpsUnavailable | WebUnavailable):
        return f"coach: {problem}"
    if isinstance(problem, NotWritable):
        return (
            f"coach: cannot write to the database at {_safe_url(settings.database_url)}: "
            f"{problem}; the coach needs a database it may write to"
        )
    if isinstance(problem, OSError | SQLAlchemyError):
        cause = getattr(problem, "orig", None) or problem
        first_line = (
            str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        )
        return f"coach: cannot use the database at {_safe_url(settings.database_url)}: {first_line}"
    return None


async def migrate(settings: Settings) -> int:
    from bot.wiring import check_sqlite_folder
    from core.storage.engine import make_engine
    from core.storage.migrate import upgrade

    check_sqlite_folder(settings)
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    print("The database schema is up to date.")
    return 0


def import_file(settings: Settings, path: Path, *, name: str | None, dry_run: bool) -> int:
    try:
        data = path.read_bytes()
    except OSError as problem:
        print(f"coach: cannot read {path}: {problem.strerror or problem}", file=sys.stderr)
        return 1
    return _import(settings, data, path.name, name=name, dry_run=dry_run)


def import_link(settings: Settings, url: str, *, name: str | None, dry_run: bool) -> int:
    """Downloads the roadmap, then imports it as a file. The operator's link may lead
    anywhere, a private network included: the learners' rules are for links sent in chat."""
    import asyncio

    from adapters.web.downloads import WebDownloads  # aiohttp, only for a link
    from core.importing.ports import DownloadRefused

    got = asyncio.run(WebDownloads().download(url, from_chat=False))
    if isinstance(got, DownloadRefused):
        print(f"coach: {got.reason}", file=sys.stderr)
        return 1
    print(f"Downloaded {got.url} ({len(got.data):,} bytes).")
    return _import(settings, got.data, got.filename, name=name, dry_run=dry_run)


def _import(
    settings: Settings, data: bytes, source: str, *, name: str | None, dry_run: bool
) -> int:
    from core.importing.markdown import ImportRefused, import_markdown, preview

    result = import_markdown(data, name=name, source=source)
    if isinstance(result, ImportRefused):
        print(f"coach: {result.reason} Nothing was saved.", file=sys.stderr)
        return 1
    print(preview(result, weeks_shown=8))
    if dry_run:
        print("Dry run: nothing was saved.")
        return 0
    import asyncio

    created = asyncio.run(_share(settings, result, source))
    track_id = result.track.id
    print(f"{'Saved' if created else 'Already saved'} as track {track_id}.")
    print(f"Learners choose it with /start {track_id} or /settings track {track_id}.")
    return 0


async def _share(settings: Settings, imported: ImportedTrack, source: str) -> bool:
    from bot.wiring import running_app

    async with running_app(settings, pictures=False) as app:
        return await app.coach.share_track(imported, source)


async def run(settings: Settings) -> int:
    from bot.ops import serving_ops
    from bot.wiring import running_app, serving_web

    platforms = [
        name
        for name, token in (
            ("Telegram", settings.telegram_bot_token),
            ("Discord", settings.discord_bot_token),
        )
        if token is not None
    ]
    if not platforms:
        print(
            "No TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN is set, so the coach runs here in the console.",
            file=sys.stderr,
        )
        return await chat(settings)
    async with running_app(settings) as app, contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(serving_ops(settings, app.ops))
        await stack.enter_async_context(serving_web(app))
        messengers: dict[str, Messenger] = {}
        gates: dict[str, SendGate] = {}
        serving: list[Coroutine[Any, Any, None]] = []
        platforms_on = [
            platform
            for token, platform in (
                (settings.telegram_bot_token, telegram_platform),
                (settings.discord_bot_token, discord_platform),
            )
            if token is not None
        ]
        for platform in platforms_on:
            messenger, gate, serve = await stack.enter_async_context(platform(settings, app))
            messengers[messenger.platform] = messenger
            gates[messenger.platform] = gate
            serving.append(serve)
        print(
            f"The coach is on {' and '.join(platforms)}. Stop it with Ctrl-C or SIGTERM.",
            file=sys.stderr,
        )
        # On a signal the worker first says it is not ready, then stops taking updates;
        # the scheduler stops next, then each platform finishes what it has in hand, and
        # the database and the chart workers close only after their last user.
        async with app.scheduler(messengers, gates):
            await until_stopped(serve_all(serving), stopping=app.ops.health.stopping)
    return 0


async def serve_all(serving: list[Coroutine[Any, Any, None]]) -> None:
    """Serves every platform; one failing to start stops them all."""
    import asyncio

    async with asyncio.TaskGroup() as group:
        for serve in serving:
            group.create_task(serve)


@contextlib.asynccontextmanager
async def telegram_platform(settings: Settings, app: App) -> AsyncIterator[Serving]:
    from adapters.telegram.bot import TelegramAdapter, make_bot
    from adapters.telegram.messenger import TelegramMessenger
    from bot.leadership import Election
    from core.storage.inbox import SqlInbox
    from scheduler.limits import TELEGRAM_LIMITS, RateGate, RateLimits

    assert settings.telegram_bot_token is not None
    api_base = str(settings.telegram_api_base).rstrip("/") if settings.telegram_api_base else None
    gate = RateGate(
        RateLimits(
            overall_per_second=settings.telegram_send_rate,
            per_chat_per_second=TELEGRAM_LIMITS.per_chat_per_second,
            per_group_per_minute=TELEGRAM_LIMITS.per_group_per_minute,
        )
    )
    bot = make_bot(
        settings.telegram_bot_token.get_secret_value(),
        api_base,
        on_flood=lambda seconds, chat: flood_held(seconds, chat),
    )
    adapter = TelegramAdapter(app.coach, bot, inbox=SqlInbox(app.engine))
    app.ops.health.watch_telegram(bot)

    def flood_held(seconds: float, chat: str | None) -> None:
        # Scheduled messages and answers to commands both keep away from a held chat.
        gate.hold(seconds, chat)
        adapter.flood_held(seconds, chat)

    if settings.telegram_webhook_url is not None:
        host, _, port = settings.telegram_webhook_listen.rpartition(":")
        serving = adapter.run_webhook(
            str(settings.telegram_webhook_url), settings.webhook_secret, host, int(port)
        )
    else:
        # Telegram takes one getUpdates consumer per bot: the workers sharing PostgreSQL
        # elect one poller, keyed by the bot's public id, and the others stand by.
        election = Election(app.engine, f"telegram-polling:{bot.id}")
        serving = election.run(adapter.run_polling, stop=adapter.stop_polling)
    try:
        yield TelegramMessenger(adapter, gate), gate, serving
    finally:
        serving.close()  # never awaited when another platform failed first
        await adapter.stop()
        await bot.session.close()


@contextlib.asynccontextmanager
async def discord_platform(settings: Settings, app: App) -> AsyncIterator[Serving]:
    from adapters.discord.bot import DiscordAdapter
    from adapters.discord.messenger import DiscordMessenger
    from scheduler.limits import DISCORD_LIMITS, RateGate, RateLimits

    assert settings.discord_bot_token is not None
    api_base = str(settings.discord_api_base).rstrip("/") if settings.discord_api_base else None
    gate = RateGate(
        RateLimits(
            overall_per_second=settings.discord_send_rate,
            per_chat_per_second=DISCORD_LIMITS.per_chat_per_second,
            per_group_per_minute=DISCORD_LIMITS.per_group_per_minute,
        )
    )
    adapter = DiscordAdapter(
        app.coach,
        settings.discord_bot_token.get_secret_value(),
        api_base=api_base,
        shard_count=settings.discord_shard_count,
        shard_ids=settings.discord_shard_ids,
    )
    app.ops.health.watch_discord(adapter.bot)
    serving = adapter.start()
    try:
        yield DiscordMessenger(adapter, gate), gate, serving
    finally:
        serving.close()
        await adapter.stop()


async def until_stopped(
    serving: Coroutine[Any, Any, None], *, stopping: Callable[[], None] = lambda: None
) -> None:
    """Runs until SIGTERM or SIGINT; the serving task then ends before the database closes.
    `stopping` hears of the signal first."""
    import asyncio
    import logging
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    task = asyncio.create_task(serving)
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # surfaces a failure to start, such as a rejected token
        else:
            stopping()
            logging.getLogger("coach").info("stopping: no new updates; finishing those in hand")
    finally:
        stopper.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signal_number)


async def chat(settings: Settings) -> int:
    from adapters.console import ConsoleChat, ConsoleMessenger
    from bot.wiring import running_app, serving_web
    from core.kernel.refs import LearnerRef

    async with running_app(settings) as app, serving_web(app):
        who = LearnerRef("console", "local", _local_name(), language=_local_language())
        console = ConsoleChat(app.coach, who, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
        async with app.scheduler({"console": ConsoleMessenger(console)}):
            await console.run()
    return 0


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long to be a path, say
        return False


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _local_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "you"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("roadmap-coach")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _local_language() -> str:
    """The terminal's language, as the locale variables name it ("fa_IR.UTF-8")."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(name, ""):
            return value.split(".", 1)[0]
    return ""


if __name__ == "__main__":
    sys.exit(main())
