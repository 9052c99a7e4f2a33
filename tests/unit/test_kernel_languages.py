"""The kernel's words in Persian and Russian: the command menus' descriptions, the errors a
learner's settings may meet, and quiet hours in the digits of the language."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time

import pytest
from babel.messages.pofile import read_po

from core.kernel.commands import COMMAND_NAMES, DESCRIPTIONS, description
from core.kernel.i18n import LOCALE_DIR, speaking
from core.kernel.schedule import QuietHours
from core.kernel.settings_input import (
    SettingsInputError,
    parse_quiet_hours,
    parse_study_days,
    parse_time,
    parse_timezone,
)

TRANSLATED = ("fa", "ru")
DISCORD_MOST = 100  # characters of a slash command's description
COMMAND = re.compile(r"/[a-z]+")


def test_done_is_described_in_each_language() -> None:
    said = {}
    for language in ("en", *TRANSLATED):
        with speaking(language):
            said[language] = description("done")
    assert said["en"] == DESCRIPTIONS["done"] == "Tick the next item (or /done 3, /done yesterday)"
    assert len(set(said.values())) == 3
    assert all("/done 3" in text and "/done yesterday" in text for text in said.values())
    assert re.search(r"[\u0600-\u06ff]", said["fa"]) and re.search(r"[а-я]", said["ru"])


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_command_is_described_in_a_menu_of_its_language(language: str) -> None:
    with speaking(language):
        described = {name: description(name) for name in COMMAND_NAMES}
    for name, text in described.items():
        assert text and text != DESCRIPTIONS[name], name
        assert len(text) <= DISCORD_MOST, (name, len(text))
        # The commands a description shows are typed as they are, in every language.
        assert COMMAND.findall(text) == COMMAND.findall(DESCRIPTIONS[name]), name


def test_an_unknown_description_is_still_a_key_error() -> None:
    with speaking("fa"), pytest.raises(KeyError):
        description("dance")


Parse = Callable[[str], object]


def _problem(parse: Parse, text: str) -> SettingsInputError:
    with pytest.raises(SettingsInputError) as info:
        parse(text)
    return info.value


SETTINGS_MISTAKES: list[tuple[Parse, str]] = [
    (parse_timezone, ""),
    (parse_timezone, "Mars/Olympus"),
    (parse_time, ""),
    (parse_time, "25:99"),
    (parse_study_days, "funday"),
    (parse_study_days, ","),
    (parse_quiet_hours, ""),
    (parse_quiet_hours, "22:00"),
    (parse_quiet_hours, "22:00-22:00"),
]


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize(("parse", "text"), SETTINGS_MISTAKES)
def test_a_settings_mistake_is_explained_in_the_learners_language(
    language: str, parse: Parse, text: str
) -> None:
    english = str(_problem(parse, text))
    with speaking(language):
        said = str(_problem(parse, text))
    assert said and said != english
    assert not re.search(r"\b(is not|Give|Use|Name at least|need to)\b", said), said
    if text.strip() and text not in {",", "22:00-22:00"}:
        assert text.split("-")[0] in said  # what they wrote, quoted back


@pytest.mark.parametrize(("language", "word"), [("fa", " یا "), ("ru", " или ")])
def test_time_zone_suggestions_are_offered_in_the_learners_language(
    language: str, word: str
) -> None:
    with speaking(language):
        problem = _problem(parse_timezone, "istanbul")
    assert problem.suggestions == ("Asia/Istanbul", "Europe/Istanbul")
    assert f"Asia/Istanbul{word}Europe/Istanbul" in str(problem)
    assert "«istanbul»" in str(problem)
    english = str(_problem(parse_timezone, "istanbul"))
    assert "Did you mean Asia/Istanbul or Europe/Istanbul?" in english


def test_quiet_hours_read_in_the_digits_of_the_language() -> None:
    quiet = QuietHours(time(22, 0), time(7, 30))
    assert str(quiet) == "22:00–07:30"
    with speaking("fa"):
        assert str(quiet) == "۲۲:۰۰–۰۷:۳۰"
    with speaking("ru"):
        assert str(quiet) == "22:00–07:30"


@pytest.mark.parametrize("domain", ["kernel", "progress"])
def test_persian_keeps_each_command_reading_left_to_right(domain: str) -> None:
    """A /command inside right-to-left words opens with a left-to-right mark, or its slash
    would be laid out at its far end."""
    with (LOCALE_DIR / "fa" / "LC_MESSAGES" / f"{domain}.po").open("rb") as file:
        catalog = read_po(file, locale="fa", domain=domain)
    unmarked = [
        string
        for message in catalog
        if message.id
        for string in ([message.string] if isinstance(message.string, str) else message.string)
        if re.search(r"(?<![\w\u200e])/[a-z]", string)
    ]
    assert not unmarked, unmarked
