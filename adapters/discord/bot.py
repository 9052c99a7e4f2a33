"""The coach on Discord: slash commands in cogs, persistent buttons, answers within 3 seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterable
from typing import Any, cast
from zoneinfo import available_timezones

import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.render import (
    ACTION_PREFIX,
    QUIZ_PREFIX,
    ButtonSpec,
    DiscordMessage,
    render,
)
from core.commands import DESCRIPTIONS
from core.ports import CoachPort, LearnerRef
from core.reply import Reply

log = logging.getLogger(__name__)

PLATFORM = "discord"
MAX_ROADMAP_BYTES = 1_000_000
# Discord drops an interaction not answered within 3 s; slower work is deferred first,
# with room left for the network.
DEFER_AFTER = 1.5
# A 429 asking for a longer wait than this raises instead of sleeping: an outbox message
# goes back to the outbox, an answer to a command gives up.
LONGEST_RATE_LIMIT_WAIT = 30.0
SETTING_CHOICES = ("timezone", "nudge", "days", "evening", "quiz", "quiet", "pace", "track")
PACE_CHOICES = ("part-time", "standard", "accelerated")
DAY_EXAMPLES = ("mon-fri", "mon,wed,fri", "every day", "sat,sun")
_ZONES = sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC")


def use_api_base(api_base: str | None) -> None:
    """Points discord.py's REST calls at `api_base`, as a REST proxy is used.

    discord.py keeps its base URL on the Route class, so the setting is process-wide.
    """
    Route.BASE = api_base.rstrip("/") if api_base else "https://discord.com/api/v10"


async def use_rest_gateway(client: discord.Client) -> str:
    """Dials the gateway the REST base names: a plain Client would dial Discord's own."""
    _, url, _ = await client.http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    return url


def learner(user: discord.User | discord.Member) -> LearnerRef:
    return LearnerRef(PLATFORM, str(user.id), user.display_name)


def personal(interaction: discord.Interaction[Any]) -> bool:
    """In a server channel, a learner's own answers are for their eyes only."""
    return interaction.guild_id is not None


def update_key(interaction: discord.Interaction[Any]) -> str:
    return f"dc:{interaction.id}"


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=ACTION_PREFIX.replace(":", r"\:") + r"(?P<action>.+)",
):
    """A button running a core action; the action lives in its custom_id, so it outlives
    restarts of the bot."""

    def __init__(self, spec: ButtonSpec, *, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=spec.label,
                custom_id=spec.custom_id,
                style=discord.ButtonStyle.primary,
                row=row,
            )
        )
        self.action = spec.custom_id.removeprefix(ACTION_PREFIX)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: Any,
    ) -> ActionButton:
        return cls(ButtonSpec(_label(item), ACTION_PREFIX + match["action"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _adapter(interaction).pressed(interaction, self.action)


class QuizButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=QUIZ_PREFIX.replace(":", r"\:") + r"(?P<quiz>[0-9]+)\:(?P<option>[0-9]+)",
):
    """One answer of a quiz; the quiz record and the option live in its custom_id."""

    def __init__(self, spec: ButtonSpec, *, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=spec.label,
                custom_id=spec.custom_id,
                style=discord.ButtonStyle.secondary,
                row=row,
            )
        )
        _, quiz, option = spec.custom_id.split(":")
        self.quiz = int(quiz)
        self.option = int(option)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: Any,
    ) -> QuizButton:
        return cls(ButtonSpec(_label(item), f"{QUIZ_PREFIX}{match['quiz']}:{match['option']}"))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _adapter(interaction).answered(interaction, self.quiz, self.option)


def _label(item: discord.ui.Item[Any]) -> str:
    return getattr(item, "label", None) or ""


def make_view(rows: list[list[ButtonSpec]]) -> discord.ui.View | None:
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for number, row in enumerate(rows):
        for spec in row:
            kind = QuizButton if spec.custom_id.startswith(QUIZ_PREFIX) else ActionButton
            view.add_item(kind(spec, row=number))
    return view


def _adapter(interaction: discord.Interaction[Any]) -> DiscordAdapter:
    return cast(CoachBot, interaction.client).adapter


def _matching(current: str, options: Iterable[str]) -> list[app_commands.Choice[str]]:
    wanted = current.strip().lower()
    found = [option for option in options if wanted in option.lower()]
    return [app_commands.Choice(name=option, value=option) for option in found[:25]]


# Commands without options: each is the core command of the same name.
PLAIN_COMMANDS = (
    "today",
    "undo",
    "week",
    "progress",
    "quiz",
    "pause",
    "resume",
    "help",
    "export",
    "forget",
)


def plain_command(name: str) -> app_commands.Command[Any, ..., None]:
    async def run(interaction: discord.Interaction[Any]) -> None:
        await _adapter(interaction).command(interaction, name)

    return app_commands.Command(name=name, description=DESCRIPTIONS[name], callback=run)


