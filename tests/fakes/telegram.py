"""A fake Telegram Bot API server for end-to-end tests.

``FakeTelegram`` is an aiohttp server on 127.0.0.1 that answers the Bot API the way
api.telegram.org does, so a real aiogram ``Bot`` pointed at it exercises aiogram's own
request encoding, response parsing and error mapping::

    async with FakeTelegram() as tg:
        tg.add_user(42, first_name="Ada")
        session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
        bot = Bot(tg.token, session=session)
        await bot.send_message(42, "<b>hi</b>", parse_mode="HTML")
        assert tg.last(42)["text"] == "hi"

Faithful to Telegram (HTML parsing is a port of tdlib's ``parse_html``, descriptions are
Telegram's where they are known): HTML tags, entities and the "can't parse entities"
errors with byte offsets; text limits counted in UTF-16 code units after entity parsing;
Telegram's clean-up of the parsed text (control characters, trimming); callback_data
limits in bytes; poll and command limits; long polling with offset confirmation and the
409 conflicts; 403 for users who blocked the bot or never started it; 429 with
``retry_after``.

Groups have an owner ("creator") and administrators; ``remove_bot`` and ``add_bot_back``
take the bot out of a group and back in with the my_chat_member updates Telegram sends,
and in between the group answers 403 like Telegram ("bot was kicked from the supergroup
chat", "bot is not a member of the group chat").

Flood control is off until ``enforce_rates`` switches on Telegram's limits: a bucket of
30 sends a second shared by all chats (short bursts pass), one send a second per private
chat, 20 sends a minute per group.  Like Telegram, every 429 holds its chat (an exhausted
bucket: every chat) for ``retry_after`` seconds; a send that comes before is refused again
and kept in ``early_retries``, so a test can prove a client waits as told.

Deliberately stricter than Telegram, so that bugs fail loudly instead of corrupting text:

* ``strict_html=True`` (the default) rejects an ``&`` that does not start a complete
  ``&name;`` or ``&#N;`` entity.  Real Telegram keeps such an ``&`` as text, and quietly
  decodes ``&lt`` without its semicolon.  ``strict_html=False`` gives Telegram's exact
  behaviour.
* an inline button with both ``url`` and ``callback_data`` is rejected (Telegram silently
  uses one of them).
* a poll needs two options unless ``allow_adding_options`` is set.

``stall_chat`` makes Telegram slow for one chat: every call aimed at it waits before the
fake even reads it, while other chats' calls are answered as usual.

Concessions of a fake: a webhook URL may be plain ``http://`` on a loopback host; update
types not allowed by ``allowed_updates`` are dropped when they are enqueued (Telegram
does not create them), see ``dropped_updates``.

Not modelled: Markdown/MarkdownV2 (answered with 400), entities Telegram detects by
itself in bot messages (URLs, mentions), media groups, inline mode, payments, the 48 hour
window for deleting messages, ``poll`` updates after votes.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import enum
import itertools
import json
import math
import mimetypes
import re
import secrets
import socket
import struct
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

from aiohttp import ClientSession, ClientTimeout, web

from tests.fakes import pseudo_locale

JsonDict = dict[str, Any]

DEFAULT_TOKEN: Final = "123456:TEST"
MESSAGE_LIMIT: Final = 4096
CAPTION_LIMIT: Final = 1024
CALLBACK_DATA_LIMIT: Final = 64
CALLBACK_ANSWER_LIMIT: Final = 200
INLINE_BUTTONS_LIMIT: Final = 100
POLL_QUESTION_LIMIT: Final = 300
POLL_OPTION_LIMIT: Final = 100
POLL_OPTIONS_MAX: Final = 12
POLL_EXPLANATION_LIMIT: Final = 200
POLL_EXPLANATION_LINE_FEEDS: Final = 2
COMMANDS_MAX: Final = 100
COMMAND_DESCRIPTION_LIMIT: Final = 256
DOWNLOAD_LIMIT: Final = 20 * 1024 * 1024
UPLOAD_LIMIT: Final = 50 * 1024 * 1024
PHOTO_LIMIT: Final = 10 * 1024 * 1024
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
GROUP_WINDOW: Final = 60.0  # seconds of the per-group limit's sliding window
# The methods flood control counts; their handlers call _check_rate and _sent_now.
SENDING_METHODS: Final = frozenset({"sendmessage", "sendphoto", "senddocument", "sendpoll"})

# Update types Telegram sends only when they are listed in allowed_updates explicitly.
OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
COMMAND_SCOPES: Final = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
CHAT_SCOPES: Final = frozenset({"chat", "chat_administrators", "chat_member"})
BUTTON_ACTIONS: Final = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_INVALID: Final = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT: Final = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLLING_CONFLICT: Final = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class ApiError(Exception):
    """An error answer of the Bot API: the HTTP status equals ``error_code``."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


class _FloodWait(ApiError):
    """A 429 of the fake's flood control.  ``everyone``: the shared bucket is empty, so
    every chat is held; ``early``: the answer to a request that came during a hold, which
    repeats the hold instead of extending it."""

    def __init__(self, wait: float, *, everyone: bool = False, early: bool = False) -> None:
        # Telegram speaks whole seconds and never says 0; rounding first keeps float noise
        # (59.000000001) from costing a whole extra second.
        retry_after = max(1, math.ceil(round(wait, 6)))
        super().__init__(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )
        self.everyone = everyone
        self.early = early


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of Telegram's entity offsets and text limits."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --------------------------------------------------------------------------------------
# HTML parse mode: a port of tdlib's parse_html (td/telegram/MessageEntity.cpp).


class HtmlParseError(ValueError):
    """Why Telegram refuses the text; it follows "Bad Request: can't parse entities: "."""


_HTML_TAGS: Final = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_STYLE_TAGS: Final = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES: Final = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
# td::is_space; the end of the input reads as NUL, which also counts as a space.
_SPACES: Final = frozenset(b" \t\r\n\0\v")
# tdlib's sort priority of entities starting at the same offset with the same length.
_ENTITY_PRIORITY: Final = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_AMP, _LT, _GT, _SLASH, _EQ = 0x26, 0x3C, 0x3E, 0x2F, 0x3D
_QUOTES: Final = (0x22, 0x27)


def _is_alpha(c: int) -> bool:
    return 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


def _is_digit(c: int) -> bool:
    return 0x30 <= c <= 0x39


def _is_alnum(c: int) -> bool:
    return _is_alpha(c) or _is_digit(c)


def _is_hex(c: int) -> bool:
    return _is_digit(c) or 0x41 <= c <= 0x46 or 0x61 <= c <= 0x66


def _decode_entity(data: bytes, pos: int) -> tuple[int, int, bool]:
    """tdlib's decode_html_entity: (code point or 0, position after it, ended by ';')."""

    def at(k: int) -> int:
        return data[k] if k < len(data) else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == ord("#"):
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while _is_hex(at(end)):
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while _is_digit(at(end)):
                code = code * 10 + at(end) - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos, False
    else:
        while _is_alpha(at(end)):
            end += 1
        code = _NAMED_ENTITIES.get(data[pos + 1 : end], 0)
        if code == 0:
            return 0, pos, False
    if at(end) == ord(";"):
        return code, end + 1, True
    return code, end, False


def _checked_link(url: str) -> str:
    """The URL of a text_link the way Telegram stores it, or "" when it drops the link."""
    url = url.strip()
    if not url:
        return ""
    if "://" not in url and not url.lower().startswith(("tg:", "ton:")):
        url = "http://" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("tg", "ton", "tonsite"):
        return url
    if scheme not in ("http", "https") or not parts.hostname:
        return ""
    if not parts.path:
        url = parts._replace(path="/").geturl()
    return url


_USER_LINK: Final = re.compile(r"tg://user\?id=(\d+)", re.IGNORECASE)


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the parsed text
    begin: int  # byte position in the parsed text


