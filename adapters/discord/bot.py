"""The coach on Discord: slash commands in cogs, persistent buttons, answers within 3 seconds."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any, Concatenate, ParamSpec, cast
from zoneinfo import available_timezones

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.render import (
    ACTION_PREFIX,
    GROUP_QUIZ_MARK,
    QUIZ_PREFIX,
    ButtonSpec,
    DiscordMessage,
    poll_ref,
    render,
)
from core.app import views as app_views
from core.app.ports import CoachPort
from core.groups.projects import MAX_REVIEW_CHARS, MAX_SUBMISSION_CHARS
from core.importing.ports import MAX_ROADMAP_BYTES
from core.kernel.buttons import may_press
from core.kernel.commands import (
    COMMANDS,
    DESCRIPTIONS,
    Buddy,
    Choose,
    Command,
    Done,
    Focus,
    Group,
    Import,
    Leaderboard,
    Link,
    Log,
    Note,
    Replan,
    Review,
    Settings,
    Share,
    Start,
    Submit,
    Undo,
    Unparsed,
    clean_text,
    from_action,
)
from core.kernel.i18n import ENGLISH, LANGUAGES, N_, NAMES, speaking, supported, translation
from core.kernel.ordering import ArrivalOrder
from core.kernel.refs import ChatContext, ChatRef, LearnerRef
from core.kernel.reply import (
    AlreadyHandled,
    NothingToSay,
    Outcome,
    QuizRef,
    QuizScope,
    Reply,
    Visibility,
)

log = logging.getLogger(__name__)

PLATFORM = "discord"
# The coach never joins a voice channel: discord.py's warnings at every start that the
# voice libraries are missing say nothing an operator needs to act on.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False
# Discord drops an interaction not answered within 3 s; slower work is deferred first,
# with room left for the network.
DEFER_AFTER = 1.5
# A 429 asking for a longer wait than this raises instead of sleeping: an outbox message
# goes back to the outbox, an answer to a command gives up.
LONGEST_RATE_LIMIT_WAIT = 30.0
PACE_CHOICES = ("part-time", "standard", "accelerated")
DAY_EXAMPLES = ("mon-fri", "mon,wed,fri", "every day", "sat,sun")
REPLAN_CHOICES = ("stretch", "catchup", "skip")
BUDDY_ACTIONS = ("show", "leave", "share")
SHARE_WHAT = ("done", "streak", "quiz", "mentions", "all")
SHARE_STATES = ("on", "off")
_ZONES = sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC")
# Failures after discord.py's own retries that may pass: the answer goes to the outbox.
# An interaction outlived by those retries is gone ("Unknown interaction"): the answer
# then comes as a message of its own.
TRANSIENT = (discord.DiscordServerError, aiohttp.ClientError, TimeoutError, discord.NotFound)
UNKNOWN_INTERACTION = 10062

P = ParamSpec("P")
Handler = Callable[
    Concatenate["DiscordAdapter", "discord.Interaction[Any]", P], Coroutine[Any, Any, None]
]


async def note_for(
    coach: CoachPort, interaction: discord.Interaction[Any], note: Callable[[], Reply]
) -> str:
    """One of the adapter's own short notes, in the language the person chose (Discord has
    no Persian locale), else their Discord's."""
    who = learner(interaction.user, interaction.locale)
    with speaking(await coach.language_of(who)):
        return note().plain_text()


def owable(failure: Exception) -> bool:
    """Whether an answer that met `failure` is worth delivering later."""
    return not isinstance(failure, discord.NotFound) or failure.code == UNKNOWN_INTERACTION


