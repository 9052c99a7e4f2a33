"""A Persian reply reads right to left on both platforms: each line opens with a
right-to-left mark, and the Telegram HTML and Discord markdown stay valid around it."""

from __future__ import annotations

from adapters.discord.render import markdown_lines
from adapters.telegram.render import render
from core.kernel.i18n import RIGHT_TO_LEFT_MARK, written_right_to_left
from core.kernel.reply import CheckItem, Checklist, Heading, Paragraph, Preformatted, Reply
from tests.fakes.telegram import parse_html

PERSIAN = Reply(
    blocks=(
        Heading("جمعه ۴ دسامبر · هفتهٔ ۱ از ۲۴"),
        Paragraph("/done 3 مورد سوم را تیک می‌زند.\n<b> & 2 < 3 در متن."),
        Checklist((CheckItem("1. Install Python 3.12", False, "موعد جمعه ۴ دسامبر"),)),
        Preformatted("print('hi')"),
    )
)
ENGLISH = Reply(blocks=(Heading("Fri 4 Dec"), Paragraph("/done 3 ticks item 3.")))


def test_the_coachs_own_words_decide_the_direction() -> None:
    assert written_right_to_left(["هفتهٔ ۱"])
    assert not written_right_to_left(["Week 1", "/done 3", "۱۲"])  # digits alone are weak


def test_telegram_lines_open_with_the_mark_and_the_html_parses() -> None:
    [message] = render(PERSIAN)
    assert message.html is not None
    text, entities = parse_html(message.html)
    lines = text.split("\n")
    assert all(line.startswith(RIGHT_TO_LEFT_MARK) for line in lines)
    assert "<b> & 2 < 3" in text  # escaped, so shown as typed
    assert {e["type"] for e in entities} >= {"bold", "pre"}
    [english] = render(ENGLISH)
    assert english.html is not None and RIGHT_TO_LEFT_MARK not in english.html


def test_discord_lines_open_with_the_mark_but_code_blocks_stay_fenced() -> None:
    lines = markdown_lines(PERSIAN)
    fenced = [line for line in lines if "print('hi')" in line]
    assert fenced and all(line.startswith("```") for line in fenced)
    others = [line for line in lines if line not in fenced]
    assert all(line.startswith(RIGHT_TO_LEFT_MARK) for line in others)
    assert others[0] == RIGHT_TO_LEFT_MARK + "**جمعه ۴ دسامبر · هفتهٔ ۱ از ۲۴**"
    assert all(not line.startswith(RIGHT_TO_LEFT_MARK) for line in markdown_lines(ENGLISH))
