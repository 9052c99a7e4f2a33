"""The pseudo-locale check: text that reached a person without passing through a catalog.

With `i18n.mark_translations(True)` everything the coach says through a catalog, and every
date or list formatted for the language, comes between two invisible marks. The fake
servers hand every text a person would see (messages, captions, buttons, polls, command
menus) to `seen`, which takes out the marked parts and what may stand outside them:
commands, links, numbers, punctuation, emoji, and content that is not the coach's to
translate (a roadmap's titles, the quiz bank, what learners typed). Letters still left
there escaped translation; they are kept in `escaped` for the test to fail on. The fakes
then store the text without the marks, so tests read it as a person would.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from core.kernel import i18n

OPENS, CLOSES = i18n.TRANSLATED_OPENS, i18n.TRANSLATED_CLOSES
_MARKS = str.maketrans("", "", OPENS + CLOSES)
_TAG = re.compile(r"<[^>]*>")
# What may stand outside the marks: commands and links, which are never translated.
_NOT_WORDS = re.compile(
    r"(?:https?://|tg://)\S+|(?<![\w/])/[a-z_]+(?:@\w+)?|\b\S+@\S+\.\w+"
    r"|\[x\]"  # the console's ticked box
)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass(frozen=True)
class Escaped:
    where: str
    words: str
    text: str


escaped: list[Escaped] = []
_content: set[str] = set()


def checking() -> bool:
    return i18n.marking()


def unmarked(text: str) -> str:
    return text.translate(_MARKS)


def outside_marks(text: str) -> str:
    """The text with every marked part (marks nest) put as a space."""
    depth, kept = 0, []
    for char in text:
        if char == OPENS:
            depth += 1
            kept.append(" ")
        elif char == CLOSES:
            depth = max(0, depth - 1)
        elif depth == 0:
            kept.append(char)
    return "".join(kept)


def allow(texts: Iterable[str]) -> None:
    """Content that may reach a person as it is: a roadmap's words, what a learner typed."""
    for text in texts:
        if text and text.strip():
            _content.add(unmarked(text).strip())


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a model, dataclass or JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        yield from strings_in(value.model_dump())
    elif is_dataclass(value) and not isinstance(value, type):
        yield from strings_in(vars(value))
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from strings_in(item)


@cache
def _built_in_content() -> frozenset[str]:
    """The built-in track's and quiz bank's words, English content by design."""
    from core.learning.tracks import builtin_track
    from core.quizzes.bank import builtin_bank
    from tests.choice_tracks import choice_track
    from tests.fakes.questions import BANK

    found = [builtin_track(), choice_track(), builtin_bank().questions, BANK.questions]
    return frozenset(text.strip() for text in strings_in(found) if text.strip())


def allow_built_in_content() -> None:
    """Allows the built-in track's and quiz bank's words, and no other content yet."""
    _content.clear()
    _content.update(_built_in_content())


def allow_roadmaps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Allows the built-in content, and each imported roadmap's words as it is read."""
    from core.importing import markdown

    allow_built_in_content()
    reading = markdown.import_markdown

    def read_and_allow(*args: Any, **kwargs: Any) -> Any:
        result = reading(*args, **kwargs)
        if isinstance(result, markdown.ImportedTrack):
            allow(strings_in(result.track))
        return result

    monkeypatch.setattr(markdown, "import_markdown", read_and_allow)


def typed(*texts: str) -> None:
    """What a person typed (a message, a name, a group's title) may come back as it is,
    whole or word by word."""
    if not checking():
        return
    for text in texts:
        allow([text, *text.split()])


def _without_shortened_content(text: str) -> str:
    """The text without content cut short to fit ("Variables, types, if/elif/…")."""
    kept: list[str] = []
    for line in text.split("\n"):
        while "…" in line:
            before, _, after = line.partition("…")
            words = before.split(" ")
            for start in range(len(words)):
                cut = " ".join(words[start:]).strip()
                if len(cut) > 3 and any(c.startswith(cut) for c in _content):
                    before = " ".join(words[:start])
                    break
            kept.append(before + " ")
            line = after
        kept.append(line + "\n")
    return "".join(kept)


def allow_roadmap_file(path: Path) -> None:
    """A roadmap file another process imports: its words are content."""
    from core.importing.markdown import ImportedTrack, import_markdown

    if checking() and path.is_file():
        read = import_markdown(path.read_bytes(), source=path.name)
        if isinstance(read, ImportedTrack):
            allow(strings_in(read.track))


def _words_left(visible: str) -> str:
    # Content cut short first, then whole content, longest first and whole words only (a
    # title may hold a shorter one), and commands and links last: a title may hold one
    # ("… explore the generated /docs"), and a shorter content word may sit inside a title
    # cut short ("Use map, filter, zip, enumerate…" holds the quiz option "zip").
    left = _without_shortened_content(outside_marks(visible))
    for content in sorted((c for c in _content if len(c) > 1 and c in left), key=len, reverse=True):
        left = re.sub(rf"(?<!\w){re.escape(content)}(?!\w)", " ", left)
    left = _NOT_WORDS.sub(" ", left)
    return " ".join(
        word for word in left.split() if _LETTER.search(word) and not _allowed_word(word)
    )


