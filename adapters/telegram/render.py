"""Replies as Telegram messages: HTML with every string escaped, within Telegram's limits."""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

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
    Reply,
    WebLink,
    shortened,
)

MAX_TEXT = 4096  # UTF-16 code units after entity parsing
MAX_CAPTION = 1024
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
MAX_POLL_OPTIONS = 12
MAX_EXPLANATION = 200
MAX_BUTTON_TEXT = 64
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class CoachAction(CallbackData, prefix="a", sep="|"):
    """A core action id in callback data; '|' because action ids use ':'."""

    action: str


@functools.lru_cache(maxsize=4096)
def packed(action: str) -> str:
    """An action's callback data: the same few actions come back in every answer, and
    packing goes through a pydantic model each time."""
    return CoachAction(action=action).pack()


@dataclass(frozen=True)
class Line:
    html: str
    text: str  # the same line as Telegram shows it, after entity parsing

    @property
    def length(self) -> int:
        return utf16_length(self.text)  # what Telegram counts against its limits


@dataclass
class TelegramMessage:
    """One API call's worth of a Reply."""

    html: str = ""
    keyboard: InlineKeyboardMarkup | None = None
    photo: Image | None = None
    document: Attachment | None = None
    poll: QuizQuestion | None = None
    extra: dict[str, object] = field(default_factory=dict)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _line(text: str, *, before: str = "", after: str = "") -> Line:
    text = _CONTROL.sub("", text)  # Telegram drops them; a title of only those would be empty
    return Line(f"{before}{escape(text, quote=False)}{after}", text)


def reply_lines(reply: Reply) -> list[Line]:
    lines = _block_lines(reply)
    if written_right_to_left(_own_words(reply)):
        mark = RIGHT_TO_LEFT_MARK
        lines = [Line(mark + line.html, mark + line.text) for line in lines]
    return lines


def _own_words(reply: Reply) -> list[str]:
    """The coach's words in a reply: headings and paragraphs, not a track's item titles."""
    return [block.text for block in reply.blocks if isinstance(block, Heading | Paragraph)]


def _block_lines(reply: Reply) -> list[Line]:
    lines: list[Line] = []
    for block in reply.blocks:
        match block:
            case Heading(text):
                lines.append(_line(text, before="<b>", after="</b>"))
            case Paragraph(text):
                lines.extend(_line(part) for part in text.split("\n"))
            case Checklist(items):
                for item in items:
                    mark = "✅ " if item.done else "▫️ "
                    text = _CONTROL.sub("", item.text)
                    detail = f" ({_CONTROL.sub('', item.detail)})" if item.detail else ""
                    lines.append(
                        Line(
                            f"{mark}{escape(text, quote=False)}"
                            + (f"<i>{escape(detail, quote=False)}</i>" if detail else ""),
                            mark + text + detail,
                        )
                    )
            case Preformatted(text):
                lines.extend(_line(part, before="<pre>", after="</pre>") for part in _pieces(text))
            case Mentions(lead, people):
                lines.append(_mentions(lead, people))
    return lines


def _mentions(lead: str, people: tuple[Mention, ...]) -> Line:
    """A text mention links the name to the user, so Telegram notifies them even without a
    username; the name itself is escaped like any text."""
    lead = _CONTROL.sub("", lead)
    names = [_CONTROL.sub("", person.name) or "member" for person in people]
    html = (
        escape(lead, quote=False)
        + " "
        + ", ".join(
            f'<a href="tg://user?id={int(person.external_id)}">{escape(name, quote=False)}</a>'
            for person, name in zip(people, names, strict=True)
        )
    )
    return Line(html, f"{lead} " + ", ".join(names))