class _HtmlParser:
    def __init__(
        self,
        source: str,
        *,
        strict_ampersand: bool,
        mention: Callable[[int], JsonDict | None] | None,
    ) -> None:
        self.data = source.encode("utf-8", "surrogatepass")
        self.strict_ampersand = strict_ampersand
        self.mention = mention
        self.out = bytearray()
        self.entities: list[JsonDict] = []
        self.stack: list[_OpenTag] = []
        self.utf16 = 0
        self.i = 0

    def at(self, k: int) -> int:
        return self.data[k] if k < len(self.data) else 0

    def parse(self) -> tuple[str, list[JsonDict]]:
        while self.i < len(self.data):
            c = self.data[self.i]
            if c == _AMP and self._entity():
                continue
            if c != _LT:
                if c & 0xC0 != 0x80:  # the first byte of a character
                    self.utf16 += 2 if c >= 0xF0 else 1
                self.out.append(c)
                self.i += 1
                continue
            if self.at(self.i + 1) == _SLASH:
                self._end_tag()
            else:
                self._start_tag()
        if self.stack:
            name = self.stack[-1].name
            raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        for entity in self.entities:
            entity.pop("_language", None)
        self.entities.sort(
            key=lambda e: (e["offset"], -e["length"], _ENTITY_PRIORITY.get(e["type"], 50))
        )
        try:
            text = self.out.decode("utf-8")
        except UnicodeDecodeError:
            raise HtmlParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            ) from None
        return text, self.entities

    def _entity(self) -> bool:
        code, end, terminated = _decode_entity(self.data, self.i)
        if code and (terminated or not self.strict_ampersand):
            self.utf16 += 2 if code > 0xFFFF else 1
            self.out += chr(code).encode("utf-8", "surrogatepass")
            self.i = end
            return True
        if self.strict_ampersand:
            raise HtmlParseError(
                f'Unescaped "&" at byte offset {self.i} (this fake is strict here: '
                'Telegram itself would keep a bare "&" as text; escape it as "&amp;")'
            )
        return False

    def _start_tag(self) -> None:
        begin = self.i
        i = begin + 1
        while self.at(i) not in _SPACES and self.at(i) != _GT:
            i += 1
        if self.at(i) == 0:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        name = self.data[begin + 1 : i].lower().decode("utf-8", "replace")
        if name not in _HTML_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {begin}')

        argument = ""
        while self.at(i) != _GT:
            while self.at(i) != 0 and self.at(i) in _SPACES:
                i += 1
            if self.at(i) == _GT:
                break
            attribute_begin = i
            while self.at(i) not in _SPACES and self.at(i) not in (_EQ, _GT, _SLASH, *_QUOTES):
                i += 1
            attribute = self.data[attribute_begin:i]
            if not attribute:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {begin}'
                )
            while self.at(i) != 0 and self.at(i) in _SPACES:
                i += 1
            if self.at(i) != _EQ:
                if self.at(i) == 0:
                    raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
                if name == "blockquote" and attribute == b"expandable":
                    argument = "1"
                continue
            i += 1
            while self.at(i) != 0 and self.at(i) in _SPACES:
                i += 1
            if self.at(i) == 0:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
            value, i = self._attribute_value(i)
            if self.at(i) == 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            if name == "a" and attribute == b"href":
                argument = value
            elif name == "code" and attribute == b"class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif name == "span" and attribute == b"class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif name == "tg-emoji" and attribute == b"emoji-id":
                argument = value
            elif name == "blockquote" and attribute == b"expandable":
                argument = "1"

        if name == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        self.stack.append(_OpenTag(name, argument, self.utf16, len(self.out)))
        self.i = i + 1

    def _attribute_value(self, i: int) -> tuple[str, int]:
        if self.at(i) not in _QUOTES:
            # A name token: letters, digits, periods, hyphens; not case sensitive.
            token_begin = i
            while _is_alnum(self.at(i)) or self.at(i) in (ord("."), ord("-")):
                i += 1
            if self.at(i) not in _SPACES and self.at(i) != _GT:
                raise HtmlParseError(f"Unexpected end of name token at byte offset {token_begin}")
            return self.data[token_begin:i].lower().decode("utf-8", "replace"), i
        quote = self.at(i)
        i += 1
        value = bytearray()
        while self.at(i) != quote and self.at(i) != 0:
            if self.at(i) == _AMP:
                code, end, terminated = _decode_entity(self.data, i)
                if code and (terminated or not self.strict_ampersand):
                    value += chr(code).encode("utf-8", "surrogatepass")
                    i = end
                    continue
                if self.strict_ampersand:
                    raise HtmlParseError(
                        f'Unescaped "&" at byte offset {i} (this fake is strict here: '
                        'Telegram itself would keep a bare "&" as text; escape it as "&amp;")'
                    )
            value.append(self.at(i))
            i += 1
        if self.at(i) == quote:
            i += 1
        return value.decode("utf-8", "replace"), i

    def _end_tag(self) -> None:
        begin = self.i
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        i = begin + 1
        while self.at(i) not in _SPACES and self.at(i) != _GT:
            i += 1
        end_name = self.data[begin + 2 : i].lower().decode("utf-8", "replace")
        while self.at(i) != 0 and self.at(i) in _SPACES:
            i += 1
        if self.at(i) != _GT:
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        tag = self.stack[-1]
        if end_name and end_name != tag.name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag.name}>", '
                f'found "</{end_name}>"'
            )
        if self.utf16 > tag.offset:
            self._close(tag)
        self.stack.pop()
        self.i = i + 1

    def _close(self, tag: _OpenTag) -> None:
        offset, length = tag.offset, self.utf16 - tag.offset
        last = self.entities[-1] if self.entities else None
        same_range = last is not None and (last["offset"], last["length"]) == (offset, length)
        if tag.name in _STYLE_TAGS:
            self._add(_STYLE_TAGS[tag.name], offset, length)
        elif tag.name == "tg-emoji":
            if not re.fullmatch(r"-?\d{1,19}", tag.argument) or int(tag.argument) == 0:
                raise HtmlParseError("Invalid custom emoji identifier specified")
            self._add("custom_emoji", offset, length, custom_emoji_id=tag.argument)
        elif tag.name == "a":
            url = tag.argument or self.out[tag.begin :].decode("utf-8", "replace")
            user_link = _USER_LINK.fullmatch(url.strip())
            user = self.mention(int(user_link.group(1))) if user_link and self.mention else None
            if user is not None:
                self._add("text_mention", offset, length, user=user)
            elif checked := _checked_link(url):
                self._add("text_link", offset, length, url=checked)
        elif tag.name == "pre":
            if last is not None and same_range and last["type"] == "code" and last["_language"]:
                last["type"] = "pre"
                last["language"] = last.pop("_language")
            else:
                self._add("pre", offset, length)
        elif tag.name == "code":
            if last is not None and same_range and last["type"] == "pre" and tag.argument:
                last["language"] = tag.argument
            else:
                self._add("code", offset, length, _language=tag.argument)
        else:  # blockquote
            kind = "expandable_blockquote" if tag.argument else "blockquote"
            self._add(kind, offset, length)

    def _add(self, kind: str, offset: int, length: int, **extra: Any) -> None:
        self.entities.append({"type": kind, "offset": offset, "length": length, **extra})


def parse_html(
    source: str,
    *,
    strict_ampersand: bool = False,
    mention: Callable[[int], JsonDict | None] | None = None,
) -> tuple[str, list[JsonDict]]:
    """Parse Telegram's HTML style into (plain text, entities); raises HtmlParseError.

    The text is not yet cleaned up or trimmed; see ``clean_text``.
    """
    return _HtmlParser(source, strict_ampersand=strict_ampersand, mention=mention).parse()


_REMOVED_CHARACTERS: Final = frozenset({0x0333, 0x033F, 0x030A, *range(0x2028, 0x202F)})


def clean_text(text: str, entities: list[JsonDict]) -> tuple[str, list[JsonDict]]:
    """What Telegram does to a parsed text: control characters (tab included) become
    spaces, \\r and a few invisible characters vanish, and leading and trailing spaces and
    line feeds are trimmed.  Entity offsets follow; entities left empty are dropped."""
    replaced: list[str | None] = []
    for ch in text:
        code = ord(ch)
        if ch == "\r" or code in _REMOVED_CHARACTERS:
            replaced.append(None)
        elif code < 0x20 and ch != "\n":
            replaced.append(" ")
        else:
            replaced.append(ch)
    visible = [k for k, r in enumerate(replaced) if r is not None and r not in " \n"]
    first, last = (visible[0], visible[-1]) if visible else (len(replaced), -1)

    kept: list[str] = []
    new_offset = [0]  # old UTF-16 offset -> new UTF-16 offset
    position = 0
    for k, (original, replacement) in enumerate(zip(text, replaced, strict=True)):
        if replacement is not None and first <= k <= last:
            kept.append(replacement)
            position += utf16_len(replacement)
        new_offset.extend([position] * utf16_len(original))

    moved: list[JsonDict] = []
    for entity in entities:
        begin = new_offset[min(entity["offset"], len(new_offset) - 1)]
        end = new_offset[min(entity["offset"] + entity["length"], len(new_offset) - 1)]
        if end > begin:
            moved.append({**entity, "offset": begin, "length": end - begin})
    return "".join(kept), moved


_BOT_COMMAND: Final = re.compile(
    r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])"
)


