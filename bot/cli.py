"""The `coach` command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Sequence

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, Settings, load_settings
from bot.wiring import NotMigrated, running_app

COMMANDS = ("run", "chat", "migrate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach", description="Roadmap Coach: a study coach in chat."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run every configured chat platform (the console when none is)")
    sub.add_parser("chat", help="talk to the coach in this terminal")
    sub.add_parser("migrate", help="bring the database schema up to date")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
    except ConfigError as problem:
        print(problem, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        if command == "migrate":
            return asyncio.run(migrate(settings))
        if command == "run":
            return asyncio.run(run(settings))
        return asyncio.run(chat(settings))
    except NotMigrated as problem:
        print(f"coach: {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except (OSError, SQLAlchemyError) as problem:
        cause = getattr(problem, "orig", None) or problem
        first_line = (
            str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        )
        print(
            f"coach: cannot use the database at {_safe_url(settings.database_url)}: {first_line}",
            file=sys.stderr,
        )
        return 1


async def migrate(settings: Settings) -> int:
    from core.storage.engine import make_engine
    from core.storage.migrate import upgrade

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    print("The database schema is up to date.")
    return 0


async def run(settings: Settings) -> int:
    platforms = [
        name
        for name, token in (
            ("Telegram", settings.telegram_bot_token),
            ("Discord", settings.discord_bot_token),
        )
        if token is not None
    ]
    if platforms:
        print(
            f"{' and '.join(platforms)} token found, but this version talks only in the console; "
            "starting the console chat.",
            file=sys.stderr,
        )
    else:
        print(
            "No TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN is set, so the coach runs here in the console.",
            file=sys.stderr,
        )
    return await chat(settings)


async def chat(settings: Settings) -> int:
    from adapters.console import ConsoleChat
    from core.ports import LearnerRef

    async with running_app(settings) as app:
        who = LearnerRef("console", "local", _local_name())
        await ConsoleChat(
            app.coach, who, sys.stdin, sys.stdout, interactive=sys.stdin.isatty()
        ).run()
    return 0


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _local_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "you"


if __name__ == "__main__":
    sys.exit(main())