def taken_while_serving(handler: Handler[P]) -> Handler[P]:
    """Counts the interaction as in hand until it is answered, so a stop waits for it; one
    that comes while the adapter stops is told so, rather than left to fail."""

    @functools.wraps(handler)
    async def taking(
        adapter: DiscordAdapter,
        interaction: discord.Interaction[Any],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        if adapter.stopping:
            with contextlib.suppress(discord.HTTPException):
                await interaction.response.send_message(
                    await note_for(adapter.coach, interaction, app_views.restarting), ephemeral=True
                )
            return
        task = asyncio.current_task()
        if task is not None:
            adapter.in_hand.add(task)
        try:
            await handler(adapter, interaction, *args, **kwargs)
        finally:
            if task is not None:
                adapter.in_hand.discard(task)

    return taking


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


def shard_ids_of(count: int | None, ids: Sequence[int] | None) -> tuple[int, ...] | None:
    """The shards a worker runs, every one of `count` unless named; None without a count,
    where discord.py's one unsharded session serves everything."""
    if count is None:
        if ids is not None:
            raise ValueError("shard ids need a shard count")
        return None
    if count < 1:
        raise ValueError(f"the shard count must be at least 1, not {count}")
    chosen = tuple(range(count)) if ids is None else tuple(sorted(set(ids)))
    if not chosen or not all(0 <= shard < count for shard in chosen):
        raise ValueError(f"shard ids must be from 0 to {count - 1}, not {list(ids or [])}")
    return chosen


def learner(user: discord.User | discord.Member, locale: object = "") -> LearnerRef:
    """Who is talking, with the language their Discord is set to (an interaction's locale)."""
    return LearnerRef(PLATFORM, str(user.id), user.display_name, language=str(locale or ""))


def personal(interaction: discord.Interaction[Any]) -> bool:
    """In a server channel, a learner's own answers are for their eyes only."""
    return interaction.guild_id is not None


def button_owner(message: discord.Message) -> str | None:
    """Whose answer a message of the bot is: Discord names the user whose command it
    answered; a post of the bot's own (a digest) names nobody."""
    metadata = message.interaction_metadata
    return None if metadata is None else str(metadata.user.id)


def hidden(interaction: discord.Interaction[Any], reply: Reply) -> bool:
    """Ephemeral, unless the reply is meant for the whole channel (a study group's news)."""
    return personal(interaction) and reply.visibility is not Visibility.CHAT


def chat_context(interaction: discord.Interaction[Any]) -> ChatContext | None:
    """The server channel an interaction came from, as the core sees a group chat; None in
    a DM. Whether the member may run the group comes with the interaction: their resolved
    permissions in that channel, so no request is needed."""
    if interaction.guild_id is None or interaction.channel_id is None:
        return None
    permissions = interaction.permissions
    admin = permissions.administrator or permissions.manage_guild or permissions.manage_channels

    async def is_admin() -> bool:
        return admin

    title = getattr(interaction.channel, "name", None) or ""
    chat = ChatRef(PLATFORM, str(interaction.channel_id), title, parent=str(interaction.guild_id))
    # Ephemeral answers keep one member's private answers out of the channel's sight.
    return ChatContext(chat, is_admin, answers_privately=True)


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
        await _adapter(interaction).pressed(interaction, from_action(self.action))


class QuizButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=QUIZ_PREFIX.replace(":", r"\:")
    + rf"(?P<group>{GROUP_QUIZ_MARK}?)(?P<quiz>[0-9]+)\:(?P<option>[0-9]+)",
):
    """One answer of a quiz; the quiz record and the option live in its custom_id, with a
    "g" before the id for a group quiz, which everyone in the channel may answer."""

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
        scope = QuizScope.GROUP if quiz.startswith(GROUP_QUIZ_MARK) else QuizScope.LEARNER
        self.quiz = QuizRef(scope, int(quiz.removeprefix(GROUP_QUIZ_MARK)))
        self.option = int(option)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: Any,
    ) -> QuizButton:
        quiz = f"{match['group']}{match['quiz']}"
        return cls(ButtonSpec(_label(item), f"{QUIZ_PREFIX}{quiz}:{match['option']}"))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _adapter(interaction).answered(interaction, poll_ref(self.quiz), self.option)


def _label(item: discord.ui.Item[Any]) -> str:
    return getattr(item, "label", None) or ""


def make_view(rows: list[list[ButtonSpec]]) -> discord.ui.View | None:
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for number, row in enumerate(rows):
        for spec in row:
            if spec.url:
                link = discord.ui.Button[discord.ui.View](
                    style=discord.ButtonStyle.link, label=spec.label, url=spec.url, row=number
                )
                view.add_item(link)
                continue
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
    "web",
    "today",
    "week",
    "progress",
    "quiz",
    "pause",
    "resume",
    "help",
    "plan",
    "calendar",
    "export",
    "forget",
    "join",
    "leave",
)


def _text(value: str | None, *, keep_newlines: bool = False) -> str:
    """A free-text option as the core takes typed text: without control characters."""
    return clean_text(value or "", keep_newlines=keep_newlines)


