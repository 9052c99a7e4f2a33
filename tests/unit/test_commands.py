"""commands.parse, clean_text and button actions."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.kernel.commands import (
    ALIASES,
    COMMAND_NAMES,
    MAX_ACTION_BYTES,
    MAX_MESSAGE_CHARS,
    Command,
    Unparsed,
    clean_text,
    parse,
)

# --- commands ----------------------------------------------------------------


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_every_command_name_parses(name: str) -> None:
    assert parse(f"/{name}") == Command(name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/done 3", Command("done", "3")),
        ("/done   3  ", Command("done", "3")),
        ("  /done 3", Command("done", "3")),
        ("/log 1h30m", Command("log", "1h30m")),
        ("/log 1 h 30 m", Command("log", "1 h 30 m")),
        ("/settings tz Europe/Berlin", Command("settings", "tz Europe/Berlin")),
        ("/done\t3", Command("done", "3")),
        ("/today", Command("today")),
    ],
)
def test_commands_with_args(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/done@coach_bot 3", Command("done", "3")),
        ("/today@CoachBot", Command("today")),
        ("/T@coach_bot", Command("today")),
        ("/note@coach_bot hello there", Command("note", "hello there")),
    ],
)
def test_bot_name_suffix_is_dropped(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("t", "today"),
        ("d", "done"),
        ("w", "week"),
        ("p", "progress"),
        ("h", "help"),
        ("stats", "progress"),
    ],
)
def test_aliases(alias: str, name: str) -> None:
    assert ALIASES[alias] == name
    assert parse(f"/{alias}") == Command(name)
    assert parse(f"/{alias} 2") == Command(name, "2")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/TODAY", Command("today")),
        ("/Done 2", Command("done", "2")),
        ("/STATS", Command("progress")),
        ("/D", Command("done")),
    ],
)
def test_command_words_are_case_insensitive(text: str, expected: Command) -> None:
    assert parse(text) == expected


def test_args_keep_their_case() -> None:
    assert parse("/settings TZ Europe/Berlin") == Command("settings", "TZ Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("/foo", "foo"),
        ("/Foo@bot x", "Foo@bot"),
        ("/donee 3", "donee"),
        ("/", ""),
        ("/@coach_bot", "@coach_bot"),
    ],
)
def test_unknown_commands(text: str, word: str) -> None:
    assert parse(text) == Unparsed("unknown_command", word=word)


@pytest.mark.parametrize("text", ["hello", "done 3", "today/", " hi /today", "#today"])
def test_plain_text_is_not_a_command(text: str) -> None:
    assert parse(text) == Unparsed("not_a_command")


@pytest.mark.parametrize("text", ["", " ", "\n\n", "\t \r\n", "\x00", "\u200b", "\x1b"])
def test_empty_input(text: str) -> None:
    assert parse(text) == Unparsed("empty")


def test_length_limit() -> None:
    at_limit = "/note " + "x" * (MAX_MESSAGE_CHARS - 6)
    assert len(at_limit) == MAX_MESSAGE_CHARS == 2000
    assert parse(at_limit) == Command("note", "x" * 1994)
    assert parse(at_limit + "x") == Unparsed("too_long")
    assert parse("x" * 2001) == Unparsed("too_long")
    assert parse(" " * 2001) == Unparsed("too_long")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/done\x00 3", Command("done", "3")),
        ("/done 3\x00", Command("done", "3")),
        ("/do\x07ne 3", Command("done", "3")),
        ("\x00/today", Command("today")),
        ("\u200b/today", Command("today")),  # zero-width space (Cf)
        ("/to\u200bday", Command("today")),
        ("\ufeff/week", Command("week")),  # byte order mark
        ("/note a\u202eb", Command("note", "ab")),  # right-to-left override
        ("/note \x1b[31mred\x1b[0m", Command("note", "red")),
    ],
)
def test_control_characters_are_stripped(text: str, expected: Command) -> None:
    assert parse(text) == expected


def test_terminal_escape_sequences_are_removed_whole() -> None:
    # A colour or cursor sequence pasted from a terminal must not hide the command.
    assert clean_text("\x1b[31m/today\x1b[0m") == "/today"
    assert parse("\x1b[2J\x1b[1;1H/today") == Command("today")
    assert parse("\x1b]0;title\x07/week") == Command("week")


def test_newlines_are_kept_only_for_note() -> None:
    assert parse("/note first line\nsecond line") == Command("note", "first line\nsecond line")
    assert parse("/note\nhello\n") == Command("note", "hello")
    assert parse("/log 1\n30m") == Command("log", "1 30m")
    assert parse("/done 3\n4") == Command("done", "3 4")


def test_carriage_returns_become_spaces_even_in_notes() -> None:
    assert parse("/note a\r\nb") == Command("note", "a \nb")


# --- clean_text --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keep", "expected"),
    [
        ("a\nb", False, "a b"),
        ("a\nb", True, "a\nb"),
        ("a\tb", True, "a b"),
        ("a\rb", True, "a b"),
        ("  a  ", False, "a"),
        ("\x00a\x1fb\x7fc", False, "abc"),
        ("caf\u00e9 \U0001f40d", False, "caf\u00e9 \U0001f40d"),
        ("\ue000private", False, "private"),  # private use (Co)
    ],
)
def test_clean_text(text: str, keep: bool, expected: str) -> None:
    assert clean_text(text, keep_newlines=keep) == expected


@given(st.text(max_size=200))
def test_clean_text_leaves_no_control_or_format_characters(text: str) -> None:
    cleaned = clean_text(text, keep_newlines=True)
    for char in cleaned:
        assert char == "\n" or unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co"}
    assert cleaned == cleaned.strip()
    assert "\n" not in clean_text(text)


@given(st.text(max_size=300))
def test_parse_never_raises(text: str) -> None:
    result = parse(text)
    assert isinstance(result, Command | Unparsed)
    if isinstance(result, Command):
        assert result.name in COMMAND_NAMES
        if result.name != "note":
            assert "\n" not in result.args


# --- actions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "action"),
    [
        (Command("today"), "today"),
        (Command("done", "w01-calculator"), "done:w01-calculator"),
        (Command("settings", "pace:fast"), "settings:pace:fast"),
        (Command("week", "2"), "week:2"),
    ],
)
def test_action_round_trip(command: Command, action: str) -> None:
    assert command.as_action() == action
    assert Command.from_action(action) == command


def test_from_action_normalises_the_name() -> None:
    assert Command.from_action(" DONE : 3 ") == Command("done", "3")
    assert Command.from_action("today:") == Command("today")


def test_action_limit_leaves_room_for_a_callback_prefix() -> None:
    # Telegram's 64 bytes of callback_data, less the adapter's 2-byte prefix.
    assert MAX_ACTION_BYTES == 62
    fits = Command("done", "x" * 57)
    assert len(fits.as_action()) == 62
    with pytest.raises(ValueError, match="62 bytes"):
        Command("done", "x" * 58).as_action()


def test_action_limit_counts_bytes_not_characters() -> None:
    # "é" is two bytes in UTF-8: 5 + 2 * 29 = 63 bytes in 34 characters.
    with pytest.raises(ValueError, match="longer than 62 bytes"):
        Command("done", "é" * 29).as_action()
    assert Command("done", "é" * 28).as_action() == "done:" + "é" * 28


@given(
    name=st.sampled_from(COMMAND_NAMES),
    args=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-:", max_size=58),
)
def test_action_round_trip_property(name: str, args: str) -> None:
    command = Command(name, args)
    action = command.as_action()
    assert len(action.encode()) <= MAX_ACTION_BYTES
    assert Command.from_action(action) == command
