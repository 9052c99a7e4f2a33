"""A fake Discord API, REST and gateway, for end-to-end tests.

``FakeDiscord`` is an aiohttp server on 127.0.0.1 that answers the REST API under
``/api/v10`` and runs the gateway websocket at ``/``, so a real discord.py client pointed
at it exercises discord.py's own request encoding, rate limit handling, gateway session
and interaction machinery::

    async with FakeDiscord() as fake:
        fake.add_user(42, "ada")
        discord.http.Route.BASE = fake.api_base  # restore it afterwards
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
        client = MyClient(intents=discord.Intents.default())
        task = asyncio.create_task(client.start(fake.token))
        await fake.wait_identified()
        await client.tree.sync()
        inter = await fake.slash(42, "today", options={"n": 3})
        await inter.wait_answered()
        assert "Week 1" in inter.original["content"]

Faithful to Discord where the behaviour is known: the JSON error shapes and codes
(50035 "Invalid Form Body" with an ``errors`` tree, 50006, 10062, 40060, 50007, 401),
message, embed, component and poll limits, application command rules, the interaction
callback answered ``?with_response=true`` style, the 3 second window for the first
callback and the 15 minutes of the interaction token, the first followup after a
deferral completing the "thinking" message, 429s with ``Via`` and ``X-RateLimit-*``
headers, and the gateway: HELLO, IDENTIFY with intent checks (4004, 4014), READY,
GUILD_CREATE, heartbeats, sequence numbers, RESUME with replay or INVALID_SESSION, and
zlib-stream transport compression (zstd-stream when ``zstandard`` is importable).

Guilds change under the bot: ``delete_channel`` sends CHANNEL_DELETE and the channel
answers 404/10003 "Unknown Channel" afterwards; ``remove_guild`` (the bot is kicked) sends
GUILD_DELETE without ``unavailable`` and the guild's channels answer 403/50001 "Missing
Access".

Rate limits are off until ``enforce_rates``: then a global bucket (50 a second by
default) and Discord's bucket for ``POST /channels/{channel_id}/messages`` (5 per 5 s per
channel) apply.  Like Discord, a 429 holds its bucket for ``retry_after``; a request that
comes before is refused again and kept in ``early_retries``, so a test can prove a
client waits as told.

Interaction routes (``/interactions/...`` and ``/webhooks/{app}/{token}...``) are
authenticated by the interaction token, not the bot token, and are exempt from the
global limit, as on Discord.

Sharding as on Discord: an IDENTIFY may carry ``shard: [id, count]`` (4010 "Invalid
shard" unless ``0 <= id < count``; none is ``[0, 1]``).  A guild's events (GUILD_CREATE,
INTERACTION_CREATE, MESSAGE_CREATE, ...) go only to the sessions of shard
``(guild_id >> 22) % count``, direct messages and DM interactions only to shard 0's; an
event whose shard has no session is lost, so its interaction fails.  Every session of a
shard gets its events, so two clients that do not shard both get every interaction.  A
session lasts, its events kept for a RESUME, until its client closes with 1000 or 1001
or a test ends it (``disconnect(resumable=False)``).  ``GET /gateway/bot`` recommends
``recommended_shards``.

Concessions of a fake: no permissions model beyond the ``permissions`` strings handed to
interactions; attachment URLs are the fake's own and unsigned; ephemeral messages are
listed with their channel's messages (flag 64 set), since the user they are for is the
one a test asks about.  Not modelled: threads, reactions, voice, autocomplete, heartbeat
timeouts, gateway send rate limits, the identify rate limit (``max_concurrency``) and
session expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import importlib
import itertools
import json
import math
import mimetypes
import re
import secrets
import socket
import time
import zlib
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Final

from aiohttp import WSMsgType, web

from tests.fakes import pseudo_locale

JsonDict = dict[str, Any]

DEFAULT_TOKEN: Final = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.FakeGw.roadmap-coach-test-token"
API_VERSION: Final = 10
DISCORD_EPOCH_MS: Final = 1_420_070_400_000

MESSAGE_LIMIT: Final = 2000
EMBEDS_MAX: Final = 10
EMBED_TOTAL_LIMIT: Final = 6000
ATTACHMENTS_MAX: Final = 10
UPLOAD_LIMIT: Final = 25 * 1024 * 1024
ACTION_ROWS_MAX: Final = 5
ROW_WIDTH: Final = 5
V2_COMPONENTS_MAX: Final = 40
CUSTOM_ID_LIMIT: Final = 100
BUTTON_LABEL_LIMIT: Final = 80
POLL_QUESTION_LIMIT: Final = 300
POLL_ANSWER_LIMIT: Final = 55
POLL_ANSWERS_MAX: Final = 10
POLL_HOURS_MAX: Final = 768
COMMANDS_MAX: Final = 100
COMMAND_OPTIONS_MAX: Final = 25
CHOICES_MAX: Final = 25
INTERACTION_TOKEN_LIFETIME: Final = 15 * 60.0
DEFAULT_HEARTBEAT_MS: Final = 41_250

# Message flags.
EPHEMERAL: Final = 1 << 6
LOADING: Final = 1 << 7
IS_COMPONENTS_V2: Final = 1 << 15
SENDABLE_FLAGS: Final = (1 << 2) | (1 << 12) | IS_COMPONENTS_V2  # suppress embeds/notifications

# Gateway intents: the privileged ones and the application flags that allow them.
GUILDS: Final = 1 << 0
GUILD_MEMBERS: Final = 1 << 1
GUILD_PRESENCES: Final = 1 << 8
GUILD_MESSAGES: Final = 1 << 9
DIRECT_MESSAGES: Final = 1 << 12
MESSAGE_CONTENT: Final = 1 << 15
ALL_INTENTS: Final = (1 << 17) - 1 | (1 << 20) | (1 << 21) | (1 << 24) | (1 << 25)
PRIVILEGED_INTENTS: Final = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
APP_FLAG_PRESENCE: Final = 1 << 12
APP_FLAG_GUILD_MEMBERS: Final = 1 << 14
APP_FLAG_MESSAGE_CONTENT: Final = 1 << 18

# Permissions a member is handed unless a test says otherwise.
VIEW_CHANNEL: Final = 1 << 10
SEND_MESSAGES: Final = 1 << 11
EMBED_LINKS: Final = 1 << 14
ATTACH_FILES: Final = 1 << 15
READ_MESSAGE_HISTORY: Final = 1 << 16
USE_APPLICATION_COMMANDS: Final = 1 << 31
ADMINISTRATOR: Final = 1 << 3
DEFAULT_PERMISSIONS: Final = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
)
ALL_PERMISSIONS: Final = (1 << 51) - 1

# Interaction and callback types.
APPLICATION_COMMAND: Final = 2
MESSAGE_COMPONENT: Final = 3
MODAL_SUBMIT: Final = 5
CHANNEL_MESSAGE: Final = 4
DEFERRED_CHANNEL_MESSAGE: Final = 5
DEFERRED_UPDATE_MESSAGE: Final = 6
UPDATE_MESSAGE: Final = 7
MODAL: Final = 9
CALLBACK_TYPES: Final = frozenset({1, 4, 5, 6, 7, 8, 9, 10, 12})

# Application command option types.
SUB_COMMAND: Final = 1
SUB_COMMAND_GROUP: Final = 2
STRING: Final = 3
INTEGER: Final = 4
BOOLEAN: Final = 5
USER: Final = 6
CHANNEL: Final = 7
ROLE: Final = 8
MENTIONABLE: Final = 9
NUMBER: Final = 10
ATTACHMENT: Final = 11
COMMAND_NAME: Final = re.compile(r"^[-_'\w]{1,32}$")

# Interactive component types: button, string/user/role/mentionable/channel selects.
BUTTON: Final = 2
SELECTS: Final = frozenset({3, 5, 6, 7, 8})
LINK_STYLE: Final = 5
PREMIUM_STYLE: Final = 6

# The bucket Discord puts channel message sends in.
MESSAGES_ROUTE: Final = "POST /channels/{channel_id}/messages"


class ApiError(Exception):
    """An error answer of the REST API in Discord's JSON shape."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: JsonDict | None = None,
        *,
        body: JsonDict | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.body = body

    def payload(self) -> JsonDict:
        if self.body is not None:
            return self.body
        body: JsonDict = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def unknown(what: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


UNAUTHORIZED: Final = ApiError(401, 0, "401: Unauthorized")
MISSING_ACCESS: Final = ApiError(403, 50001, "Missing Access")
EMPTY_MESSAGE: Final = ApiError(400, 50006, "Cannot send an empty message")
CANNOT_DM: Final = ApiError(403, 50007, "Cannot send messages to this user")
ALREADY_ACKNOWLEDGED: Final = ApiError(400, 40060, "Interaction has already been acknowledged")
INVALID_WEBHOOK_TOKEN: Final = ApiError(401, 50027, "Invalid Webhook Token")


class _Errors:
    """Collects problems into Discord's ``errors`` tree: keys follow the JSON path and
    each leaf holds ``{"_errors": [{"code", "message"}]}``."""

    def __init__(self) -> None:
        self.tree: JsonDict = {}

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def length(self, path: Sequence[str | int], value: Any, high: int, *, low: int = 0) -> None:
        if not isinstance(value, str):
            self.add(path, "BASE_TYPE_STRING", "Must be a string.")
        elif low and not low <= len(value) <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")
        elif len(value) > high:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")

    def count(self, path: Sequence[str | int], items: Any, high: int) -> list[Any]:
        if not isinstance(items, list):
            self.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
            return []
        if len(items) > high:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")
        return items

    def required(self, path: Sequence[str | int]) -> None:
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def raise_if_any(self) -> None:
        if self.tree:
            raise ApiError(400, 50035, "Invalid Form Body", self.tree)


def snowflake_at(moment: float, increment: int) -> int:
    """A snowflake for a wall-clock time: discord.py reads ``created_at`` from it."""
    return ((int(moment * 1000) - DISCORD_EPOCH_MS) << 22) | (increment & 0xFFF)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


# --------------------------------------------------------------------------------------
# Validation of what a bot sends.


def check_message(
    errors: _Errors, payload: JsonDict, *, files: int = 0, kept_attachments: int = 0
) -> None:
    """Discord's checks of a message body; ``files`` are the new uploads and
    ``kept_attachments`` the attachments the message keeps."""
    content = payload.get("content")
    if content is not None:
        errors.length(["content"], content, MESSAGE_LIMIT)
    embeds = payload.get("embeds")
    if embeds is not None:
        for index, embed in enumerate(errors.count(["embeds"], embeds, EMBEDS_MAX)):
            _check_embed(errors, ["embeds", index], embed)
        if _embeds_text(embeds) > EMBED_TOTAL_LIMIT:
            errors.add(
                ["embeds"],
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {EMBED_TOTAL_LIMIT}",
            )
    components = payload.get("components")
    if components is not None:
        v2 = bool(int(payload.get("flags") or 0) & IS_COMPONENTS_V2)
        check_components(errors, components, v2=v2)
    if files + kept_attachments > ATTACHMENTS_MAX:
        errors.add(
            ["attachments"],
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {ATTACHMENTS_MAX} or fewer in length.",
        )
    poll = payload.get("poll")
    if poll is not None:
        _check_poll(errors, poll)


def is_empty(payload: JsonDict, attachments: int) -> bool:
    v2 = bool(int(payload.get("flags") or 0) & IS_COMPONENTS_V2)
    return not (
        payload.get("content")
        or payload.get("embeds")
        or (v2 and payload.get("components"))
        or payload.get("poll")
        or payload.get("sticker_ids")
        or attachments
    )


def _check_embed(errors: _Errors, path: list[str | int], embed: Any) -> None:
    if not isinstance(embed, dict):
        errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    for key, limit in (("title", 256), ("description", 4096)):
        if embed.get(key) is not None:
            errors.length([*path, key], embed[key], limit)
    fields = errors.count([*path, "fields"], embed.get("fields") or [], 25)
    for index, item in enumerate(fields):
        for key, limit in (("name", 256), ("value", 1024)):
            if not isinstance(item, dict) or item.get(key) in (None, ""):
                errors.required([*path, "fields", index, key])
            else:
                errors.length([*path, "fields", index, key], item[key], limit)
    footer = embed.get("footer")
    if isinstance(footer, dict) and footer.get("text") is not None:
        errors.length([*path, "footer", "text"], footer["text"], 2048)
    author = embed.get("author")
    if isinstance(author, dict) and author.get("name") is not None:
        errors.length([*path, "author", "name"], author["name"], 256)


def _embeds_text(embeds: Any) -> int:
    def size(value: Any) -> int:
        return len(value) if isinstance(value, str) else 0

    total = 0
    for embed in embeds if isinstance(embeds, list) else []:
        if not isinstance(embed, dict):
            continue
        total += size(embed.get("title")) + size(embed.get("description"))
        for item in embed.get("fields") or []:
            if isinstance(item, dict):
                total += size(item.get("name")) + size(item.get("value"))
        for key, inner in (("footer", "text"), ("author", "name")):
            if isinstance(embed.get(key), dict):
                total += size(embed[key].get(inner))
    return total


def check_components(errors: _Errors, components: Any, *, v2: bool) -> None:
    """Layout and custom_id rules: five action rows of width five in classic messages,
    at most 40 components in all with the components-v2 flag; custom_ids unique."""
    rows = errors.count(["components"], components, V2_COMPONENTS_MAX if v2 else ACTION_ROWS_MAX)
    custom_ids: set[str] = set()
    if v2:
        total = sum(1 for _ in _walk_components(rows))
        if total > V2_COMPONENTS_MAX:
            errors.add(
                ["components"],
                "COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED",
                f"The specified components exceed the maximum of {V2_COMPONENTS_MAX}",
            )
        for where, component in _walk_components(rows, ["components"]):
            if component.get("type") == BUTTON or component.get("type") in SELECTS:
                _check_interactive(errors, where, component, custom_ids)
        return
    for index, row in enumerate(rows):
        path: list[str | int] = ["components", index]
        if not isinstance(row, dict) or row.get("type") != 1:
            errors.add([*path, "type"], "UNION_TYPE_CHOICES", "Value must be one of {1}.")
            continue
        children = errors.count([*path, "components"], row.get("components"), ROW_WIDTH)
        if not children:
            errors.add(
                [*path, "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
            )
        width = sum(ROW_WIDTH if child.get("type") in SELECTS else 1 for child in children)
        if width > ROW_WIDTH:
            errors.add(
                [*path, "components"],
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for position, child in enumerate(children):
            _check_interactive(errors, [*path, "components", position], child, custom_ids)


def _walk_components(
    components: Iterable[Any], path: list[str | int] | None = None
) -> Iterator[tuple[list[str | int], JsonDict]]:
    base = path or []
    for index, component in enumerate(components):
        if not isinstance(component, dict):
            continue
        here = [*base, index]
        yield here, component
        yield from _walk_components(component.get("components") or [], [*here, "components"])
        accessory = component.get("accessory")
        if isinstance(accessory, dict):
            yield [*here, "accessory"], accessory


def _check_interactive(
    errors: _Errors, path: list[str | int], component: Any, custom_ids: set[str]
) -> None:
    if not isinstance(component, dict):
        errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    kind = component.get("type")
    custom_id = component.get("custom_id")
    if kind == BUTTON:
        style = component.get("style")
        if style not in (1, 2, 3, 4, LINK_STYLE, PREMIUM_STYLE):
            errors.add(
                [*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6)."
            )
        if component.get("label") is not None:
            errors.length([*path, "label"], component["label"], BUTTON_LABEL_LIMIT)
        if style == LINK_STYLE:
            if not component.get("url"):
                errors.add([*path, "url"], "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
            if custom_id is not None:
                errors.add(
                    [*path, "custom_id"],
                    "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                    "A custom id cannot be specified on link buttons",
                )
            return
        if style == PREMIUM_STYLE:
            return
        if component.get("url") is not None:
            errors.add(
                [*path, "url"],
                "BUTTON_COMPONENT_URL_NOT_ALLOWED",
                "A url can only be specified on link buttons",
            )
        if not component.get("label") and not component.get("emoji"):
            errors.add(
                [*path, "label"], "BUTTON_COMPONENT_LABEL_REQUIRED", "A label or emoji is required"
            )
    elif kind in SELECTS:
        if component.get("placeholder") is not None:
            errors.length([*path, "placeholder"], component["placeholder"], 150)
        if kind == 3:
            options = errors.count([*path, "options"], component.get("options") or [], 25)
            if not options:
                errors.add(
                    [*path, "options"],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 25 in length.",
                )
            for index, option in enumerate(options):
                for key in ("label", "value"):
                    errors.length([*path, "options", index, key], option.get(key), 100, low=1)
    else:
        return
    if custom_id is None:
        errors.required([*path, "custom_id"])
        return
    errors.length([*path, "custom_id"], custom_id, CUSTOM_ID_LIMIT, low=1)
    if custom_id in custom_ids:
        errors.add(
            [*path, "custom_id"],
            "COMPONENT_CUSTOM_ID_DUPLICATED",
            "Component custom id cannot be duplicated",
        )
    custom_ids.add(custom_id)


def _check_poll(errors: _Errors, poll: Any) -> None:
    if not isinstance(poll, dict):
        errors.add(["poll"], "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    question = poll.get("question") or {}
    errors.length(["poll", "question", "text"], question.get("text"), POLL_QUESTION_LIMIT, low=1)
    answers = errors.count(["poll", "answers"], poll.get("answers") or [], POLL_ANSWERS_MAX)
    if not answers:
        errors.required(["poll", "answers"])
    for index, answer in enumerate(answers):
        media = answer.get("poll_media") if isinstance(answer, dict) else None
        text = media.get("text") if isinstance(media, dict) else None
        errors.length(
            ["poll", "answers", index, "poll_media", "text"], text, POLL_ANSWER_LIMIT, low=1
        )
    duration = poll.get("duration", 24)
    # Whole hours; discord.py sends them as a float (1.0), which Discord accepts.
    whole = isinstance(duration, int | float) and float(duration).is_integer()
    if not whole or not 1 <= duration <= POLL_HOURS_MAX:
        errors.add(
            ["poll", "duration"],
            "NUMBER_TYPE_MAX",
            f"int value should be less than or equal to {POLL_HOURS_MAX}.",
        )


def check_commands(errors: _Errors, commands: Any) -> list[JsonDict]:
    """The checks of a bulk overwrite of application commands."""
    if not isinstance(commands, list):
        errors.add([], "BASE_TYPE_ARRAY", "Must be an array.")
        return []
    chat_input = [c for c in commands if isinstance(c, dict) and c.get("type", 1) == 1]
    if len(chat_input) > COMMANDS_MAX:
        errors.add([], "BASE_TYPE_MAX_LENGTH", f"Must be {COMMANDS_MAX} or fewer in length.")
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        if not isinstance(command, dict):
            errors.add(
                [index], "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType"
            )
            continue
        kind = command.get("type", 1)
        name = command.get("name")
        if kind == 1:
            _check_name(errors, [index, "name"], name, "APPLICATION_COMMAND_INVALID_NAME")
            errors.length([index, "description"], command.get("description"), 100, low=1)
            _check_options(errors, [index, "options"], command.get("options") or [], depth=0)
        elif kind in (2, 3):
            errors.length([index, "name"], name, 32, low=1)
            if command.get("description"):
                errors.add(
                    [index, "description"],
                    "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_NOT_ALLOWED",
                    "Context menu commands cannot have description",
                )
        else:
            errors.add([index, "type"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4).")
        key = (kind, str(name))
        if key in seen:
            errors.add(
                [index, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            )
        seen.add(key)
    return [c for c in commands if isinstance(c, dict)]


def _check_name(errors: _Errors, path: list[str | int], name: Any, code: str) -> None:
    if not isinstance(name, str) or not COMMAND_NAME.match(name) or name != name.lower():
        errors.add(path, code, "Command name is invalid" if "COMMAND" in code else "Invalid name")


def _check_options(errors: _Errors, path: list[str | int], options: Any, *, depth: int) -> None:
    items = errors.count(path, options, COMMAND_OPTIONS_MAX)
    names: set[str] = set()
    optional_seen = False
    for index, option in enumerate(items):
        here = [*path, index]
        if not isinstance(option, dict):
            errors.add(here, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        kind = option.get("type")
        name = option.get("name")
        _check_name(errors, [*here, "name"], name, "APPLICATION_COMMAND_OPTION_INVALID_NAME")
        errors.length([*here, "description"], option.get("description"), 100, low=1)
        if name in names:
            errors.add(
                [*here, "name"],
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(str(name))
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            allowed = depth == 0 or (depth == 1 and kind == SUB_COMMAND)
            if not allowed:
                errors.add(
                    [*here, "type"],
                    "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                    "Sub-commands can be nested only once inside a group",
                )
            _check_options(errors, [*here, "options"], option.get("options") or [], depth=depth + 1)
            continue
        if not isinstance(kind, int) or not STRING <= kind <= ATTACHMENT:
            errors.add([*here, "type"], "BASE_TYPE_CHOICES", "Value must be one of (1..11).")
        if option.get("required"):
            if optional_seen:
                errors.add(
                    here,
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = errors.count([*here, "choices"], option.get("choices") or [], CHOICES_MAX)
        for position, choice in enumerate(choices):
            errors.length([*here, "choices", position, "name"], choice.get("name"), 100, low=1)
            if isinstance(choice.get("value"), str):
                errors.length([*here, "choices", position, "value"], choice["value"], 100, low=1)


# --------------------------------------------------------------------------------------
# The world the fake keeps.


@dataclass
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    def as_api(self) -> JsonDict:
        user: JsonDict = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
        }
        if self.bot:
            user["bot"] = True
        return user


@dataclass
class FakeMember:
    user_id: int
    permissions: int = DEFAULT_PERMISSIONS
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=lambda: _iso(datetime.now(UTC)))


@dataclass
class FakeChannel:
    id: int
    type: int  # 0 guild text, 1 DM
    guild_id: int | None = None
    name: str | None = None
    recipient_id: int | None = None


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    commands_allowed: set[tuple[str, int]] = field(default_factory=set)  # (command, member)


@dataclass(frozen=True)
class Upload:
    """A file of a multipart request: ``content_type`` is the one the part declared."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class StoredAttachment:
    id: int
    channel_id: int
    filename: str
    data: bytes
    content_type: str
    declared_content_type: str
    url: str

    def as_api(self) -> JsonDict:
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
        }


@dataclass
class RequestRecord:
    """One REST request: ``route`` is discord.py's route key ("POST /channels/{channel_id}
    /messages"), ``at`` the fake's clock when it arrived, ``error`` the JSON of an error
    answer (discord.py flattens the ``errors`` tree into text)."""

    method: str
    path: str
    route: str
    at: float
    status: int | None = None
    code: int | None = None
    body: Any = None
    files: list[str] = field(default_factory=list)
    error: JsonDict | None = None


@dataclass
class GatewayConnection:
    """One websocket the client opened; ``close_code`` is set once it is gone."""

    index: int
    query: dict[str, str]
    compress: str | None
    opened_at: float
    session_id: str | None = None
    close_code: int | None = None
    closed_by_fake: bool = False
    ws: web.WebSocketResponse | None = field(default=None, repr=False)


def shard_for(guild_id: int | None, shard_count: int) -> int:
    """The shard Discord sends a guild's events to; a DM's go to shard 0."""
    return 0 if guild_id is None else (guild_id >> 22) % shard_count


@dataclass
class _Session:
    id: str
    intents: int
    shard: list[int] | None
    seq: int = 0
    events: list[JsonDict] = field(default_factory=list)
    connection: GatewayConnection | None = None
    valid: bool = True

    @property
    def key(self) -> tuple[int, int]:
        """``(shard id, shard count)``; a session that named no shard is the only one."""
        return (self.shard[0], self.shard[1]) if self.shard is not None else (0, 1)

    def receives(self, guild_id: int | None) -> bool:
        shard_id, count = self.key
        return shard_for(guild_id, count) == shard_id


@dataclass
class _Failure:
    method: str
    path: str
    status: int
    body: JsonDict | None
    retry_after: float

    def matches(self, method: str, path: str, route: str) -> bool:
        if self.method.upper() not in ("*", method):
            return False
        template = route.split(" ", 1)[1]
        return self.path in (template, route) or re.fullmatch(self.path, path) is not None


@dataclass
class _Window:
    """A fixed window bucket like Discord's: ``limit`` requests from ``start`` on until
    ``start + period``."""

    limit: int
    period: float
    start: float = -math.inf
    used: int = 0

    def roll(self, now: float) -> None:
        if now >= self.start + self.period:
            self.start, self.used = now, 0

    def reset_after(self, now: float) -> float:
        return max(0.0, self.start + self.period - now)


class FakeInteraction:
    """An interaction the fake dispatched and everything the bot did with it.

    ``response_type`` is the first accepted callback's type (4, 5, 6, 7 or 9), ``ephemeral``
    its flag 64; ``original`` the message the interaction's token edits (the response,
    the "thinking" message of a deferral, or the pressed message for 6 and 7), as it is
    now; ``followups`` the followup messages as they are now; ``failed`` is set when no
    callback came within the deadline (the user saw "This interaction failed").
    ``callbacks`` keeps every callback attempt as ``(type, status)``;
    ``answered_monotonic`` is when the first accepted one came (``created_monotonic``
    is when the interaction was dispatched); ``delivered_to`` the ``(shard id, shard
    count)`` of each session it went to.
    """

    def __init__(
        self,
        fake: FakeDiscord,
        *,
        interaction_id: int,
        kind: int,
        user_id: int,
        channel_id: int,
        guild_id: int | None,
        payload: JsonDict,
        source_message_id: int | None,
    ) -> None:
        self._fake = fake
        self.id = interaction_id
        self.type = kind
        self.user_id = user_id
        self.channel_id = channel_id
        self.guild_id = guild_id
        self.payload = payload
        self.token: str = payload["token"]
        self.source_message_id = source_message_id
        self.created_monotonic = time.monotonic()
        self.created_at = fake.clock()
        self.response_type: int | None = None
        self.answered_monotonic: float | None = None
        self.ephemeral = False
        self.modal: JsonDict | None = None
        self.failed = False
        self.callbacks: list[tuple[int, int]] = []
        self.original_id: int | None = None
        self.followup_ids: list[int] = []
        self.deleted_original = False
        self.delivered_to: list[tuple[int, int]] = []

    def __repr__(self) -> str:
        state = "failed" if self.failed else f"response_type={self.response_type}"
        return f"<FakeInteraction id={self.id} type={self.type} user={self.user_id} {state}>"

    @property
    def answered(self) -> bool:
        return self.response_type is not None

    @property
    def original(self) -> JsonDict | None:
        if self.original_id is None or self.deleted_original:
            return None
        return self._fake.message(self.original_id)

    @property
    def followups(self) -> list[JsonDict]:
        messages = (self._fake.message(mid) for mid in self.followup_ids)
        return [m for m in messages if m is not None]

    @property
    def messages(self) -> list[JsonDict]:
        """The messages this interaction produced, oldest first, the "thinking" message
        left out while it still thinks and a pressed message only once edited."""
        found: list[JsonDict] = []
        original = self.original
        if original is not None and not original["flags"] & LOADING:
            produced = self.original_id != self.source_message_id
            if produced or original.get("edited_timestamp"):
                found.append(original)
        found.extend(self.followups)
        return found

    async def wait_answered(self, timeout: float = 5.0) -> int:  # noqa: ASYNC109
        """The callback type once the bot answered; AssertionError if it failed."""
        await self.wait_until(lambda i: i.answered or i.failed, timeout)
        if self.response_type is None:
            raise AssertionError(f"{self!r}: the bot did not answer in time\n{self._fake.dump()}")
        return self.response_type

    async def wait_until(
        self,
        predicate: Callable[[FakeInteraction], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - a polling deadline, not a cancellation scope
    ) -> None:
        await self._fake.wait_for(lambda _: predicate(self), timeout)

    async def wait_for_messages(self, count: int = 1, timeout: float = 5.0) -> list[JsonDict]:  # noqa: ASYNC109
        await self.wait_until(lambda i: len(i.messages) >= count, timeout)
        return self.messages


@dataclass
class _Request:
    """What a REST handler gets: the path parameters, the JSON body (``payload_json``
    of a multipart body) and the uploaded files in ``files[n]`` order."""

    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[Upload]
    record: RequestRecord


_Handler = Callable[[_Request], Any]


# --------------------------------------------------------------------------------------
# The server.


class FakeDiscord:
    """Discord's REST API and gateway on 127.0.0.1 for a real discord.py client.

    Public state for assertions: ``requests`` (every REST request with its outcome),
    ``commands`` (global application commands as registered, by name) and
    ``guild_commands`` (guild id -> name -> command), ``connections``, ``identifies``
    (IDENTIFY payloads, token removed), ``resumes``, ``heartbeats``, ``shards`` (of the
    connected sessions), ``interactions``, ``early_retries`` (requests that came while
    their bucket was held by a 429), ``too_many_requests`` (429s answered),
    ``internal_errors`` (bugs of the fake, answered with 500; discord.py retries those,
    so a test should assert there are none).

    ``clock`` stamps requests, rate limit windows and the 15 minutes of interaction
    tokens; a test may pass one it moves by hand.  The 3 s window for an interaction's
    first callback is real time (``interaction_deadline`` seconds), since it is the bot's
    own latency that is under test.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_id: int = 1_100_000_000_000_000_001,
        application_id: int | None = None,
        bot_name: str = "Roadmap Coach",
        heartbeat_interval_ms: int = DEFAULT_HEARTBEAT_MS,
        interaction_deadline: float = 3.0,
        members_intent: bool = False,
        presences_intent: bool = False,
        message_content_intent: bool = False,
        recommended_shards: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot = FakeUser(bot_id, bot_name.lower().replace(" ", "-"), bot_name, bot=True)
        self.application_id = application_id or bot_id
        self.bot_name = bot_name
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_deadline = interaction_deadline
        self.recommended_shards = recommended_shards
        self.allowed_privileged = (
            (GUILD_MEMBERS if members_intent else 0)
            | (GUILD_PRESENCES if presences_intent else 0)
            | (MESSAGE_CONTENT if message_content_intent else 0)
        )
        self.clock = clock
        self.base_url = ""

        self.users: dict[int, FakeUser] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.blocked_dms: set[int] = set()
        self.commands: dict[str, JsonDict] = {}
        self.guild_commands: dict[int, dict[str, JsonDict]] = {}
        self.requests: list[RequestRecord] = []
        self.connections: list[GatewayConnection] = []
        self.identifies: list[JsonDict] = []
        self.resumes: list[JsonDict] = []
        self.heartbeats: list[tuple[int, Any, float]] = []
        self.interactions: list[FakeInteraction] = []
        self.early_retries: list[RequestRecord] = []
        self.too_many_requests = 0
        self.internal_errors: list[Exception] = []
        self.attachments: dict[int, StoredAttachment] = {}

        self._messages: dict[int, JsonDict] = {}
        self._inaccessible: dict[int, FakeChannel] = {}  # channels of guilds the bot left
        self._channel_messages: dict[int, list[int]] = {}
        self._message_owner: dict[int, int] = {}  # ephemeral message -> the user who sees it
        self._dm_by_user: dict[int, int] = {}
        self._interactions_by_token: dict[str, FakeInteraction] = {}
        self._interactions_by_id: dict[int, FakeInteraction] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        self._sessions: dict[str, _Session] = {}
        self._live: list[_Session] = []  # sessions that may still resume, oldest first
        self._failures: list[_Failure] = []
        self._global: _Window | None = None
        self._route_limit: tuple[int, float] | None = None
        self._route_windows: dict[str, _Window] = {}
        self._holds: dict[str, tuple[float, bool]] = {}
        self._global_hold = -math.inf
        self._increment = itertools.count(1)
        self._deadlines: dict[int, asyncio.TimerHandle] = {}
        self._compressors: dict[int, JsonDict] = {}
        self._runner: web.AppRunner | None = None
        self._routes: list[tuple[str, re.Pattern[str], str, _Handler]] = []
        self._add_routes()

    # ---------------------------------------------------------------- lifecycle

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return f"{self.base_url}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """The value for ``DiscordWebSocket.DEFAULT_GATEWAY`` (as a ``yarl.URL``)."""
        return self.base_url.replace("http://", "ws://", 1) + "/"

    async def start(self) -> str:
        """Start serving on a free port of 127.0.0.1; returns the base URL."""
        if self._runner is not None:
            return self.base_url
        app = web.Application(client_max_size=(ATTACHMENTS_MAX + 2) * UPLOAD_LIMIT)
        app.router.add_get("/", self._handle_gateway)
        app.router.add_route("*", "/api/v{version}/{tail:.*}", self._handle_rest)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._handle_cdn)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        self._runner = runner
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is None:
            return
        for timer in self._deadlines.values():
            timer.cancel()
        self._deadlines.clear()
        for connection in self.connections:
            if connection.ws is not None and not connection.ws.closed:
                await self._close(connection, 1001, b"Going away")
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---------------------------------------------------------------- the world

    def add_user(self, user_id: int, username: str, global_name: str | None = None) -> FakeUser:
        pseudo_locale.typed(username, global_name or "")
        user = FakeUser(user_id, username, global_name)
        self.users[user_id] = user
        return user

    def add_guild(self, guild_id: int, name: str, owner_id: int) -> FakeGuild:
        pseudo_locale.typed(name)
        """A guild the bot is in; the owner becomes a member with every permission.
        Guilds added before the client identifies arrive as GUILD_CREATE after READY."""
        if owner_id not in self.users:
            self.add_user(owner_id, f"owner{owner_id}")
        guild = FakeGuild(guild_id, name, owner_id)
        guild.members[owner_id] = FakeMember(owner_id, ALL_PERMISSIONS)
        self.guilds[guild_id] = guild
        return guild

    def add_channel(self, guild_id: int, channel_id: int, name: str) -> FakeChannel:
        pseudo_locale.typed(name)
        channel = FakeChannel(channel_id, 0, guild_id=guild_id, name=name)
        self.guilds[guild_id].channels[channel_id] = channel
        self.channels[channel_id] = channel
        self._inaccessible.pop(channel_id, None)
        return channel

    async def delete_channel(self, channel_id: int) -> JsonDict:
        """Someone deletes a guild channel: its messages go with it, the client gets
        CHANNEL_DELETE (the channel object, with the GUILDS intent), and from then on the
        channel's routes answer 404/10003 "Unknown Channel".  Returns the event's data."""
        channel = self.channels.get(channel_id)
        if channel is None or channel.guild_id is None:
            raise KeyError(f"unknown guild channel {channel_id}")
        data = self._channel_api(channel)
        del self.channels[channel_id]
        self.guilds[channel.guild_id].channels.pop(channel_id, None)
        for message_id in self._channel_messages.pop(channel_id, []):
            self._messages.pop(message_id, None)
            self._message_owner.pop(message_id, None)
        await self._dispatch_guild_event("CHANNEL_DELETE", data, channel.guild_id)
        return data

    async def remove_guild(self, guild_id: int) -> None:
        """The bot is kicked (or banned) from a guild: GUILD_DELETE with just the id (no
        ``unavailable``: a removal, not an outage), with the GUILDS intent.  The guild's
        channels then answer 403/50001 "Missing Access", as do its command routes; users
        there can no longer reach the bot."""
        guild = self.guilds.pop(guild_id, None)
        if guild is None:
            raise KeyError(f"unknown guild {guild_id}")
        for channel_id, channel in guild.channels.items():
            self.channels.pop(channel_id, None)
            self._inaccessible[channel_id] = channel
        await self._dispatch_guild_event("GUILD_DELETE", {"id": str(guild_id)}, guild_id)

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        *,
        permissions: int = DEFAULT_PERMISSIONS,
        roles: Sequence[int] = (),
        nick: str | None = None,
    ) -> FakeMember:
        """A user in a guild; ``permissions`` is what interactions report as
        ``member.permissions`` in that guild's channels."""
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id}; add_user first")
        member = FakeMember(user_id, permissions, list(roles), nick)
        self.guilds[guild_id].members[user_id] = member
        return member

    def block_dms(self, user_id: int) -> None:
        """The user blocked the bot or closed DMs: sends to their DM answer 403/50007."""
        self.blocked_dms.add(user_id)

    def unblock_dms(self, user_id: int) -> None:
        self.blocked_dms.discard(user_id)

    # ---------------------------------------------------------------- messages

    def message(self, message_id: int) -> JsonDict | None:
        stored = self._messages.get(message_id)
        return copy.deepcopy(stored) if stored is not None else None

    def channel_messages(self, channel_id: int) -> list[JsonDict]:
        """The bot's messages in a channel as Discord would return them, oldest first;
        deleted ones are gone, ephemeral ones are included with flag 64."""
        ids = self._channel_messages.get(channel_id, [])
        bot_id = str(self.bot.id)
        return [
            copy.deepcopy(self._messages[mid])
            for mid in ids
            if mid in self._messages and self._messages[mid]["author"]["id"] == bot_id
        ]

    def dm_channel_id(self, user_id: int) -> int | None:
        return self._dm_by_user.get(user_id)

    def dm_messages(self, user_id: int) -> list[JsonDict]:
        """The bot's messages in the user's DM: sends, interaction responses, followups."""
        channel_id = self._dm_by_user.get(user_id)
        return [] if channel_id is None else self.channel_messages(channel_id)

    async def wait_for_dm(
        self,
        user_id: int,
        predicate: Callable[[JsonDict], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JsonDict:
        """The first DM to the user that satisfies ``predicate`` (any DM without one)."""
        found: list[JsonDict] = []

        def check(fake: FakeDiscord) -> bool:
            matching = [m for m in fake.dm_messages(user_id) if predicate is None or predicate(m)]
            found[:] = matching[:1]
            return bool(matching)

        await self.wait_for(check, timeout)
        return found[0]

    def attachment_bytes(self, attachment_id: int | str) -> bytes:
        return self.attachments[int(attachment_id)].data

    # ---------------------------------------------------------------- users act

    async def slash(
        self,
        user_id: int,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """The user runs a registered slash command (``"group sub"`` for subcommands) in
        their DM, or in a guild channel with ``channel_id``.  Options are typed by the
        registered definition; an attachment option takes ``(filename, bytes)`` or
        ``(filename, bytes, content_type)``.  Raises if the command is not registered or
        not usable there, like a Discord client that would not offer it."""
        pseudo_locale.typed(
            *(str(v) for v in (options or {}).values() if isinstance(v, str | int | float))
        )
        user = self._user(user_id)
        channel, guild = self._interaction_channel(user_id, channel_id)
        parts = name.split()
        command = self._find_command(parts[0], guild)
        self._check_context(command, guild)
        self._check_member_permissions(command, guild, user_id)
        resolved: JsonDict = {}
        schema: list[JsonDict] = command.get("options") or []
        path_options: list[JsonDict] = []
        holder = path_options
        for part in parts[1:]:
            sub = next(
                (
                    o
                    for o in schema
                    if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
                ),
                None,
            )
            if sub is None:
                raise KeyError(f"command {parts[0]!r} has no subcommand {part!r}")
            entry: JsonDict = {"name": part, "type": sub["type"], "options": []}
            holder.append(entry)
            holder = entry["options"]
            schema = sub.get("options") or []
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
            raise ValueError(f"{name!r} needs a subcommand")
        holder.extend(self._typed_options(schema, options or {}, resolved, channel, guild))
        data: JsonDict = {
            "id": command["id"],
            "name": parts[0],
            "type": 1,
            "options": path_options,
        }
        if resolved:
            data["resolved"] = resolved
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        payload = self._interaction_payload(APPLICATION_COMMAND, user, channel, guild, locale)
        payload["data"] = data
        return await self._dispatch_interaction(payload, user_id, channel, guild, None)

    async def press(
        self,
        user_id: int,
        message: JsonDict | int,
        custom_id: str,
        *,
        values: Sequence[str] | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """The user clicks a button (or picks ``values`` of a select menu) on a message
        of the bot.  Raises if the message is unknown, gone, not visible to the user, or
        has no enabled component with that custom_id on it now."""
        message_id = int(message["id"] if isinstance(message, dict) else message)
        stored = self._messages.get(message_id)
        if stored is None:
            raise KeyError(f"the bot has no message {message_id}")
        owner = self._message_owner.get(message_id)
        if owner is not None and owner != user_id:
            raise ValueError(f"message {message_id} is ephemeral for user {owner}")
        component = next(
            (
                c
                for _, c in _walk_components(stored.get("components") or [])
                if c.get("custom_id") == custom_id
            ),
            None,
        )
        if component is None:
            present = [
                c.get("custom_id")
                for _, c in _walk_components(stored.get("components") or [])
                if c.get("custom_id")
            ]
            raise ValueError(
                f"message {message_id} has no component {custom_id!r}; it has {present}"
            )
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        user = self._user(user_id)
        channel = self.channels.get(int(stored["channel_id"]))
        if channel is None:
            raise KeyError(f"message {message_id} is in a channel the bot can no longer see")
        guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
        if guild is not None and user_id not in guild.members:
            raise KeyError(f"user {user_id} is not a member of guild {guild.id}")
        if channel.type == 1 and channel.recipient_id != user_id:
            raise ValueError(f"message {message_id} is in another user's DM")
        data: JsonDict = {"custom_id": custom_id, "component_type": component["type"]}
        if "id" in component:
            data["id"] = component["id"]
        if component["type"] in SELECTS:
            if values is None:
                raise ValueError("a select menu needs values")
            data["values"] = list(values)
        payload = self._interaction_payload(MESSAGE_COMPONENT, user, channel, guild, locale)
        payload["data"] = data
        payload["message"] = copy.deepcopy(stored)
        return await self._dispatch_interaction(payload, user_id, channel, guild, message_id)

    async def submit_modal(
        self, interaction: FakeInteraction, values: dict[str, str], *, locale: str = "en-US"
    ) -> FakeInteraction:
        """The user submits the modal the bot answered ``interaction`` with; ``values``
        maps the text inputs' custom_ids to what the user typed."""
        modal = interaction.modal
        if modal is None:
            raise ValueError(f"{interaction!r} was not answered with a modal")
        rows: list[JsonDict] = []
        for _, component in _walk_components(modal.get("components") or []):
            if component.get("type") == 4:
                custom_id = component["custom_id"]
                text_input = {"type": 4, "custom_id": custom_id, "value": values.get(custom_id, "")}
                rows.append({"type": 1, "components": [text_input]})
        user = self._user(interaction.user_id)
        channel = self.channels[interaction.channel_id]
        guild = self.guilds.get(interaction.guild_id) if interaction.guild_id else None
        payload = self._interaction_payload(MODAL_SUBMIT, user, channel, guild, locale)
        payload["data"] = {"custom_id": modal["custom_id"], "components": rows}
        if interaction.source_message_id is not None:
            source = self._messages.get(interaction.source_message_id)
            if source is not None:
                payload["message"] = copy.deepcopy(source)
        return await self._dispatch_interaction(
            payload, interaction.user_id, channel, guild, interaction.source_message_id
        )

    async def send_text(
        self, user_id: int, content: str, *, channel_id: int | None = None
    ) -> JsonDict:
        """The user writes a message (in their DM by default): MESSAGE_CREATE, with the
        content only where Discord shows it (DMs, or the MESSAGE_CONTENT intent)."""
        pseudo_locale.typed(content)
        user = self._user(user_id)
        channel, guild = self._interaction_channel(user_id, channel_id)
        message = self._new_message(channel, {"content": content}, [], author=user.as_api())
        wanted = GUILD_MESSAGES if guild is not None else DIRECT_MESSAGES
        for session in self._receivers(guild.id if guild is not None else None):
            if not session.intents & wanted:
                continue
            event = copy.deepcopy(message)
            if guild is not None:
                event["guild_id"] = str(guild.id)
                event["member"] = self._member_api(guild, user_id, with_user=False)
                if not session.intents & MESSAGE_CONTENT:
                    event["content"] = ""
            await self._emit(session, "MESSAGE_CREATE", event)
        return message

    # ---------------------------------------------------------------- injected trouble

    def fail_next(
        self,
        method: str,
        path: str,
        status: int = 500,
        body: JsonDict | None = None,
        *,
        times: int = 1,
        retry_after: float = 0.5,
    ) -> None:
        """The next ``times`` requests matching fail with ``status``.  ``path`` is a route
        template as discord.py writes it ("/channels/{channel_id}/messages") or a regular
        expression for the path after ``/api/v10``; ``method`` may be "*".  A 429 gets
        Discord's body with ``retry_after`` and holds the bucket like a real one."""
        failure = _Failure(method.upper(), path, status, body, retry_after)
        self._failures.extend([failure] * times)

    def enforce_rates(
        self,
        global_per_second: int | None = 50,
        per_route: tuple[int, float] | None = (5, 5.0),
    ) -> None:
        """Switch on the global limit and the per channel limit of message sends; ``None``
        switches one off.  Every call starts afresh: no request counted, nothing held."""
        self._global = _Window(global_per_second, 1.0) if global_per_second else None
        self._route_limit = per_route
        self._route_windows.clear()
        self._holds.clear()
        self._global_hold = -math.inf

    # ---------------------------------------------------------------- gateway control

    async def disconnect(
        self, code: int = 4000, *, resumable: bool = True, shard: int | None = None
    ) -> None:
        """Close the client's websocket with ``code``, as Discord does at times; with
        several shards connected, ``shard`` names whose.  With ``resumable=False`` the
        session is forgotten, so a RESUME gets INVALID_SESSION."""
        session = self._connected_session(shard)
        if not resumable:
            self._end(session)
        connection = session.connection
        assert connection is not None
        session.connection = None
        await self._close(connection, code, b"Closed by the test")

    async def request_reconnect(self, shard: int | None = None) -> None:
        """Send op 7 RECONNECT: the client should reconnect and resume."""
        connection = self._connected_session(shard).connection
        assert connection is not None
        await self._send(connection, {"op": 7, "d": None})

    async def dispatch(self, event: str, data: JsonDict, *, guild_id: int | None = None) -> int:
        """Send a dispatch (op 0) to the shard that carries ``guild_id`` (shard 0 for
        None: direct messages); kept for replay on RESUME when no connection is up.
        Returns how many sessions it went to."""
        if not self._sessions:
            raise RuntimeError("no client has identified yet")
        receivers = self._receivers(guild_id)
        for session in receivers:
            await self._emit(session, event, data)
        return len(receivers)

    @property
    def shards(self) -> list[tuple[int, int]]:
        """``(shard id, shard count)`` of each connected session, in order."""
        return sorted(session.key for session in self._live if session.connection is not None)

    async def _emit(self, session: _Session, event: str, data: JsonDict) -> int:
        """One dispatch in one session; returns its sequence number."""
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.events.append(frame)
        if session.connection is not None:
            await self._send(session.connection, frame)
        return session.seq

    def _end(self, session: _Session) -> None:
        session.valid = False
        with contextlib.suppress(ValueError):
            self._live.remove(session)

    def _receivers(self, guild_id: int | None) -> list[_Session]:
        return [session for session in self._live if session.receives(guild_id)]

    def _connected_session(self, shard: int | None) -> _Session:
        connected = [
            session
            for session in self._live
            if session.connection is not None and shard in (None, session.key[0])
        ]
        if not connected:
            raise RuntimeError("no client is connected")
        if len(connected) > 1:
            raise RuntimeError("several shards are connected: name one")
        return connected[0]

    async def _dispatch_guild_event(self, event: str, data: JsonDict, guild_id: int) -> None:
        """A GUILDS intent event, for the guild's shard if it asked for it; a client that
        has not identified yet learns the state from READY and GUILD_CREATE instead."""
        for session in self._receivers(guild_id):
            if session.intents & GUILDS:
                await self._emit(session, event, data)

    async def wait_identified(self, count: int = 1, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until ``count`` connections have a session (READY sent, or resumed)."""
        await self.wait_for(
            lambda f: sum(1 for c in f.connections if c.session_id) >= count, timeout
        )

    # ---------------------------------------------------------------- assertions

    def requests_to(self, route: str) -> list[RequestRecord]:
        """The requests of one route key, e.g. "POST /channels/{channel_id}/messages"."""
        return [r for r in self.requests if r.route == route]

    def max_requests_in_window(self, window: float, route: str | None = None) -> int:
        """The most requests (of one route key, or all) in any ``[t, t + window)``."""
        times = sorted(r.at for r in self.requests if route is None or r.route == route)
        return max(
            (bisect_left(times, start + window) - index for index, start in enumerate(times)),
            default=0,
        )

    def dump(self, last: int = 20) -> str:
        """The most recent requests with their outcome, for failure messages."""
        if not self.requests:
            return "no requests to the fake Discord yet"
        lines = [f"last {min(last, len(self.requests))} of {len(self.requests)} requests:"]
        for record in self.requests[-last:]:
            outcome = "pending" if record.status is None else str(record.status)
            if record.code:
                outcome += f" code {record.code}"
            body = json.dumps(record.body, ensure_ascii=False, default=str)
            if len(body) > 300:
                body = body[:300] + "…"
            lines.append(f"  {record.method} {record.path} -> {outcome}\n      {body}")
        return "\n".join(lines)

    async def wait_for(
        self,
        predicate: Callable[[FakeDiscord], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - a polling deadline, not a cancellation scope
        interval: float = 0.01,
    ) -> None:
        """Poll until ``predicate(self)`` is true.  A predicate raising AssertionError or
        LookupError counts as false until the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            error: Exception | None = None
            try:
                if predicate(self):
                    return
            except (AssertionError, LookupError) as raised:
                error = raised
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"condition not met within {timeout} s\n{self.dump()}"
                ) from error
            await asyncio.sleep(interval)

    # ---------------------------------------------------------------- internals: ids, world

    def _snowflake(self) -> int:
        return snowflake_at(time.time(), next(self._increment))

    def _user(self, user_id: int) -> FakeUser:
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id}; add_user first")
        return self.users[user_id]

    def _dm_channel(self, user_id: int) -> FakeChannel:
        channel_id = self._dm_by_user.get(user_id)
        if channel_id is None:
            channel_id = self._snowflake()
            self._dm_by_user[user_id] = channel_id
            self.channels[channel_id] = FakeChannel(channel_id, 1, recipient_id=user_id)
        return self.channels[channel_id]

    def _channel_api(self, channel: FakeChannel, permissions: int | None = None) -> JsonDict:
        sent = self._channel_messages.get(channel.id)
        last_id = str(sent[-1]) if sent else None
        if channel.type == 1:
            assert channel.recipient_id is not None
            return {
                "id": str(channel.id),
                "type": 1,
                "last_message_id": last_id,
                "flags": 0,
                "recipients": [self.users[channel.recipient_id].as_api()],
            }
        data: JsonDict = {
            "id": str(channel.id),
            "type": 0,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "rate_limit_per_user": 0,
            "last_message_id": last_id,
            "flags": 0,
        }
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data

    def _member_api(self, guild: FakeGuild, user_id: int, *, with_user: bool = True) -> JsonDict:
        member = guild.members[user_id]
        data: JsonDict = {
            "roles": [str(r) for r in member.roles],
            "nick": member.nick,
            "avatar": None,
            "joined_at": member.joined_at,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "permissions": str(member.permissions),
        }
        if with_user:
            data["user"] = self.users[user_id].as_api()
        return data

    def _guild_api(self, guild: FakeGuild) -> JsonDict:
        everyone = {
            "id": str(guild.id),
            "name": "@everyone",
            "permissions": str(DEFAULT_PERMISSIONS),
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        bot_member = {
            "user": self.bot.as_api(),
            "roles": [],
            "joined_at": _iso(datetime.now(UTC)),
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "owner_id": str(guild.owner_id),
            "unavailable": False,
            "member_count": len(guild.members) + 1,
            "large": False,
            "joined_at": bot_member["joined_at"],
            "features": [],
            "roles": [everyone],
            "emojis": [],
            "stickers": [],
            "channels": [self._channel_api(c) for c in guild.channels.values()],
            "threads": [],
            "members": [bot_member],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "system_channel_flags": 0,
        }

    def _application_api(self) -> JsonDict:
        flags = (
            (APP_FLAG_GUILD_MEMBERS if self.allowed_privileged & GUILD_MEMBERS else 0)
            | (APP_FLAG_PRESENCE if self.allowed_privileged & GUILD_PRESENCES else 0)
            | (APP_FLAG_MESSAGE_CONTENT if self.allowed_privileged & MESSAGE_CONTENT else 0)
        )
        return {
            "id": str(self.application_id),
            "name": self.bot_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": flags,
            "owner": {**FakeUser(1, "owner").as_api(), "id": "1"},
            "team": None,
            "bot": self.bot.as_api(),
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.guilds),
            "integration_types_config": {"0": {}, "1": {}},
        }

    # ---------------------------------------------------------------- internals: messages

    def _attachment_url(self, channel_id: int, attachment_id: int, filename: str) -> str:
        return f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{filename}"

    def _store_attachment(self, channel_id: int, upload: Upload) -> StoredAttachment:
        """Keep an upload; like Discord, the content type is judged by the file name."""
        attachment_id = self._snowflake()
        guessed = mimetypes.guess_type(upload.filename)[0]
        content_type = guessed or upload.content_type or "application/octet-stream"
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        stored = StoredAttachment(
            attachment_id,
            channel_id,
            upload.filename,
            upload.data,
            content_type,
            upload.content_type,
            self._attachment_url(channel_id, attachment_id, upload.filename),
        )
        self.attachments[attachment_id] = stored
        return stored

    def _blank_message(
        self,
        channel: FakeChannel,
        *,
        author: JsonDict | None,
        flags: int,
        message_type: int,
        interaction: FakeInteraction | None,
    ) -> JsonDict:
        message: JsonDict = {
            "id": str(self._snowflake()),
            "channel_id": str(channel.id),
            "type": message_type,
            "content": "",
            "author": author or self.bot.as_api(),
            "attachments": [],
            "embeds": [],
            "components": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "flags": flags,
            "timestamp": _iso(datetime.now(UTC)),
            "edited_timestamp": None,
        }
        if interaction is not None:
            message["application_id"] = str(self.application_id)
            message["webhook_id"] = str(self.application_id)
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self.users[interaction.user_id].as_api(),
                "authorizing_integration_owners": interaction.payload[
                    "authorizing_integration_owners"
                ],
            }
        return message

    def _store(self, message: JsonDict, interaction: FakeInteraction | None) -> JsonDict:
        message_id = int(message["id"])
        self._messages[message_id] = message
        self._channel_messages.setdefault(int(message["channel_id"]), []).append(message_id)
        if message["flags"] & EPHEMERAL and interaction is not None:
            self._message_owner[message_id] = interaction.user_id
        return message

    def _new_message(
        self,
        channel: FakeChannel,
        payload: JsonDict,
        files: list[Upload],
        *,
        author: JsonDict | None = None,
        flags: int = 0,
        message_type: int = 0,
        interaction: FakeInteraction | None = None,
    ) -> JsonDict:
        message = self._blank_message(
            channel, author=author, flags=flags, message_type=message_type, interaction=interaction
        )
        self._apply(message, payload, files, new=True)
        return self._store(message, interaction)

    def _apply(
        self, message: JsonDict, payload: JsonDict, files: list[Upload], *, new: bool
    ) -> None:
        """Validate a send or an edit against the resulting message, then apply it."""
        errors = _Errors()
        kept = message["attachments"]
        if "attachments" in payload and not new:
            wanted = {str(a.get("id")) for a in payload["attachments"] or [] if isinstance(a, dict)}
            kept = [a for a in message["attachments"] if a["id"] in wanted]
        check_message(errors, payload, files=len(files), kept_attachments=len(kept))
        errors.raise_if_any()
        merged = {**message, **{k: v for k, v in payload.items() if k in _MESSAGE_FIELDS}}
        if "flags" in payload and payload["flags"] is not None:
            # Only a few flags can be set by a bot; the ephemeral one stays as created.
            merged["flags"] = (message["flags"] & ~SENDABLE_FLAGS) | (
                int(payload["flags"]) & SENDABLE_FLAGS
            )
        for key in ("content",):
            if merged.get(key) is None:
                merged[key] = ""
        for key in ("embeds", "components"):
            if merged.get(key) is None:
                merged[key] = []
        if new and payload.get("poll") is not None:
            merged["poll"] = self._poll_api(payload["poll"])
        if is_empty(merged, len(kept) + len(files)):
            raise EMPTY_MESSAGE
        channel_id = int(message["channel_id"])
        uploaded = [self._store_attachment(channel_id, f).as_api() for f in files]
        for described in payload.get("attachments") or []:
            index = described.get("id") if isinstance(described, dict) else None
            if isinstance(index, int) and 0 <= index < len(uploaded):
                if described.get("description") is not None:
                    uploaded[index]["description"] = described["description"]
                if described.get("filename"):
                    uploaded[index]["filename"] = described["filename"]
        merged["attachments"] = kept + uploaded
        merged["embeds"] = [{"type": "rich", **e} for e in merged["embeds"]]
        merged["components"] = _number_components(merged["components"])
        if not new:
            merged["edited_timestamp"] = _iso(datetime.now(UTC))
        merged.pop("allowed_mentions", None)
        message.clear()
        message.update(merged)

    @staticmethod
    def _poll_api(poll: JsonDict) -> JsonDict:
        expiry = datetime.now(UTC) + timedelta(hours=float(poll.get("duration", 24)))
        return {
            "question": {"text": poll["question"]["text"]},
            "answers": [
                {"answer_id": index, "poll_media": answer["poll_media"]}
                for index, answer in enumerate(poll["answers"], start=1)
            ],
            "expiry": _iso(expiry),
            "allow_multiselect": bool(poll.get("allow_multiselect", False)),
            "layout_type": poll.get("layout_type", 1),
            "results": {"is_finalized": False, "answer_counts": []},
        }

    def _delete_message(self, message_id: int) -> None:
        message = self._messages.pop(message_id, None)
        if message is None:
            raise unknown("Message", 10008)
        ids = self._channel_messages.get(int(message["channel_id"]), [])
        with contextlib.suppress(ValueError):
            ids.remove(message_id)

    async def _notify_message(self, event: str, message: JsonDict) -> None:
        """MESSAGE_CREATE/UPDATE for the bot's own non-ephemeral messages, as Discord
        sends them to a client with the message intents."""
        if message["flags"] & EPHEMERAL:
            return
        channel = self.channels[int(message["channel_id"])]
        wanted = GUILD_MESSAGES if channel.guild_id else DIRECT_MESSAGES
        event_data = copy.deepcopy(message)
        if channel.guild_id:
            event_data["guild_id"] = str(channel.guild_id)
        for session in self._receivers(channel.guild_id):
            if session.intents & wanted:
                await self._emit(session, event, event_data)

    # ---------------------------------------------------------------- internals: interactions

    def _interaction_channel(
        self, user_id: int, channel_id: int | None
    ) -> tuple[FakeChannel, FakeGuild | None]:
        if channel_id is None or channel_id == self._dm_by_user.get(user_id):
            return self._dm_channel(user_id), None
        channel = self.channels.get(channel_id)
        if channel is None or channel.guild_id is None:
            raise KeyError(f"unknown guild channel {channel_id}; add_channel first")
        guild = self.guilds[channel.guild_id]
        if user_id not in guild.members:
            raise KeyError(f"user {user_id} is not a member of guild {guild.id}; add_member first")
        return channel, guild

    def _find_command(self, name: str, guild: FakeGuild | None) -> JsonDict:
        if guild is not None:
            command = self.guild_commands.get(guild.id, {}).get(name)
            if command is not None:
                return command
        command = self.commands.get(name)
        if command is None:
            where = f"guild {guild.id}" if guild else "DMs"
            known = sorted(self.commands) + sorted(
                self.guild_commands.get(guild.id, {}) if guild else []
            )
            raise KeyError(f"no command {name!r} is registered for {where}; registered: {known}")
        return command

    def allow_command(self, guild_id: int, name: str, user_id: int) -> None:
        """The server's own override (Server Settings → Integrations) that shows a command
        to a member its default member permissions hide it from."""
        self.guilds[guild_id].commands_allowed.add((name, user_id))

    @staticmethod
    def _check_member_permissions(command: JsonDict, guild: FakeGuild | None, user_id: int) -> None:
        """A server command with default member permissions is shown only to members who
        hold all of them, or whom the server allowed it; the owner and administrators see
        every command."""
        required = command.get("default_member_permissions")
        if (
            guild is None
            or required is None
            or (command["name"], user_id) in guild.commands_allowed
        ):
            return
        needed = int(required)
        member = guild.members.get(user_id)
        held = member.permissions if member is not None else 0
        if user_id == guild.owner_id or held & ADMINISTRATOR or held & needed == needed:
            return
        raise ValueError(f"command {command['name']!r} is not offered to this member")

    @staticmethod
    def _check_context(command: JsonDict, guild: FakeGuild | None) -> None:
        context = 0 if guild is not None else 1
        contexts = command.get("contexts")
        hidden = (contexts is not None and context not in contexts) or (
            guild is None and command.get("dm_permission") is False
        )
        if hidden:
            place = "guilds" if guild is not None else "DMs"
            raise ValueError(f"command {command['name']!r} is not offered in {place}")

    def _typed_options(
        self,
        schema: list[JsonDict],
        given: dict[str, Any],
        resolved: JsonDict,
        channel: FakeChannel,
        guild: FakeGuild | None,
    ) -> list[JsonDict]:
        by_name = {o["name"]: o for o in schema}
        unknown_names = set(given) - set(by_name)
        if unknown_names:
            raise KeyError(
                f"unknown options {sorted(unknown_names)}; the command has {sorted(by_name)}"
            )
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in given]
        if missing:
            raise ValueError(f"required options missing: {missing}")
        typed: list[JsonDict] = []
        for option in schema:
            name = option["name"]
            if name not in given:
                continue
            kind = option["type"]
            value = self._option_value(kind, given[name], resolved, channel, guild)
            choices = option.get("choices")
            if choices and value not in [c["value"] for c in choices]:
                raise ValueError(f"{value!r} is not a choice of option {name!r}")
            typed.append({"name": name, "type": kind, "value": value})
        return typed

    def _option_value(
        self,
        kind: int,
        value: Any,
        resolved: JsonDict,
        channel: FakeChannel,
        guild: FakeGuild | None,
    ) -> Any:
        if kind == STRING:
            return str(value)
        if kind == INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"an integer option takes an int, not {value!r}")
            return value
        if kind == BOOLEAN:
            return bool(value)
        if kind == NUMBER:
            return float(value)
        if kind in (USER, MENTIONABLE):
            user_id = int(value)
            resolved.setdefault("users", {})[str(user_id)] = self._user(user_id).as_api()
            if guild is not None and user_id in guild.members:
                member = self._member_api(guild, user_id, with_user=False)
                resolved.setdefault("members", {})[str(user_id)] = member
            return str(user_id)
        if kind == CHANNEL:
            target = self.channels[int(value)]
            resolved.setdefault("channels", {})[str(target.id)] = self._channel_api(target)
            return str(target.id)
        if kind == ATTACHMENT:
            filename, data, *rest = value
            content_type = rest[0] if rest else "application/octet-stream"
            stored = self._store_attachment(channel.id, Upload(filename, content_type, data))
            if rest:
                stored.content_type = content_type
            resolved.setdefault("attachments", {})[str(stored.id)] = stored.as_api()
            return str(stored.id)
        raise NotImplementedError(f"option type {kind} is not modelled")

    def _interaction_payload(
        self,
        kind: int,
        user: FakeUser,
        channel: FakeChannel,
        guild: FakeGuild | None,
        locale: str,
    ) -> JsonDict:
        interaction_id = self._snowflake()
        payload: JsonDict = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48),
            "version": 1,
            "channel_id": str(channel.id),
            "locale": locale,
            "app_permissions": str(DEFAULT_PERMISSIONS),
            "entitlements": [],
            "attachment_size_limit": UPLOAD_LIMIT,
        }
        if guild is None:
            payload["user"] = user.as_api()
            payload["channel"] = self._channel_api(channel)
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": "0"}
        else:
            member = self._member_api(guild, user.id)
            payload["member"] = member
            payload["guild_id"] = str(guild.id)
            payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["channel"] = self._channel_api(channel, guild.members[user.id].permissions)
            payload["context"] = 0
            payload["authorizing_integration_owners"] = {"0": str(guild.id)}
        return payload

    async def _dispatch_interaction(
        self,
        payload: JsonDict,
        user_id: int,
        channel: FakeChannel,
        guild: FakeGuild | None,
        source_message_id: int | None,
    ) -> FakeInteraction:
        if not self._sessions:
            raise RuntimeError("no client has identified yet")
        interaction = FakeInteraction(
            self,
            interaction_id=int(payload["id"]),
            kind=payload["type"],
            user_id=user_id,
            channel_id=channel.id,
            guild_id=guild.id if guild else None,
            payload=payload,
            source_message_id=source_message_id,
        )
        self.interactions.append(interaction)
        self._interactions_by_token[interaction.token] = interaction
        self._interactions_by_id[interaction.id] = interaction
        loop = asyncio.get_running_loop()
        self._deadlines[interaction.id] = loop.call_later(
            self.interaction_deadline, self._expire, interaction
        )
        receivers = self._receivers(guild.id if guild is not None else None)
        interaction.delivered_to = [session.key for session in receivers]
        for session in receivers:
            await self._emit(session, "INTERACTION_CREATE", copy.deepcopy(payload))
        return interaction

    def _expire(self, interaction: FakeInteraction) -> None:
        self._deadlines.pop(interaction.id, None)
        if interaction.response_type is None:
            interaction.failed = True

    def _past_deadline(self, interaction: FakeInteraction) -> bool:
        late = time.monotonic() - interaction.created_monotonic > self.interaction_deadline
        if late and interaction.response_type is None:
            interaction.failed = True
        return interaction.failed

    def _interaction_target(self, interaction: FakeInteraction) -> FakeChannel:
        """The channel an interaction's messages go to; it may have gone since."""
        channel = self.channels.get(interaction.channel_id)
        if channel is None:
            if interaction.channel_id in self._inaccessible:
                raise MISSING_ACCESS
            raise unknown("Channel", 10003)
        return channel

    def _webhook_interaction(self, application_id: str, token: str) -> FakeInteraction:
        """The interaction behind a webhook route: only after its first callback, and
        for 15 minutes."""
        interaction = self._interactions_by_token.get(token)
        if interaction is None or application_id != str(self.application_id):
            raise unknown("Webhook", 10015)
        if interaction.response_type is None:
            raise unknown("Webhook", 10015)
        if self.clock() - interaction.created_at > INTERACTION_TOKEN_LIFETIME:
            raise INVALID_WEBHOOK_TOKEN
        return interaction

    # ---------------------------------------------------------------- internals: gateway

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        query = dict(request.query)
        connection = GatewayConnection(
            index=len(self.connections),
            query=query,
            compress=query.get("compress"),
            opened_at=self.clock(),
            ws=ws,
        )
        self.connections.append(connection)
        compressor: Any = None
        try:
            if query.get("v") != str(API_VERSION):
                await self._close(connection, 4012, b"Invalid API version")
                return ws
            if query.get("encoding", "json") != "json":
                await self._close(connection, 4002, b"Error while decoding payload.")
                return ws
            compressor = _compressor(connection.compress)
            if compressor is False:
                await self._close(connection, 4000, b"Unknown compression")
                return ws
            connection_state: JsonDict = {"compressor": compressor, "lock": asyncio.Lock()}
            self._compressors[connection.index] = connection_state
            await self._send(
                connection, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._gateway_message(connection, msg.data)
                elif msg.type is WSMsgType.BINARY:
                    await self._close(connection, 4002, b"Error while decoding payload.")
                if ws.closed:
                    break
        finally:
            if connection.close_code is None:
                connection.close_code = ws.close_code
            session = self._sessions.get(connection.session_id or "")
            if session is not None and session.connection is connection:
                session.connection = None
                if not connection.closed_by_fake and connection.close_code in (1000, 1001):
                    self._end(session)  # a client that closes normally ends its session
            self._compressors.pop(connection.index, None)
        return ws

    async def _gateway_message(self, connection: GatewayConnection, raw: str) -> None:
        ws = connection.ws
        assert ws is not None
        try:
            frame = json.loads(raw)
            op = frame["op"]
        except (ValueError, KeyError, TypeError):
            await self._close(connection, 4002, b"Error while decoding payload.")
            return
        data = frame.get("d")
        if op == 1:
            self.heartbeats.append((connection.index, data, self.clock()))
            await self._send(connection, {"op": 11})
        elif op == 2:
            await self._identify(connection, data)
        elif op == 6:
            await self._resume(connection, data)
        elif op in (3, 4, 8):
            if connection.session_id is None:
                await self._close(connection, 4003, b"Not authenticated.")
        else:
            await self._close(connection, 4001, b"Unknown opcode.")

    async def _identify(self, connection: GatewayConnection, data: Any) -> None:
        ws = connection.ws
        assert ws is not None
        if not isinstance(data, dict):
            await self._close(connection, 4002, b"Error while decoding payload.")
            return
        if connection.session_id is not None:
            await self._close(connection, 4005, b"Already authenticated.")
            return
        if data.get("token") != self.token:
            await self._close(connection, 4004, b"Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents & ~ALL_INTENTS:
            await self._close(connection, 4013, b"Invalid intent(s).")
            return
        self.identifies.append({k: v for k, v in data.items() if k != "token"})
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged:
            await self._close(connection, 4014, b"Disallowed intent(s).")
            return
        shard = data.get("shard")
        if shard is not None and not _valid_shard(shard):
            await self._close(connection, 4010, b"Invalid shard.")
            return
        session = _Session(secrets.token_hex(16), intents, shard)
        self._sessions[session.id] = session
        self._live.append(session)
        session.connection = connection
        connection.session_id = session.id
        guilds = [guild for guild in self.guilds.values() if session.receives(guild.id)]
        ready: JsonDict = {
            "v": API_VERSION,
            "user": {**self.bot.as_api(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(guild.id), "unavailable": True} for guild in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {
                "id": str(self.application_id),
                "flags": self._application_api()["flags"],
            },
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fake-discord"],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        await self._emit(session, "READY", ready)
        if intents & GUILDS:
            for guild in guilds:
                await self._emit(session, "GUILD_CREATE", self._guild_api(guild))

    async def _resume(self, connection: GatewayConnection, data: Any) -> None:
        ws = connection.ws
        assert ws is not None
        if not isinstance(data, dict) or data.get("token") != self.token:
            await self._close(connection, 4004, b"Authentication failed.")
            return
        self.resumes.append({k: v for k, v in data.items() if k != "token"})
        session = self._sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        if session is None or not session.valid or not isinstance(seq, int) or seq > session.seq:
            await self._send(connection, {"op": 9, "d": False})
            return
        if session.connection is not None:
            await self._close(session.connection, 4000, b"Session resumed elsewhere")
        session.connection = connection
        connection.session_id = session.id
        for frame in session.events:
            if frame["s"] > seq:
                await self._send(connection, frame)
        session.seq += 1
        resumed = {"op": 0, "t": "RESUMED", "s": session.seq, "d": {"_trace": ["fake-discord"]}}
        session.events.append(resumed)
        await self._send(connection, resumed)

    @staticmethod
    async def _close(connection: GatewayConnection, code: int, reason: bytes) -> None:
        """Close from the fake's side; the code is the fake's, not the client's echo."""
        connection.close_code = code
        connection.closed_by_fake = True
        if connection.ws is not None:
            await connection.ws.close(code=code, message=reason)

    async def _send(self, connection: GatewayConnection, frame: JsonDict) -> None:
        ws = connection.ws
        state = self._compressors.get(connection.index)
        if ws is None or ws.closed or state is None:
            return
        text = json.dumps(frame, ensure_ascii=False)
        async with state["lock"]:
            compressor = state["compressor"]
            try:
                if compressor is None:
                    await ws.send_str(text)
                else:
                    await ws.send_bytes(compressor(text.encode("utf-8")))
            except ConnectionError:
                return

    # ---------------------------------------------------------------- internals: REST

    def _add_routes(self) -> None:
        table: list[tuple[str, str, _Handler]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/applications/{application_id}/commands", self._get_commands),
            ("PUT", "/applications/{application_id}/commands", self._put_commands),
            (
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._get_commands,
            ),
            (
                "PUT",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._put_commands,
            ),
            ("POST", "/interactions/{webhook_id}/{webhook_token}/callback", self._callback),
            ("POST", "/webhooks/{webhook_id}/{webhook_token}", self._followup),
            (
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._get_webhook_message,
            ),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._edit_webhook_message,
            ),
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._delete_webhook_message,
            ),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("POST", "/channels/{channel_id}/messages", self._send_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._remove_message),
            ("POST", "/channels/{channel_id}/typing", self._typing),
        ]
        for method, template, handler in table:
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            self._routes.append((method, re.compile(pattern + "$"), template, handler))

    def _match(self, method: str, path: str) -> tuple[str, dict[str, str], _Handler]:
        allowed = False
        for route_method, pattern, template, handler in self._routes:
            found = pattern.match(path)
            if found is None:
                continue
            # Literal segments win over parameters ("/users/@me" before "/users/{id}").
            if route_method == method:
                return f"{method} {template}", found.groupdict(), handler
            allowed = True
        if allowed:
            raise ApiError(405, 0, "405: Method Not Allowed")
        raise ApiError(404, 0, "404: Not Found")

    async def _handle_rest(self, request: web.Request) -> web.Response:
        arrival = self.clock()
        path = "/" + request.match_info["tail"]
        record = RequestRecord(request.method, path, f"{request.method} {path}", arrival)
        self.requests.append(record)
        headers: dict[str, str] = {"Via": "1.1 google"}
        try:
            if request.match_info["version"] != str(API_VERSION):
                raise ApiError(400, 50041, "Invalid API version provided.")
            record.route, params, handler = self._match(request.method, path)
            token_routed = path.startswith(("/interactions/", "/webhooks/"))
            if not token_routed and request.headers.get("Authorization") != f"Bot {self.token}":
                raise UNAUTHORIZED
            body, files = await self._read_body(request)
            body = pseudo_locale.discord_body(record.route, body)
            record.body, record.files = body, [f.filename for f in files]
            headers.update(self._check_rates(record, params, bot_routed=not token_routed))
            self._inject_failure(record, params)
            result = await handler(_Request(params, dict(request.query), body, files, record))
        except _TooManyRequests as limited:
            record.status, record.error = 429, limited.body
            self.too_many_requests += 1
            headers.update(limited.headers)
            return self._json(limited.body, 429, headers)
        except ApiError as error:
            record.status, record.code, record.error = error.status, error.code, error.payload()
            return self._json(record.error, error.status, headers)
        except Exception as error:  # a bug in the fake: say so where discord.py can read it
            self.internal_errors.append(error)
            record.status = 500
            return self._json({"message": f"the fake failed: {error!r}", "code": 0}, 500, headers)
        record.status = 200 if result is not None else 204
        if result is None:
            return web.Response(status=204, headers=headers)
        return self._json(result, 200, headers)

    @staticmethod
    def _json(body: Any, status: int, headers: dict[str, str]) -> web.Response:
        # Exactly "application/json": discord.py parses a body as JSON only then.
        return web.Response(
            body=json.dumps(body, ensure_ascii=False).encode(),
            status=status,
            headers={**headers, "Content-Type": "application/json"},
        )

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[Upload]]:
        if not request.body_exists:
            return None, []
        if request.content_type == "application/json":
            try:
                return await request.json(), []
            except ValueError:
                raise ApiError(400, 50109, "The request body contains invalid JSON.") from None
        if request.content_type != "multipart/form-data":
            raise ApiError(400, 50035, "Invalid Form Body")
        form = await request.post()
        body: Any = None
        indexed: list[tuple[int, Upload]] = []
        for key, value in form.items():
            if key == "payload_json":
                text = value.decode() if isinstance(value, bytes | bytearray) else str(value)
                body = json.loads(text)
            elif isinstance(value, web.FileField):
                found = re.fullmatch(r"files\[(\d+)\]", key)
                if found is None:
                    continue
                data = value.file.read()
                if len(data) > UPLOAD_LIMIT:
                    raise ApiError(413, 40005, "Request entity too large")
                upload = Upload(value.filename or "file", value.content_type, data)
                indexed.append((int(found.group(1)), upload))
        return body, [upload for _, upload in sorted(indexed, key=lambda pair: pair[0])]

    def _bucket_key(self, route: str, params: dict[str, str]) -> str:
        major = next(
            (params[k] for k in ("channel_id", "guild_id", "webhook_id") if k in params), ""
        )
        if "webhook_token" in params:
            major += "+" + params["webhook_token"]
        return f"{route}:{major}"

    def _check_rates(
        self, record: RequestRecord, params: dict[str, str], *, bot_routed: bool
    ) -> dict[str, str]:
        """Refuse a request during a hold or over a bucket; the headers of the request's
        bucket otherwise."""
        now = record.at
        key = self._bucket_key(record.route, params)
        held_until, is_global = self._holds.get(key, (-math.inf, False))
        if bot_routed and now < self._global_hold:
            self.early_retries.append(record)
            raise self._limited(self._global_hold - now, None, is_global=True)
        if now < held_until:
            self.early_retries.append(record)
            raise self._limited(held_until - now, key, is_global=is_global)
        if bot_routed and self._global is not None:
            self._global.roll(now)
            if self._global.used >= self._global.limit:
                raise self._limited(self._global.reset_after(now), None, is_global=True)
            self._global.used += 1
        if record.route != MESSAGES_ROUTE or self._route_limit is None:
            return {}
        limit, period = self._route_limit
        window = self._route_windows.setdefault(key, _Window(limit, period))
        window.roll(now)
        if window.used >= window.limit:
            raise self._limited(window.reset_after(now), key, window=window)
        window.used += 1
        return self._bucket_headers(window, now)

    def _bucket_headers(self, window: _Window, now: float) -> dict[str, str]:
        reset_after = window.reset_after(now)
        return {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(max(0, window.limit - window.used)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{math.ceil(reset_after * 1000) / 1000:.3f}",
            "X-RateLimit-Bucket": _bucket_hash(MESSAGES_ROUTE),
        }

    def _limited(
        self,
        wait: float,
        key: str | None,
        *,
        is_global: bool = False,
        window: _Window | None = None,
    ) -> _TooManyRequests:
        """A 429 that holds its bucket (or everything) for exactly the ``retry_after`` it
        announces, rounded up to the millisecond."""
        retry_after = max(0.001, math.ceil(wait * 1000) / 1000)
        now = self.clock()
        if is_global:
            self._global_hold = max(self._global_hold, now + retry_after)
        elif key is not None:
            self._holds[key] = (now + retry_after, False)
        headers = {
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            limit = window.limit if window else 1
            headers.update(
                {
                    "X-RateLimit-Limit": str(limit),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": _bucket_hash(key.split(":", 1)[0] if key else ""),
                }
            )
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        return _TooManyRequests(body, headers)

    def _inject_failure(self, record: RequestRecord, params: dict[str, str]) -> None:
        for index, failure in enumerate(self._failures):
            if failure.matches(record.method, record.path, record.route):
                del self._failures[index]
                break
        else:
            return
        if failure.status == 429:
            key = self._bucket_key(record.route, params)
            limited = self._limited(failure.retry_after, key)
            if failure.body is not None:
                limited.body = failure.body
            raise limited
        body = failure.body or {"message": _STATUS_MESSAGES.get(failure.status, "Error"), "code": 0}
        raise ApiError(
            failure.status, int(body.get("code", 0)), str(body.get("message")), body=body
        )

    # ---------------------------------------------------------------- REST handlers

    async def _get_me(self, request: _Request) -> JsonDict:
        return {**self.bot.as_api(), "verified": True, "mfa_enabled": False, "locale": "en-US"}

    async def _get_user(self, request: _Request) -> JsonDict:
        raw_id = request.params["user_id"]
        user = self.users.get(int(raw_id)) if raw_id.isdigit() else None
        if user is None:
            raise unknown("User", 10013)
        return user.as_api()

    async def _get_gateway(self, request: _Request) -> JsonDict:
        return {"url": self.gateway_url}

    async def _get_gateway_bot(self, request: _Request) -> JsonDict:
        return {
            "url": self.gateway_url,
            "shards": self.recommended_shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - len(self.identifies),
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    async def _get_application(self, request: _Request) -> JsonDict:
        return self._application_api()

    def _commands_of(self, params: dict[str, str]) -> tuple[int | None, dict[str, JsonDict]]:
        if params["application_id"] != str(self.application_id):
            raise ApiError(
                403, 20012, "You are not authorized to perform this action on this application"
            )
        if "guild_id" not in params:
            return None, self.commands
        guild_id = int(params["guild_id"])
        if guild_id not in self.guilds:
            raise MISSING_ACCESS
        return guild_id, self.guild_commands.setdefault(guild_id, {})

    async def _get_commands(self, request: _Request) -> list[JsonDict]:
        _, registered = self._commands_of(request.params)
        return [copy.deepcopy(c) for c in registered.values()]

    async def _put_commands(self, request: _Request) -> list[JsonDict]:
        """A bulk overwrite: all valid or nothing changes; a name keeps its id."""
        guild_id, registered = self._commands_of(request.params)
        errors = _Errors()
        commands = check_commands(errors, request.body)
        errors.raise_if_any()
        fresh: dict[str, JsonDict] = {}
        for command in commands:
            kind = command.get("type", 1)
            key = (guild_id, kind, command["name"])
            command_id = self._command_ids.setdefault(key, self._snowflake())
            stored: JsonDict = {
                "id": str(command_id),
                "application_id": str(self.application_id),
                "version": str(self._snowflake()),
                "type": kind,
                "name": command["name"],
                "description": command.get("description", ""),
                "options": copy.deepcopy(command.get("options") or []),
                "default_member_permissions": command.get("default_member_permissions"),
                "dm_permission": command.get("dm_permission", True),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types") or [0],
                "nsfw": command.get("nsfw", False),
            }
            if guild_id is not None:
                stored["guild_id"] = str(guild_id)
            fresh[command["name"] if kind == 1 else f"{command['name']}#{kind}"] = stored
        registered.clear()
        registered.update(fresh)
        return [copy.deepcopy(c) for c in fresh.values()]

    async def _callback(self, request: _Request) -> JsonDict | None:
        interaction = self._interactions_by_id.get(int(request.params["webhook_id"]))
        if interaction is None or interaction.token != request.params["webhook_token"]:
            raise unknown("interaction", 10062)
        body = request.body if isinstance(request.body, dict) else {}
        kind = body.get("type")
        if not isinstance(kind, int):
            kind = -1
        try:
            result = await self._answer_callback(interaction, kind, body.get("data") or {}, request)
        except ApiError as error:
            interaction.callbacks.append((kind, error.status))
            raise
        interaction.callbacks.append((kind, 200))
        with_response = request.query.get("with_response", "").lower() in ("1", "true")
        return result if with_response else None

    async def _answer_callback(
        self, interaction: FakeInteraction, kind: Any, data: JsonDict, request: _Request
    ) -> JsonDict:
        if self._past_deadline(interaction):
            raise unknown("interaction", 10062)
        if interaction.response_type is not None:
            raise ALREADY_ACKNOWLEDGED
        errors = _Errors()
        allowed = {
            APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
            MESSAGE_COMPONENT: {
                CHANNEL_MESSAGE,
                DEFERRED_CHANNEL_MESSAGE,
                DEFERRED_UPDATE_MESSAGE,
                UPDATE_MESSAGE,
                MODAL,
            },
            MODAL_SUBMIT: {
                CHANNEL_MESSAGE,
                DEFERRED_CHANNEL_MESSAGE,
                DEFERRED_UPDATE_MESSAGE,
                UPDATE_MESSAGE,
            },
        }[interaction.type]
        if kind not in CALLBACK_TYPES:
            errors.add(
                ["type"], "BASE_TYPE_CHOICES", f"Value must be one of {sorted(CALLBACK_TYPES)}."
            )
        elif kind not in allowed or (kind in (6, 7) and interaction.source_message_id is None):
            errors.add(
                ["type"],
                "INTERACTION_RESPONSE_TYPE_INVALID",
                "Interaction response type is invalid",
            )
        errors.raise_if_any()
        flags = int(data.get("flags") or 0)
        channel = self._interaction_target(interaction)
        message: JsonDict | None = None
        if kind == CHANNEL_MESSAGE:
            with _under("data"):
                message = self._new_message(
                    channel,
                    {**data, "flags": flags & SENDABLE_FLAGS},
                    request.files,
                    flags=flags & EPHEMERAL,
                    message_type=20 if interaction.type == APPLICATION_COMMAND else 0,
                    interaction=interaction,
                )
            interaction.original_id = int(message["id"])
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            # The "Bot is thinking…" message; the first followup or an edit completes it.
            thinking = self._thinking_message(channel, interaction, flags)
            interaction.original_id = int(thinking["id"])
        elif kind in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            if kind == UPDATE_MESSAGE:
                message = self._messages.get(interaction.source_message_id or 0)
                if message is None:
                    raise unknown("Message", 10008)
                edit = {k: v for k, v in data.items() if k != "flags"}
                with _under("data"):
                    self._apply(message, edit, request.files, new=False)
            interaction.original_id = interaction.source_message_id
        elif kind == MODAL:
            self._check_modal(data)
            interaction.modal = copy.deepcopy(data)
        interaction.response_type = kind
        interaction.answered_monotonic = time.monotonic()
        interaction.ephemeral = bool(flags & EPHEMERAL) and kind in (4, 5)
        if message is not None:
            await self._notify_message("MESSAGE_CREATE" if kind == 4 else "MESSAGE_UPDATE", message)
        response: JsonDict = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_id": None
                if interaction.original_id is None
                else str(interaction.original_id),
                "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": interaction.ephemeral,
            },
            "resource": {"type": kind},
        }
        if message is not None:
            response["resource"]["message"] = copy.deepcopy(message)
        return response

    def _thinking_message(
        self, channel: FakeChannel, interaction: FakeInteraction, flags: int
    ) -> JsonDict:
        message = self._blank_message(
            channel,
            author=None,
            flags=(flags & EPHEMERAL) | LOADING,
            message_type=20 if interaction.type == APPLICATION_COMMAND else 0,
            interaction=interaction,
        )
        return self._store(message, interaction)

    @staticmethod
    def _check_modal(data: JsonDict) -> None:
        errors = _Errors()
        errors.length(["data", "title"], data.get("title"), 45, low=1)
        errors.length(["data", "custom_id"], data.get("custom_id"), CUSTOM_ID_LIMIT, low=1)
        rows = errors.count(["data", "components"], data.get("components") or [], 5)
        if not rows:
            errors.add(
                ["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
            )
        errors.raise_if_any()

    async def _followup(self, request: _Request) -> JsonDict | None:
        interaction = self._webhook_interaction(
            request.params["webhook_id"], request.params["webhook_token"]
        )
        body = request.body if isinstance(request.body, dict) else {}
        flags = int(body.get("flags") or 0)
        original = self._messages.get(interaction.original_id or 0)
        if (
            original is not None
            and original["flags"] & LOADING
            and interaction.original_id != interaction.source_message_id
        ):
            # Discord completes the "thinking" message with the first followup; it keeps
            # the deferral's visibility whatever the followup's flags say.
            self._apply(
                original, {k: v for k, v in body.items() if k != "flags"}, request.files, new=True
            )
            original["flags"] &= ~LOADING
            original["flags"] |= flags & SENDABLE_FLAGS
            message = original
            await self._notify_message("MESSAGE_CREATE", message)
        else:
            channel = self._interaction_target(interaction)
            message = self._new_message(
                channel,
                {**body, "flags": flags & SENDABLE_FLAGS},
                request.files,
                flags=flags & EPHEMERAL,
                interaction=interaction,
            )
            interaction.followup_ids.append(int(message["id"]))
            await self._notify_message("MESSAGE_CREATE", message)
        wait = request.query.get("wait", "false").lower() in ("1", "true")
        return copy.deepcopy(message) if wait else None

    def _webhook_message(self, request: _Request) -> tuple[FakeInteraction, JsonDict]:
        interaction = self._webhook_interaction(
            request.params["webhook_id"], request.params["webhook_token"]
        )
        raw_id = request.params["message_id"]
        if raw_id == "@original":
            message_id = interaction.original_id
            if interaction.deleted_original:
                message_id = None
        else:
            message_id = int(raw_id) if raw_id.isdigit() else None
            known = {interaction.original_id, *interaction.followup_ids}
            if message_id not in known:
                message_id = None
        message = self._messages.get(message_id or 0)
        if message is None:
            raise unknown("Message", 10008)
        return interaction, message

    async def _get_webhook_message(self, request: _Request) -> JsonDict:
        _, message = self._webhook_message(request)
        return copy.deepcopy(message)

    async def _edit_webhook_message(self, request: _Request) -> JsonDict:
        _, message = self._webhook_message(request)
        body = request.body if isinstance(request.body, dict) else {}
        self._apply(
            message, {k: v for k, v in body.items() if k != "flags"}, request.files, new=False
        )
        message["flags"] &= ~LOADING
        await self._notify_message("MESSAGE_UPDATE", message)
        return copy.deepcopy(message)

    async def _delete_webhook_message(self, request: _Request) -> None:
        interaction, message = self._webhook_message(request)
        message_id = int(message["id"])
        self._delete_message(message_id)
        if message_id == interaction.original_id:
            interaction.deleted_original = True

    async def _create_dm(self, request: _Request) -> JsonDict:
        body = request.body if isinstance(request.body, dict) else {}
        try:
            user_id = int(body["recipient_id"])
        except (KeyError, TypeError, ValueError):
            errors = _Errors()
            errors.required(["recipient_id"])
            errors.raise_if_any()
            raise
        if user_id not in self.users:
            raise unknown("User", 10013)
        return self._channel_api(self._dm_channel(user_id))

    def _channel(self, request: _Request) -> FakeChannel:
        raw_id = request.params["channel_id"]
        channel_id = int(raw_id) if raw_id.isdigit() else None
        channel = self.channels.get(channel_id) if channel_id is not None else None
        if channel is None:
            if channel_id in self._inaccessible:
                raise MISSING_ACCESS
            raise unknown("Channel", 10003)
        return channel

    async def _get_channel(self, request: _Request) -> JsonDict:
        return self._channel_api(self._channel(request))

    async def _send_message(self, request: _Request) -> JsonDict:
        channel = self._channel(request)
        if channel.type == 1 and channel.recipient_id in self.blocked_dms:
            raise CANNOT_DM
        body = request.body if isinstance(request.body, dict) else {}
        flags = int(body.get("flags") or 0)
        message = self._new_message(
            channel, {**body, "flags": flags & SENDABLE_FLAGS}, request.files
        )
        await self._notify_message("MESSAGE_CREATE", message)
        return copy.deepcopy(message)

    def _channel_message(self, request: _Request) -> JsonDict:
        channel = self._channel(request)
        raw_id = request.params["message_id"]
        message = self._messages.get(int(raw_id)) if raw_id.isdigit() else None
        if (
            message is None
            or message["channel_id"] != str(channel.id)
            or message["flags"] & EPHEMERAL
        ):
            raise unknown("Message", 10008)
        return message

    async def _get_message(self, request: _Request) -> JsonDict:
        return copy.deepcopy(self._channel_message(request))

    async def _edit_message(self, request: _Request) -> JsonDict:
        message = self._channel_message(request)
        if message["author"]["id"] != str(self.bot.id):
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        body = request.body if isinstance(request.body, dict) else {}
        self._apply(message, body, request.files, new=False)
        await self._notify_message("MESSAGE_UPDATE", message)
        return copy.deepcopy(message)

    async def _remove_message(self, request: _Request) -> None:
        message = self._channel_message(request)
        self._delete_message(int(message["id"]))

    async def _typing(self, request: _Request) -> None:
        self._channel(request)

    async def _handle_cdn(self, request: web.Request) -> web.Response:
        raw_id = request.match_info["attachment_id"]
        stored = self.attachments.get(int(raw_id)) if raw_id.isdigit() else None
        if stored is None or request.match_info["filename"] != stored.filename:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=stored.data, headers={"Content-Type": stored.content_type})


def _valid_shard(shard: Any) -> bool:
    """``[shard id, shard count]``, the id below the count."""
    return (
        isinstance(shard, list)
        and len(shard) == 2
        and all(type(part) is int for part in shard)
        and 0 <= shard[0] < shard[1]
    )


class _TooManyRequests(Exception):
    def __init__(self, body: JsonDict, headers: dict[str, str]) -> None:
        super().__init__(body["message"])
        self.body = body
        self.headers = headers


# Fields of a message body that end up on the message as they are.
_MESSAGE_FIELDS: Final = frozenset({"content", "embeds", "components", "tts", "sticker_ids"})

_STATUS_MESSAGES: Final = {
    400: "400: Bad Request",
    401: "401: Unauthorized",
    403: "Missing Access",
    404: "404: Not Found",
    500: "500: Internal Server Error",
    502: "502: Bad Gateway",
    503: "503: Service Unavailable",
    504: "504: Gateway Timeout",
}


@contextlib.contextmanager
def _under(key: str) -> Iterator[None]:
    """Nest the ``errors`` tree of a 50035 raised inside under ``key``: a callback's
    message is its ``data``."""
    try:
        yield
    except ApiError as error:
        if error.code != 50035 or not error.errors:
            raise
        raise ApiError(error.status, error.code, error.message, {key: error.errors}) from None


def _bucket_hash(route: str) -> str:
    return hashlib.sha1(route.encode(), usedforsecurity=False).hexdigest()[:32]


def _number_components(components: list[Any]) -> list[Any]:
    """Discord numbers every component of a message that has no ``id`` yet."""
    numbered = copy.deepcopy(components)
    used = {c["id"] for _, c in _walk_components(numbered) if isinstance(c.get("id"), int)}
    counter = itertools.count(1)
    for _, component in _walk_components(numbered):
        if "id" not in component or component["id"] is None:
            component["id"] = next(n for n in counter if n not in used)
    return numbered


def _compressor(kind: str | None) -> Any:
    """A function that compresses one gateway message into one binary frame of a shared
    stream (``None`` for plain text frames, ``False`` for an unknown kind)."""
    if kind is None:
        return None
    if kind == "zlib-stream":
        stream = zlib.compressobj()
        return lambda data: stream.compress(data) + stream.flush(zlib.Z_SYNC_FLUSH)
    if kind == "zstd-stream":
        try:
            zstandard = importlib.import_module("zstandard")
        except ImportError:
            return False
        zstd_stream = zstandard.ZstdCompressor().compressobj()
        flush_block = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        return lambda data: zstd_stream.compress(data) + zstd_stream.flush(flush_block)
    return False