class MenuTranslator(app_commands.Translator):
    """The command menus in each Discord locale the coach speaks (Russian; Discord has no
    Persian): the commands' descriptions from the same catalog as Telegram's menus, their
    sub-commands', options' and choices' words from the adapter's own. Names stay as
    typed, the same in every language."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        code = supported(locale.value)
        if code in (None, ENGLISH) or context.location not in _TRANSLATED:
            return None
        named = getattr(context.data, "name", "")
        if context.location in _DESCRIPTIONS and DESCRIPTIONS.get(named) == string.message:
            return translation("kernel", string.message, code)
        return translation("discord", string.message, code)


_DESCRIPTIONS = (
    app_commands.TranslationContextLocation.command_description,
    app_commands.TranslationContextLocation.group_description,
)
_TRANSLATED = (
    *_DESCRIPTIONS,
    app_commands.TranslationContextLocation.parameter_description,
    app_commands.TranslationContextLocation.choice_name,
)


def plain_command(name: str) -> app_commands.Command[Any, ..., None]:
    async def run(interaction: discord.Interaction[Any]) -> None:
        await _adapter(interaction).command(interaction, COMMANDS[name]())

    return app_commands.Command(name=name, description=DESCRIPTIONS[name], callback=run)


class LearnerCommands(commands.Cog, name="Learning"):
    """The daily loop's commands that take options."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    @app_commands.command(name="start", description=DESCRIPTIONS["start"])
    @app_commands.describe(track=N_("The track to follow; leave empty for the built-in one"))
    async def start(self, interaction: discord.Interaction[Any], track: str | None = None) -> None:
        await self.adapter.command(interaction, Start.from_args(_text(track)))

    @app_commands.command(name="done", description=DESCRIPTIONS["done"])
    @app_commands.describe(
        which=N_("An item number from /today or /week, or 'yesterday'; empty ticks the next one")
    )
    async def done(self, interaction: discord.Interaction[Any], which: str | None = None) -> None:
        await self.adapter.command(interaction, Done.from_args(_text(which)))

    @app_commands.command(name="undo", description=DESCRIPTIONS["undo"])
    @app_commands.describe(
        item=N_("An item number from /today or /week; empty takes back the last tick")
    )
    async def undo(
        self,
        interaction: discord.Interaction[Any],
        item: app_commands.Range[int, 1, 99] | None = None,
    ) -> None:
        await self.adapter.command(interaction, Undo(item))

    @app_commands.command(name="log", description=DESCRIPTIONS["log"])
    @app_commands.describe(hours=N_("Time studied today: 1.5, 90m or 1h30m"))
    async def log_hours(
        self, interaction: discord.Interaction[Any], hours: app_commands.Range[str, 1, 20]
    ) -> None:
        await self.adapter.command(interaction, Log(_text(hours)))

    @app_commands.command(name="note", description=DESCRIPTIONS["note"])
    @app_commands.describe(text=N_("What you learned or found hard; empty lists this week's notes"))
    async def note(
        self,
        interaction: discord.Interaction[Any],
        text: app_commands.Range[str, 1, 1900] | None = None,
    ) -> None:
        await self.adapter.command(interaction, Note(_text(text, keep_newlines=True)))

    @app_commands.command(name="replan", description=DESCRIPTIONS["replan"])
    @app_commands.describe(choice=N_("What to do; leave empty to see the choices and their dates"))
    @app_commands.choices(
        choice=[app_commands.Choice(name=name, value=name) for name in REPLAN_CHOICES]
    )
    async def replan(
        self, interaction: discord.Interaction[Any], choice: str | None = None
    ) -> None:
        await self.adapter.command(interaction, Replan(choice or ""))

    @app_commands.command(name="focus", description=DESCRIPTIONS["focus"])
    @app_commands.describe(
        minutes=N_("How long, 5 to 180 minutes (25 if empty)"), stop=N_("End it now")
    )
    async def focus(
        self,
        interaction: discord.Interaction[Any],
        minutes: app_commands.Range[int, 5, 180] | None = None,
        stop: bool = False,
    ) -> None:
        text = "stop" if stop else ("" if minutes is None else str(minutes))
        await self.adapter.command(interaction, Focus(text))

    @app_commands.command(name="buddy", description=DESCRIPTIONS["buddy"])
    @app_commands.describe(
        action=N_("What to do; leave empty to pair up or see your buddy's day"),
        value=N_("For share: done off, streak on, all off"),
    )
    @app_commands.choices(
        action=[app_commands.Choice(name=name, value=name) for name in BUDDY_ACTIONS]
    )
    async def buddy(
        self,
        interaction: discord.Interaction[Any],
        action: str | None = None,
        value: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        await self.adapter.command(interaction, Buddy(f"{action or ''} {_text(value)}".strip()))


class AccountCommands(commands.Cog, name="Account"):
    """Settings, roadmaps, linking and the learner's data."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    @app_commands.command(name="import", description=DESCRIPTIONS["import"])
    @app_commands.describe(
        roadmap=N_("A Markdown file (.md) of your roadmap, under 1 MB"),
        link=N_("Or a link to one, e.g. a file on GitHub"),
        name=N_("Or a new title for the roadmap you imported last"),
    )
    async def import_roadmap(
        self,
        interaction: discord.Interaction[Any],
        roadmap: discord.Attachment | None = None,
        link: app_commands.Range[str, 1, 2000] | None = None,
        name: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        if roadmap is not None:
            await self.adapter.import_roadmap(interaction, roadmap)
        elif link:
            await self.adapter.command(interaction, Import(_text(link)))
        elif name:
            await self.adapter.command(interaction, Import(f"name {_text(name)}"))
        else:
            await self.adapter.command(interaction, Import())

    @app_commands.command(name="choose", description=DESCRIPTIONS["choose"])
    @app_commands.describe(
        option=N_("The option to follow, e.g. Django; leave empty to see your track's choices")
    )
    async def choose(
        self,
        interaction: discord.Interaction[Any],
        option: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        await self.adapter.command(interaction, Choose(_text(option)))

    @app_commands.command(name="link", description=DESCRIPTIONS["link"])
    @app_commands.describe(
        code=N_("The code /link gave you on Telegram or in the console; empty gives a new one")
    )
    async def link(
        self,
        interaction: discord.Interaction[Any],
        code: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        await self.adapter.command(interaction, Link(_text(code)))


async def _zones(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return _matching(current, _ZONES)


async def _weekdays(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return _matching(current, (*DAY_EXAMPLES, "off"))


def _language_choices() -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=f"{NAMES[code]} ({code})", value=code) for code in LANGUAGES]


_ZONE = N_("A time zone, e.g. Europe/Berlin")
_CLOCK = N_("A time of day, e.g. 07:30")
_DAYS = N_("Weekdays, e.g. mon-fri or mon,wed,fri")
_DAYS_OR_OFF = N_("Weekdays, e.g. mon-fri or mon,wed,fri, or off")
_LANGUAGE = N_("English, Persian or Russian")


class SettingsCommands(
    commands.GroupCog, group_name="settings", group_description=DESCRIPTIONS["settings"]
):
    """`/settings …`: one sub-command per setting, each with a typed option."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter
        super().__init__()

    async def _set(self, interaction: discord.Interaction[Any], key: str, value: str) -> None:
        await self.adapter.command(interaction, Settings(key, _text(value)))

    @app_commands.command(name="show", description=N_("Every setting, with how to change it"))
    async def show(self, interaction: discord.Interaction[Any]) -> None:
        await self._set(interaction, "", "")

    @app_commands.command(name="timezone", description=N_("Your time zone"))
    @app_commands.describe(zone=_ZONE)
    async def timezone(
        self, interaction: discord.Interaction[Any], zone: app_commands.Range[str, 1, 64]
    ) -> None:
        await self._set(interaction, "timezone", zone)

    timezone.autocomplete("zone")(_zones)

    @app_commands.command(name="nudge", description=N_("When the day's plan comes"))
    @app_commands.describe(time=_CLOCK)
    async def nudge(
        self, interaction: discord.Interaction[Any], time: app_commands.Range[str, 1, 10]
    ) -> None:
        await self._set(interaction, "nudge", time)

    @app_commands.command(name="evening", description=N_("When the evening check-in comes"))
    @app_commands.describe(time=_CLOCK)
    async def evening(
        self, interaction: discord.Interaction[Any], time: app_commands.Range[str, 1, 10]
    ) -> None:
        await self._set(interaction, "evening", time)

    @app_commands.command(name="days", description=N_("Your study days"))
    @app_commands.describe(days=_DAYS)
    async def days(
        self, interaction: discord.Interaction[Any], days: app_commands.Range[str, 1, 40]
    ) -> None:
        await self._set(interaction, "days", days)

    @app_commands.command(name="quiz", description=N_("The days a quiz question comes, or off"))
    @app_commands.describe(days=_DAYS_OR_OFF)
    async def quiz(
        self, interaction: discord.Interaction[Any], days: app_commands.Range[str, 1, 40]
    ) -> None:
        await self._set(interaction, "quiz", days)

    days.autocomplete("days")(_weekdays)
    quiz.autocomplete("days")(_weekdays)

    @app_commands.command(name="quiet", description=N_("Hours when nothing is sent, or off"))
    @app_commands.describe(hours=N_("From and to, e.g. 22:00-07:00, or off"))
    async def quiet(
        self, interaction: discord.Interaction[Any], hours: app_commands.Range[str, 1, 20]
    ) -> None:
        await self._set(interaction, "quiet", hours)

    @app_commands.command(name="pace", description=N_("How fast you go through the track"))
    @app_commands.describe(
        pace=N_("Part-time 6–8 h, standard 10–15 h or accelerated 20–25 h a week")
    )
    @app_commands.choices(pace=[app_commands.Choice(name=p, value=p) for p in PACE_CHOICES])
    async def pace(self, interaction: discord.Interaction[Any], pace: str) -> None:
        await self._set(interaction, "pace", pace)

    @app_commands.command(name="track", description=N_("Switch to another track, keeping progress"))
    @app_commands.describe(track=N_("The track's id; /settings show lists them"))
    async def track(
        self, interaction: discord.Interaction[Any], track: app_commands.Range[str, 1, 64]
    ) -> None:
        await self._set(interaction, "track", track)

    @app_commands.command(name="language", description=N_("The language the coach speaks to you"))
    @app_commands.describe(language=_LANGUAGE)
    @app_commands.choices(language=_language_choices())
    async def language(self, interaction: discord.Interaction[Any], language: str) -> None:
        await self._set(interaction, "language", language)

    @app_commands.command(name="buddy", description=N_("What your study buddy sees"))
    @app_commands.describe(
        what=N_("Items done, streak, or both"), shown=N_("Shown to your buddy or not")
    )
    @app_commands.choices(
        what=[app_commands.Choice(name=w, value=w) for w in ("done", "streak", "all")]
    )
    async def buddy(self, interaction: discord.Interaction[Any], what: str, shown: bool) -> None:
        await self._set(interaction, "buddy", f"{what} {'on' if shown else 'off'}")


@app_commands.default_permissions(manage_channels=True)
@app_commands.guild_only()
class GroupAdminCommands(
    commands.GroupCog, group_name="group", group_description=DESCRIPTIONS["group"]
):
    """`/group …`: setting up and scheduling a channel's study group. Discord lets only a
    top-level command carry default permissions, so the whole of it is hidden from members
    who cannot manage channels (the core checks again on every change)."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter
        super().__init__()

    async def _do(
        self, interaction: discord.Interaction[Any], action: str, value: str = ""
    ) -> None:
        await self.adapter.command(interaction, Group(action, _text(value)))

    @app_commands.command(name="show", description=N_("The group's week and schedule"))
    async def show(self, interaction: discord.Interaction[Any]) -> None:
        await self._do(interaction, "")

    @app_commands.command(name="setup", description=N_("Make this channel a study group"))
    @app_commands.describe(track=N_("The track to study; empty for the built-in one"))
    async def setup(
        self,
        interaction: discord.Interaction[Any],
        track: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        await self._do(interaction, "setup", track or "")

    @app_commands.command(name="timezone", description=N_("The group's time zone"))
    @app_commands.describe(zone=_ZONE)
    async def timezone(
        self, interaction: discord.Interaction[Any], zone: app_commands.Range[str, 1, 64]
    ) -> None:
        await self._do(interaction, "timezone", zone)

    timezone.autocomplete("zone")(_zones)

    @app_commands.command(name="time", description=N_("When the daily digest is posted"))
    @app_commands.describe(time=_CLOCK)
    async def digest_time(
        self, interaction: discord.Interaction[Any], time: app_commands.Range[str, 1, 10]
    ) -> None:
        await self._do(interaction, "time", time)

    @app_commands.command(name="report", description=N_("When the weekly report is posted"))
    @app_commands.describe(time=_CLOCK)
    async def report(
        self, interaction: discord.Interaction[Any], time: app_commands.Range[str, 1, 10]
    ) -> None:
        await self._do(interaction, "report", time)

    @app_commands.command(name="days", description=N_("The group's study days"))
    @app_commands.describe(days=_DAYS)
    async def days(
        self, interaction: discord.Interaction[Any], days: app_commands.Range[str, 1, 40]
    ) -> None:
        await self._do(interaction, "days", days)

    @app_commands.command(name="quiz", description=N_("The days of a group quiz, or off"))
    @app_commands.describe(days=_DAYS_OR_OFF)
    async def quiz(
        self, interaction: discord.Interaction[Any], days: app_commands.Range[str, 1, 40]
    ) -> None:
        await self._do(interaction, "quiz", days)

    days.autocomplete("days")(_weekdays)
    quiz.autocomplete("days")(_weekdays)

    @app_commands.command(name="track", description=N_("The track the group studies"))
    @app_commands.describe(track=N_("The track's id"))
    async def track(
        self, interaction: discord.Interaction[Any], track: app_commands.Range[str, 1, 64]
    ) -> None:
        await self._do(interaction, "track", track)

    @app_commands.command(name="language", description=N_("The language of the group's posts"))
    @app_commands.describe(language=_LANGUAGE)
    @app_commands.choices(language=_language_choices())
    async def language(self, interaction: discord.Interaction[Any], language: str) -> None:
        await self._do(interaction, "language", language)

    @app_commands.command(name="off", description=N_("Stop the study group in this channel"))
    async def off(self, interaction: discord.Interaction[Any]) -> None:
        await self._do(interaction, "off")


class GroupCommands(commands.Cog, name="Study group"):
    """A server channel's study group: set up by those who manage the server or channel."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    # /group carries the admins' default permission, which Discord puts on a whole
    # top-level command: the members' way to the group's week and schedule is this one.
    @app_commands.command(name="schedule", description=N_("The study group's week and schedule"))
    @app_commands.guild_only()
    async def schedule(self, interaction: discord.Interaction[Any]) -> None:
        await self.adapter.command(interaction, Group())

    @app_commands.command(name="leaderboard", description=DESCRIPTIONS["leaderboard"])
    @app_commands.describe(period=N_("What to count: this week (the default), this month or all"))
    @app_commands.choices(
        period=[
            app_commands.Choice(name=name, value=value)
            for name, value in (
                (N_("this week"), "week"),
                (N_("this month"), "month"),
                (N_("all time"), "all"),
            )
        ]
    )
    async def leaderboard(
        self, interaction: discord.Interaction[Any], period: str | None = None
    ) -> None:
        await self.adapter.command(interaction, Leaderboard(period or ""))

    @app_commands.command(name="submit", description=DESCRIPTIONS["submit"])
    @app_commands.describe(text=N_("A link to your project, or a short description of it"))
    async def submit(
        self,
        interaction: discord.Interaction[Any],
        text: app_commands.Range[str, 1, MAX_SUBMISSION_CHARS],
    ) -> None:
        await self.adapter.command(interaction, Submit(_text(text)))

    @app_commands.command(name="review", description=DESCRIPTIONS["review"])
    @app_commands.describe(
        number=N_("The project's number, as /submit showed it"), comment=N_("Your review, briefly")
    )
    async def review(
        self,
        interaction: discord.Interaction[Any],
        number: app_commands.Range[int, 1, 1_000_000],
        comment: app_commands.Range[str, 1, MAX_REVIEW_CHARS],
    ) -> None:
        await self.adapter.command(interaction, Review(number, _text(comment)))

    @app_commands.command(name="share", description=DESCRIPTIONS["share"])
    @app_commands.describe(
        what=N_("Which figure; leave both empty to see what the group sees of you"),
        state=N_("Share it (on) or keep it to yourself (off)"),
    )
    @app_commands.choices(
        what=[app_commands.Choice(name=name, value=name) for name in SHARE_WHAT],
        state=[app_commands.Choice(name=name, value=name) for name in SHARE_STATES],
    )
    async def share(
        self,
        interaction: discord.Interaction[Any],
        what: str | None = None,
        state: str | None = None,
    ) -> None:
        await self.adapter.command(interaction, Share(what or "", state or ""))


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
            text = await note_for(_adapter(interaction).coach, interaction, app_views.went_wrong)
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)