class LearnerCommands(commands.Cog, name="Learning"):
    """The daily loop's commands that take options."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    @app_commands.command(name="start", description=DESCRIPTIONS["start"])
    @app_commands.describe(track="The track to follow; leave empty for the built-in one")
    async def start(self, interaction: discord.Interaction[Any], track: str | None = None) -> None:
        await self.adapter.command(interaction, "start", track or "")

    @app_commands.command(name="done", description=DESCRIPTIONS["done"])
    @app_commands.describe(
        which="An item number from /today or /week, or 'yesterday'; empty ticks the next one"
    )
    async def done(self, interaction: discord.Interaction[Any], which: str | None = None) -> None:
        await self.adapter.command(interaction, "done", which or "")

    @app_commands.command(name="log", description=DESCRIPTIONS["log"])
    @app_commands.describe(hours="Time studied today: 1.5, 90m or 1h30m")
    async def log_hours(
        self, interaction: discord.Interaction[Any], hours: app_commands.Range[str, 1, 20]
    ) -> None:
        await self.adapter.command(interaction, "log", hours)

    @app_commands.command(name="note", description=DESCRIPTIONS["note"])
    @app_commands.describe(text="What you learned or found hard; empty lists this week's notes")
    async def note(
        self,
        interaction: discord.Interaction[Any],
        text: app_commands.Range[str, 1, 1900] | None = None,
    ) -> None:
        await self.adapter.command(interaction, "note", text or "")


class AccountCommands(commands.Cog, name="Account"):
    """Settings, roadmaps, linking and the learner's data."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    @app_commands.command(name="settings", description=DESCRIPTIONS["settings"])
    @app_commands.describe(
        setting="What to change; leave empty to see every setting",
        value="The new value, e.g. Europe/Berlin, 07:30, mon-fri, 22:00-07:00 or off",
    )
    @app_commands.choices(
        setting=[app_commands.Choice(name=name, value=name) for name in SETTING_CHOICES]
    )
    async def settings(
        self,
        interaction: discord.Interaction[Any],
        setting: str | None = None,
        value: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        await self.adapter.command(interaction, "settings", f"{setting or ''} {value or ''}")

    @settings.autocomplete("value")
    async def settings_value(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        setting = getattr(interaction.namespace, "setting", None)
        if setting == "timezone":
            return _matching(current, _ZONES)
        if setting == "pace":
            return _matching(current, PACE_CHOICES)
        if setting in {"days", "quiz"}:
            return _matching(current, DAY_EXAMPLES)
        return []

    @app_commands.command(name="import", description=DESCRIPTIONS["import"])
    @app_commands.describe(roadmap="A Markdown file (.md) of your roadmap, under 1 MB")
    async def import_roadmap(
        self, interaction: discord.Interaction[Any], roadmap: discord.Attachment
    ) -> None:
        await self.adapter.import_roadmap(interaction, roadmap)

    @app_commands.command(name="link", description=DESCRIPTIONS["link"])
    @app_commands.describe(
        code="The code /link gave you on Telegram or in the console; empty gives a new one"
    )
    async def link(
        self,
        interaction: discord.Interaction[Any],
        code: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        await self.adapter.command(interaction, "link", code or "")


class CoachTree(app_commands.CommandTree[Any]):
    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        log.error(
            "slash command /%s failed",
            interaction.command and interaction.command.name,
            exc_info=error,
        )
        with contextlib.suppress(discord.HTTPException):
            text = "Something went wrong on my side; nothing was lost. Please try again."
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)


class CoachBot(commands.Bot):
    """A bot without privileged intents: slash commands and buttons need none."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # server channels and permissions, for study groups
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=LONGEST_RATE_LIMIT_WAIT,
            tree_cls=CoachTree,
        )
        self.adapter = adapter

    async def setup_hook(self) -> None:
        await self.install()
        # A bulk overwrite: unchanged commands are not created again, so this is cheap.
        await self.tree.sync()

    async def install(self) -> None:
        """The commands and the buttons' handlers, before anything is registered with Discord."""
        await self.add_cog(LearnerCommands(self.adapter))
        await self.add_cog(AccountCommands(self.adapter))
        for name in PLAIN_COMMANDS:
            self.tree.add_command(plain_command(name))
        self.add_dynamic_items(ActionButton, QuizButton)


class DiscordAdapter:
    """Parses interactions, asks the core, renders the reply: no rules of its own."""

    def __init__(self, coach: CoachPort, token: str, *, api_base: str | None = None) -> None:
        self.coach = coach
        self.token = token
        self.api_base = api_base
        self.bot = CoachBot(self)
        self.logged_in = asyncio.Event()

    # -- running -------------------------------------------------------------

    async def start(self) -> None:
        """Logs in (which syncs the commands) and serves the gateway until closed."""
        use_api_base(self.api_base)
        await self.bot.login(self.token)
        if self.api_base:
            await use_rest_gateway(self.bot)
        self.logged_in.set()
        await self.bot.connect(reconnect=True)

    async def stop(self) -> None:
        await self.bot.close()

    # -- interactions --------------------------------------------------------

    async def command(
        self, interaction: discord.Interaction[Any], name: str, args: str = ""
    ) -> None:
        text = f"/{name} {' '.join(args.split()) if name != 'note' else args.strip()}".strip()
        await self._answer(
            interaction,
            self.coach.handle(learner(interaction.user), text, update_key=update_key(interaction)),
        )

    async def import_roadmap(
        self, interaction: discord.Interaction[Any], roadmap: discord.Attachment
    ) -> None:
        if roadmap.size > MAX_ROADMAP_BYTES:
            reply = Reply.text(
                "That file is larger than 1 MB; a roadmap must be under 1 MB of Markdown text.",
                "Nothing was saved.",
            )
            await self._send(interaction, reply)
            return

        async def read_and_import() -> Reply:
            data = await roadmap.read()
            return await self.coach.import_roadmap(
                learner(interaction.user), roadmap.filename, data
            )

        await self._answer(interaction, read_and_import())

    async def pressed(self, interaction: discord.Interaction[Any], action: str) -> None:
        """A button answers in place: the pressed message becomes the answer."""
        work = self.coach.press(
            learner(interaction.user), action, update_key=update_key(interaction)
        )
        await self._answer(interaction, work, in_place=True)

    async def answered(self, interaction: discord.Interaction[Any], quiz: int, option: int) -> None:
        """A quiz answer gets its feedback at once, for the learner's eyes only."""
        reply = await self.coach.quiz_answered(
            learner(interaction.user),
            PLATFORM,
            str(quiz),
            [option],
            update_key=update_key(interaction),
        )
        if not reply.blocks:
            reply = Reply.text("This question was answered already, or is not yours to answer.")
        await self._send(interaction, reply, ephemeral=True)

    async def _answer(
        self,
        interaction: discord.Interaction[Any],
        work: Awaitable[Reply],
        *,
        in_place: bool = False,
    ) -> None:
        """Defers when the core is slow, so Discord never shows "interaction failed"."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:
            if in_place:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=personal(interaction), thinking=True)
        reply = await task
        if not reply.blocks and not reply.buttons and reply.quiz is None:
            # Handled before (a replayed dispatch): its answer went already.
            if in_place and not interaction.response.is_done():
                await interaction.response.defer()
            elif interaction.response.is_done():
                await interaction.followup.send("Already done.", ephemeral=True)
            return
        if in_place:
            await self._edit(interaction, reply)
        else:
            await self._send(interaction, reply)

    async def _send(
        self, interaction: discord.Interaction[Any], reply: Reply, *, ephemeral: bool | None = None
    ) -> None:
        hidden = personal(interaction) if ephemeral is None else ephemeral
        await self._post(interaction, await self.prepare(reply), hidden=hidden)

    async def _post(
        self, interaction: discord.Interaction[Any], messages: list[DiscordMessage], *, hidden: bool
    ) -> None:
        """The first message answers the interaction; the rest follow it."""
        for message in messages:
            kwargs = _message_kwargs(message)
            if not interaction.response.is_done():
                await interaction.response.send_message(ephemeral=hidden, **kwargs)
            else:
                await interaction.followup.send(ephemeral=hidden, **kwargs)

    async def _edit(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        messages = await self.prepare(reply)
        first = messages[0] if messages and not messages[0].file else None
        if first is not None:
            view = make_view(first.rows)
            # None clears what the pressed message had; MISSING would keep it.
            edit: dict[str, Any] = {
                "content": first.content or None,
                "embed": first.embed,
                "view": view,
            }
            if not interaction.response.is_done():
                await interaction.response.edit_message(**edit)
            else:
                await interaction.edit_original_response(**edit)
            messages = messages[1:]
        await self._post(interaction, messages, hidden=personal(interaction))

    async def prepare(self, reply: Reply) -> list[DiscordMessage]:
        messages = render(reply)
        for message in messages:
            if message.quiz_id is not None:
                # Recorded before it is shown, so an answer always finds its quiz.
                await self.coach.quiz_sent(message.quiz_id, PLATFORM, str(message.quiz_id))
        return messages

    # -- writing first -------------------------------------------------------

    def known_dm_channel(self, user_id: int) -> discord.DMChannel | None:
        """The DM channel discord.py already knows, so opening it costs no request."""
        return self.bot._connection._get_private_channel_by_user(user_id)

    async def dm_channel(self, user_id: int) -> discord.DMChannel:
        """The learner's DM channel; discord.py keeps it once opened."""
        await self.logged_in.wait()
        return await self.bot.create_dm(discord.Object(id=user_id))

    async def send_to(self, channel: discord.abc.Messageable, message: DiscordMessage) -> None:
        await channel.send(**_message_kwargs(message))


def _message_kwargs(message: DiscordMessage) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if message.content:
        kwargs["content"] = message.content
    if message.embed is not None:
        kwargs["embed"] = message.embed
    view = make_view(message.rows)
    if view is not None:
        kwargs["view"] = view
    if message.file is not None:
        kwargs["file"] = message.file.as_file()
    return kwargs