def _allowed_word(word: str) -> bool:
    bare = word.strip(".,:;!?()[]«»\"'“”‘’—–-…*_`~|")
    return bare in _content or not _LETTER.search(bare)


# Code is never translated: commands, keywords and snippets stand in code spans.
_HTML_CODE = re.compile(r"<(code|pre)\b[^>]*>.*?</\1>", re.DOTALL)
_MARKDOWN_CODE = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)
_MARKDOWN_ESCAPE = re.compile(r"\\([^\w\s]|_)")


def _visible(text: str, markup: str | None) -> str:
    """The words a person reads: without tags, code, escapes, or the zero-width space that
    keeps Discord from reading @everyone as a mention."""
    if markup == "html":
        return html.unescape(_TAG.sub(" ", _HTML_CODE.sub(" ", text)))
    if markup == "markdown":
        return _MARKDOWN_ESCAPE.sub(r"\1", _MARKDOWN_CODE.sub(" ", text)).replace("@\u200b", "@")
    return text


def seen(where: str, text: str, *, markup: str | None = None) -> str:
    """Checks one text a person sees and gives it back without the marks. `markup` "html"
    reads Telegram HTML, "markdown" Discord's."""
    if not checking() or not text:
        return text
    visible = _visible(text, markup)
    words = _words_left(visible)
    if words:
        escaped.append(Escaped(where, words, unmarked(visible)))
    return unmarked(text)


def seen_in(where: str, value: Any, keys: frozenset[str]) -> Any:
    """`seen` for every string under one of `keys` anywhere in a JSON value."""
    if isinstance(value, dict):
        return {
            key: (
                seen(f"{where}.{key}", item)
                if key in keys and isinstance(item, str)
                else seen_in(where, item, keys)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [seen_in(where, item, keys) for item in value]
    return value


_TELEGRAM_PLAIN = frozenset({"text", "description", "question"})


def telegram_call(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """A Bot API call's parameters, every text a person sees checked and unmarked."""
    if not checking():
        return params
    checked = dict(params)
    for key, mode_key in (("text", "parse_mode"), ("caption", "parse_mode")):
        if isinstance(checked.get(key), str):
            mode = str(checked.get(mode_key) or "").lower() or None
            checked[key] = seen(f"{method}.{key}", checked[key], markup=mode)
    if isinstance(checked.get("explanation"), str):
        mode = str(checked.get("explanation_parse_mode") or "").lower() or None
        checked["explanation"] = seen(f"{method}.explanation", checked["explanation"], markup=mode)
    if isinstance(checked.get("question"), str):
        checked["question"] = seen(f"{method}.question", checked["question"])
    for key in ("options", "reply_markup", "commands"):
        if key in checked:
            checked[key] = seen_in(method, checked[key], _TELEGRAM_PLAIN)
    if method.lower() == "sendpoll" and isinstance(checked.get("options"), list):
        checked["options"] = [
            seen(f"{method}.options", o) if isinstance(o, str) else o for o in checked["options"]
        ]
    return checked


# Discord's visible text: message content, embeds, components, polls, autocomplete choices.
_DISCORD_VISIBLE = frozenset(
    {"content", "label", "placeholder", "title", "description", "text", "value", "name"}
)
_DISCORD_NOT_VISIBLE_UNDER = frozenset({"custom_id", "url", "emoji", "attachments", "files"})


def discord_body(route: str, body: Any) -> Any:
    """A REST body, every text a person sees checked and unmarked. Command registration is
    left out: its default words are English by Discord's design, its translations are
    checked where they are made."""
    if not checking() or body is None or "/commands" in route:
        return body
    return _discord_visible(route, body, parent="")


def _discord_visible(where: str, value: Any, parent: str) -> Any:
    if isinstance(value, dict):
        return {
            key: (
                item
                if key in _DISCORD_NOT_VISIBLE_UNDER or _is_an_id(parent, key)
                else seen(f"{where}.{key}", item, markup="markdown")
                if key in _DISCORD_VISIBLE and isinstance(item, str)
                else _discord_visible(where, item, key)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_discord_visible(where, item, parent) for item in value]
    return value


def _is_an_id(parent: str, key: str) -> bool:
    # A select option's and an autocomplete choice's value is what comes back, not shown.
    return key == "value" and parent in ("options", "choices")


def as_said(text: str) -> str:
    """A test's own text handed to an adapter as if the coach said it through a catalog."""
    return i18n.marked(text)


def take_escaped() -> list[Escaped]:
    found = list(escaped)
    escaped.clear()
    return found