class CoachBot(commands.Bot):
    """A bot without privileged intents: slash commands and buttons need none."""

    def __init__(self, adapter: DiscordAdapter, **sharding: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # server channels and permissions, for study groups
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=LONGEST_RATE_LIMIT_WAIT,
            tree_cls=CoachTree,
            **sharding,
        )
        self.adapter = adapter

    # The GUILDS intent brings these: a channel or server gone takes its groups along.
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.adapter.coach.group_gone(ChatRef(PLATFORM, str(channel.id)))

    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        await self.adapter.coach.group_gone(ChatRef(PLATFORM, str(payload.thread_id)))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.adapter.coach.groups_gone(PLATFORM, str(guild.id))

    async def setup_hook(self) -> None:
        await self.install()
        if self.adapter.syncs_commands:
            # A bulk overwrite: unchanged commands are not created again, so this is cheap.
            await self.tree.sync()

    async def install(self) -> None:
        """The commands and the buttons' handlers, before anything is registered with Discord."""
        await self.add_cog(LearnerCommands(self.adapter))
        await self.add_cog(AccountCommands(self.adapter))
        await self.add_cog(GroupCommands(self.adapter))
        await self.add_cog(SettingsCommands(self.adapter))
        await self.add_cog(GroupAdminCommands(self.adapter))
        for name in PLAIN_COMMANDS:
            self.tree.add_command(plain_command(name))
        await self.tree.set_translator(MenuTranslator())
        self.add_dynamic_items(ActionButton, QuizButton)


