"""A Reply as JSON text and back, losing nothing: how a reply waits in the outbox.

The text is versioned, so a reply written by one release is read by the next; a text that
is not a reply of a known version is refused with ReplyDecodeError. JSON escapes all that
is not ASCII, so every database stores the text as it is (no NUL, no lone surrogate).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from typing import Any, assert_never

from core.kernel.reply import (
    Attachment,
    Block,
    Button,
    CheckItem,
    Checklist,
    Heading,
    Image,
    Mention,
    Mentions,
    Paragraph,
    PollToClose,
    Preformatted,
    QuizQuestion,
    QuizRef,
    QuizScope,
    Reply,
    Visibility,
    WebLink,
)

VERSION = 1


class ReplyDecodeError(ValueError):
    """The text is not a reply this version can read."""


def encode_reply(reply: Reply) -> str:
    return json.dumps(
        {
            "v": VERSION,
            "blocks": [_block(b) for b in reply.blocks],
            "buttons": [
                [{"label": b.label, "action": b.action} for b in row] for row in reply.buttons
            ],
            "quiz": _quiz(reply.quiz) if reply.quiz is not None else None,
            "image": (
                {"png": _b64(reply.image.png), "caption": reply.image.caption}
                if reply.image is not None
                else None
            ),
            "attachment": (
                {
                    "filename": reply.attachment.filename,
                    "content": _b64(reply.attachment.content),
                    "media_type": reply.attachment.media_type,
                }
                if reply.attachment is not None
                else None
            ),
            "visibility": reply.visibility.value,
            "closes": {"message_ref": reply.closes.message_ref} if reply.closes else None,
            "link": dataclasses.asdict(reply.link) if reply.link else None,
        },
        separators=(",", ":"),
    )


def decode_reply(text: str) -> Reply:
    try:
        data = _object(json.loads(text))
        if data.get("v") != VERSION:
            raise ReplyDecodeError(f"unknown version {data.get('v')!r}")
        image, attachment = _optional(data, "image"), _optional(data, "attachment")
        closes = _optional(data, "closes")
        quiz = _optional(data, "quiz")
        return Reply(
            blocks=tuple(_read_block(_object(b)) for b in _list(data, "blocks")),
            buttons=tuple(
                tuple(Button(_str(b, "label"), _str(b, "action")) for b in map(_object, row))
                for row in map(_array, _list(data, "buttons"))
            ),
            quiz=_read_quiz(quiz) if quiz is not None else None,
            image=(
                Image(_bytes(image, "png"), _str(image, "caption")) if image is not None else None
            ),
            attachment=(
                Attachment(
                    _str(attachment, "filename"),
                    _bytes(attachment, "content"),
                    _str(attachment, "media_type"),
                )
                if attachment is not None
                else None
            ),
            visibility=Visibility(_str(data, "visibility")),
            closes=PollToClose(_str(closes, "message_ref")) if closes is not None else None,
            link=_read_link(link) if (link := data.get("link")) is not None else None,
        )
    except ReplyDecodeError:
        raise
    except (ValueError, TypeError) as broken:  # bad JSON, base64 or enum value
        raise ReplyDecodeError(str(broken)) from broken


# -- writing ---------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _block(block: Block) -> dict[str, Any]:
    match block:
        case Heading(text):
            return {"type": "heading", "text": text}
        case Paragraph(text):
            return {"type": "paragraph", "text": text}
        case Preformatted(text):
            return {"type": "preformatted", "text": text}
        case Checklist(items):
            return {
                "type": "checklist",
                "items": [{"text": i.text, "done": i.done, "detail": i.detail} for i in items],
            }
        case Mentions(lead, people):
            return {
                "type": "mentions",
                "lead": lead,
                "people": [{"external_id": p.external_id, "name": p.name} for p in people],
            }
        case _:
            assert_never(block)


def _quiz(quiz: QuizQuestion) -> dict[str, Any]:
    return {
        "question": quiz.question,
        "options": list(quiz.options),
        "correct_option": quiz.correct_option,
        "explanation": quiz.explanation,
        "ref": {"scope": quiz.ref.scope.value, "id": quiz.ref.id} if quiz.ref else None,
        "title": quiz.title,
    }


# -- reading ---------------------------------------------------------------------------


def _read_block(data: dict[str, Any]) -> Block:
    kind = _str(data, "type")
    if kind == "heading":
        return Heading(_str(data, "text"))
    if kind == "paragraph":
        return Paragraph(_str(data, "text"))
    if kind == "preformatted":
        return Preformatted(_str(data, "text"))
    if kind == "checklist":
        return Checklist(
            tuple(
                CheckItem(_str(i, "text"), _bool(i, "done"), _str(i, "detail"))
                for i in map(_object, _list(data, "items"))
            )
        )
    if kind == "mentions":
        return Mentions(
            _str(data, "lead"),
            tuple(
                Mention(_str(p, "external_id"), _str(p, "name"))
                for p in map(_object, _list(data, "people"))
            ),
        )
    raise ReplyDecodeError(f"unknown block {kind!r}")


def _read_quiz(data: dict[str, Any]) -> QuizQuestion:
    ref = _optional(data, "ref")
    options = _list(data, "options")
    if not all(isinstance(o, str) for o in options):
        raise ReplyDecodeError("a quiz option is not text")
    return QuizQuestion(
        question=_str(data, "question"),
        options=tuple(options),
        correct_option=_int(data, "correct_option"),
        explanation=_str(data, "explanation"),
        ref=QuizRef(QuizScope(_str(ref, "scope")), _int(ref, "id")) if ref is not None else None,
        # Replies owed before quizzes had titles have none: the platform shows no heading.
        title=_str(data, "title") if "title" in data else "",
    )


def _read_link(data: object) -> WebLink:
    link = _object(data)
    return WebLink(_str(link, "label"), _str(link, "url"), _bool(link, "mini_app"))


def _object(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ReplyDecodeError(f"expected an object, found {type(value).__name__}")
    return value


def _array(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise ReplyDecodeError(f"expected a list, found {type(value).__name__}")
    return value


def _field(data: dict[str, Any], name: str) -> Any:
    if name not in data:
        raise ReplyDecodeError(f"{name!r} is missing")
    return data[name]


def _optional(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = _field(data, name)
    return None if value is None else _object(value)


def _list(data: dict[str, Any], name: str) -> list[Any]:
    return _array(_field(data, name))


def _str(data: dict[str, Any], name: str) -> str:
    value = _field(data, name)
    if not isinstance(value, str):
        raise ReplyDecodeError(f"{name!r} is not text")
    return value


def _int(data: dict[str, Any], name: str) -> int:
    value = _field(data, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReplyDecodeError(f"{name!r} is not a whole number")
    return value


def _bool(data: dict[str, Any], name: str) -> bool:
    value = _field(data, name)
    if not isinstance(value, bool):
        raise ReplyDecodeError(f"{name!r} is not true or false")
    return value


def _bytes(data: dict[str, Any], name: str) -> bytes:
    try:
        return base64.b64decode(_str(data, name), validate=True)
    except binascii.Error as broken:
        raise ReplyDecodeError(f"{name!r} is not base64") from broken
