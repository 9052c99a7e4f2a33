"""Replies as Discord messages: escaped markdown, embeds where they read better, buttons whose
custom_ids carry everything a press needs, all within Discord's limits."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import discord

from core.kernel.i18n import RIGHT_TO_LEFT_MARK, written_right_to_left
from core.kernel.reply import (
    Attachment,
    Checklist,
    Heading,
    Image,
    Mention,
    Mentions,
    Paragraph,
    Preformatted,
    QuizQuestion,
    QuizRef,
    QuizScope,
    Reply,
)

MAX_CONTENT = 2000
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_BUTTON_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_QUIZ_OPTIONS = 10  # two rows of five; Telegram allows 12, the core asks for fewer

ACTION_PREFIX = "a:"  # a core action id follows
QUIZ_PREFIX = "q:"  # q:<poll ref>:<option>
GROUP_QUIZ_MARK = "g"  # a group quiz's poll ref is g<quiz id>, a learner's only the id
MAX_MENTIONS = 100  # Discord's cap on allowed_mentions.users
# A line of mentions is wrapped well inside a message, so no mention is cut in two.
MENTION_LINE = 1000
IMAGE_NAME = "progress.png"
EMBED_COLOUR = discord.Colour(0x3B82F6)

# URLs are left alone (a backslash would become part of them); other markdown is escaped.
_URL = r"<[^: >]+:/[^ >]+>|https?://[^\s<]+[^<.,:;\"'\]\s]"
_MARKDOWN = r"[\\*_~|`\[\]<]|^(?:>|#|-|\+)"
_ESCAPE = re.compile(
    rf"(?P<url>{_URL})|(?P<markdown>{_MARKDOWN})|^(?P<ordered>\d+)\.", re.MULTILINE
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SNOWFLAKE = re.compile(r"[1-9][0-9]{0,19}")  # Discord ids never start with 0
# Discord shows "@everyone" and "@here" as pings even when escaped text is not a mention.
_MASS_MENTION = re.compile(r"@(everyone|here)")


def escape(text: str) -> str:
    """Text shown exactly as written: no markdown, links masked as something else, or pings."""
    text = _CONTROL.sub("", text)

    def replace(match: re.Match[str]) -> str:
        if match["url"]:
            return match["url"]
        if match["ordered"]:
            return match["ordered"] + "\\."  # "1. " would start a numbered list
        return "\\" + match["markdown"]

    return _MASS_MENTION.sub("@\u200b\\1", _ESCAPE.sub(replace, text))


def _code_block(text: str) -> str:
    # A zero-width space between backticks keeps a roadmap's ``` from closing the block.
    return "```\n" + _CONTROL.sub("", text).replace("```", "`\u200b`\u200b`") + "\n```"


@dataclass(frozen=True)
class ButtonSpec:
    label: str
    custom_id: str  # "" for a link button, which opens `url` and comes back to nobody
    url: str = ""


@dataclass(frozen=True)
class FileSpec:
    filename: str
    content: bytes

    def as_file(self) -> discord.File:
        return discord.File(io.BytesIO(self.content), filename=self.filename)


@dataclass
class DiscordMessage:
    """One API call's worth of a Reply."""

    content: str = ""
    embed: discord.Embed | None = None
    rows: list[list[ButtonSpec]] = field(default_factory=list)
    file: FileSpec | None = None
    quiz: QuizRef | None = None  # the core's quiz record, to report where it went
    mentions: tuple[int, ...] = ()  # the users this message may ping, and no one else


def action_id(action: str) -> str:
    custom_id = ACTION_PREFIX + action
    if len(custom_id) > MAX_CUSTOM_ID:
        raise ValueError(f"action {action!r} does not fit a custom_id")
    return custom_id


def poll_ref(quiz: QuizRef) -> str:
    """What the core knows a quiz by on Discord: the ids of the two scopes overlap."""
    return f"{GROUP_QUIZ_MARK}{quiz.id}" if quiz.scope is QuizScope.GROUP else str(quiz.id)


def quiz_button_id(quiz: QuizRef, option: int) -> str:
    return f"{QUIZ_PREFIX}{poll_ref(quiz)}:{option}"


