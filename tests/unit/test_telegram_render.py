"""Every Reply the core can produce renders into messages Telegram accepts."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.telegram.render import MAX_TEXT, CoachAction, render, unsent, utf16_length
from core.kernel.reply import (
    Button,
    CheckItem,
    Checklist,
    Heading,
    Image,
    Paragraph,
    Preformatted,
    QuizQuestion,
    Reply,
)
from core.learning import views
from core.learning.model import TrackRef
from core.learning.pace import Pace
from core.learning.plan import plan_week
from core.learning.tracks import builtin_track, parse_track
from tests.fakes.telegram import clean_text, parse_html

HOSTILE = st.sampled_from(
    ["<b>", "</i>", "&", "&amp;", "<script>", "a < b > c", "&lt", "\"'", "🙂", "\u200b"]
)
TEXT = st.lists(st.one_of(st.text(min_size=0, max_size=60), HOSTILE), max_size=8).map("".join)
BLOCK = st.one_of(
    TEXT.map(Heading),
    st.lists(TEXT, max_size=5).map(lambda lines: Paragraph("\n".join(lines))),
    st.lists(st.builds(CheckItem, TEXT, st.booleans(), TEXT), max_size=12).map(
        lambda i: Checklist(tuple(i))
    ),
    st.text(max_size=9000).map(Preformatted),
)
ACTION = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789-: ", min_size=1, max_size=62
).filter(lambda a: len(a.encode()) <= 62)
BUTTONS = st.lists(
    st.lists(st.builds(Button, TEXT.filter(str.strip), ACTION), min_size=1, max_size=3), max_size=4
)


def accepted(html: str) -> str:
    """What Telegram would show for this HTML; raises like Telegram on bad markup."""
    text, entities = parse_html(html, strict_ampersand=True)
    shown, _ = clean_text(text, entities)
    assert shown.strip(), f"empty message from {html!r}"
    assert utf16_length(shown) <= MAX_TEXT
    return shown


def check(reply: Reply) -> list[str]:
    messages = render(reply)
    shown = [accepted(m.html) for m in messages if m.html]
    for message in messages:
        if message.keyboard is not None:
            for row in message.keyboard.inline_keyboard:
                for button in row:
                    assert button.callback_data is not None
                    assert len(button.callback_data.encode()) <= 64
                    assert CoachAction.unpack(button.callback_data).action
        if message.poll is not None:
            poll = message.poll
            assert 1 <= len(poll.question) <= 300
            assert 2 <= len(poll.options) <= 12
            assert all(1 <= len(o) <= 100 for o in poll.options)
            assert len(poll.explanation) <= 200
            assert poll.explanation.count("\n") <= 2
    if reply.buttons:
        assert [m for m in messages if m.keyboard], "buttons must reach the user"
    return shown


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks=st.lists(BLOCK, max_size=6), buttons=BUTTONS)
def test_any_reply_renders_into_messages_telegram_accepts(blocks: list, buttons: list) -> None:
    check(Reply(blocks=tuple(blocks), buttons=tuple(tuple(row) for row in buttons)))


@settings(max_examples=100, deadline=None)
@given(
    question=st.text(min_size=1, max_size=400),
    options=st.lists(st.text(min_size=1, max_size=150).filter(str.strip), min_size=2, max_size=15),
    explanation=st.text(max_size=400),
)
def test_quizzes_fit_poll_limits(question: str, options: list[str], explanation: str) -> None:
    check(Reply(quiz=QuizQuestion(question, tuple(options), 0, explanation)))


def test_nothing_is_lost_when_a_long_reply_is_split() -> None:
    lines = [f"{n}. <item> & {'x' * 80}" for n in range(200)]
    shown = check(Reply.text("\n".join(lines)))
    assert len(shown) > 1
    assert "\n".join(shown).split("\n") == lines


def test_every_view_of_the_built_in_and_a_hostile_track_renders() -> None:
    hostile = parse_track(
        {
            "id": "hostile",
            "title": "<b>Track</b> & co",
            "weeks": [
                {
                    "id": "w01",
                    "number": 1,
                    "title": "</pre> & <a href='x'>",
                    "goal": "&amp; <i>",
                    "items": [
                        {"id": f"w01-{n:02d}", "kind": "learn", "title": f"<tag{n}> & {'y' * 80}"}
                        for n in range(40)
                    ],
                    "resources": [{"title": "<docs>", "url": "https://example.org/?a=1&b=<2>"}],
                }
            ],
        }
    )
    for track in (builtin_track(), hostile):
        for week in track.weeks:
            plan = plan_week(
                week,
                opened_on=date(2026, 11, 16),
                pace=Pace.STANDARD,
                study_days=frozenset(range(6)),
                done_on={},
            )
            check(views.week(track, plan, 3))
            check(views.today(track, plan, date(2026, 11, 18), frozenset(range(6)), 4))
        check(views.unknown_track("<x>", [TrackRef(track.id, track.title)]))


def test_control_characters_never_leave_an_empty_message() -> None:
    assert render(Reply(blocks=(Heading("\x1b"), Paragraph("\x07\x00")))) == []
    [message] = render(Reply(blocks=(Heading("a\x1bb"),)))
    assert message.html == "<b>ab</b>"


def test_what_is_owed_after_a_failure_is_what_did_not_go() -> None:
    """An answer cut off part-way is owed from where it stopped: once its text went, only
    the picture and the quiz after it; cut inside the text, or before anything, whole."""
    quiz = QuizQuestion("Which?", ("a", "b"), 0)
    reply = Reply(
        blocks=(Paragraph("Your week"),),
        buttons=((Button("✓", "done"),),),
        image=Image(b"png", "chart"),
        quiz=quiz,
    )
    parts = render(reply)
    assert [bool(p.html) for p in parts] == [True, False, False]
    assert unsent(reply, parts, 0) == reply
    after_text = unsent(reply, parts, 1)
    assert after_text == Reply(image=reply.image, quiz=quiz)  # the buttons went with the text
    assert unsent(reply, parts, 2) == Reply(quiz=quiz)
    long = Reply(blocks=tuple(Paragraph("x" * 3000) for _ in range(3)), image=Image(b"png"))
    long_parts = render(long)
    assert sum(bool(p.html) for p in long_parts) > 1
    assert unsent(long, long_parts, 1) == long
