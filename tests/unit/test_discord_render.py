"""Every Reply the core can produce renders into messages Discord accepts, showing what was written."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord.render import (
    MAX_BUTTON_LABEL,
    MAX_CONTENT,
    MAX_CUSTOM_ID,
    MAX_EMBED_DESCRIPTION,
    MAX_MENTIONS,
    MAX_ROW_BUTTONS,
    MAX_ROWS,
    DiscordMessage,
    escape,
    render,
    split_lines,
)
from core.app import views
from core.kernel.commands import MAX_ACTION_BYTES
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
    Preformatted,
    QuizQuestion,
    QuizRef,
    QuizScope,
    Reply,
    Visibility,
)

MARKDOWN = "*_~|`[]<>#-+\\1. "
# No ':' so no URL forms, which are deliberately left unescaped.
WRITTEN = st.text(
    alphabet=st.sampled_from(list(MARKDOWN) + list("abc xyz\n@🙂")), max_size=80
).filter(lambda t: "@everyone" not in t and "@here" not in t)
TEXT = st.text(max_size=200)
SNOWFLAKE = st.integers(10**16, 2**63 - 1).map(str)
MENTIONS = st.builds(
    Mentions,
    TEXT,
    st.lists(st.builds(Mention, st.one_of(SNOWFLAKE, TEXT), TEXT), max_size=150).map(tuple),
)
BLOCK = st.one_of(
    MENTIONS,
    TEXT.map(Heading),
    st.lists(TEXT, max_size=5).map(lambda lines: Paragraph("\n".join(lines))),
    st.lists(st.builds(CheckItem, TEXT, st.booleans(), TEXT), max_size=15).map(
        lambda items: Checklist(tuple(items))
    ),
    st.text(max_size=6000).map(Preformatted),
)
ACTION = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20
).filter(lambda a: len(a.encode()) <= MAX_ACTION_BYTES)
BUTTONS = st.lists(
    st.lists(st.builds(Button, TEXT, ACTION), min_size=1, max_size=7), max_size=7
).map(lambda rows: tuple(tuple(r) for r in rows))


def unescape(text: str) -> str:
    """What Discord shows: a backslash before punctuation is hidden, the character kept."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


@given(WRITTEN)
def test_escaped_text_shows_exactly_what_was_written(text: str) -> None:
    for line in text.split("\n"):
        assert unescape(escape(line)) == line


@given(WRITTEN)
def test_no_markdown_character_is_left_to_act(text: str) -> None:
    escaped = escape(text)
    for match in re.finditer(r"[*_~|`\[\]<]", escaped):
        backslashes = len(escaped[: match.start()]) - len(escaped[: match.start()].rstrip("\\"))
        assert backslashes % 2 == 1, (text, escaped)


def test_mass_mentions_and_user_mentions_cannot_ping() -> None:
    escaped = escape("@everyone look at <@123> and @here")
    assert "@everyone" not in escaped
    assert "@here" not in escaped
    assert "\\<@123>" in escaped  # shown as text, not as a mention


def test_links_stay_clickable_but_masked_links_do_not_work() -> None:
    assert escape("see https://docs.python.org/3/library/asyncio_task.html now") == (
        "see https://docs.python.org/3/library/asyncio_task.html now"
    )
    assert escape("[free](https://evil.example)").startswith("\\[free\\]")


def test_line_start_markup_is_neutralised() -> None:
    assert escape("# not a heading") == "\\# not a heading"
    assert escape("- not a list") == "\\- not a list"
    assert escape("3. not numbered") == "3\\. not numbered"
    assert escape("> not a quote") == "\\> not a quote"


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(BLOCK, max_size=6), BUTTONS)
def test_any_reply_fits_discords_limits(blocks: list[object], buttons: object) -> None:
    reply = Reply(blocks=tuple(blocks), buttons=buttons)  # type: ignore[arg-type]
    for message in render(reply):
        assert_within_limits(message)


def assert_within_limits(message: DiscordMessage) -> None:
    assert message.content or message.embed or message.file or message.rows
    assert len(message.content) <= MAX_CONTENT
    if message.embed is not None:
        assert len(message.embed.title or "") <= 256
        assert len(message.embed.description or "") <= MAX_EMBED_DESCRIPTION
    assert len(message.rows) <= MAX_ROWS
    assert len(message.mentions) <= MAX_MENTIONS
    for user in message.mentions:  # only someone the message does mention may be pinged
        assert f"<@{user}>" in message.content
    custom_ids = [button.custom_id for row in message.rows for button in row]
    assert len(custom_ids) == len(set(custom_ids))  # Discord refuses a repeated custom_id
    for row in message.rows:
        assert 1 <= len(row) <= MAX_ROW_BUTTONS
        for button in row:
            assert 1 <= len(button.custom_id) <= MAX_CUSTOM_ID
            assert len(button.label) <= MAX_BUTTON_LABEL


def test_a_long_reply_is_split_on_line_ends_and_loses_nothing() -> None:
    lines = [f"line {n}: " + "x" * 70 for n in range(200)]
    reply = Reply.text("\n".join(lines))
    messages = render(reply)
    assert len(messages) > 1
    assert all(len(m.content) <= MAX_CONTENT for m in messages)
    shown = "\n".join(unescape(m.content) for m in messages)
    assert shown == "\n".join(lines)


def test_one_line_longer_than_a_message_is_cut_without_breaking_an_escape() -> None:
    line = "_" * 3000  # each escapes to two characters
    chunks = split_lines([escape(line)])
    assert all(len(chunk) <= MAX_CONTENT for chunk in chunks)
    assert "".join(unescape(chunk) for chunk in chunks) == line