def bot_command_entities(text: str) -> list[JsonDict]:
    """The bot_command entities Telegram finds in a user's message."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _BOT_COMMAND.finditer(text)
    ]


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, JPEG, GIF, BMP or WebP image; None if it is none."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(int(width)), abs(int(height))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return 512, 512
    if data.startswith(b"\xff\xd8\xff"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            (size,) = struct.unpack(">H", data[i + 2 : i + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + int(size)
        return None
    return None


# --------------------------------------------------------------------------------------
# Request parameters: aiogram sends strings as they are and everything else JSON-encoded.

_JSON_PARAMS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "options",
        "commands",
        "scope",
        "allowed_updates",
        "correct_option_ids",
        "reply_parameters",
        "link_preview_options",
        "question_entities",
        "explanation_entities",
        "description_entities",
        "country_codes",
        "media",
        "explanation_media",
    }
)
_INT_PARAMS: Final = frozenset(
    {
        "chat_id",
        "message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "from_chat_id",
        "message_thread_id",
        "reply_to_message_id",
        "cache_time",
        "correct_option_id",
        "open_period",
        "close_date",
        "max_connections",
    }
)
_BOOL_PARAMS: Final = frozenset(
    {
        "is_anonymous",
        "allows_multiple_answers",
        "allows_revoting",
        "allow_adding_options",
        "shuffle_options",
        "hide_results_until_closes",
        "is_closed",
        "show_alert",
        "disable_notification",
        "protect_content",
        "allow_paid_broadcast",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
        "drop_pending_updates",
    }
)


def _decode_param(key: str, value: Any) -> Any:
    if not isinstance(value, str):  # a JSON request body carries typed values already
        return value
    if key in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {key} JSON object") from None
    if key in _INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            if key == "chat_id":
                return value  # "@username"
            raise bad_request(f"wrong parameter {key} specified") from None
    if key in _BOOL_PARAMS:
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
        raise bad_request(f"wrong parameter {key} specified")
    return value


def _target_chat_id(raw: JsonDict) -> int | None:
    """The numeric chat a raw request aims at (``chat_id``, or a command scope's), if any."""
    try:
        chat_id = _decode_param("chat_id", raw.get("chat_id"))
        if chat_id is None and raw.get("scope") is not None:
            scope = _decode_param("scope", raw["scope"])
            if isinstance(scope, dict):
                chat_id = _decode_param("chat_id", scope.get("chat_id"))
    except ApiError:
        return None  # malformed: the method's own checks answer it
    return chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None


# --------------------------------------------------------------------------------------
# The world the fake keeps.


@dataclass
class FakeUser:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "en"

    def as_api(self) -> JsonDict:
        user: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user


@dataclass
class FakeChat:
    id: int
    type: str  # "private", "group" or "supergroup"
    title: str | None = None
    admins: list[int] = field(default_factory=list)
    owner: int | None = None
    # The bot's own status in a group: "member", "administrator", "kicked" or "left".
    bot_status: str = "member"
    next_message_id: int = 1


@dataclass
class FakeFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class _Upload:
    filename: str | None
    content_type: str
    data: bytes


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None


@dataclass
class _Stall:
    """A slow chat: calls aimed at it wait ``seconds``, or until the stall is lifted."""

    seconds: float
    lifted: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class _PollState:
    poll: JsonDict
    chat_id: int
    message_id: int
    votes: dict[int, list[int]] = field(default_factory=dict)


@dataclass
class _Described:
    """A successful result that Telegram answers with a description too."""

    value: Any
    description: str


@dataclass
class CallRecord:
    """One request the fake answered, for assertions and failure dumps.  ``at`` is the
    fake's clock once the request was read: the instant flood control judges it by."""

    method: str
    params: JsonDict
    uploads: list[str]
    status: int | None = None
    description: str | None = None
    at: float = field(default_factory=time.monotonic)


class _Default(enum.Enum):
    SECRET = "registered secret"


REGISTERED_SECRET: Final = _Default.SECRET

_Handler = Callable[[JsonDict, dict[str, _Upload]], Awaitable[Any]]

# The arrival time of the request being handled, for the checks deep in the handlers.
_ARRIVAL: ContextVar[float | None] = ContextVar("fake_telegram_arrival", default=None)


def _default_description(status: int, retry_after: int | None) -> str:
    known = {
        400: "Bad Request: injected failure",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        404: "Not Found",
        409: POLLING_CONFLICT,
        500: "Internal Server Error",
        502: "Bad Gateway",
    }
    if status == 429:
        return f"Too Many Requests: retry after {retry_after}"
    return known.get(status, f"Error {status}")


class FakeTelegram:
    """A Telegram Bot API server on 127.0.0.1 for a real aiogram Bot to talk to.

    Public state for assertions: ``calls`` (``(method, params)`` in order, parameters
    decoded), ``log`` (the same with status, error description and arrival time),
    ``commands`` (``scope key -> commands``), ``allowed_updates``, ``callback_answers``,
    ``files``, ``deliveries``, ``deleted``, ``dropped_updates``, ``webhook_url``,
    ``webhook_secret``, ``too_many_requests`` (429s answered), ``early_retries`` (sends
    that came while their chat was held by a 429).

    ``clock`` stamps requests for flood control; a test may pass one it moves by hand, so
    that waiting out a ``retry_after`` of whole seconds costs no time.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "coach_test_bot",
        bot_name: str = "Roadmap Coach",
        strict_html: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.strict_html = strict_html
        self.base_url = ""

        self.calls: list[tuple[str, JsonDict]] = []
        self.log: list[CallRecord] = []
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self.blocked: set[int] = set()
        self.files: dict[str, FakeFile] = {}
        self.commands: dict[str, list[JsonDict]] = {}
        self.allowed_updates: list[str] | None = None
        self.callback_answers: dict[str, JsonDict] = {}
        self.deleted: list[tuple[int, int]] = []
        self.dropped_updates: list[JsonDict] = []
        self.deliveries: list[tuple[int | None, int]] = []
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_max_connections: int | None = None
        self.webhook_last_error: str | None = None
        self.too_many_requests = 0
        self.early_retries: list[CallRecord] = []

        self._messages: dict[int, dict[int, JsonDict]] = {}
        self._updates: list[JsonDict] = []
        self._next_update_id = 1
        self._polls: dict[str, _PollState] = {}
        self._pending_callbacks: dict[str, JsonDict] = {}
        self._files_by_path: dict[str, FakeFile] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._stalls: dict[int, _Stall] = {}
        self._clock = clock
        self._overall_rate: float | None = None
        self._chat_rate: float | None = None
        self._group_rate: float | None = None
        self._tokens = 0.0
        self._tokens_at = 0.0
        self._last_send: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._sends: list[tuple[int, float]] = []
        self._held: dict[int, float] = {}
        self._held_everyone = -math.inf
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, _Handler] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "sendPoll": self._send_poll,
                "stopPoll": self._stop_poll,
                "sendChatAction": self._send_chat_action,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "getChatAdministrators": self._get_chat_administrators,
                "getFile": self._get_file,
            }.items()
        }

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> str:
        """Start serving on a free port of 127.0.0.1; returns the base URL."""
        if self._runner is not None:
            return self.base_url
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        self._runner = runner
        self._closing = False
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._closing = True
        self._notify()  # long polls answer [] at once
        for chat_id in list(self._stalls):
            self.stall_chat(chat_id, 0)  # stalled calls are answered, not cut off
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeTelegram:
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

    @property
    def bot_user(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def add_user(
        self,
        user_id: int,
        first_name: str = "Ada",
        username: str | None = None,
        *,
        language_code: str | None = "en",
    ) -> JsonDict:
        """A user who has started the bot: the user and the private chat (id == user id)."""
        pseudo_locale.typed(first_name, username or "")
        if user_id <= 0:
            raise ValueError("user ids are positive")
        self.users[user_id] = FakeUser(user_id, first_name, username, language_code)
        self.chats.setdefault(user_id, FakeChat(user_id, "private"))
        return self.users[user_id].as_api()

    def add_group(
        self,
        chat_id: int,
        title: str,
        admins: list[int] | None = None,
        owner: int | None = None,
        *,
        bot_admin: bool = False,
        added_by: int | None = None,
    ) -> JsonDict:
        """A group with the bot in it; ``-100…`` ids are supergroups.  The ``owner`` is
        "creator" and counts as an admin.  Owners and admins who are not users yet become
        users who never started the bot (no private chat).  ``bot_admin`` makes the bot an
        administrator; ``added_by`` enqueues the my_chat_member update (left -> member) of
        that user adding the bot, as Telegram does when a bot joins a group."""
        pseudo_locale.typed(title)
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        admins = [admin for admin in admins or [] if admin != owner]
        for admin in admins:
            self.users.setdefault(admin, FakeUser(admin, f"Admin {admin}"))
        if owner is not None:
            self.users.setdefault(owner, FakeUser(owner, f"Owner {owner}"))
        if added_by is not None and self._user_api(added_by) is None:
            raise KeyError(f"unknown user {added_by}; add_user first")
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        status = "administrator" if bot_admin else "member"
        chat = FakeChat(chat_id, kind, title=title, admins=admins, owner=owner, bot_status=status)
        self.chats[chat_id] = chat
        if added_by is not None:
            self._enqueue_member_change(chat_id, added_by, "left", status)
        return self._chat_api(chat)

    def remove_bot(self, chat_id: int, by_user_id: int, *, kicked: bool = True) -> None:
        """The bot is removed from a group by ``by_user_id`` (``kicked``; an admin removing
        a bot from a basic group kicks it too) or leaves it (``kicked=False``; pass the
        bot's id when it left by itself).  Enqueues my_chat_member (member or
        administrator -> kicked or left); from then on every method on the chat but
        getChat answers 403, and users' messages there no longer reach the bot."""
        chat = self._group(chat_id)
        if chat.bot_status in ("kicked", "left"):
            raise ValueError(f"the bot is not in chat {chat_id} already ({chat.bot_status})")
        if self._user_api(by_user_id) is None:
            raise KeyError(f"unknown user {by_user_id}; add_user first")
        old, chat.bot_status = chat.bot_status, "kicked" if kicked else "left"
        self._enqueue_member_change(chat_id, by_user_id, old, chat.bot_status)

    def add_bot_back(self, chat_id: int, by_user_id: int, *, admin: bool = False) -> None:
        """``by_user_id`` adds the removed bot to the group again, as a member (or an
        administrator): my_chat_member (kicked or left -> member), and sends work again."""
        chat = self._group(chat_id)
        if chat.bot_status not in ("kicked", "left"):
            raise ValueError(f"the bot is in chat {chat_id} already ({chat.bot_status})")
        if self._user_api(by_user_id) is None:
            raise KeyError(f"unknown user {by_user_id}; add_user first")
        old, chat.bot_status = chat.bot_status, "administrator" if admin else "member"
        self._enqueue_member_change(chat_id, by_user_id, old, chat.bot_status)

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends to the private chat answer 403.  Like Telegram,
        this enqueues a my_chat_member update (member -> kicked) unless ``notify=False``."""
        self._private_chat(user_id)
        if user_id in self.blocked:
            return
        self.blocked.add(user_id)
        if notify:
            self._enqueue_member_change(user_id, user_id, "member", "kicked")

    def unblock(self, user_id: int, *, notify: bool = True) -> None:
        self._private_chat(user_id)
        if user_id not in self.blocked:
            return
        self.blocked.discard(user_id)
        if notify:
            self._enqueue_member_change(user_id, user_id, "kicked", "member")

    # ---------------------------------------------------------------- updates from users

    def send_text(self, user_id: int, text: str, chat_id: int | None = None) -> int:
        """The user sends a text message (to the private chat unless ``chat_id``)."""
        pseudo_locale.typed(text)
        chat = self._chat_of(user_id, chat_id)
        record = self._store(
            chat,
            from_user=user_id,
            kind="text",
            text=text,
            entities=bot_command_entities(text),
        )
        return self._enqueue_new({"message": self._api_message(record)})

    def press(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        chat_id: int | None = None,
        *,
        force: bool = False,
    ) -> int:
        """The user presses an inline button of the bot's message.  The button must be on
        the message's current keyboard unless ``force`` (a stale or forged press)."""
        chat = self._chat_of(user_id, chat_id)
        record = self._messages.get(chat.id, {}).get(message_id)
        if record is None or not record["from_bot"]:
            raise KeyError(f"the bot has no message {message_id} in chat {chat.id}")
        if not force:
            buttons = [
                button.get("callback_data")
                for row in (record["reply_markup"] or {}).get("inline_keyboard", [])
                for button in row
            ]
            if callback_data not in buttons:
                raise ValueError(
                    f"message {message_id} has no button with callback_data "
                    f"{callback_data!r}; it has {buttons}"
                )
        query_id = str(4_000_000_000_000_000_000 + next(self._ids))
        self._pending_callbacks[query_id] = {
            "user_id": user_id,
            "chat_id": chat.id,
            "message_id": message_id,
            "data": callback_data,
        }
        query = {
            "id": query_id,
            "from": self.users[user_id].as_api(),
            "message": self._api_message(record),
            "chat_instance": str(abs(hash((self.bot_id, chat.id))) % 10**18),
            "data": callback_data,
        }
        return self._enqueue_new({"callback_query": query})

    def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        mime_type: str = "text/markdown",
        chat_id: int | None = None,
        *,
        caption: str | None = None,
    ) -> int:
        """The user sends a file; its bytes are downloadable through getFile."""
        pseudo_locale.typed(caption or "")
        chat = self._chat_of(user_id, chat_id)
        stored = self._new_file(content, folder="documents", name=filename, mime_type=mime_type)
        record = self._store(
            chat,
            from_user=user_id,
            kind="document",
            document=self._document_api(stored),
            caption=caption,
            caption_entities=[],
        )
        return self._enqueue_new({"message": self._api_message(record)})

    def answer_poll(self, user_id: int, poll_id: str, option_ids: list[int]) -> int:
        """The user votes in the bot's poll (an empty list retracts a vote).  Telegram
        sends poll_answer only for non-anonymous polls, so anonymous ones raise."""
        state = self._polls.get(poll_id)
        if state is None:
            raise KeyError(f"the bot sent no poll {poll_id!r}")
        poll = state.poll
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id}; add_user first")
        if poll["is_anonymous"]:
            raise ValueError("Telegram sends no poll_answer updates for anonymous polls")
        if poll["is_closed"]:
            raise ValueError("the poll is closed")
        count = len(poll["options"])
        if any(not 0 <= option < count for option in option_ids):
            raise ValueError(f"option ids must be in 0..{count - 1}")
        if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
            raise ValueError("the poll allows one answer only")
        previous = state.votes.get(user_id)
        if previous and not poll["allows_revoting"]:
            raise ValueError("the poll does not allow changing a vote")
        if not option_ids and not previous:
            raise ValueError("there is no vote to retract")
        for option in previous or []:
            poll["options"][option]["voter_count"] -= 1
        for option in option_ids:
            poll["options"][option]["voter_count"] += 1
        if option_ids:
            state.votes[user_id] = list(option_ids)
        else:
            state.votes.pop(user_id, None)
        poll["total_voter_count"] = len(state.votes)
        answer = {
            "poll_id": poll_id,
            "user": self.users[user_id].as_api(),
            "option_ids": list(option_ids),
            "option_persistent_ids": [poll["options"][i]["persistent_id"] for i in option_ids],
        }
        return self._enqueue_new({"poll_answer": answer})

    def enqueue(self, update: JsonDict) -> int:
        """Queue a raw update as it is; ``update_id`` is assigned when missing.  The same
        update_id may be queued twice (redelivery)."""
        update = copy.deepcopy(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        update_id = int(update["update_id"])
        if not self._allowed(update):
            self.dropped_updates.append(update)
            return update_id
        self._updates.append(update)
        self._notify()
        return update_id

    def pending_updates(self) -> list[JsonDict]:
        """Updates queued and not yet confirmed (by a later getUpdates offset)."""
        return copy.deepcopy(self._updates)

    # ---------------------------------------------------------------- webhook delivery

    async def deliver(
        self,
        update: JsonDict | int,
        secret: str | _Default | None = REGISTERED_SECRET,
    ) -> int:
        """POST an update (a dict, or the id of a queued one) to the registered webhook
        with the secret header: the registered secret by default, the given one, or no
        header for ``None``.  Returns the HTTP status; a 2xx confirms a queued update."""
        if not self.webhook_url:
            raise RuntimeError("no webhook is set; the bot must call setWebhook first")
        if isinstance(update, int):
            queued = [u for u in self._updates if u["update_id"] == update]
            if not queued:
                raise KeyError(f"no queued update {update}")
            body = queued[0]
        else:
            body = update
        token = self.webhook_secret if secret is REGISTERED_SECRET else secret
        headers = {} if token is None else {SECRET_HEADER: str(token)}
        async with (
            ClientSession(timeout=ClientTimeout(total=10)) as session,
            session.post(self.webhook_url, json=body, headers=headers) as response,
        ):
            await response.read()
            status = response.status
            reason = response.reason
        update_id = body.get("update_id")
        self.deliveries.append((update_id, status))
        if 200 <= status < 300:
            self._updates = [u for u in self._updates if u.get("update_id") != update_id]
        else:
            self.webhook_last_error = f"Wrong response from the webhook: {status} {reason}"
        return status

    async def deliver_pending(self, secret: str | _Default | None = REGISTERED_SECRET) -> list[int]:
        """Deliver queued updates in order, stopping at the first non-2xx like Telegram."""
        statuses: list[int] = []
        for update in list(self._updates):
            status = await self.deliver(update, secret)
            statuses.append(status)
            if not 200 <= status < 300:
                break
        return statuses

    # ---------------------------------------------------------------- injected trouble

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` fail with ``status``; a 429 carries
        ``parameters.retry_after`` like Telegram's flood control."""
        retry = retry_after if status == 429 else None
        failure = _Failure(status, description or _default_description(status, retry), retry)
        self._failures.setdefault(method.lower(), []).extend([failure] * times)

    def stall_chat(self, chat_id: int, seconds: float) -> None:
        """Telegram turns slow for one chat: every call that targets ``chat_id`` (its
        ``chat_id``, or a command scope's) waits ``seconds`` before the fake reads it, so
        it is logged, stamped (``CallRecord.at``, ``send_times``), judged by flood control
        and answered only then.  ``0`` lifts the stall, also for calls waiting it out.
        Calls to other chats are not delayed: each request is served on its own and
        nothing is held while one waits.  Uses real time, also with a hand-moved clock."""
        if seconds < 0 or not math.isfinite(seconds):
            raise ValueError("seconds must be a finite number, 0 or more")
        if seconds == 0:
            stall = self._stalls.pop(chat_id, None)
            if stall is not None:
                stall.lifted.set()
            return
        stall = self._stalls.get(chat_id)
        if stall is None:
            self._stalls[chat_id] = _Stall(seconds)
        else:
            stall.seconds = seconds  # calls already waiting keep their own length

    def enforce_rates(
        self,
        overall_per_second: float | None = 30,
        per_chat_per_second: float | None = 1,
        per_group_per_minute: float | None = 20,
    ) -> None:
        """Switch on Telegram's flood limits; ``None`` switches one off.

        * overall: a bucket of ``overall_per_second`` sends (at least one), refilled
          continuously at that rate and shared by all chats, so short bursts pass;
        * a private chat: ``1 / per_chat_per_second`` seconds between sends;
        * a group or supergroup: ``per_group_per_minute`` sends in any 60 s window.

        A send over a limit gets 429 with the whole seconds until it would pass.  Only
        successful sends spend budget.  Every call starts afresh: a full bucket, no sends
        counted, no chat held.  ``send_times`` and the counters keep their history.
        """
        if overall_per_second is not None and overall_per_second <= 0:
            raise ValueError("overall_per_second must be positive")
        if per_chat_per_second is not None and per_chat_per_second <= 0:
            raise ValueError("per_chat_per_second must be positive")
        if per_group_per_minute is not None and per_group_per_minute < 1:
            raise ValueError("per_group_per_minute must be at least 1")
        self._overall_rate = overall_per_second
        self._chat_rate = per_chat_per_second
        self._group_rate = per_group_per_minute
        self._tokens = self._bucket_size()
        self._tokens_at = self._clock()
        self._last_send.clear()
        self._group_sends.clear()
        self._held.clear()
        self._held_everyone = -math.inf

    def enforce_chat_rate(self, per_second: float | None = 1.0) -> None:
        """Only the per private chat limit of ``enforce_rates``."""
        self.enforce_rates(None, per_second, None)

    # ---------------------------------------------------------------- assertions

    def sent(self, chat_id: int) -> list[JsonDict]:
        """The bot's messages currently in the chat (deleted ones are gone), oldest first:
        message_id, kind, text (plain, after entity parsing), html (as sent), parse_mode,
        entities, reply_markup, caption, photo, document, poll, edit_date…"""
        messages = self._messages.get(chat_id, {})
        return [
            copy.deepcopy(record) for _, record in sorted(messages.items()) if record["from_bot"]
        ]

    def last(self, chat_id: int) -> JsonDict:
        messages = self.sent(chat_id)
        if not messages:
            raise AssertionError(f"the bot has no messages in chat {chat_id}\n{self.dump()}")
        return messages[-1]

    def polls_in(self, chat_id: int) -> list[JsonDict]:
        """The bot's poll messages in the chat, oldest first (``sent`` records; the poll
        under ``"poll"`` with its current voter counts and ``is_closed``)."""
        return [message for message in self.sent(chat_id) if message["kind"] == "poll"]

    def poll_message(self, chat_id: int, message_id: int) -> JsonDict:
        """One poll message of the bot, as ``polls_in`` lists it."""
        record = self._messages.get(chat_id, {}).get(message_id)
        if record is None or not record["from_bot"] or record["kind"] != "poll":
            raise KeyError(f"the bot has no poll message {message_id} in chat {chat_id}")
        return copy.deepcopy(record)

    def poll_votes(self, poll_id: str) -> dict[int, list[int]]:
        """The current vote of each user who answered the bot's poll: user id -> options."""
        state = self._polls.get(poll_id)
        if state is None:
            raise KeyError(f"the bot sent no poll {poll_id!r}")
        return copy.deepcopy(state.votes)

    def calls_of(self, method: str) -> list[JsonDict]:
        return [params for name, params in self.calls if name.lower() == method.lower()]

    def send_times(self, chat_id: int | None = None) -> list[float]:
        """Arrival times of successful sends (all chats, or one), oldest first."""
        return [at for chat, at in self._sends if chat_id is None or chat == chat_id]

    def max_sends_in_window(self, window: float, chat_id: int | None = None) -> int:
        """The most successful sends in any half-open window ``[t, t + window)``: what a
        sender must keep under a limit of N sends per ``window`` seconds."""
        times = self.send_times(chat_id)
        return max(
            (bisect_left(times, start + window) - index for index, start in enumerate(times)),
            default=0,
        )

    def file_bytes(self, file_id: str) -> bytes:
        return self.files[file_id].content

    def dump(self, last: int = 20) -> str:
        """The most recent calls with their outcome, for failure messages."""
        if not self.log:
            return "no calls to the fake Telegram yet"
        lines = [f"last {min(last, len(self.log))} of {len(self.log)} calls:"]
        for record in self.log[-last:]:
            outcome = "pending" if record.status is None else str(record.status)
            if record.description:
                outcome += f" {record.description}"
            params = json.dumps(record.params, ensure_ascii=False, default=str)
            if len(params) > 300:
                params = params[:300] + "…"
            lines.append(f"  {record.method} -> {outcome}\n      {params}")
        return "\n".join(lines)

    async def wait_for(
        self,
        predicate: Callable[[FakeTelegram], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - a polling deadline, not a cancellation scope
        interval: float = 0.01,
    ) -> None:
        """Poll until ``predicate(self)`` is true.  A predicate raising AssertionError or
        LookupError (``last`` of an empty chat, say) counts as false until the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            error: Exception | None = None
            try:
                if predicate(self):
                    return
            except (AssertionError, LookupError) as raised:
                error = raised
            if time.monotonic() >= deadline:
                message = f"condition not met within {timeout} s\n{self.dump()}"
                raise AssertionError(message) from error
            await asyncio.sleep(interval)

    # ---------------------------------------------------------------- HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._json(ApiError(401, "Unauthorized").payload(), 401)
        try:
            raw, uploads = await self._read_raw(request)
        except ApiError as error:
            failed = CallRecord(method, {}, [], error.status, error.description, self._clock())
            self.log.append(failed)
            return self._json(error.payload(), error.status)
        await self._sit_out_stall(raw)
        record = CallRecord(method, dict(raw), sorted(uploads), at=self._clock())
        self.log.append(record)
        arrival = _ARRIVAL.set(record.at)
        try:
            return await self._answer(record, raw, uploads)
        finally:
            _ARRIVAL.reset(arrival)

    async def _answer(
        self, record: CallRecord, raw: JsonDict, uploads: dict[str, _Upload]
    ) -> web.Response:
        method = record.method
        try:
            try:
                record.params = pseudo_locale.telegram_call(
                    method, {key: _decode_param(key, value) for key, value in raw.items()}
                )
            finally:
                self.calls.append((method, record.params))
            if method.lower() in SENDING_METHODS:
                self._check_hold(record)
            self._inject_failure(method)
            handler = self._methods.get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(record.params, uploads)
        except ApiError as error:
            record.status, record.description = error.status, error.description
            if error.status == 429:
                self._hold(record, error)
            return self._json(error.payload(), error.status)
        except Exception as error:  # a bug in the fake: say so in JSON aiogram can read
            description = f"Internal Server Error: the fake failed: {error!r}"
            record.status, record.description = 500, description
            return self._json(ApiError(500, description).payload(), 500)
        record.status = 200
        if isinstance(result, _Described):
            return self._json(
                {"ok": True, "result": result.value, "description": result.description}
            )
        return self._json({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._files_by_path.get(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return self._json(ApiError(404, "Not Found").payload(), 404)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    @staticmethod
    def _json(body: JsonDict, status: int = 200) -> web.Response:
        return web.json_response(
            body, status=status, dumps=lambda data: json.dumps(data, ensure_ascii=False)
        )

    @staticmethod
    async def _read_raw(request: web.Request) -> tuple[JsonDict, dict[str, _Upload]]:
        raw: JsonDict = dict(request.query)
        uploads: dict[str, _Upload] = {}
        if not request.body_exists:
            return raw, uploads
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON encoded request body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON request body must be an object")
            raw.update(body)
            return raw, uploads
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = _Upload(value.filename, value.content_type, value.file.read())
            elif isinstance(value, bytes | bytearray):
                raw[key] = bytes(value).decode("utf-8")
            else:
                raw[key] = value
        return raw, uploads

    async def _sit_out_stall(self, raw: JsonDict) -> None:
        """Waits out the stall of the chat a request targets, if that chat is slow."""
        if not self._stalls:
            return
        chat_id = _target_chat_id(raw)
        stall = None if chat_id is None else self._stalls.get(chat_id)
        if stall is None:
            return
        # Only this request's task waits: the server keeps answering everyone else.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stall.lifted.wait(), stall.seconds)

    def _inject_failure(self, method: str) -> None:
        queue = self._failures.get(method.lower())
        if not queue:
            return
        failure = queue.pop(0)
        parameters = None if failure.retry_after is None else {"retry_after": failure.retry_after}
        raise ApiError(failure.status, failure.description, parameters)

    # ---------------------------------------------------------------- internals: world

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _private_chat(self, user_id: int) -> FakeChat:
        chat = self.chats.get(user_id)
        if chat is None or user_id not in self.users:
            raise KeyError(f"unknown user {user_id}; add_user first")
        return chat

    def _chat_of(self, user_id: int, chat_id: int | None) -> FakeChat:
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id}; add_user first")
        if chat_id is None or chat_id == user_id:
            chat = self._private_chat(user_id)
            # A user can only write to a bot they have blocked after unblocking it.
            self.unblock(user_id)
            return chat
        if chat_id not in self.chats:
            raise KeyError(f"unknown chat {chat_id}; add_group first")
        chat = self.chats[chat_id]
        if chat.bot_status in ("kicked", "left"):
            raise ValueError(
                f"the bot is not in chat {chat_id} ({chat.bot_status}): Telegram would "
                "deliver nothing from there; add_bot_back first"
            )
        return chat

    def _group(self, chat_id: int) -> FakeChat:
        chat = self.chats.get(chat_id)
        if chat is None or chat.type == "private":
            raise KeyError(f"unknown group {chat_id}; add_group first")
        return chat

    def _user_api(self, user_id: int) -> JsonDict | None:
        if user_id == self.bot_id:
            return self.bot_user
        user = self.users.get(user_id)
        return None if user is None else user.as_api()

    def _chat_api(self, chat: FakeChat) -> JsonDict:
        if chat.type == "private":
            user = self.users[chat.id]
            api: JsonDict = {"id": chat.id, "type": "private", "first_name": user.first_name}
            if user.username:
                api["username"] = user.username
            return api
        return {"id": chat.id, "type": chat.type, "title": chat.title}

    def _store(
        self, chat: FakeChat, *, from_user: int | None, kind: str, **content: Any
    ) -> JsonDict:
        record: JsonDict = {
            "message_id": chat.next_message_id,
            "chat_id": chat.id,
            "from_bot": from_user is None,
            "from_user": from_user,
            "date": int(time.time()),
            "edit_date": None,
            "kind": kind,
            "text": None,
            "html": None,
            "parse_mode": None,
            "entities": [],
            "caption": None,
            "caption_entities": [],
            "photo": None,
            "document": None,
            "poll": None,
            "reply_markup": None,
            "reply_to_message_id": None,
        }
        record.update(content)
        chat.next_message_id += 1
        self._messages.setdefault(chat.id, {})[record["message_id"]] = record
        return record

    def _api_message(self, record: JsonDict, *, with_reply: bool = True) -> JsonDict:
        chat = self.chats[record["chat_id"]]
        sender = self.bot_user if record["from_bot"] else self.users[record["from_user"]].as_api()
        message: JsonDict = {
            "message_id": record["message_id"],
            "from": sender,
            "chat": self._chat_api(chat),
            "date": record["date"],
        }
        if record["edit_date"]:
            message["edit_date"] = record["edit_date"]
        replied = self._messages.get(chat.id, {}).get(record["reply_to_message_id"] or 0)
        if with_reply and replied is not None:
            message["reply_to_message"] = self._api_message(replied, with_reply=False)
        if record["kind"] == "text":
            message["text"] = record["text"]
            if record["entities"]:
                message["entities"] = copy.deepcopy(record["entities"])
        else:
            message[record["kind"]] = copy.deepcopy(record[record["kind"]])
            if record["caption"]:
                message["caption"] = record["caption"]
                if record["caption_entities"]:
                    message["caption_entities"] = copy.deepcopy(record["caption_entities"])
        markup = record["reply_markup"]
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = copy.deepcopy(markup)
        return message

    def _enqueue_new(self, content: JsonDict) -> int:
        return self.enqueue({"update_id": self._next_update_id, **content})

    def _enqueue_member_change(self, chat_id: int, by_user_id: int, old: str, new: str) -> None:
        """my_chat_member: the bot's status in the chat changed from ``old`` to ``new``."""

        def member(status: str) -> JsonDict:
            if status == "administrator":
                return self._administrator(self.bot_user)
            state: JsonDict = {"status": status, "user": self.bot_user}
            if status == "kicked":
                state["until_date"] = 0
            return state

        self._enqueue_new(
            {
                "my_chat_member": {
                    "chat": self._chat_api(self.chats[chat_id]),
                    "from": self._user_api(by_user_id),
                    "date": int(time.time()),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    def _allowed(self, update: JsonDict) -> bool:
        kinds = [key for key in update if key != "update_id"]
        if not kinds:
            return True
        if self.allowed_updates:
            return kinds[0] in self.allowed_updates
        return kinds[0] not in OPT_IN_UPDATES

    def _new_file(
        self, content: bytes, *, folder: str, name: str | None, mime_type: str | None
    ) -> FakeFile:
        number = next(self._ids)
        prefix = "AgAC" if folder == "photos" else "BQAC"
        extension = ".jpg" if folder == "photos" else ""
        if name and "." in name:
            extension = name[name.rfind(".") :]
        stored = FakeFile(
            file_id=f"{prefix}AgIAAxkBAAI{number:06d}{secrets.token_urlsafe(12)}",
            file_unique_id=f"AQAD{number:06d}{secrets.token_urlsafe(4)}",
            file_path=f"{folder}/file_{number}{extension}",
            content=bytes(content),
            file_name=name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    @staticmethod
    def _document_api(stored: FakeFile) -> JsonDict:
        document: JsonDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        document["file_size"] = stored.size
        return document

    # ---------------------------------------------------------------- internals: checks

    def _target_chat(self, p: JsonDict, *, access: str = "write") -> FakeChat:
        """The chat a method acts on.  ``access``: "write" (sends, edits, deletes, chat
        actions), "read" (members) or "info" (getChat, command scopes): a group without
        the bot refuses the first two with 403, a blocked private chat only the first."""
        chat_id = p.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            if isinstance(chat_id, int) and chat_id in self.users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        if access == "write" and chat.type == "private" and chat.id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if access != "info" and chat.bot_status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        if access != "info" and chat.bot_status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return chat

    def _now(self) -> float:
        arrival = _ARRIVAL.get()
        return self._clock() if arrival is None else arrival

    def _bucket_size(self) -> float:
        # At least one token, or a rate under 1/s could never send at all.
        return max(1.0, self._overall_rate or 0.0)

    def _tokens_now(self, now: float) -> float:
        rate = self._overall_rate or 0.0
        refill = max(0.0, now - self._tokens_at) * rate
        return min(self._bucket_size(), self._tokens + refill)

    def _recent_group_sends(self, chat_id: int, now: float) -> deque[float]:
        sends = self._group_sends.setdefault(chat_id, deque())
        while sends and sends[0] <= now - GROUP_WINDOW:
            sends.popleft()
        return sends

    def _check_hold(self, record: CallRecord) -> None:
        """Telegram refuses, and remembers, a send that did not wait out a 429."""
        chat_id = record.params.get("chat_id")
        held = self._held.get(chat_id, -math.inf) if isinstance(chat_id, int) else -math.inf
        until = max(held, self._held_everyone)
        if record.at < until:
            self.early_retries.append(record)
            raise _FloodWait(until - record.at, early=True)

    def _hold(self, record: CallRecord, error: ApiError) -> None:
        """Remember until when a 429 told the client to wait: its chat, or every chat."""
        self.too_many_requests += 1
        retry_after = (error.parameters or {}).get("retry_after")
        if not isinstance(retry_after, int) or (isinstance(error, _FloodWait) and error.early):
            return
        until = record.at + retry_after
        chat_id = record.params.get("chat_id")
        if isinstance(error, _FloodWait) and error.everyone:
            self._held_everyone = max(self._held_everyone, until)
        elif isinstance(chat_id, int):
            self._held[chat_id] = max(self._held.get(chat_id, -math.inf), until)

    def _check_rate(self, chat_id: int) -> None:
        """Refuse a send over a limit; only ``_sent_now`` spends budget."""
        now = self._now()
        if self.chats[chat_id].type == "private":
            last = self._last_send.get(chat_id)
            if self._chat_rate is not None and last is not None:
                interval = 1.0 / self._chat_rate
                if now - last < interval:
                    raise _FloodWait(interval - (now - last))
        elif self._group_rate is not None:
            recent = self._recent_group_sends(chat_id, now)
            if len(recent) + 1 > self._group_rate:
                # Wait until enough of the oldest have left the window for this one to fit.
                leaving = recent[len(recent) - math.floor(self._group_rate)]
                raise _FloodWait(leaving + GROUP_WINDOW - now)
        if self._overall_rate is not None:
            tokens = self._tokens_now(now)
            if tokens < 1 - 1e-9:
                raise _FloodWait((1 - tokens) / self._overall_rate, everyone=True)

    def _sent_now(self, chat_id: int) -> None:
        now = self._now()
        self._sends.append((chat_id, now))
        self._last_send[chat_id] = now
        if self.chats[chat_id].type != "private":
            self._recent_group_sends(chat_id, now).append(now)
        if self._overall_rate is not None:
            self._tokens = self._tokens_now(now) - 1
            self._tokens_at = now

    def _formatted(self, raw: Any, parse_mode: Any, entities: Any) -> tuple[str, list[JsonDict]]:
        text = "" if raw is None else str(raw)
        mode = parse_mode.lower() if isinstance(parse_mode, str) else ""
        if mode == "html":
            try:
                text, found = parse_html(
                    text, strict_ampersand=self.strict_html, mention=self._user_api
                )
            except HtmlParseError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        elif mode == "":
            found = self._explicit_entities(text, entities)
        elif mode in ("markdown", "markdownv2"):
            raise bad_request(
                f"the fake Telegram implements parse_mode HTML only, not {parse_mode}"
            )
        else:
            raise bad_request("unsupported parse_mode")
        return clean_text(text, found)

    @staticmethod
    def _explicit_entities(text: str, entities: Any) -> list[JsonDict]:
        if entities is None:
            return []
        if not isinstance(entities, list):
            raise bad_request("can't parse entities JSON object")
        length = utf16_len(text)
        checked: list[JsonDict] = []
        for entity in entities:
            if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
                raise bad_request("can't parse MessageEntity JSON object")
            offset, size = entity.get("offset"), entity.get("length")
            if not isinstance(offset, int) or not isinstance(size, int) or offset < 0:
                raise bad_request("can't parse MessageEntity JSON object")
            if offset + size > length:
                raise bad_request(
                    f"can't parse entities: Entity beginning at UTF-16 offset {offset} ends "
                    f"after the end of the text at UTF-16 offset {offset + size}"
                )
            checked.append(dict(entity))
        return checked

    def _caption(self, p: JsonDict) -> tuple[str | None, list[JsonDict]]:
        if p.get("caption") is None:
            return None, []
        caption, entities = self._formatted(
            p["caption"], p.get("parse_mode"), p.get("caption_entities")
        )
        if utf16_len(caption) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        return caption or None, entities

    def _markup(self, markup: Any, *, inline_only: bool = False) -> JsonDict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if inline_only:
                raise bad_request("inline keyboard expected")
            if any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
                return copy.deepcopy(markup)
            raise bad_request("can't parse reply keyboard markup JSON object")
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        buttons = [button for row in rows for button in row]
        for button in buttons:
            self._check_button(button)
        if len(buttons) > INLINE_BUTTONS_LIMIT:
            raise bad_request("REPLY_MARKUP_TOO_LONG")
        if not buttons:
            return None  # an empty inline keyboard removes the keyboard
        return {"inline_keyboard": copy.deepcopy([row for row in rows if row])}

    @staticmethod
    def _check_button(button: Any) -> None:
        prefix = "can't parse inline keyboard button: "
        if not isinstance(button, dict):
            raise bad_request(prefix + "InlineKeyboardButton must be an Object")
        if "text" not in button:
            raise bad_request(prefix + 'Can\'t find field "text"')
        if not isinstance(button["text"], str):
            raise bad_request(prefix + 'Field "text" must be of type String')
        if not button["text"].strip():
            raise bad_request("BUTTON_TEXT_INVALID")
        actions = [key for key in BUTTON_ACTIONS if button.get(key) not in (None, "", False)]
        if not actions:
            raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise bad_request(
                prefix + f"a button must have exactly one action, got {actions} (the fake is "
                "stricter than Telegram, which would silently use one of them)"
            )
        if "callback_data" in actions:
            data = button["callback_data"]
            if not isinstance(data, str) or len(data.encode("utf-8")) > CALLBACK_DATA_LIMIT:
                raise bad_request("BUTTON_DATA_INVALID")
        if "web_app" in actions:
            info = button["web_app"]
            url = info.get("url") if isinstance(info, dict) else None
            if not isinstance(url, str) or urlsplit(url).scheme != "https":
                raise bad_request(
                    f"inline keyboard button Web App URL '{url}' is invalid: Only HTTPS links "
                    "are allowed"
                )
        if "url" in actions:
            url = button["url"]
            parts = urlsplit(url) if isinstance(url, str) else None
            valid = parts is not None and (
                (parts.scheme in ("http", "https") and bool(parts.hostname)) or parts.scheme == "tg"
            )
            if not valid:
                raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")

    def _reply_target(self, chat: FakeChat, p: JsonDict) -> int | None:
        parameters = p.get("reply_parameters")
        if isinstance(parameters, dict):
            message_id = parameters.get("message_id")
            tolerant = bool(parameters.get("allow_sending_without_reply"))
        else:
            message_id = p.get("reply_to_message_id")
            tolerant = bool(p.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        if message_id in self._messages.get(chat.id, {}):
            return int(message_id)
        if tolerant:
            return None
        raise bad_request("message to be replied not found")

    def _message_id(self, p: JsonDict) -> int:
        if p.get("inline_message_id"):
            raise bad_request("the fake Telegram does not implement inline messages")
        message_id = p.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        return message_id

    def _editable(self, chat: FakeChat, message_id: int) -> JsonDict:
        record = self._messages.get(chat.id, {}).get(message_id)
        if record is None:
            raise bad_request("message to edit not found")
        if not record["from_bot"]:
            raise bad_request("message can't be edited")
        return record

    def _input_file(
        self, p: JsonDict, key: str, uploads: dict[str, _Upload], *, folder: str
    ) -> tuple[FakeFile, bool]:
        """The file a send refers to, and whether it was uploaded with this request."""
        value = p.get(key)
        upload: _Upload | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value[len("attach://") :])
            if upload is None:
                raise bad_request(f"wrong file identifier/HTTP URL specified ({value} is missing)")
        elif key in uploads:
            upload = uploads[key]
        elif value is None or value == "":
            raise bad_request(f"there is no {key} in the request")
        elif isinstance(value, str) and value in self.files:
            return self.files[value], False
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            name = urlsplit(value).path.rsplit("/", 1)[-1] or None
            return self._new_file(b"", folder=folder, name=name, mime_type=None), False
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if not upload.data:
            raise bad_request("file must be non-empty")
        if len(upload.data) > UPLOAD_LIMIT:
            raise ApiError(413, "Request Entity Too Large")
        mime_type = upload.content_type
        if mime_type in ("", "application/octet-stream"):
            guessed = mimetypes.guess_type(upload.filename or "")[0]
            mime_type = guessed or "application/octet-stream"
        stored = self._new_file(
            upload.data, folder=folder, name=upload.filename, mime_type=mime_type
        )
        return stored, True

    # ---------------------------------------------------------------- methods

    async def _get_me(self, p: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, p: JsonDict, uploads: dict[str, _Upload]) -> list[JsonDict]:
        if self.webhook_url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = p.get("offset")
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = max(int(p.get("timeout") or 0), 0)
        if p.get("allowed_updates") is not None:
            self.allowed_updates = list(p["allowed_updates"])
        if isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        elif isinstance(offset, int):
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll is terminated with 409
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, POLLING_CONFLICT)
            if self.webhook_url:
                raise ApiError(409, WEBHOOK_CONFLICT)
            if self._updates or self._closing:
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def _set_webhook(self, p: JsonDict, uploads: dict[str, _Upload]) -> _Described:
        url = p.get("url") or ""
        if not url:
            return await self._delete_webhook(p, uploads)
        parts = urlsplit(url)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token") or None
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        max_connections = p.get("max_connections")
        if max_connections is not None and not 1 <= int(max_connections) <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if p.get("allowed_updates") is not None:
            self.allowed_updates = list(p["allowed_updates"])
        if p.get("drop_pending_updates"):
            self._updates.clear()
        unchanged = (url, secret) == (self.webhook_url, self.webhook_secret)
        self.webhook_url, self.webhook_secret = url, secret
        self.webhook_max_connections = max_connections
        self.webhook_last_error = None
        self._notify()
        return _Described(True, "Webhook is already set" if unchanged else "Webhook was set")

    async def _delete_webhook(self, p: JsonDict, uploads: dict[str, _Upload]) -> _Described:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        existed = self.webhook_url is not None
        self.webhook_url = self.webhook_secret = None
        self.webhook_max_connections = None
        return _Described(True, "Webhook was deleted" if existed else "Webhook is already deleted")

    async def _get_webhook_info(self, p: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        info: JsonDict = {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections or 40
            info["ip_address"] = "127.0.0.1"
            if self.allowed_updates:
                info["allowed_updates"] = list(self.allowed_updates)
            if self.webhook_last_error:
                info["last_error_date"] = int(time.time())
                info["last_error_message"] = self.webhook_last_error
        return info

    async def _send_message(self, p: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._target_chat(p)
        self._check_rate(chat.id)
        text, entities = self._formatted(p.get("text"), p.get("parse_mode"), p.get("entities"))
        if not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > MESSAGE_LIMIT:
            raise bad_request("message is too long")
        markup = self._markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        record = self._store(
            chat,
            from_user=None,
            kind="text",
            text=text,
            html=p.get("text"),
            parse_mode=p.get("parse_mode"),
            entities=entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        self._sent_now(chat.id)
        return self._api_message(record)

    async def _edit_message_text(self, p: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._target_chat(p)
        record = self._editable(chat, self._message_id(p))
        if record["kind"] != "text":
            raise bad_request("there is no text in the message to edit")
        text, entities = self._formatted(p.get("text"), p.get("parse_mode"), p.get("entities"))
        if not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > MESSAGE_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        markup = self._markup(p.get("reply_markup"), inline_only=True)
        if (text, entities, markup) == (record["text"], record["entities"], record["reply_markup"]):
            raise bad_request(NOT_MODIFIED)
        record.update(
            text=text,
            html=p.get("text"),
            parse_mode=p.get("parse_mode"),
            entities=entities,
            reply_markup=markup,
            edit_date=int(time.time()),
        )
        return self._api_message(record)

    async def _edit_message_reply_markup(
        self, p: JsonDict, uploads: dict[str, _Upload]
    ) -> JsonDict:
        chat = self._target_chat(p)
        record = self._editable(chat, self._message_id(p))
        markup = self._markup(p.get("reply_markup"), inline_only=True)
        if markup == record["reply_markup"]:
            raise bad_request(NOT_MODIFIED)
        record.update(reply_markup=markup, edit_date=int(time.time()))
        return self._api_message(record)

    async def _delete_message(self, p: JsonDict, uploads: dict[str, _Upload]) -> bool:
        chat = self._target_chat(p)
        message_id = self._message_id(p)
        if self._messages.get(chat.id, {}).pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        self.deleted.append((chat.id, message_id))
        return True

    async def _answer_callback_query(self, p: JsonDict, uploads: dict[str, _Upload]) -> bool:
        query_id = str(p.get("callback_query_id") or "")
        if query_id not in self._pending_callbacks:
            raise bad_request(QUERY_INVALID)
        if len(str(p.get("text") or "")) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        del self._pending_callbacks[query_id]
        self.callback_answers[query_id] = dict(p)
        return True

    async def _send_photo(self, p: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._target_chat(p)
        self._check_rate(chat.id)
        caption, entities = self._caption(p)
        stored, uploaded = self._input_file(p, "photo", uploads, folder="photos")
        width, height = 512, 512
        if uploaded:
            size = _image_size(stored.content)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            if len(stored.content) > PHOTO_LIMIT or not width or not height:
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            if width + height > 10000 or max(width, height) > 20 * min(width, height):
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
        photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.size,
                "width": width,
                "height": height,
            }
        ]
        record = self._store(
            chat,
            from_user=None,
            kind="photo",
            photo=photo,
            caption=caption,
            caption_entities=entities,
            html=p.get("caption"),
            parse_mode=p.get("parse_mode"),
            reply_markup=self._markup(p.get("reply_markup")),
            reply_to_message_id=self._reply_target(chat, p),
        )
        self._sent_now(chat.id)
        return self._api_message(record)

    async def _send_document(self, p: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._target_chat(p)
        self._check_rate(chat.id)
        caption, entities = self._caption(p)
        stored, _ = self._input_file(p, "document", uploads, folder="documents")
        record = self._store(
            chat,
            from_user=None,
            kind="document",
            document=self._document_api(stored),
            caption=caption,
            caption_entities=entities,
            html=p.get("caption"),
            parse_mode=p.get("parse_mode"),
            reply_markup=self._markup(p.get("reply_markup")),
            reply_to_message_id=self._reply_target(chat, p),
        )
        self._sent_now(chat.id)
        return self._api_message(record)

    def _poll_options(self, p: JsonDict) -> list[JsonDict]:
        raw = p.get("options")
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise bad_request("can't parse options JSON object")
        minimum = 1 if p.get("allow_adding_options") else 2
        if len(raw) < minimum:
            raise bad_request("poll must have at least 2 option")
        if len(raw) > POLL_OPTIONS_MAX:
            raise bad_request(f"poll can't have more than {POLL_OPTIONS_MAX} options")
        options: list[JsonDict] = []
        for index, item in enumerate(raw):
            if isinstance(item, str):
                item = {"text": item}
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise bad_request(
                    'can\'t parse InputPollOption: Field "text" must be of type String'
                )
            text, entities = self._formatted(
                item["text"], item.get("text_parse_mode"), item.get("text_entities")
            )
            if not text:
                raise bad_request("poll options must be non-empty")
            if len(text) > POLL_OPTION_LIMIT:
                raise bad_request(f"poll options length must not exceed {POLL_OPTION_LIMIT}")
            option: JsonDict = {"persistent_id": str(index), "text": text, "voter_count": 0}
            emoji = [e for e in entities if e["type"] == "custom_emoji"]
            if emoji:
                option["text_entities"] = emoji
            options.append(option)
        return options

    def _correct_option_ids(self, p: JsonDict, count: int) -> list[int]:
        ids = p.get("correct_option_ids")
        if ids is None and p.get("correct_option_id") is not None:
            ids = [p["correct_option_id"]]
        valid = (
            isinstance(ids, list)
            and bool(ids)
            and all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
            and all(0 <= i < count for i in ids)
            and ids == sorted(set(ids))
        )
        if not valid:
            raise bad_request("wrong correct option ID specified")
        return list(ids) if isinstance(ids, list) else []

    async def _send_poll(self, p: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._target_chat(p)
        self._check_rate(chat.id)
        question, question_entities = self._formatted(
            p.get("question"), p.get("question_parse_mode"), p.get("question_entities")
        )
        if not question:
            raise bad_request("poll question must be non-empty")
        if len(question) > POLL_QUESTION_LIMIT:
            raise bad_request(f"poll question length must not exceed {POLL_QUESTION_LIMIT}")
        options = self._poll_options(p)
        poll_type = p.get("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise bad_request("poll type is invalid")
        is_anonymous = p.get("is_anonymous")
        allows_revoting = p.get("allows_revoting")
        poll: JsonDict = {
            "id": str(5_400_000_000_000_000_000 + next(self._ids)),
            "question": question,
            "options": options,
            "total_voter_count": 0,
            "is_closed": bool(p.get("is_closed")),
            "is_anonymous": True if is_anonymous is None else bool(is_anonymous),
            "type": poll_type,
            "allows_multiple_answers": bool(p.get("allows_multiple_answers")),
            "allows_revoting": (
                poll_type == "regular" if allows_revoting is None else bool(allows_revoting)
            ),
            "members_only": False,
        }
        emoji = [e for e in question_entities if e["type"] == "custom_emoji"]
        if emoji:
            poll["question_entities"] = emoji
        if poll_type == "quiz":
            correct = self._correct_option_ids(p, len(options))
            poll["correct_option_ids"] = correct
            poll["correct_option_id"] = correct[0]
        if p.get("explanation") is not None:
            explanation, explanation_entities = self._formatted(
                p["explanation"], p.get("explanation_parse_mode"), p.get("explanation_entities")
            )
            if len(explanation) > POLL_EXPLANATION_LIMIT:
                raise bad_request(
                    f"explanation length must not exceed {POLL_EXPLANATION_LIMIT} characters"
                )
            if explanation.count("\n") > POLL_EXPLANATION_LINE_FEEDS:
                raise bad_request(
                    f"explanation can't have more than {POLL_EXPLANATION_LINE_FEEDS} line feeds"
                )
            if explanation:
                poll["explanation"] = explanation
                if explanation_entities:
                    poll["explanation_entities"] = explanation_entities
        open_period = p.get("open_period")
        if open_period is not None:
            if not 5 <= int(open_period) <= 2_628_000:
                raise bad_request("open_period must be between 5 and 2628000 seconds")
            poll["open_period"] = int(open_period)
        markup = self._markup(p.get("reply_markup"))
        record = self._store(
            chat,
            from_user=None,
            kind="poll",
            poll=poll,
            reply_markup=markup,
            reply_to_message_id=self._reply_target(chat, p),
        )
        self._polls[poll["id"]] = _PollState(poll, chat.id, record["message_id"])
        self._sent_now(chat.id)
        return self._api_message(record)

    async def _stop_poll(self, p: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._target_chat(p)
        record = self._messages.get(chat.id, {}).get(self._message_id(p))
        if record is None or record["kind"] != "poll" or not record["from_bot"]:
            raise bad_request("message with poll to stop not found")
        if record["poll"]["is_closed"]:
            raise bad_request("poll has already been closed")
        markup = self._markup(p.get("reply_markup"), inline_only=True)
        record["poll"]["is_closed"] = True
        record.update(reply_markup=markup, edit_date=int(time.time()))
        return copy.deepcopy(record["poll"])

    async def _send_chat_action(self, p: JsonDict, uploads: dict[str, _Upload]) -> bool:
        self._target_chat(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _commands_key(self, p: JsonDict) -> str:
        """``tg.commands`` keys: the scope type; chat scopes add ``:chat_id`` (and
        ``:user_id``); a language code adds ``/xx``."""
        scope = p.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        key = str(scope["type"])
        if key in CHAT_SCOPES:
            chat = self._target_chat({"chat_id": scope.get("chat_id")}, access="info")
            key += f":{chat.id}"
            if scope["type"] == "chat_member":
                if scope.get("user_id") not in self.users:
                    raise bad_request("user not found")
                key += f":{scope['user_id']}"
        language = p.get("language_code") or ""
        if language:
            if not re.fullmatch(r"[a-z]{2}", str(language)):
                raise bad_request("LANG_CODE_INVALID")
            key += f"/{language}"
        return key

    async def _set_my_commands(self, p: JsonDict, uploads: dict[str, _Upload]) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > COMMANDS_MAX:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JsonDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not description.strip():
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            if len(description) > COMMAND_DESCRIPTION_LIMIT:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = self._commands_key(p)
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)  # an empty list deletes the commands
        return True

    async def _get_my_commands(self, p: JsonDict, uploads: dict[str, _Upload]) -> list[JsonDict]:
        return copy.deepcopy(self.commands.get(self._commands_key(p), []))

    async def _delete_my_commands(self, p: JsonDict, uploads: dict[str, _Upload]) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    async def _get_chat(self, p: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._target_chat(p, access="info")
        return {
            **self._chat_api(chat),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    @staticmethod
    def _administrator(user: JsonDict) -> JsonDict:
        """ChatMemberAdministrator: every can_* field is required."""
        return {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": True,
            "can_manage_video_chats": True,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_change_info": True,
            "can_invite_users": True,
            "can_post_stories": False,
            "can_edit_stories": False,
            "can_delete_stories": False,
            "can_send_welcome_messages": False,
            "can_pin_messages": True,
        }

    def _member(self, chat: FakeChat, user_id: int) -> JsonDict:
        user = self._user_api(user_id)
        if user is None:
            raise bad_request("user not found")
        if chat.type == "private":
            if user_id not in (chat.id, self.bot_id):
                return {"status": "left", "user": user}
            return {"status": "member", "user": user}
        if user_id == chat.owner:
            # ChatMemberOwner: no can_* fields, the owner has every right.
            return {"status": "creator", "user": user, "is_anonymous": False}
        is_bot_admin = user_id == self.bot_id and chat.bot_status == "administrator"
        if user_id in chat.admins or is_bot_admin:
            return self._administrator(user)
        return {"status": "member", "user": user}

    async def _get_chat_member(self, p: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._target_chat(p, access="read")
        user_id = p.get("user_id")
        if not isinstance(user_id, int) or user_id <= 0:
            raise bad_request("invalid user_id specified")
        return self._member(chat, user_id)

    async def _get_chat_administrators(
        self, p: JsonDict, uploads: dict[str, _Upload]
    ) -> list[JsonDict]:
        chat = self._target_chat(p, access="read")
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        # The owner, the admins, and the bot itself when it is one ("except other bots").
        admins = [chat.owner] if chat.owner is not None else []
        admins += chat.admins
        if chat.bot_status == "administrator":
            admins.append(self.bot_id)
        return [self._member(chat, admin) for admin in admins]

    async def _get_file(self, p: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        stored = self.files.get(str(p.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }


def mini_app_init_data(
    token: str, user: JsonDict, at: float, *, extra: JsonDict | None = None
) -> str:
    """The initData Telegram hands a Mini App opened by `user` at `at` (a Unix time),
    signed with the bot's token as Telegram signs it."""
    import hashlib
    import hmac
    from urllib.parse import urlencode

    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(at)),
        "signature": "c2lnbmF0dXJlIG9mIHRoZSB0aGlyZCBwYXJ0eSBraW5k",
        **(extra or {}),
    }
    checked = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    key = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(key, checked.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
