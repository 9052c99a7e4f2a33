"""The slash-command menu covers every command, within Discord's rules for names and texts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.bot import (
    GROUP_ACTIONS,
    AccountCommands,
    ActionButton,
    DiscordAdapter,
    GroupCommands,
    QuizButton,
    chat_context,
    make_view,
)
from adapters.discord.render import ButtonSpec, action_id, quiz_id
from core.groups.model import ChatRef
from core.kernel.commands import COMMAND_NAMES, MAX_ACTION_BYTES
from core.kernel.reply import Reply

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
    assert match["group"] == ""
    group = QuizButton.__discord_ui_compiled_template__.fullmatch(quiz_id(89, 2, group=True))
    assert group is not None and (group["group"], group["quiz"], group["option"]) == (
        "g",
        "89",
        "2",
    )


async def test_views_are_persistent() -> None:
    view = make_view(
        [[ButtonSpec("✓ 1. Set up", action_id("done:w01-setup")), ButtonSpec("2", quiz_id(5, 1))]]
    )
    assert view is not None and view.is_persistent()
    first, second = view.children
    assert isinstance(first, ActionButton) and first.action == "done:w01-setup"
    assert isinstance(second, QuizButton) and (second.quiz, second.option) == (5, 1)
    assert (second.group, second.poll_ref) == (False, "5")
    assert make_view([]) is None
    group_view = make_view([[ButtonSpec("1. Yes", quiz_id(7, 0, group=True))]])
    assert group_view is not None
    [button] = group_view.children
    assert isinstance(button, QuizButton) and (button.group, button.poll_ref) == (True, "g7")


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


async def test_group_commands_take_typed_options(menu: list[dict[str, Any]]) -> None:
    by_name = {command["name"]: command for command in menu}
    action, value = by_name["group"]["options"]
    assert [choice["value"] for choice in action["choices"]] == list(GROUP_ACTIONS)
    assert not action.get("required") and value["autocomplete"] is True
    for plain in ("join", "leave", "leaderboard"):
        assert not by_name[plain].get("options")
    [text] = by_name["submit"]["options"]
    assert text["required"] and text["max_length"] == 1000
    number, comment = by_name["review"]["options"]
    assert number["type"] == 4 and number["required"] and number["min_value"] == 1
    assert comment["required"] and comment["max_length"] == 300
    what, state = by_name["share"]["options"]
    assert [c["value"] for c in what["choices"]] == ["done", "streak", "quiz", "mentions", "all"]
    assert [c["value"] for c in state["choices"]] == ["on", "off"]


class RecordingCoach:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def handle(self, who: Any, text: str, **kwargs: Any) -> Any:
        self.calls.append((text, kwargs["chat"]))
        return Reply.text("ok")


@pytest.mark.parametrize(
    ("options", "core_text"),
    [
        ({}, "/group show"),
        ({"action": "setup", "value": "python-backend"}, "/group setup python-backend"),
        ({"action": "timezone", "value": "Europe/Berlin"}, "/group tz Europe/Berlin"),
        ({"action": "off"}, "/group off"),
    ],
)
async def test_group_actions_become_core_commands(options: dict[str, str], core_text: str) -> None:
    coach = RecordingCoach()
    adapter = DiscordAdapter(coach, "token")  # type: ignore[arg-type]
    sent: list[Any] = []

    async def send_message(**kwargs: Any) -> None:
        sent.append(kwargs)

    interaction = SimpleNamespace(
        id=1,
        user=SimpleNamespace(id=5, display_name="Ada"),
        guild_id=None,
        channel_id=9,
        response=SimpleNamespace(is_done=lambda: bool(sent), send_message=send_message),
    )
    cog = GroupCommands(adapter)
    await cog.study_group.callback(cog, interaction, **options)  # type: ignore[arg-type]
    assert coach.calls == [(core_text, None)]  # a DM: no group chat
    await adapter.bot.close()


def interaction_in(guild: int | None, **permissions: bool) -> Any:
    return SimpleNamespace(
        guild_id=guild,
        channel_id=20,
        channel=SimpleNamespace(name="python"),
        permissions=discord.Permissions(send_messages=True, **permissions),
    )


@pytest.mark.parametrize(
    ("permissions", "admin"),
    [
        ({}, False),
        ({"manage_messages": True, "kick_members": True}, False),
        ({"manage_channels": True}, True),
        ({"manage_guild": True}, True),
        ({"administrator": True}, True),
    ],
)
async def test_who_may_run_a_group_comes_with_the_interaction(
    permissions: dict[str, bool], admin: bool
) -> None:
    context = chat_context(interaction_in(10, **permissions))
    assert context is not None
    assert context.chat == ChatRef("discord", "20", "python", parent="10")
    assert await context.is_admin() is admin


def test_a_dm_is_no_group_chat() -> None:
    assert chat_context(interaction_in(None, administrator=True)) is None


@pytest.mark.parametrize(
    ("action", "typed", "offered"),
    [
        ("timezone", "berl", ["Europe/Berlin"]),
        ("days", "fri", ["mon-fri", "mon,wed,fri"]),
        ("quiz", "of", ["off"]),
        ("time", "08", []),
    ],
)
async def test_group_values_are_offered_as_you_type(
    action: str, typed: str, offered: list[str]
) -> None:
    cog = GroupCommands(DiscordAdapter(SilentCoach(), "token"))  # type: ignore[arg-type]
    interaction = SimpleNamespace(namespace=SimpleNamespace(action=action))
    choices = await cog.group_value(interaction, typed)  # type: ignore[arg-type]
    assert [choice.value for choice in choices] == offered