def test_a_reply_opening_with_a_heading_reads_as_an_embed() -> None:
    reply = Reply(
        blocks=(
            Heading("Week 2: *Async* Python"),
            Checklist((CheckItem("Read the docs", True, "done Mon"), CheckItem("Build it", False))),
        ),
        buttons=((Button("✓ Build it", "done:2"),),),
    )
    [message] = render(reply)
    assert message.embed is not None
    assert message.embed.title == "Week 2: \\*Async\\* Python"
    assert "✅ Read the docs" in (message.embed.description or "")
    assert "⬜ Build it" in (message.embed.description or "")
    assert message.rows[0][0].custom_id == "a:done:2"


def test_code_blocks_cannot_be_closed_by_the_text_inside() -> None:
    [message] = render(Reply(blocks=(Preformatted("before ``` after"),)))
    assert message.content.count("```") == 2


def test_a_quiz_is_an_embed_with_one_button_per_option() -> None:
    ref = QuizRef(QuizScope.LEARNER, 42)
    quiz = QuizQuestion("What does `await` do?", ("Pauses", "Blocks", "Nothing"), 0, "", ref)
    [message] = render(Reply(quiz=quiz))
    assert message.embed is not None
    assert message.quiz == ref
    assert [b.custom_id for b in message.rows[0]] == ["q:42:0", "q:42:1", "q:42:2"]
    assert message.rows[0][0].label == "1. Pauses"
    assert "\\`await\\`" in (message.embed.description or "")


def test_ten_quiz_options_make_two_rows() -> None:
    quiz = QuizQuestion(
        "Pick", tuple(f"option {n}" for n in range(10)), 3, "", QuizRef(QuizScope.LEARNER, 7)
    )
    [message] = render(Reply(quiz=quiz))
    assert [len(row) for row in message.rows] == [5, 5]


def test_images_and_files_are_attachments() -> None:
    reply = Reply(
        blocks=(Paragraph("Your weeks"),),
        image=Image(b"\x89PNG...", "Done vs planned"),
        attachment=Attachment("coach-export.json", b"{}", "application/json"),
    )
    text, picture, document = render(reply)
    assert text.content == "Your weeks"
    assert picture.file is not None and picture.file.filename == "progress.png"
    assert picture.embed is not None and picture.embed.image.url == "attachment://progress.png"
    assert document.file is not None and document.file.filename == "coach-export.json"


def test_buttons_alone_get_a_message_to_sit_on() -> None:
    [message] = render(Reply(buttons=((Button("Yes", "forget:confirm"),),)))
    assert message.content
    assert message.rows[0][0].custom_id == "a:forget:confirm"


def test_the_help_text_renders() -> None:
    for message in render(views.help_text()):
        assert_within_limits(message)


def test_mentions_call_people_by_id_after_an_escaped_lead() -> None:
    reply = Reply(
        blocks=(
            Heading("Group digest"),
            Mentions(
                "@everyone *catch up*:",
                (Mention("111111111111111111", "Ada"), Mention("222222222222222222", "Bob")),
            ),
        )
    )
    [message] = render(reply)
    assert message.embed is None  # a mention inside an embed notifies no one
    assert message.content.endswith(
        "@\u200beveryone \\*catch up\\*: <@111111111111111111>, <@222222222222222222>"
    )
    assert message.mentions == (111111111111111111, 222222222222222222)


def test_only_a_snowflake_can_mention_and_a_name_is_text() -> None:
    [message] = render(Reply(blocks=(Mentions("Behind:", (Mention("<@333>", "**Eve** @here"),)),)))
    assert message.content == "Behind: \\*\\*Eve\\*\\* @\u200bhere"
    assert message.mentions == ()


def test_replies_without_mentions_ping_no_one() -> None:
    [message] = render(Reply.text("Hi <@123456789012345678>"))
    assert message.mentions == ()


def test_only_the_message_that_carries_a_mention_may_ping() -> None:
    people = tuple(Mention(str(10**17 + n), f"m{n}") for n in range(150))
    filler = "\n".join("x" * 90 for _ in range(30))
    messages = render(Reply(blocks=(Paragraph(filler), Mentions("Catch up:", people))))
    assert len(messages) > 2
    assert messages[0].mentions == ()
    pinged = [user for message in messages for user in message.mentions]
    assert sorted(pinged) == [10**17 + n for n in range(150)]
    for message in messages:
        assert_within_limits(message)
        assert len(re.findall(r"<@\d+>", message.content)) == len(message.mentions)


def test_a_group_quiz_posts_once_with_buttons_for_everyone() -> None:
    ref = QuizRef(QuizScope.GROUP, 42)
    quiz = QuizQuestion("What is 2 + 2?", ("3", "4"), 1, "", ref, title="Group quiz")
    intro = (Paragraph("Group quiz on week 1!"),)
    [message] = render(Reply(blocks=intro, quiz=quiz, visibility=Visibility.CHAT))
    assert message.content == "Group quiz on week 1!"
    # The core titles the quiz in the group's language; the embed shows that title.
    assert message.embed is not None and message.embed.title == "Group quiz"
    assert [b.custom_id for b in message.rows[0]] == ["q:g42:0", "q:g42:1"]
    # Reported once posted, with its message, as a group's quiz.
    assert message.quiz == ref


def test_a_quiz_without_a_record_has_no_buttons_to_answer() -> None:
    [message] = render(Reply(quiz=QuizQuestion("Pick", ("a", "b"), 0)))
    assert message.rows == [] and message.quiz is None
