"""commands.parse, clean_text and button actions."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.kernel.commands import (
    ALIASES,
    COMMAND_NAMES,
    COMMANDS,
    MAX_ACTION_BYTES,
    MAX_MESSAGE_CHARS,
    Command,
    Done,
    Forget,
    Group,
    Link,
    Log,
    Note,
    Pause,
    Progress,
    Review,
    Settings,
    Share,
    Start,
    Submit,
    Today,
    Undo,
    Unparsed,
    Week,
    clean_text,
    from_action,
    parse,
)

# --- commands ----------------------------------------------------------------


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_every_command_name_parses(name: str) -> None:
    parsed = parse(f"/{name}")
    assert parsed == COMMANDS[name]()
    assert isinstance(parsed, Command) and parsed.name == name


def test_the_menu_lists_every_command_once_in_order() -> None:
    assert tuple(COMMANDS) == COMMAND_NAMES
    assert COMMAND_NAMES[:3] == ("start", "today", "done")
    assert all(command.name == name for name, command in COMMANDS.items())


def test_group_and_private_commands_are_marked_on_their_types() -> None:
    in_group = {name for name, command in COMMANDS.items() if command.in_group}
    assert in_group == {"group", "join", "leave", "leaderboard", "submit", "review", "share"}
    private = {name for name, command in COMMANDS.items() if command.private}
    assert private == {"link", "calendar", "export", "forget", "focus", "buddy", "web"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/done 3", Done("3")),
        ("/done   3  ", Done("3")),
        ("  /done 3", Done("3")),
        ("/done\t3", Done("3")),
        ("/done yesterday", Done("", yesterday=True)),
        ("/done y 3", Done("3", yesterday=True)),
        ("/log 1h30m", Log("1h30m")),
        ("/log 1 h 30 m", Log("1 h 30 m")),
        ("/settings tz Europe/Berlin", Settings("tz", "Europe/Berlin")),
        ("/settings", Settings()),
        ("/today", Today()),
        ("/start python-backend", Start("python-backend")),
        ("/forget confirm", Forget("confirm")),
        ("/group setup python-backend", Group("setup", "python-backend")),
        ("/group", Group()),
        ("/submit https://github.com/ada/inventory", Submit("https://github.com/ada/inventory")),
        ("/review 3 Clear README, add tests", Review(3, "Clear README, add tests")),
        ("/review #3 ok", Review(3, "ok")),
        ("/share done off", Share("done", "off")),
    ],
)
def test_commands_with_args(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("text", ["/review", "/review three nice", "/review \u00b3 nice"])
def test_a_review_without_a_plain_number_has_none(text: str) -> None:
    parsed = parse(text)
    assert isinstance(parsed, Review) and parsed.number is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/done@coach_bot 3", Done("3")),
        ("/today@CoachBot", Today()),
        ("/T@coach_bot", Today()),
        ("/note@coach_bot hello there", Note("hello there")),
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
        ("lb", "leaderboard"),
        ("standings", "leaderboard"),
        ("schedule", "group"),
    ],
)
def test_aliases(alias: str, name: str) -> None:
    assert ALIASES[alias] == name
    assert parse(f"/{alias}") == COMMANDS[name]()
    assert parse(f"/{alias} 2") == COMMANDS[name].from_args("2")


def test_an_alias_passes_its_arguments_on() -> None:
    assert parse("/d 2") == Done("2")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/TODAY", Today()),
        ("/Done 2", Done("2")),
        ("/STATS", Progress()),
        ("/D", Done()),
    ],
)
def test_command_words_are_case_insensitive(text: str, expected: Command) -> None:
    assert parse(text) == expected


def test_free_text_keeps_its_case_and_key_words_do_not_matter() -> None:
    assert parse("/settings TZ Europe/Berlin") == Settings("tz", "Europe/Berlin")
    assert parse("/note Learned about the GIL") == Note("Learned about the GIL")
    assert parse("/link AbC234") == Link("AbC234")
    assert parse("/review 2 Nice README") == Review(2, "Nice README")


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
    assert parse(at_limit) == Note("x" * 1994)
    assert parse(at_limit + "x") == Unparsed("too_long")
    assert parse("x" * 2001) == Unparsed("too_long")
    assert parse(" " * 2001) == Unparsed("too_long")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/done\x00 3", Done("3")),
        ("/done 3\x00", Done("3")),
        ("/do\x07ne 3", Done("3")),
        ("\x00/today", Today()),
        ("\u200b/today", Today()),  # zero-width space (Cf)
        ("/to\u200bday", Today()),
        ("\ufeff/week", Week()),  # byte order mark
        ("/note a\u202eb", Note("ab")),  # right-to-left override
        ("/note \x1b[31mred\x1b[0m", Note("red")),
        ("/review 3 g\u200bood", Review(3, "good")),
    ],
)
def test_control_characters_are_stripped(text: str, expected: Command) -> None:
    assert parse(text) == expected


def test_terminal_escape_sequences_are_removed_whole() -> None:
    # A colour or cursor sequence pasted from a terminal must not hide the command.
    assert clean_text("\x1b[31m/today\x1b[0m") == "/today"
    assert parse("\x1b[2J\x1b[1;1H/today") == Today()
    assert parse("\x1b]0;title\x07/week") == Week()


def test_newlines_are_kept_only_for_note() -> None:
    assert parse("/note first line\nsecond line") == Note("first line\nsecond line")
    assert parse("/note\nhello\n") == Note("hello")
    assert parse("/log 1\n30m") == Log("1 30m")
    assert parse("/done 3\n4") == Done("3 4")
    assert parse("/submit a\nb") == Submit("a b")


def test_carriage_returns_become_spaces_even_in_notes() -> None:
    assert parse("/note a\r\nb") == Note("a \nb")


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
        assert isinstance(result, COMMANDS[result.name])
        if not isinstance(result, Note):
            assert "\n" not in result.args_text()


# --- actions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "action"),
    [
        (Today(), "today"),
        (Done("w01-calculator"), "done:w01-calculator"),
        (Done("3", yesterday=True), "done:yesterday 3"),
        (Settings("pace", "fast"), "settings:pace fast"),
        (Start("python-backend"), "start:python-backend"),
        (Forget("confirm"), "forget:confirm"),
        (Share("mentions", "on"), "share:mentions on"),
        (Group("track", "python-backend"), "group:track python-backend"),
        (Review(3, "nice"), "review:3 nice"),
    ],
)
def test_action_round_trip(command: Command, action: str) -> None:
    assert command.as_action() == action
    assert from_action(action) == command


def test_from_action_normalises_the_name() -> None:
    assert from_action(" DONE : 3 ") == Done("3")
    assert from_action("today:") == Today()


def test_arguments_a_command_does_not_take_are_ignored() -> None:
    assert from_action("today:2") == Today()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/week", Week()),
        ("/week 5", Week(5)),
        ("/w #5", Week(5)),
        ("/week 05", Week(5)),
        ("/week next", Week(unread="next")),
        ("/week -1", Week(unread="-1")),
        ("/week \u0663", Week(3)),  # Arabic-Indic digits, as Persian and Arabic keyboards type
        ("/week \u06f5", Week(5)),  # Persian digits
        ("/week \u00b3", Week(unread="\u00b3")),  # a superscript is no number to read
        ("/undo", Undo()),
        ("/undo 2", Undo(2)),
        ("/undo all of it", Undo(unread="all of it")),
        ("/pause", Pause()),
        ("/pause 3 days", Pause("3 days")),
    ],
)
def test_week_undo_and_pause_keep_their_argument_to_answer_it(text: str, expected: Command) -> None:
    assert parse(text) == expected
    assert from_action(expected.as_action()) == expected


def test_an_unknown_action_is_unparsed() -> None:
    assert from_action("teleport:home") == Unparsed("unknown_command", word="teleport")


def test_action_limit_leaves_room_for_a_callback_prefix() -> None:
    # Telegram's 64 bytes of callback_data, less the adapter's 2-byte prefix.
    assert MAX_ACTION_BYTES == 62
    fits = Done("x" * 57)
    assert len(fits.as_action()) == 62
    with pytest.raises(ValueError, match="62 bytes"):
        Done("x" * 58).as_action()


def test_action_limit_counts_bytes_not_characters() -> None:
    # "é" is two bytes in UTF-8: 5 + 2 * 29 = 63 bytes in 34 characters.
    with pytest.raises(ValueError, match="longer than 62 bytes"):
        Done("é" * 29).as_action()
    assert Done("é" * 28).as_action() == "done:" + "é" * 28


@given(
    name=st.sampled_from(COMMAND_NAMES),
    args=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789-:# ", max_size=50),
)
def test_action_round_trip_property(name: str, args: str) -> None:
    command = COMMANDS[name].from_args(args)
    # A review without a number only shows how to write one, so its comment has no action.
    assume(not (isinstance(command, Review) and command.number is None and command.comment))
    action = command.as_action()
    assert len(action.encode()) <= MAX_ACTION_BYTES
    assert from_action(action) == command


def test_the_readme_command_tables_name_every_command() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `/")]
    named = {word.split()[0].strip("`,") for row in rows for word in row.split("`/")[1:]}
    assert set(COMMAND_NAMES) <= named, set(COMMAND_NAMES) - named


def test_a_review_number_in_persian_digits_is_read() -> None:
    assert parse("/review \u06f3 nice") == Review(3, "nice")