class ShardedCoachBot(CoachBot, commands.AutoShardedBot):
    """The same bot serving some of the gateway's shards: discord.py's AutoShardedBot
    runs a session for each id it is given, however many that is."""

    async def close(self) -> None:
        if not isinstance(self.loop, asyncio.AbstractEventLoop):
            # Never logged in (another platform failed first): discord.py's sharded close
            # needs the queue that login sets up.
            await self._async_setup_hook()
        await super().close()


class DiscordAdapter:
    """Parses interactions, asks the core, renders the reply: no rules of its own.

    With `shard_count`, the process serves the shards `shard_ids` (all of them when None)
    and sees only their guilds' interactions (DMs come on shard 0), so workers on one
    token split the servers between them instead of all answering everything.
    """

    def __init__(
        self,
        coach: CoachPort,
        token: str,
        *,
        api_base: str | None = None,
        shard_count: int | None = None,
        shard_ids: Sequence[int] | None = None,
    ) -> None:
        self.coach = coach
        self.order = ArrivalOrder()  # discord.py runs interactions concurrently
        self.token = token
        self.api_base = api_base
        self.shard_ids = shard_ids_of(shard_count, shard_ids)
        # One worker registers the commands, so workers do not overwrite each other's.
        self.syncs_commands = self.shard_ids is None or 0 in self.shard_ids
        self.bot = (
            CoachBot(self)
            if self.shard_ids is None
            else ShardedCoachBot(self, shard_count=shard_count, shard_ids=list(self.shard_ids))
        )
        self.logged_in = asyncio.Event()
        self.stopping = False
        self.in_hand: set[asyncio.Task[Any]] = set()

    # -- running -------------------------------------------------------------

    async def start(self) -> None:
        """Logs in (which syncs the commands) and serves the gateway until closed."""
        use_api_base(self.api_base)
        await self.bot.login(self.token)
        if self.api_base:
            await use_rest_gateway(self.bot)
        self.logged_in.set()
        await self.bot.connect(reconnect=True)

    async def stop(self, grace: float = 10.0) -> None:
        """Takes no new interactions, lets those in hand be answered within `grace`
        seconds, then closes the gateway and the HTTP session they need."""
        self.stopping = True
        if self.in_hand:
            _, late = await asyncio.wait(set(self.in_hand), timeout=grace)
            if late:
                log.warning("%s interactions were still in hand at shutdown", len(late))
        await self.bot.close()

    # -- interactions --------------------------------------------------------

    @taken_while_serving
    async def command(self, interaction: discord.Interaction[Any], command: Command) -> None:
        work = self.coach.run(
            learner(interaction.user, interaction.locale),
            command,
            update_key=update_key(interaction),
            chat=chat_context(interaction),
        )
        # A study group's answers are mostly for the whole channel, so a slow one is
        # deferred in the open.
        await self._answer(interaction, work, likely_public=command.in_group)

    @taken_while_serving
    async def import_roadmap(
        self, interaction: discord.Interaction[Any], roadmap: discord.Attachment
    ) -> None:
        if roadmap.size > MAX_ROADMAP_BYTES:
            note = await note_for(self.coach, interaction, app_views.roadmap_too_large)
            await self._send(interaction, Reply.text(note))
            return

        async def read_and_import() -> Outcome:
            data = await roadmap.read()
            return await self.coach.import_roadmap(
                learner(interaction.user, interaction.locale),
                roadmap.filename,
                data,
                update_key=update_key(interaction),
            )

        await self._answer(interaction, read_and_import())

    @taken_while_serving
    async def pressed(
        self, interaction: discord.Interaction[Any], command: Command | Unparsed
    ) -> None:
        """A button answers in place: the pressed message becomes the answer. A member's
        buttons in a channel are theirs: anyone else gets a word for their eyes only."""
        message = interaction.message
        if message is not None and not may_press(
            command,
            owner=button_owner(message),
            presser=str(interaction.user.id),
            shared_chat=interaction.guild_id is not None and not message.flags.ephemeral,
        ):
            refusal = await note_for(self.coach, interaction, app_views.not_your_button)
            await interaction.response.send_message(refusal, ephemeral=True)
            return
        work = self.coach.run(
            learner(interaction.user, interaction.locale),
            command,
            update_key=update_key(interaction),
            chat=chat_context(interaction),
        )
        await self._answer(interaction, work, in_place=True)

    @taken_while_serving
    async def answered(
        self, interaction: discord.Interaction[Any], poll_ref: str, option: int
    ) -> None:
        """A quiz answer gets its feedback at once, for the learner's eyes only; on a group
        quiz the channel sees the tally when it closes."""
        outcome = await self._in_turn(
            interaction,
            self.coach.answer_quiz(
                learner(interaction.user, interaction.locale),
                PLATFORM,
                poll_ref,
                [option],
                update_key=update_key(interaction),
            ),
        )
        match outcome:
            case Reply():
                try:
                    await self._send(interaction, outcome, ephemeral=True)
                except TRANSIENT as failure:
                    if not owable(failure):
                        raise
                    await self._owe(interaction, outcome, failure)
            case NothingToSay():
                # Unlike a poll's vote, a press leaves no mark on the buttons, so one that
                # changes nothing is told why.
                note = await note_for(self.coach, interaction, app_views.question_closed)
                await self._send(interaction, Reply.text(note), ephemeral=True)
            case AlreadyHandled():
                await self._acknowledge(interaction, in_place=True)

    async def _answer(
        self,
        interaction: discord.Interaction[Any],
        work: Awaitable[Outcome],
        *,
        in_place: bool = False,
        likely_public: bool = False,
    ) -> None:
        """Defers when the core is slow, so Discord never shows "interaction failed"."""
        task = asyncio.ensure_future(self._in_turn(interaction, work))
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        deferred_hidden: bool | None = None
        if not done:
            if in_place:
                await interaction.response.defer()
            else:
                deferred_hidden = personal(interaction) and not likely_public
                await interaction.response.defer(ephemeral=deferred_hidden, thinking=True)
        outcome = await task
        try:
            await self._answer_with(interaction, outcome, in_place, deferred_hidden)
        except TRANSIENT as failure:
            if not isinstance(outcome, Reply) or not owable(failure):
                raise
            await self._owe(interaction, outcome, failure)

    async def _answer_with(
        self,
        interaction: discord.Interaction[Any],
        outcome: Outcome,
        in_place: bool,
        deferred_hidden: bool | None,
    ) -> None:
        match outcome:
            case AlreadyHandled():
                # A replayed dispatch: its answer went the first time.
                if interaction.response.is_done():
                    note = await note_for(self.coach, interaction, app_views.already_done)
                    await interaction.followup.send(note, ephemeral=True)
                elif in_place:
                    await interaction.response.defer()
            case NothingToSay():
                await self._acknowledge(interaction, in_place=in_place)
            case Reply() if in_place:
                await self._edit(interaction, outcome)
            case Reply():
                await self._send(interaction, outcome, deferred_hidden=deferred_hidden)

    async def _owe(
        self, interaction: discord.Interaction[Any], reply: Reply, failure: Exception
    ) -> None:
        """An answer Discord would not take goes to the outbox, to the channel where it
        was asked, or to the member's DMs when it was for their eyes only in a server."""
        log.warning(
            "an answer to interaction %s could not be sent (%s); the outbox will deliver it",
            interaction.id,
            type(failure).__name__,
        )
        try:
            if interaction.guild_id is not None and hidden(interaction, reply):
                channel_id = (await self.dm_channel(interaction.user.id)).id
            else:
                channel_id = interaction.channel_id or 0
            parent = str(interaction.guild_id) if interaction.guild_id is not None else ""
            await self.coach.owe_reply(ChatRef(PLATFORM, str(channel_id), "", parent), reply)
        except Exception:
            log.exception("an answer to interaction %s was lost", interaction.id)

    async def _in_turn(
        self, interaction: discord.Interaction[Any], work: Awaitable[Outcome]
    ) -> Outcome:
        """A person's interactions reach the core in the order they came."""
        async with self.order.turn(interaction.user.id):
            return await work

    async def _acknowledge(self, interaction: discord.Interaction[Any], *, in_place: bool) -> None:
        """Answers the interaction without a word, so the client shows no failure."""
        if in_place:
            if not interaction.response.is_done():
                await interaction.response.defer()
            return
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True, thinking=True)
        with contextlib.suppress(discord.NotFound):
            await interaction.delete_original_response()

    async def _send(
        self,
        interaction: discord.Interaction[Any],
        reply: Reply,
        *,
        ephemeral: bool | None = None,
        deferred_hidden: bool | None = None,
    ) -> None:
        hide = hidden(interaction, reply) if ephemeral is None else ephemeral
        if deferred_hidden is not None and deferred_hidden != hide:
            # The "thinking…" message keeps the deferral's visibility whatever completes it,
            # so it goes, and the answer comes as a new message that is seen as it should be.
            with contextlib.suppress(discord.NotFound):
                await interaction.delete_original_response()
        await self._post(interaction, await self.prepare(reply), hidden=hide)

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
            if first.mentions:
                edit["allowed_mentions"] = _allowed(first)
            if not interaction.response.is_done():
                await interaction.response.edit_message(**edit)
            else:
                await interaction.edit_original_response(**edit)
            messages = messages[1:]
        await self._post(interaction, messages, hidden=hidden(interaction, reply))

    async def prepare(self, reply: Reply) -> list[DiscordMessage]:
        messages = render(reply)
        for message in messages:
            if message.quiz is not None and message.quiz.scope is QuizScope.LEARNER:
                # Recorded before it is shown, so an answer always finds its quiz; the
                # message it goes in is not known yet, and a learner's quiz is never closed.
                await self.coach.quiz_posted(message.quiz, PLATFORM, poll_ref(message.quiz), "")
        return messages

    # -- writing first -------------------------------------------------------

    def known_dm_channel(self, user_id: int) -> discord.DMChannel | None:
        """The DM channel discord.py already knows, so opening it costs no request."""
        return self.bot._connection._get_private_channel_by_user(user_id)

    async def dm_channel(self, user_id: int) -> discord.DMChannel:
        """The learner's DM channel; discord.py keeps it once opened."""
        await self.logged_in.wait()
        return await self.bot.create_dm(discord.Object(id=user_id))

    def channel(self, chat: ChatRef) -> discord.PartialMessageable:
        """A study group's channel, to post to without fetching it first."""
        guild_id = int(chat.parent) if chat.parent and chat.parent.isdigit() else None
        return self.bot.get_partial_messageable(int(chat.external_id), guild_id=guild_id)

    async def send_to(
        self, channel: discord.abc.Messageable, message: DiscordMessage
    ) -> discord.Message:
        sent = await channel.send(**_message_kwargs(message))
        if message.quiz is not None and message.quiz.scope is QuizScope.GROUP:
            # Only now is the message id known, which the close edits later.
            await self.coach.quiz_posted(
                message.quiz, PLATFORM, poll_ref(message.quiz), str(sent.id)
            )
        return sent


def _allowed(message: DiscordMessage) -> discord.AllowedMentions:
    """Exactly the people a message calls by name may be pinged; the client's default
    (no one) holds for every other message."""
    return discord.AllowedMentions(
        everyone=False,
        roles=False,
        replied_user=False,
        users=[discord.Object(id=user) for user in message.mentions],
    )


def _message_kwargs(message: DiscordMessage) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if message.mentions:
        kwargs["allowed_mentions"] = _allowed(message)
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
