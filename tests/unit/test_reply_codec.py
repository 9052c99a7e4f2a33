"""A reply kept in the outbox as text comes back as it went in, whatever it holds."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.kernel.reply import (
    Attachment,
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
)
from core.kernel.reply_codec import ReplyDecodeError, decode_reply, encode_reply

# Any code point, lone surrogates and NUL included: none of them may be lost or break storage.
TEXT = st.text(st.characters(codec=None, categories=None), max_size=40)
BLOCK = st.one_of(
    st.builds(Heading, TEXT),
    st.builds(Paragraph, TEXT),
    st.builds(Preformatted, TEXT),
    st.builds(
        Checklist,
        st.lists(st.builds(CheckItem, TEXT, st.booleans(), TEXT), max_size=4).map(tuple),
    ),
    st.builds(Mentions, TEXT, st.lists(st.builds(Mention, TEXT, TEXT), max_size=3).map(tuple)),
)
QUIZ = st.builds(
    QuizQuestion,
    TEXT,
    st.lists(TEXT, max_size=5).map(tuple),
    st.integers(min_value=-1, max_value=10),
    TEXT,
    st.none() | st.builds(QuizRef, st.sampled_from(QuizScope), st.integers(0, 2**63 - 1)),
)
REPLY = st.builds(
    Reply,
    blocks=st.lists(BLOCK, max_size=5).map(tuple),
    buttons=st.lists(
        st.lists(st.builds(Button, TEXT, TEXT), max_size=3).map(tuple), max_size=3
    ).map(tuple),
    quiz=st.none() | QUIZ,
    image=st.none() | st.builds(Image, st.binary(max_size=64), TEXT),
    attachment=st.none() | st.builds(Attachment, TEXT, st.binary(max_size=64), TEXT),
    visibility=st.sampled_from(Visibility),
    closes=st.none() | st.builds(PollToClose, TEXT),
)


@given(REPLY)
def test_every_reply_comes_back_as_it_went_in(reply: Reply) -> None:
    text = encode_reply(reply)
    assert text.isascii()  # no NUL or lone surrogate reaches the database unescaped
    assert "\x00" not in text
    assert decode_reply(text) == reply


def test_the_text_names_its_version() -> None:
    assert json.loads(encode_reply(Reply.text("hi")))["v"] == 1


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        '{"v": 2}',
        '{"v": 1}',
        encode_reply(Reply.text("hi")).replace('"paragraph"', '"poem"'),
        encode_reply(Reply(image=Image(b"png"))).replace('"cG5n"', '"!!"'),
        encode_reply(Reply.text("hi")).replace('"personal"', '"secret"'),
        encode_reply(Reply((Checklist((CheckItem("a", True),)),))).replace("true", '"yes"'),
        encode_reply(Reply.text("hi")).replace('"blocks":[', '"blocks":[null,'),
    ],
)
def test_a_text_that_is_no_reply_is_refused(text: str) -> None:
    with pytest.raises(ReplyDecodeError):
        decode_reply(text)