def _pieces(text: str, limit: int = MAX_TEXT - 16) -> list[str]:
    """Cuts text into pieces that fit a message, on line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while utf16_length(line) > limit:
            cut = limit
            while utf16_length(line[:cut]) > limit:
                cut -= 1
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current or not pieces:
        pieces.append(current)
    return pieces


def split_html(lines: list[Line], limit: int = MAX_TEXT) -> list[str]:
    """Packs whole lines into messages; a line too long for one is cut into plain pieces."""
    messages: list[list[Line]] = []
    current: list[Line] = []
    size = 0
    for line in lines:
        if line.length > limit:
            if current:
                messages.append(current)
                current, size = [], 0
            messages.extend([_line(piece)] for piece in _pieces(line.text, limit))
            continue
        extra = line.length + (1 if current else 0)
        if current and size + extra > limit:
            messages.append(current)
            current, size = [], 0
            extra = line.length
        current.append(line)
        size += extra
    if current:
        messages.append(current)
    # Telegram refuses a message with nothing visible in it.
    return [
        "\n".join(line.html for line in message)
        for message in messages
        if _visible("".join(line.text for line in message))
    ]


def _visible(text: str) -> bool:
    return any(
        not char.isspace()
        and char not in INVISIBLE
        and unicodedata.category(char) not in {"Cc", "Cf"}
        for char in text
    )


BUTTONS_BELOW = "👇"


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows = [
        [
            InlineKeyboardButton(
                text=button.label[:MAX_BUTTON_TEXT], callback_data=packed(button.action)
            )
            for button in row
        ]
        for row in reply.buttons
    ]
    if reply.link is not None:
        rows.append([_link_button(reply.link)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _link_button(link: WebLink) -> InlineKeyboardButton:
    label = link.label[:MAX_BUTTON_TEXT]
    if link.mini_app:
        return InlineKeyboardButton(text=label, web_app=WebAppInfo(url=link.url))
    return InlineKeyboardButton(text=label, url=link.url)


def render(reply: Reply) -> list[TelegramMessage]:
    """The messages to send for a Reply, buttons on the last text message."""
    messages = [TelegramMessage(html=chunk) for chunk in split_html(reply_lines(reply))]
    if reply.image is not None:
        messages.append(TelegramMessage(photo=reply.image))
    if reply.attachment is not None:
        messages.append(TelegramMessage(document=reply.attachment))
    if reply.quiz is not None:
        messages.append(TelegramMessage(poll=fit_quiz(reply.quiz)))
    markup = keyboard(reply)
    if markup is not None:
        # Buttons go under the last words; with no words, under the picture, file or poll,
        # each of which takes a keyboard of its own; with nothing at all, under a pointer
        # that needs no translation.
        text_messages = [m for m in messages if m.html]
        if not messages:
            messages.append(TelegramMessage(html=BUTTONS_BELOW))
        (text_messages or messages)[-1].keyboard = markup
    return messages


def unsent(reply: Reply, parts: list[TelegramMessage], sent: int) -> Reply:
    """What of `reply` is still to send when its first `sent` rendered parts went out.

    Text comes first and the picture, file and quiz after it, so once every text part
    went, the rest is those alone; a reply cut inside its text is owed whole.
    """
    rest = parts[sent:]
    if sent == 0 or any(part.html for part in rest):
        return reply
    return dataclasses.replace(
        reply,
        blocks=(),
        buttons=reply.buttons if any(part.keyboard for part in rest) else (),
        image=reply.image if any(part.photo for part in rest) else None,
        attachment=reply.attachment if any(part.document for part in rest) else None,
        quiz=reply.quiz if any(part.poll for part in rest) else None,
    )


def caption(text: str) -> str:
    if utf16_length(text) <= MAX_CAPTION:
        return escape(text, quote=False)
    cut = MAX_CAPTION - 1
    while utf16_length(text[:cut]) > MAX_CAPTION - 1:
        cut -= 1
    return escape(text[:cut], quote=False) + "…"


def fit_quiz(quiz: QuizQuestion) -> QuizQuestion:
    """A quiz within poll limits: the core keeps its own within them, this is the last guard."""
    options = tuple(shortened(o, MAX_POLL_OPTION) for o in quiz.options[:MAX_POLL_OPTIONS])
    lines = quiz.explanation.split("\n")
    explanation = "\n".join(lines[:2]) + (" " + " ".join(lines[2:]) if len(lines) > 2 else "")
    return dataclasses.replace(
        quiz,
        question=shortened(quiz.question, MAX_POLL_QUESTION),
        options=options,
        correct_option=min(quiz.correct_option, len(options) - 1) if quiz.scored else -1,
        explanation=shortened(explanation, MAX_EXPLANATION),
    )