def shorten(text: str, limit: int) -> str:
    text = " ".join(_CONTROL.sub("", text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def markdown_lines(reply: Reply) -> list[str]:
    """The reply's blocks as Discord markdown, one entry per line (a code block is one);
    in a right-to-left reply each line but a code block opens with a right-to-left mark."""
    lines = _block_lines(reply)
    own_words = [b.text for b in reply.blocks if isinstance(b, Heading | Paragraph)]
    if written_right_to_left(own_words):
        lines = [line if line.startswith("```") else RIGHT_TO_LEFT_MARK + line for line in lines]
    return lines


def _block_lines(reply: Reply) -> list[str]:
    lines: list[str] = []
    for block in reply.blocks:
        match block:
            case Heading(text):
                lines.append(f"**{escape(text)}**")
            case Paragraph(text):
                lines.extend(escape(part) for part in text.split("\n"))
            case Checklist(items):
                for item in items:
                    mark = "✅" if item.done else "⬜"
                    detail = f" *({escape(item.detail)})*" if item.detail else ""
                    lines.append(f"{mark} {escape(item.text)}{detail}")
            case Preformatted(text):
                lines.extend(_code_block(piece) for piece in _pieces(text, MAX_CONTENT - 12))
            case Mentions(lead, people):
                lines.extend(_mention_lines(lead, people))
    return lines


def _mention(person: Mention) -> str:
    # A mention shows the member's current name; an id that is no snowflake cannot
    # mention anyone, so its name is shown as plain text instead.
    if _SNOWFLAKE.fullmatch(person.external_id):
        return f"<@{person.external_id}>"
    return escape(person.name)


def _mention_lines(lead: str, people: tuple[Mention, ...]) -> list[str]:
    """`lead <@1>, <@2>`, wrapped into lines short enough that no mention is cut."""
    lines: list[str] = []
    current = escape(lead)
    separator = " " if current else ""
    for person in people:
        mention = _mention(person)
        if current and len(current) + len(separator) + len(mention) > MENTION_LINE:
            lines.append(current + ("," if separator == ", " else ""))
            current, separator = mention, ", "
            continue
        current = f"{current}{separator}{mention}"
        separator = ", "
    if current:
        lines.append(current)
    return lines


def mentioned_ids(reply: Reply) -> list[str]:
    """The users a reply calls by name, in order: the only ones it may ping."""
    ids: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Mentions):
            ids += [
                p.external_id
                for p in block.people
                if _SNOWFLAKE.fullmatch(p.external_id) and p.external_id not in ids
            ]
    return ids


def _pieces(text: str, limit: int) -> list[str]:
    """Cuts text into pieces of at most `limit` characters, on line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(line) > limit:
            pieces.append(line[:limit])
            line = line[limit:]
        current = line
    if current or not pieces:
        pieces.append(current)
    return pieces


def _fit_line(line: str, limit: int) -> list[str]:
    """A single line too long for a message, cut where no escape is split in two."""
    pieces: list[str] = []
    while len(line) > limit:
        cut = limit
        while cut > 1 and line[cut - 1] == "\\":
            cut -= 1
        pieces.append(line[:cut])
        line = line[cut:]
    pieces.append(line)
    return pieces


def split_lines(lines: list[str], limit: int = MAX_CONTENT) -> list[str]:
    """Packs whole lines into messages of at most `limit` characters."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        for piece in _fit_line(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
                continue
            if current.strip():
                chunks.append(current)
            current = piece
    if current.strip():
        chunks.append(current)
    return chunks


def _as_embed(reply: Reply) -> discord.Embed | None:
    """A reply that opens with a heading and fits one embed reads best as one; not one that
    mentions people, since a mention in an embed notifies no one."""
    if not reply.blocks or not isinstance(reply.blocks[0], Heading):
        return None
    if any(isinstance(block, Mentions) for block in reply.blocks):
        return None
    title = escape(shorten(reply.blocks[0].text, MAX_EMBED_TITLE // 2))
    description = "\n".join(markdown_lines(Reply(blocks=reply.blocks[1:])))
    if len(description) > MAX_EMBED_DESCRIPTION or len(title) > MAX_EMBED_TITLE:
        return None
    return discord.Embed(title=title, description=description or None, colour=EMBED_COLOUR)


def button_rows(reply: Reply) -> list[list[ButtonSpec]]:
    """Rows within Discord's 5 × 5; a repeated action is shown once, as Discord requires."""
    seen: set[str] = set()
    rows: list[list[ButtonSpec]] = []
    for row in reply.buttons:
        specs = []
        for button in row:
            custom_id = action_id(button.action)
            if custom_id not in seen:
                seen.add(custom_id)
                specs.append(ButtonSpec(shorten(button.label, MAX_BUTTON_LABEL), custom_id))
        if specs:
            rows.append(specs[:MAX_ROW_BUTTONS])
    if reply.link is not None:
        # Discord has no Mini App: the link opens in the browser either way.
        label = shorten(reply.link.label, MAX_BUTTON_LABEL)
        rows = [*rows[: MAX_ROWS - 1], [ButtonSpec(label, "", url=reply.link.url)]]
    return rows[:MAX_ROWS]


def quiz_message(quiz: QuizQuestion) -> DiscordMessage:
    """A quiz as an embed with one button per option: a native poll has no right answer.

    A group quiz's buttons are everyone's; each press is graded for whoever pressed it."""
    options = quiz.options[:MAX_QUIZ_OPTIONS]
    listed = "\n".join(f"**{n}.** {escape(option)}" for n, option in enumerate(options, 1))
    embed = discord.Embed(
        title=quiz.title or None,
        description=f"{escape(quiz.question)}\n\n{listed}"[:MAX_EMBED_DESCRIPTION],
        colour=EMBED_COLOUR,
    )
    rows: list[list[ButtonSpec]] = []
    if quiz.ref is not None:
        buttons = [
            ButtonSpec(shorten(f"{n}. {option}", MAX_BUTTON_LABEL), quiz_button_id(quiz.ref, n - 1))
            for n, option in enumerate(options, 1)
        ]
        rows = [
            buttons[start : start + MAX_ROW_BUTTONS]
            for start in range(0, len(buttons), MAX_ROW_BUTTONS)
        ]
    return DiscordMessage(embed=embed, rows=rows, quiz=quiz.ref)


def _image_message(image: Image) -> DiscordMessage:
    embed = discord.Embed(colour=EMBED_COLOUR, description=escape(image.caption) or None)
    embed.set_image(url=f"attachment://{IMAGE_NAME}")
    return DiscordMessage(embed=embed, file=FileSpec(IMAGE_NAME, image.png))


def _attachment_message(attachment: Attachment) -> DiscordMessage:
    return DiscordMessage(file=FileSpec(attachment.filename, attachment.content))


def render(reply: Reply) -> list[DiscordMessage]:
    """The messages to send for a Reply; buttons go on the last text message."""
    embed = _as_embed(reply)
    if embed is not None:
        messages = [DiscordMessage(embed=embed)]
    else:
        people = mentioned_ids(reply)
        messages = [
            DiscordMessage(
                content=chunk,
                # Only the chunk that carries a mention may ping, and only its people.
                mentions=tuple(int(p) for p in people if f"<@{p}>" in chunk)[:MAX_MENTIONS],
            )
            for chunk in split_lines(markdown_lines(reply))
        ]
    if reply.image is not None:
        messages.append(_image_message(reply.image))
    if reply.attachment is not None:
        messages.append(_attachment_message(reply.attachment))
    if reply.quiz is not None:
        quiz = quiz_message(reply.quiz)
        only = messages[0] if len(messages) == 1 else None
        if reply.quiz.for_group and only is not None and not only.embed and not only.file:
            # The group quiz's introduction goes on the quiz itself: one post, not two.
            quiz.content, quiz.mentions = only.content, only.mentions
            messages = []
        messages.append(quiz)
    rows = button_rows(reply)
    if rows:
        texts = [m for m in messages if (m.content or m.embed) and not m.rows and not m.file]
        if texts:
            texts[-1].rows = rows
        else:
            messages.append(DiscordMessage(content="Choose:", rows=rows))
    return messages


def plain_text(message: DiscordMessage) -> str:
    """What a message says, for logs: content, then the embed's title and description."""
    parts = [message.content]
    if message.embed is not None:
        parts += [message.embed.title or "", message.embed.description or ""]
    return "\n".join(part for part in parts if part)
