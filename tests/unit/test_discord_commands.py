"""The slash-command menu covers every command, within Discord's rules for names and texts."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord import app_commands
from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.bot import (
    PLAIN_COMMANDS,
    AccountCommands,
    ActionButton,
    DiscordAdapter,
    GroupAdminCommands,
    GroupCommands,
    LearnerCommands,
    QuizButton,
    SettingsCommands,
    chat_context,
    make_view,
    plain_command,
)
from adapters.discord.render import ButtonSpec, action_id, poll_ref, quiz_button_id
from core.kernel.commands import (
    COMMAND_NAMES,
    COMMANDS,
    MAX_ACTION_BYTES,
    Command,
    Done,
    Group,
    Link,
    Log,
    Note,
    Review,
    Settings,
    Share,
    Start,
    Submit,
    Undo,
    Unparsed,
)
from core.kernel.refs import ChatRef
from core.kernel.reply import ALREADY_HANDLED, NOTHING_TO_SAY, Outcome, QuizRef, QuizScope, Reply

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
    # /schedule: the members' view of /group, which Discord shows to admins only.
    assert {command["name"] for command in menu} == {*COMMAND_NAMES, "schedule"}


async def test_members_see_the_groups_schedule_and_admins_set_it(
    menu: list[dict[str, Any]],
) -> None:
    by_name = {command["name"]: command for command in menu}
    assert by_name["group"]["default_member_permissions"] == 1 << 4  # Manage Channels
    assert by_name["schedule"]["default_member_permissions"] is None
    assert by_name["schedule"]["contexts"] == [0]  # servers only


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
    roadmap, link, name = by_name["import"]["options"]
    assert roadmap["type"] == 11 and not roadmap.get("required")  # an attachment, or
    assert link["type"] == 3 and link["max_length"] == 2000  # a link, or a new name
    assert name["type"] == 3 and name["max_length"] == 200
    settings = {sub["name"]: sub for sub in by_name["settings"]["options"]}
    assert {"show", "timezone", "nudge", "days", "quiz", "quiet", "pace", "language"} <= set(
        settings
    )
    assert all(sub["type"] == 1 for sub in settings.values())  # sub-commands
    [zone] = settings["timezone"]["options"]
    assert zone["required"] and zone["autocomplete"] is True
    [pace] = settings["pace"]["options"]
    assert [c["value"] for c in pace["choices"]] == ["part-time", "standard", "accelerated"]
    [language] = settings["language"]["options"]
    assert [c["value"] for c in language["choices"]] == ["en", "fa", "ru"]
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


LEARNER_QUIZ = QuizScope.LEARNER
GROUP_QUIZ = QuizScope.GROUP


def test_a_quiz_custom_id_names_the_quiz_and_the_option() -> None:
    template = QuizButton.__discord_ui_compiled_template__
    match = template.fullmatch(quiz_button_id(QuizRef(LEARNER_QUIZ, 1234567), 3))
    assert match is not None and (match["quiz"], match["option"]) == ("1234567", "3")
    assert match["group"] == ""
    group = template.fullmatch(quiz_button_id(QuizRef(GROUP_QUIZ, 89), 2))
    assert group is not None and (group["group"], group["quiz"], group["option"]) == (
        "g",
        "89",
        "2",
    )


async def test_views_are_persistent() -> None:
    learner_quiz = QuizRef(LEARNER_QUIZ, 5)
    view = make_view(
        [
            [
                ButtonSpec("✓ 1. Set up", action_id("done:w01-setup")),
                ButtonSpec("2", quiz_button_id(learner_quiz, 1)),
            ]
        ]
    )
    assert view is not None and view.is_persistent()
    first, second = view.children
    assert isinstance(first, ActionButton) and first.action == "done:w01-setup"
    assert isinstance(second, QuizButton) and (second.quiz, second.option) == (learner_quiz, 1)
    assert poll_ref(second.quiz) == "5"
    assert make_view([]) is None
    group_quiz = QuizRef(GROUP_QUIZ, 7)
    group_view = make_view([[ButtonSpec("1. Yes", quiz_button_id(group_quiz, 0))]])
    assert group_view is not None
    [button] = group_view.children
    assert isinstance(button, QuizButton) and button.quiz == group_quiz
    assert poll_ref(button.quiz) == "g7"


@pytest.mark.parametrize(
    ("cog", "typed", "offered"),
    [
        ("settings", "berl", ["Europe/Berlin"]),
        ("settings", "kolkata", ["Asia/Kolkata"]),
        ("group", "berl", ["Europe/Berlin"]),
    ],
)
async def test_time_zones_are_offered_as_you_type(cog: str, typed: str, offered: list[str]) -> None:
    adapter = DiscordAdapter(SilentCoach(), "token")  # type: ignore[arg-type]
    instance = SettingsCommands(adapter) if cog == "settings" else GroupAdminCommands(adapter)
    choices = await offered_for(instance.timezone, "zone", typed)
    assert [choice.value for choice in choices] == offered
    assert len(await offered_for(instance.timezone, "zone", "")) == 25


async def offered_for(command: Any, option: str, typed: str) -> list[Any]:
    """What Discord shows as `typed` is typed into the command's option: its autocomplete."""
    complete = command._params[option].autocomplete
    assert complete is not None, f"{command.name} {option} has no autocomplete"
    return list(await complete(SimpleNamespace(), typed))


