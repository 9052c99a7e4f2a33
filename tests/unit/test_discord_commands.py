"""The slash-command menu covers every command, within Discord's rules for names and texts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.bot import (
    AccountCommands,
    ActionButton,
    DiscordAdapter,
    QuizButton,
    make_view,
)
from adapters.discord.render import ButtonSpec, action_id, quiz_id
from core.commands import COMMAND_NAMES, MAX_ACTION_BYTES

NAME = re.compile(r"^[-_\w]{1,32}$")


class SilentCoach:
    """Setting up the menu never calls the core."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the core was called: {name}")


@pytest.fixture
async def menu() -> AsyncIterator[list[dict[str, Any]]]:
    adapter = DiscordAdapter(SilentCoach(), "token")  # type: ignore[arg-type]
    await adapter.bot.install()
    yield [command.to_dict(adapter.bot.tree) for command in adapter.bot.tree.get_commands()]
    await adapter.bot.close()


async def test_every_command_is_a_slash_command(menu: list[dict[str, Any]]) -> None:
    assert {command["name"] for command in menu} == set(COMMAND_NAMES)


async def test_names_and_descriptions_follow_discords_rules(menu: list[dict[str, Any]]) -> None:
    for command in menu:
        assert NAME.match(command["name"]) and command["name"] == command["name"].lower()
        assert 1 <= len(command["description"]) <= 100
        options = command.get("options", [])
        assert len(options) <= 25
        required = [option.get("required", False) for option in options]
        assert required == sorted(required, reverse=True)  # required ones first
        for option in options:
            assert NAME.match(option["name"])
            assert 1 <= len(option["description"]) <= 100
            assert len(option.get("choices", [])) <= 25


async def test_options_are_typed(menu: list[dict[str, Any]]) -> None:
    by_name = {command["name"]: command for command in menu}
    [roadmap] = by_name["import"]["options"]
    assert roadmap["type"] == 11 and roadmap["required"]  # an attachment
    setting, value = by_name["settings"]["options"]
    assert {choice["value"] for choice in setting["choices"]} >= {"timezone", "pace", "quiet"}
    assert value["autocomplete"] is True
    assert by_name["note"]["options"][0]["max_length"] <= 2000


ACTION = (
    st.tuples(
        st.sampled_from(COMMAND_NAMES),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FFF), max_size=30),
    )
    .map(lambda pair: f"{pair[0]}:{pair[1]}".strip())
    .filter(lambda action: len(action.encode()) <= MAX_ACTION_BYTES)
)


@given(ACTION)
def test_an_action_survives_the_custom_id_round_trip(action: str) -> None:
    template = ActionButton.__discord_ui_compiled_template__
    match = template.fullmatch(action_id(action))
    assert match is not None and match["action"] == action
    assert QuizButton.__discord_ui_compiled_template__.fullmatch(action_id(action)) is None


def test_a_quiz_custom_id_names_the_quiz_and_the_option() -> None:
    match = QuizButton.__discord_ui_compiled_template__.fullmatch(quiz_id(1234567, 3))
    assert match is not None and (match["quiz"], match["option"]) == ("1234567", "3")


async def test_views_are_persistent() -> None:
    view = make_view(
        [[ButtonSpec("✓ 1. Set up", action_id("done:w01-setup")), ButtonSpec("2", quiz_id(5, 1))]]
    )
    assert view is not None and view.is_persistent()
    first, second = view.children
    assert isinstance(first, ActionButton) and first.action == "done:w01-setup"
    assert isinstance(second, QuizButton) and (second.quiz, second.option) == (5, 1)
    assert make_view([]) is None


@pytest.mark.parametrize(
    ("setting", "typed", "offered"),
    [
        ("timezone", "berl", ["Europe/Berlin"]),
        ("timezone", "kolkata", ["Asia/Kolkata"]),
        ("pace", "acc", ["accelerated"]),
        ("days", "", ["mon-fri", "mon,wed,fri", "every day", "sat,sun"]),
        ("nudge", "07", []),
    ],
)
async def test_settings_values_are_offered_as_you_type(
    setting: str, typed: str, offered: list[str]
) -> None:
    cog = AccountCommands(DiscordAdapter(SilentCoach(), "token"))  # type: ignore[arg-type]
    interaction = SimpleNamespace(namespace=SimpleNamespace(setting=setting))
    choices = await cog.settings_value(interaction, typed)  # type: ignore[arg-type]
    assert [choice.value for choice in choices] == offered


async def test_at_most_25_choices_are_offered() -> None:
    cog = AccountCommands(DiscordAdapter(SilentCoach(), "token"))  # type: ignore[arg-type]
    interaction = SimpleNamespace(namespace=SimpleNamespace(setting="timezone"))
    choices = await cog.settings_value(interaction, "")  # type: ignore[arg-type]
    assert len(choices) == 25