@pytest.mark.parametrize(
    ("typed", "offered"),
    [("", ["mon-fri", "mon,wed,fri", "every day", "sat,sun", "off"]), ("of", ["off"])],
)
async def test_days_are_offered_as_you_type(typed: str, offered: list[str]) -> None:
    adapter = DiscordAdapter(SilentCoach(), "token")  # type: ignore[arg-type]
    for instance in (SettingsCommands(adapter), GroupAdminCommands(adapter)):
        for command in (instance.days, instance.quiz):
            choices = await offered_for(command, "days", typed)
            assert [choice.value for choice in choices] == offered


async def test_group_commands_take_typed_options(menu: list[dict[str, Any]]) -> None:
    by_name = {command["name"]: command for command in menu}
    group = by_name["group"]
    # Hidden from members who cannot manage channels; never in a DM.
    assert (
        int(group["default_member_permissions"]) == discord.Permissions(manage_channels=True).value
    )
    assert group.get("dm_permission") is False or group.get("contexts") == [0]
    actions = {sub["name"]: sub for sub in group["options"]}
    assert set(actions) == {
        "show",
        "setup",
        "timezone",
        "time",
        "report",
        "days",
        "quiz",
        "track",
        "language",
        "off",
    }
    assert not actions["setup"]["options"][0].get("required")
    assert actions["time"]["options"][0]["required"]
    for plain in ("join", "leave"):
        assert not by_name[plain].get("options")
    [period] = by_name["leaderboard"]["options"]
    assert [c["value"] for c in period["choices"]] == ["week", "month", "all"]
    assert not period.get("required")
    [text] = by_name["submit"]["options"]
    assert text["required"] and text["max_length"] == 1000
    number, comment = by_name["review"]["options"]
    assert number["type"] == 4 and number["required"] and number["min_value"] == 1
    assert comment["required"] and comment["max_length"] == 300
    what, state = by_name["share"]["options"]
    assert [c["value"] for c in what["choices"]] == ["done", "streak", "quiz", "mentions", "all"]
    assert [c["value"] for c in state["choices"]] == ["on", "off"]


class RecordingCoach:
    """Takes each command as the adapter hands it over, and answers with `outcome`."""

    def __init__(self, outcome: Outcome | None = None) -> None:
        self.calls: list[tuple[Command | Unparsed, Any]] = []
        self.outcome = outcome or Reply.text("ok")

    async def run(self, who: Any, command: Command | Unparsed, **kwargs: Any) -> Outcome:
        self.calls.append((command, kwargs["chat"]))
        return self.outcome

    async def answer_quiz(self, *args: Any, **kwargs: Any) -> Outcome:
        return self.outcome

    async def language_of(self, who: Any) -> str | None:
        return None


class FakeInteraction(SimpleNamespace):
    """A DM interaction that records what the adapter answers it with."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.deferred: list[dict[str, Any]] = []

        async def send_message(**kwargs: Any) -> None:
            self.sent.append(kwargs)

        async def defer(**kwargs: Any) -> None:
            self.deferred.append(kwargs)

        super().__init__(
            id=1,
            user=SimpleNamespace(id=5, display_name="Ada"),
            locale="en-US",
            guild_id=None,
            channel_id=9,
            message=None,
            response=SimpleNamespace(
                is_done=lambda: bool(self.sent or self.deferred),
                send_message=send_message,
                defer=defer,
            ),
        )


async def command_from(cog: type[Any], name: str, **options: Any) -> Command | Unparsed:
    """What the core receives when `name` is picked with `options` in a DM."""
    coach = RecordingCoach()
    adapter = DiscordAdapter(coach, "token")  # type: ignore[arg-type]
    instance = cog(adapter)
    interaction = FakeInteraction()
    command = next(
        c
        for c in instance.walk_app_commands()
        if c.name == name and isinstance(c, app_commands.Command)
    )
    await command.callback(instance, interaction, **options)  # type: ignore[arg-type]
    await adapter.bot.close()
    [(received, chat)] = coach.calls
    assert chat is None  # a DM: no group chat
    assert interaction.sent  # and the answer went back
    return received


@pytest.mark.parametrize(
    ("name", "options", "command"),
    [
        ("show", {}, Group()),
        ("setup", {}, Group("setup")),
        ("setup", {"track": "python-backend"}, Group("setup", "python-backend")),
        ("timezone", {"zone": "Europe/Berlin"}, Group("timezone", "Europe/Berlin")),
        ("time", {"time": "08:00"}, Group("time", "08:00")),
        ("language", {"language": "ru"}, Group("language", "ru")),
        ("off", {}, Group("off")),
    ],
)
async def test_group_sub_commands_become_core_commands(
    name: str, options: dict[str, str], command: Group
) -> None:
    assert await command_from(GroupAdminCommands, name, **options) == command


@pytest.mark.parametrize(
    ("name", "options", "command"),
    [
        ("show", {}, Settings()),
        ("timezone", {"zone": "Europe/Berlin"}, Settings("timezone", "Europe/Berlin")),
        ("nudge", {"time": "07:30"}, Settings("nudge", "07:30")),
        ("quiz", {"days": "off"}, Settings("quiz", "off")),
        ("language", {"language": "fa"}, Settings("language", "fa")),
        ("buddy", {"what": "done", "shown": False}, Settings("buddy", "done off")),
    ],
)
async def test_settings_sub_commands_become_core_commands(
    name: str, options: dict[str, Any], command: Settings
) -> None:
    assert await command_from(SettingsCommands, name, **options) == command


@pytest.mark.parametrize(
    ("cog", "name", "options", "command"),
    [
        (LearnerCommands, "start", {}, Start()),
        (LearnerCommands, "start", {"track": "Python-Backend"}, Start("python-backend")),
        (LearnerCommands, "done", {}, Done()),
        (LearnerCommands, "done", {"which": "3"}, Done("3")),
        (LearnerCommands, "done", {"which": "yesterday"}, Done("", yesterday=True)),
        (LearnerCommands, "undo", {}, Undo()),
        (LearnerCommands, "undo", {"item": 3}, Undo(3)),
        (LearnerCommands, "log", {"hours": "1h30m"}, Log("1h30m")),
        (LearnerCommands, "note", {"text": "first\nsecond\x00"}, Note("first\nsecond")),
        (AccountCommands, "link", {"code": "ab2c3d"}, Link("ab2c3d")),
        (GroupCommands, "submit", {"text": "https://x.example\u200b"}, Submit("https://x.example")),
        (
            GroupCommands,
            "review",
            {"number": 3, "comment": "Clear README, add *tests*"},
            Review(3, "Clear README, add *tests*"),
        ),
        (GroupCommands, "share", {}, Share()),
        (GroupCommands, "share", {"what": "done", "state": "off"}, Share("done", "off")),
    ],
)
async def test_typed_options_become_the_core_command_as_they_are(
    cog: type[LearnerCommands | AccountCommands | GroupCommands],
    name: str,
    options: dict[str, Any],
    command: Command,
) -> None:
    assert await command_from(cog, name, **options) == command


@pytest.mark.parametrize("name", PLAIN_COMMANDS)
async def test_a_command_without_options_is_the_core_command_of_its_name(name: str) -> None:
    coach = RecordingCoach()
    adapter = DiscordAdapter(coach, "token")  # type: ignore[arg-type]
    interaction = FakeInteraction()
    interaction.client = adapter.bot
    await plain_command(name).callback(interaction)  # type: ignore[call-arg]
    await adapter.bot.close()
    assert coach.calls == [(COMMANDS[name](), None)]


async def test_a_pressed_button_is_the_command_of_its_action() -> None:
    coach = RecordingCoach()
    adapter = DiscordAdapter(coach, "token")  # type: ignore[arg-type]
    interaction = FakeInteraction()
    interaction.client = adapter.bot
    interaction.response.edit_message = interaction.response.send_message
    button = ActionButton(ButtonSpec("Yes", action_id("share:mentions on")))
    await button.callback(interaction)  # type: ignore[arg-type]
    await adapter.bot.close()
    assert coach.calls == [(Share("mentions", "on"), None)]


@pytest.mark.parametrize(
    ("outcome", "told"),
    [(NOTHING_TO_SAY, True), (ALREADY_HANDLED, False)],
)
async def test_a_quiz_press_with_nothing_to_grade(outcome: Outcome, told: bool) -> None:
    """Someone else's quiz, or one answered already, is explained; a replayed press is only
    acknowledged, since its answer went the first time."""
    adapter = DiscordAdapter(RecordingCoach(outcome), "token")  # type: ignore[arg-type]
    interaction = FakeInteraction()
    await adapter.answered(interaction, "5", 0)  # type: ignore[arg-type]
    await adapter.bot.close()
    if told:
        [note] = interaction.sent
        assert note["ephemeral"] and "answered already" in note["content"]
        assert not interaction.deferred
    else:
        assert interaction.deferred and not interaction.sent


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


async def test_starting_says_nothing_of_voice_libraries(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        adapter = DiscordAdapter(SilentCoach(), "token")  # type: ignore[arg-type]
        await adapter.bot.close()
    assert not [r for r in caplog.records if "voice" in r.getMessage()]


async def test_descriptions_are_given_in_russian_and_names_stay_as_typed() -> None:
    adapter = DiscordAdapter(SilentCoach(), "token")  # type: ignore[arg-type]
    await adapter.bot.install()
    tree = adapter.bot.tree
    translator = tree.translator
    assert translator is not None
    payloads = [await c.get_translated_payload(tree, translator) for c in tree.get_commands()]
    await adapter.bot.close()
    described = list(_described(payloads))
    assert len(described) > 80  # the commands, their sub-commands and options
    for payload in described:
        russian = payload.get("description_localizations", {}).get("ru", "")
        assert any("\u0400" <= char <= "\u04ff" for char in russian), payload["name"]
        assert 1 <= len(russian) <= 100
        assert "ru" not in payload.get("name_localizations", {})
    [leaderboard] = [p for p in payloads if p["name"] == "leaderboard"]
    periods = leaderboard["options"][0]["choices"]
    assert [c["value"] for c in periods] == ["week", "month", "all"]
    assert all(c.get("name_localizations", {}).get("ru") for c in periods)


def _described(payloads: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every command, sub-command and option in the payloads: each has a description."""
    for payload in payloads:
        yield payload
        yield from _described(payload.get("options", []))
