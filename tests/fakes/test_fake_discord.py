"""The fake Discord API, driven by a real discord.py client.

The client here is deliberately raw discord.py (a ``Client`` with a ``CommandTree``),
not the project's adapter: these tests pin down what the fake does, so the adapter's
tests can trust it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
import json
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands

from tests.fakes.discord import (
    DEFAULT_PERMISSIONS,
    EPHEMERAL,
    USE_APPLICATION_COMMANDS,
    VIEW_CHANNEL,
    FakeDiscord,
    shard_for,
)

ADA = 1_200_000_000_000_000_001
BOB = 1_200_000_000_000_000_002
CAROL = 1_200_000_000_000_000_003
GUILD = 1_300_000_000_000_000_001
CHANNEL = 1_300_000_000_000_000_002
# One more in the snowflake's timestamp bits: the guild falls in the other of two shards.
OTHER_GUILD = GUILD + (1 << 22)
OTHER_CHANNEL = 1_300_000_000_000_000_003
MESSAGES = "POST /channels/{channel_id}/messages"


class DoneView(discord.ui.View):
    """A persistent view: it answers presses on any message that carries its button."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Done", custom_id="coach:done", style=discord.ButtonStyle.success)
    async def done(
        self, interaction: discord.Interaction, button: discord.ui.Button[DoneView]
    ) -> None:
        await interaction.response.edit_message(content="Marked done", view=None)


class SixRows(discord.ui.View):
    """discord.py refuses to build more than five rows, so this one lies about them."""

    def to_components(self) -> list[dict[str, Any]]:
        button = {"type": 2, "style": 1, "label": "x", "custom_id": "row"}
        return [{"type": 1, "components": [{**button, "custom_id": f"row{i}"}]} for i in range(6)]


class Coach(discord.Client):
    def __init__(self, intents: discord.Intents | None = None, **options: Any) -> None:
        super().__init__(
            intents=intents or discord.Intents.default(), guild_ready_timeout=0.05, **options
        )
        self.tree = app_commands.CommandTree(self)
        self.errors: list[Exception] = []
        self.seen: list[discord.Interaction] = []
        self.inbox: list[discord.Message] = []
        self.removed: list[str] = []  # guild_channel_delete and guild_remove, as "event:id"
        self.slow_delay = 0.0
        self._add_commands()

    async def setup_hook(self) -> None:
        self.add_view(DoneView())

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self.seen.append(interaction)

    async def on_message(self, message: discord.Message) -> None:
        self.inbox.append(message)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        self.removed.append(f"channel:{channel.id}")

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.removed.append(f"guild:{guild.id}")

    async def on_guild_unavailable(self, guild: discord.Guild) -> None:
        self.removed.append(f"unavailable:{guild.id}")

    def _add_commands(self) -> None:
        tree = self.tree

        @tree.command(description="Today's plan")
        @app_commands.describe(n="Which week")
        async def today(interaction: discord.Interaction, n: int = 1) -> None:
            await interaction.response.send_message(f"Week {n}: read chapter {n}", view=DoneView())

        @tree.command(description="A plan that takes a while")
        async def later(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await asyncio.sleep(0.05)
            await interaction.followup.send("Your plan is ready", ephemeral=True)

        @tree.command(description="Answers after slow_delay seconds")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(self.slow_delay)
            await self._attempt(interaction.response.send_message("late"))

        @tree.command(description="Sends too much text")
        async def long(interaction: discord.Interaction) -> None:
            await self._attempt(interaction.response.send_message("x" * 2001))

        @tree.command(description="Sends a view Discord refuses")
        @app_commands.choices(kind=[app_commands.Choice(name=k, value=k) for k in ("id", "rows")])
        async def bad_view(interaction: discord.Interaction, kind: str) -> None:
            view: discord.ui.View = SixRows()
            if kind == "id":
                view = discord.ui.View()
                view.add_item(discord.ui.Button(label="x", custom_id="c" * 101))
            await self._attempt(interaction.response.send_message("menu", view=view))

        @tree.command(name="import", description="Imports a roadmap file")
        async def import_(interaction: discord.Interaction, file: discord.Attachment) -> None:
            data = await file.read()
            await interaction.response.send_message(
                f"{file.filename}: {len(data)} bytes, {data.decode()}"
            )

        @tree.command(description="Who and where")
        async def whoami(interaction: discord.Interaction) -> None:
            where = interaction.guild.name if interaction.guild else "DM"
            perms = interaction.permissions.send_messages
            await interaction.response.send_message(
                f"{interaction.user.name} in {where}, send={perms}"
            )

        settings = app_commands.Group(name="settings", description="Your settings")

        @settings.command(description="Sets your time zone")
        async def zone(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(f"zone={name}", ephemeral=True)

        tree.add_command(settings)

    async def _attempt(self, call: Any) -> None:
        try:
            await call
        except discord.HTTPException as error:
            self.errors.append(error)


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """discord.py's REST base is a class attribute; the gateway URL is set from
    /gateway/bot once logged in.  Both are restored for the next test."""
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    try:
        yield
    finally:
        discord.http.Route.BASE = base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, client: Coach, *, sync: bool = True) -> AsyncIterator[Coach]:
    with pointed_at(fake):
        await client.login(fake.token)
        _, url, _ = await client.http.get_bot_gateway()
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        connecting = asyncio.create_task(client.connect())
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {connecting, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED
            )
            if connecting in done:
                connecting.result()
            assert ready in done, "the client did not get ready"
            if sync:
                await client.tree.sync()
            yield client
        finally:
            ready.cancel()
            await client.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connecting, 10)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    # A generous deadline: a loaded machine must not fail interactions by accident.
    async with FakeDiscord(interaction_deadline=10.0) as server:
        server.add_user(ADA, "ada", "Ada")
        server.add_user(BOB, "bob")
        server.add_guild(GUILD, "Study Hall", owner_id=ADA)
        server.add_channel(GUILD, CHANNEL, "general")
        server.add_member(GUILD, BOB)
        yield server
        assert server.internal_errors == []


@pytest.fixture
async def client(fake: FakeDiscord) -> AsyncIterator[Coach]:
    async with running(fake, Coach()) as connected:
        yield connected


def guild_channel(client: Coach) -> discord.TextChannel:
    channel = client.get_channel(CHANNEL)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def wait_errors(client: Coach, count: int = 1) -> list[Exception]:
    for _ in range(500):
        if len(client.errors) >= count:
            return client.errors
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {count} client errors, got {client.errors}")


def last_error(fake: FakeDiscord) -> Any:
    """The JSON of the fake's latest error answer: discord.py keeps only a flattened text."""
    failed = [r for r in fake.requests if r.error is not None]
    assert failed, fake.dump()
    return failed[-1].error


# ------------------------------------------------------------------------ gateway


async def test_connects_identifies_and_acknowledges_heartbeats(fake: FakeDiscord) -> None:
    fake.heartbeat_interval_ms = 100
    async with running(fake, Coach()) as client:
        await fake.wait_for(lambda f: len(f.heartbeats) >= 3)
        connection = fake.connections[0]
        assert connection.query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
        assert fake.identifies[0]["intents"] == discord.Intents.default().value
        assert "token" not in fake.identifies[0]
        assert client.user is not None and client.user.id == fake.bot.id
        assert client.application_id == fake.application_id
        assert client.latency < 5  # heartbeats were acknowledged
        guild = client.get_guild(GUILD)
        assert guild is not None and guild.name == "Study Hall"
        assert guild.get_channel(CHANNEL) is not None


async def test_privileged_intent_not_enabled_closes_with_4014(fake: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running(fake, Coach(intents)):
            pass
    assert fake.connections[-1].close_code == 4014


async def test_privileged_intent_enabled_for_the_application() -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    async with FakeDiscord(message_content_intent=True) as fake, running(fake, Coach(intents)):
        assert fake.identifies[0]["intents"] & (1 << 15)


async def test_raw_gateway_speaks_zlib_stream_and_refuses_a_bad_token(fake: FakeDiscord) -> None:
    url = f"{fake.gateway_url}?v=10&encoding=json&compress=zlib-stream"
    inflate = zlib.decompressobj()
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        frame = await ws.receive(timeout=5)
        assert frame.type is aiohttp.WSMsgType.BINARY
        assert frame.data.endswith(b"\x00\x00\xff\xff")
        hello = json.loads(inflate.decompress(frame.data))
        assert hello == {"op": 10, "d": {"heartbeat_interval": 41250}}
        await ws.send_json({"op": 1, "d": None})
        ack = json.loads(inflate.decompress((await ws.receive(timeout=5)).data))
        assert ack["op"] == 11
        await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 0, "properties": {}}})
        closing = await ws.receive(timeout=5)
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 4004


async def test_login_needs_the_bot_token(fake: FakeDiscord) -> None:
    client = Coach()
    with pointed_at(fake), pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()
    assert fake.requests[-1].route == "GET /users/@me"
    assert fake.requests[-1].status == 401


async def test_gateway_bot_points_back_at_the_fake(fake: FakeDiscord, client: Coach) -> None:
    shards, url, limits = await client.http.get_bot_gateway()
    assert (shards, url) == (1, fake.gateway_url)
    assert limits["max_concurrency"] == 1
    assert {r.route for r in fake.requests} >= {"GET /users/@me", "GET /oauth2/applications/@me"}


async def test_reconnect_resumes_and_replays_missed_events(
    fake: FakeDiscord, client: Coach
) -> None:
    await fake.disconnect(code=4000)
    # Dispatched while the client is away: kept for the RESUME.
    inter = await fake.slash(ADA, "today", {"n": 2})
    await fake.wait_for(lambda f: len(f.resumes) == 1)
    assert await inter.wait_answered(timeout=10) == 4
    assert fake.resumes[0]["session_id"] == fake.connections[0].session_id
    assert len(fake.identifies) == 1


async def test_an_unresumable_session_makes_the_client_identify_again(
    fake: FakeDiscord, client: Coach
) -> None:
    await fake.disconnect(code=4000, resumable=False)
    await fake.wait_for(lambda f: len(f.identifies) == 2, timeout=10)
    await fake.wait_for(lambda f: f.connections[-1].session_id is not None)
    inter = await fake.slash(ADA, "today")
    assert await inter.wait_answered(timeout=10) == 4


# ------------------------------------------------------------------------ commands


async def test_sync_registers_typed_commands(fake: FakeDiscord, client: Coach) -> None:
    today = fake.commands["today"]
    [week] = today["options"]
    assert (week["name"], week["type"], week.get("required", False)) == ("n", 4, False)
    assert fake.commands["settings"]["options"][0]["type"] == 1
    first_id = today["id"]
    await client.tree.sync()
    assert fake.commands["today"]["id"] == first_id  # a bulk overwrite keeps ids by name


async def test_sync_rejects_invalid_commands_whole(fake: FakeDiscord, client: Coach) -> None:
    before = dict(fake.commands)
    bad = [{"type": 1, "name": "Bad Name", "description": "x" * 101}]
    with pytest.raises(discord.HTTPException) as raised:
        await client.http.bulk_upsert_global_commands(fake.application_id, bad)
    assert (raised.value.status, raised.value.code) == (400, 50035)
    assert "In 0.name: Command name is invalid" in raised.value.text
    errors = last_error(fake)["errors"]["0"]
    assert errors["name"]["_errors"][0]["code"] == "APPLICATION_COMMAND_INVALID_NAME"
    assert errors["description"]["_errors"][0]["code"] == "BASE_TYPE_BAD_LENGTH"
    assert fake.commands == before

    @client.tree.command(description="y" * 101)
    async def wordy(interaction: discord.Interaction) -> None:
        raise AssertionError("never registered")

    with pytest.raises(discord.HTTPException) as raised:
        await client.tree.sync()
    assert raised.value.code == 50035


async def test_required_options_come_first(fake: FakeDiscord, client: Coach) -> None:
    options = [
        {"type": 3, "name": "a", "description": "a"},
        {"type": 3, "name": "b", "description": "b", "required": True},
    ]
    command = {"type": 1, "name": "odd", "description": "d", "options": options}
    with pytest.raises(discord.HTTPException) as raised:
        await client.http.bulk_upsert_global_commands(fake.application_id, [command])
    assert raised.value.code == 50035
    codes = last_error(fake)["errors"]["0"]["options"]["1"]["_errors"]
    assert codes[0]["code"] == "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"


async def test_an_unregistered_command_cannot_be_run(fake: FakeDiscord) -> None:
    async with running(fake, Coach(), sync=False):
        with pytest.raises(KeyError, match="no command 'today'"):
            await fake.slash(ADA, "today")


# ------------------------------------------------------------------------ interactions


async def test_slash_command_answered_in_dm(fake: FakeDiscord, client: Coach) -> None:
    inter = await fake.slash(ADA, "today", {"n": 3})
    assert await inter.wait_answered() == 4
    assert not inter.ephemeral
    original = inter.original
    assert original is not None
    assert original["content"] == "Week 3: read chapter 3"
    assert original["author"]["id"] == str(fake.bot.id)
    button = original["components"][0]["components"][0]
    assert (button["custom_id"], button["label"]) == ("coach:done", "Done")
    assert fake.dm_messages(ADA) == [original]
    assert inter.payload["context"] == 1 and "user" in inter.payload


async def test_slash_command_in_a_guild_channel_carries_the_member(
    fake: FakeDiscord, client: Coach
) -> None:
    inter = await fake.slash(BOB, "whoami", channel_id=CHANNEL)
    await inter.wait_answered()
    assert inter.original is not None
    assert inter.original["content"] == "bob in Study Hall, send=True"
    assert fake.channel_messages(CHANNEL)[0]["id"] == inter.original["id"]
    assert inter.payload["member"]["user"]["id"] == str(BOB)


async def test_subcommand_and_ephemeral_answer(fake: FakeDiscord, client: Coach) -> None:
    inter = await fake.slash(ADA, "settings zone", {"name": "Europe/Paris"})
    await inter.wait_answered()
    assert inter.ephemeral
    assert inter.original is not None and inter.original["flags"] & EPHEMERAL
    assert inter.original["content"] == "zone=Europe/Paris"


async def test_deferred_then_followed_up(fake: FakeDiscord, client: Coach) -> None:
    inter = await fake.slash(ADA, "later")
    assert await inter.wait_answered() == 5
    assert inter.ephemeral
    [message] = await inter.wait_for_messages(1)
    assert message["content"] == "Your plan is ready"
    assert message["flags"] & EPHEMERAL
    # The first followup completes the "thinking" message rather than adding one.
    assert inter.original == message
    assert inter.followups == []


async def test_missing_the_deadline_fails_the_interaction(fake: FakeDiscord, client: Coach) -> None:
    fake.interaction_deadline = 0.5
    client.slow_delay = 1.0
    inter = await fake.slash(ADA, "slow")
    await inter.wait_until(lambda i: i.failed, timeout=5)
    [error] = await wait_errors(client)
    assert isinstance(error, discord.NotFound)
    assert error.code == 10062
    assert not inter.answered
    assert inter.callbacks == [(4, 404)]
    assert fake.dm_messages(ADA) == []


async def test_a_second_callback_is_refused_with_40060(fake: FakeDiscord, client: Coach) -> None:
    inter = await fake.slash(ADA, "today")
    await inter.wait_answered()
    url = f"{fake.api_base}/interactions/{inter.id}/{inter.token}/callback"
    again = {"type": 4, "data": {"content": "again"}}
    async with aiohttp.ClientSession() as session, session.post(url, json=again) as response:
        assert response.status == 400
        assert response.headers["Content-Type"] == "application/json"
        assert await response.json() == {
            "message": "Interaction has already been acknowledged",
            "code": 40060,
        }


async def test_content_over_2000_characters_is_invalid(fake: FakeDiscord, client: Coach) -> None:
    await fake.slash(ADA, "long")
    [error] = await wait_errors(client)
    assert isinstance(error, discord.HTTPException) and error.code == 50035
    assert "In data.content: Must be 2000 or fewer in length." in error.text
    content = last_error(fake)["errors"]["data"]["content"]["_errors"][0]
    assert content == {
        "code": "BASE_TYPE_MAX_LENGTH",
        "message": "Must be 2000 or fewer in length.",
    }


async def test_custom_id_over_100_characters_is_invalid(fake: FakeDiscord, client: Coach) -> None:
    await fake.slash(ADA, "bad_view", {"kind": "id"})
    [error] = await wait_errors(client)
    assert isinstance(error, discord.HTTPException) and error.code == 50035
    tree = last_error(fake)["errors"]["data"]["components"]["0"]["components"]["0"]
    assert tree["custom_id"]["_errors"][0]["code"] == "BASE_TYPE_BAD_LENGTH"


async def test_more_than_five_rows_are_invalid(fake: FakeDiscord, client: Coach) -> None:
    await fake.slash(ADA, "bad_view", {"kind": "rows"})
    [error] = await wait_errors(client)
    assert isinstance(error, discord.HTTPException) and error.code == 50035
    rows = last_error(fake)["errors"]["data"]["components"]["_errors"][0]
    assert rows["code"] == "BASE_TYPE_MAX_LENGTH"


async def test_pressing_a_button_of_a_persistent_view(fake: FakeDiscord, client: Coach) -> None:
    inter = await fake.slash(ADA, "today")
    await inter.wait_answered()
    assert inter.original is not None
    with pytest.raises(ValueError, match="no component 'coach:nope'"):
        await fake.press(ADA, inter.original, "coach:nope")
    press = await fake.press(ADA, inter.original, "coach:done")
    assert await press.wait_answered() == 7
    edited = fake.message(int(inter.original["id"]))
    assert edited is not None
    assert edited["content"] == "Marked done"
    assert edited["components"] == []
    assert edited["edited_timestamp"] is not None
    assert press.messages == [edited]
    with pytest.raises(ValueError, match="no component"):
        await fake.press(ADA, edited, "coach:done")


async def test_attachment_option_is_downloadable(fake: FakeDiscord, client: Coach) -> None:
    inter = await fake.slash(ADA, "import", {"file": ("plan.md", b"# Week 1", "text/markdown")})
    await inter.wait_answered()
    assert inter.original is not None
    assert inter.original["content"] == "plan.md: 8 bytes, # Week 1"
    [attachment] = inter.payload["data"]["resolved"]["attachments"].values()
    assert attachment["url"].startswith(fake.base_url)


# ------------------------------------------------------------------------ REST


async def test_dm_to_a_user_who_blocked_the_bot(fake: FakeDiscord, client: Coach) -> None:
    fake.block_dms(BOB)
    channel = await client.create_dm(discord.Object(BOB))
    with pytest.raises(discord.Forbidden) as raised:
        await channel.send("Your week starts today")
    assert raised.value.code == 50007
    assert fake.dm_messages(BOB) == []
    ada = await client.create_dm(discord.Object(ADA))
    await ada.send("Your week starts today", file=discord.File(io.BytesIO(b"hi"), "notes.txt"))
    message = await fake.wait_for_dm(ADA)
    assert message["attachments"][0]["filename"] == "notes.txt"
    assert fake.attachment_bytes(message["attachments"][0]["id"]) == b"hi"


async def test_interaction_token_lasts_15_minutes() -> None:
    now = [1000.0]
    async with FakeDiscord(clock=lambda: now[0]) as fake, running(fake, Coach()) as client:
        fake.add_user(ADA, "ada")
        inter = await fake.slash(ADA, "today")
        await inter.wait_answered()
        [interaction] = client.seen
        await interaction.followup.send("still here")
        assert [m["content"] for m in inter.followups] == ["still here"]
        now[0] += 15 * 60 + 1
        with pytest.raises(discord.HTTPException) as raised:
            await interaction.followup.send("too late")
        assert (raised.value.status, raised.value.code) == (401, 50027)


async def test_a_user_message_reaches_the_client(fake: FakeDiscord, client: Coach) -> None:
    await fake.send_text(ADA, "hello coach")
    for _ in range(500):
        if client.inbox:
            break
        await asyncio.sleep(0.01)
    [message] = client.inbox
    assert (message.author.id, message.content) == (ADA, "hello coach")
    assert fake.dm_messages(ADA) == []  # the bot's messages only


async def test_embed_and_poll_limits(fake: FakeDiscord, client: Coach) -> None:
    channel = await client.create_dm(discord.Object(ADA))
    with pytest.raises(discord.HTTPException) as raised:
        await channel.send(embed=discord.Embed(title="t" * 257))
    assert "In embeds.0.title: Must be 256 or fewer in length." in raised.value.text
    fields = discord.Embed(title="many")
    for i in range(26):
        fields.add_field(name=f"f{i}", value="v")
    with pytest.raises(discord.HTTPException) as raised:
        await channel.send(embed=fields)
    assert "In embeds.0.fields" in raised.value.text
    poll = discord.Poll(question="q" * 301, duration=datetime.timedelta(hours=1))
    poll.add_answer(text="a" * 56)
    with pytest.raises(discord.HTTPException) as raised:
        await channel.send(poll=poll)
    errors = last_error(fake)["errors"]["poll"]
    assert set(errors) == {"question", "answers"}
    good = discord.Poll(question="Ready?", duration=datetime.timedelta(hours=1))
    good.add_answer(text="Yes")
    sent = await channel.send(poll=good)
    assert sent.poll is not None and sent.poll.question == "Ready?"


async def test_empty_message_is_refused(fake: FakeDiscord, client: Coach) -> None:
    channel = await client.create_dm(discord.Object(ADA))
    with pytest.raises(discord.HTTPException) as raised:
        await channel.send(embeds=[])
    assert raised.value.code == 50006


async def test_injected_429_is_waited_out(fake: FakeDiscord, client: Coach) -> None:
    channel = await client.create_dm(discord.Object(ADA))
    fake.fail_next("POST", "/channels/{channel_id}/messages", 429, retry_after=0.3)
    await channel.send("hello")
    sends = fake.requests_to(MESSAGES)
    assert [r.status for r in sends] == [429, 200]
    assert sends[1].at - sends[0].at >= 0.3
    assert fake.early_retries == []


async def test_message_bucket_is_respected_without_early_retries(
    fake: FakeDiscord, client: Coach
) -> None:
    fake.enforce_rates(global_per_second=None, per_route=(2, 0.5))
    channel = await client.create_dm(discord.Object(ADA))
    await asyncio.gather(*(channel.send(f"message {i}") for i in range(5)))
    assert len(fake.dm_messages(ADA)) == 5
    assert fake.early_retries == []
    assert all(r.status == 200 for r in fake.requests_to(MESSAGES))


async def test_global_limit_is_waited_out(fake: FakeDiscord, client: Coach) -> None:
    channel = await client.create_dm(discord.Object(ADA))
    fake.enforce_rates(global_per_second=2, per_route=None)
    for i in range(4):
        await channel.send(f"message {i}")
    assert fake.too_many_requests >= 1
    assert fake.early_retries == []
    assert len(fake.dm_messages(ADA)) == 4


async def test_a_500_is_retried(fake: FakeDiscord, client: Coach) -> None:
    channel = await client.create_dm(discord.Object(ADA))
    fake.fail_next("POST", "/channels/{channel_id}/messages", 500)
    await channel.send("hello")
    assert [r.status for r in fake.requests_to(MESSAGES)] == [500, 200]
    assert len(fake.dm_messages(ADA)) == 1


# ------------------------------------------------------------------------ guild channels


async def test_bot_posts_to_a_guild_channel_with_embeds_buttons_and_files(
    fake: FakeDiscord, client: Coach
) -> None:
    channel = guild_channel(client)
    sent = await channel.send(
        "Week 1 standings",
        embed=discord.Embed(title="Standings", description="1. Ada"),
        view=DoneView(),
        file=discord.File(io.BytesIO(b"\x89PNG"), "standings.png"),
    )
    assert sent.guild is not None and sent.guild.id == GUILD
    [stored] = fake.channel_messages(CHANNEL)
    assert stored["id"] == str(sent.id)
    assert stored["embeds"][0]["title"] == "Standings"
    assert stored["components"][0]["components"][0]["custom_id"] == "coach:done"
    assert stored["attachments"][0]["filename"] == "standings.png"
    assert fake.attachment_bytes(stored["attachments"][0]["id"]) == b"\x89PNG"

    edited = await sent.edit(view=None)  # components: [] removes the buttons
    patch = fake.requests_to("PATCH /channels/{channel_id}/messages/{message_id}")[-1]
    assert patch.body["components"] == []
    assert edited.components == []
    message = fake.message(sent.id)
    assert message is not None
    assert message["components"] == []
    assert message["edited_timestamp"] is not None
    assert message["embeds"][0]["title"] == "Standings"  # untouched fields stay


async def test_a_guild_channel_has_its_own_message_bucket(fake: FakeDiscord, client: Coach) -> None:
    fake.enforce_rates(global_per_second=None, per_route=(2, 0.5))
    channel = guild_channel(client)
    await asyncio.gather(*(channel.send(f"standings {i}") for i in range(5)))
    assert [m["content"] for m in fake.channel_messages(CHANNEL)] == [
        f"standings {i}" for i in range(5)
    ]
    assert fake.early_retries == []

    # Raw requests: discord.py itself would sleep out an exhausted bucket and never 429.
    dm = await client.create_dm(discord.Object(ADA))
    fake.enforce_rates(global_per_second=None, per_route=(1, 60.0))
    statuses: list[int] = []
    async with aiohttp.ClientSession() as session:
        for channel_id in (CHANNEL, CHANNEL, dm.id):
            url = f"{fake.api_base}/channels/{channel_id}/messages"
            async with session.post(
                url, json={"content": "hi"}, headers={"Authorization": f"Bot {fake.token}"}
            ) as response:
                statuses.append(response.status)
                if response.status == 429:
                    assert (await response.json())["retry_after"] > 59
    assert statuses == [200, 429, 200]  # one bucket per channel


async def test_pressing_a_button_on_a_guild_channel_message(
    fake: FakeDiscord, client: Coach
) -> None:
    sent = await guild_channel(client).send("Quiz time", view=DoneView())
    press = await fake.press(BOB, sent.id, "coach:done")
    assert await press.wait_answered() == 7
    payload = press.payload
    assert (payload["guild_id"], payload["channel_id"], payload["context"]) == (
        str(GUILD),
        str(CHANNEL),
        0,
    )
    assert payload["channel"]["id"] == str(CHANNEL)
    assert payload["member"]["user"]["id"] == str(BOB)
    assert payload["member"]["permissions"] == str(DEFAULT_PERMISSIONS)
    assert "user" not in payload  # guild interactions carry the member instead
    [interaction] = [i for i in client.seen if i.id == press.id]
    assert interaction.guild_id == GUILD
    assert isinstance(interaction.user, discord.Member)
    assert interaction.permissions.value == DEFAULT_PERMISSIONS
    edited = fake.message(sent.id)
    assert edited is not None
    assert (edited["content"], edited["components"]) == ("Marked done", [])

    fake.add_user(CAROL, "carol")
    again = await guild_channel(client).send("Another", view=DoneView())
    with pytest.raises(KeyError, match="not a member"):
        await fake.press(CAROL, again.id, "coach:done")


async def test_member_permissions_reach_interaction_permissions(
    fake: FakeDiscord, client: Coach
) -> None:
    fake.add_user(CAROL, "carol")
    fake.add_member(GUILD, CAROL, permissions=VIEW_CHANNEL | USE_APPLICATION_COMMANDS)
    inter = await fake.slash(CAROL, "whoami", channel_id=CHANNEL)
    await inter.wait_answered()
    assert inter.original is not None
    assert inter.original["content"] == "carol in Study Hall, send=False"
    owner = await fake.slash(ADA, "whoami", channel_id=CHANNEL)
    await owner.wait_answered()
    [seen] = [i for i in client.seen if i.id == owner.id]
    assert seen.permissions.administrator


async def test_deleting_a_channel_dispatches_channel_delete(
    fake: FakeDiscord, client: Coach
) -> None:
    channel = guild_channel(client)
    sent = await channel.send("Week 1", view=DoneView())
    data = await fake.delete_channel(CHANNEL)
    assert (data["id"], data["guild_id"], data["type"]) == (str(CHANNEL), str(GUILD), 0)
    await fake.wait_for(lambda _: client.removed == [f"channel:{CHANNEL}"])
    assert client.get_channel(CHANNEL) is None

    with pytest.raises(discord.NotFound) as raised:
        await channel.send("anyone?")
    assert (raised.value.code, raised.value.text) == (10003, "Unknown Channel")
    with pytest.raises(discord.NotFound) as raised:
        await sent.edit(view=None)
    assert raised.value.code == 10003
    assert fake.channel_messages(CHANNEL) == []  # the messages went with the channel
    with pytest.raises(KeyError):
        await fake.press(BOB, sent.id, "coach:done")
    with pytest.raises(KeyError, match="unknown guild channel"):
        await fake.slash(BOB, "whoami", channel_id=CHANNEL)


async def test_removal_from_a_guild_dispatches_guild_delete(
    fake: FakeDiscord, client: Coach
) -> None:
    channel = guild_channel(client)
    sent = await channel.send("Week 1")
    await fake.remove_guild(GUILD)
    # No "unavailable": discord.py reads it as a removal, not an outage.
    await fake.wait_for(lambda _: client.removed == [f"guild:{GUILD}"])
    assert client.get_guild(GUILD) is None

    for attempt in (
        channel.send("anyone?"),
        sent.edit(content="edited"),
        client.fetch_channel(CHANNEL),
        client.tree.sync(guild=discord.Object(GUILD)),
    ):
        with pytest.raises(discord.Forbidden) as raised:
            await attempt
        assert (raised.value.code, raised.value.text) == (50001, "Missing Access")
    with pytest.raises(KeyError):
        await fake.slash(BOB, "whoami", channel_id=CHANNEL)
    dm = await client.create_dm(discord.Object(ADA))
    await dm.send("DMs still work")
    assert [m["content"] for m in fake.dm_messages(ADA)] == ["DMs still work"]


# ------------------------------------------------------------------------ shards


@pytest.fixture
async def two_guilds(fake: FakeDiscord) -> FakeDiscord:
    fake.add_guild(OTHER_GUILD, "Night Owls", owner_id=BOB)
    fake.add_channel(OTHER_GUILD, OTHER_CHANNEL, "late")
    assert (shard_for(GUILD, 2), shard_for(OTHER_GUILD, 2), shard_for(None, 2)) == (0, 1, 0)
    return fake


async def test_each_shard_gets_its_guilds_events_and_shard_0_the_dms(
    two_guilds: FakeDiscord,
) -> None:
    fake = two_guilds
    async with (
        running(fake, Coach(shard_id=0, shard_count=2)) as first,
        running(fake, Coach(shard_id=1, shard_count=2), sync=False) as second,
    ):
        assert [i["shard"] for i in fake.identifies] == [[0, 2], [1, 2]]
        assert fake.shards == [(0, 2), (1, 2)]
        assert [g.id for g in first.guilds] == [GUILD]
        assert [g.id for g in second.guilds] == [OTHER_GUILD]

        here = await fake.slash(BOB, "whoami", channel_id=CHANNEL)
        there = await fake.slash(BOB, "whoami", channel_id=OTHER_CHANNEL)
        dm = await fake.slash(ADA, "today")
        for interaction in (here, there, dm):
            assert await interaction.wait_answered() == 4
        assert (here.delivered_to, there.delivered_to, dm.delivered_to) == (
            [(0, 2)],
            [(1, 2)],
            [(0, 2)],
        )
        assert sorted(i.id for i in first.seen) == sorted([here.id, dm.id])
        assert [i.id for i in second.seen] == [there.id]
        assert there.original is not None and "Night Owls" in there.original["content"]

        await fake.remove_guild(OTHER_GUILD)
        await fake.wait_for(lambda _: second.removed == [f"guild:{OTHER_GUILD}"])
        assert first.removed == []


async def test_a_shard_resumes_on_its_own(two_guilds: FakeDiscord) -> None:
    fake = two_guilds
    async with (
        running(fake, Coach(shard_id=0, shard_count=2)) as first,
        running(fake, Coach(shard_id=1, shard_count=2), sync=False) as second,
    ):
        with pytest.raises(RuntimeError, match="name one"):
            await fake.disconnect(code=4000)
        await fake.disconnect(code=4000, shard=1)
        missed = await fake.slash(BOB, "whoami", channel_id=OTHER_CHANNEL)
        await fake.wait_for(lambda f: len(f.resumes) == 1)
        assert await missed.wait_answered(timeout=10) == 4
        assert [i.id for i in second.seen] == [missed.id]
        assert first.seen == []
        assert len(fake.identifies) == 2


async def test_a_guild_whose_shard_has_no_session_hears_nothing(two_guilds: FakeDiscord) -> None:
    fake = two_guilds
    async with running(fake, Coach(shard_id=0, shard_count=2)) as only:
        lost = await fake.slash(BOB, "whoami", channel_id=OTHER_CHANNEL)
        assert lost.delivered_to == []
        heard = await fake.slash(BOB, "whoami", channel_id=CHANNEL)
        await heard.wait_answered()
        assert [i.id for i in only.seen] == [heard.id]
        assert not lost.answered


async def test_an_unsharded_session_gets_every_guild(two_guilds: FakeDiscord) -> None:
    fake = two_guilds
    async with running(fake, Coach()) as client:
        assert "shard" not in fake.identifies[0]
        assert fake.shards == [(0, 1)]
        assert sorted(g.id for g in client.guilds) == [GUILD, OTHER_GUILD]


async def test_two_clients_on_one_shard_both_get_every_interaction(fake: FakeDiscord) -> None:
    """Why workers shard: without it, each interaction reaches every one of them, and all
    but the first answer are refused."""
    async with running(fake, Coach()) as first, running(fake, Coach(), sync=False) as second:
        assert fake.shards == [(0, 1), (0, 1)]
        inter = await fake.slash(BOB, "whoami", channel_id=CHANNEL)
        await fake.wait_for(lambda _: len(inter.callbacks) == 2)
        assert inter.delivered_to == [(0, 1), (0, 1)]
        assert [i.id for i in first.seen] == [i.id for i in second.seen] == [inter.id]
        assert sorted(status for _, status in inter.callbacks) == [200, 400]
    assert fake.shards == []


async def test_an_invalid_shard_closes_with_4010(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        for shard in ([2, 2], [0, 0], [-1, 2], [0], "0,1"):
            async with session.ws_connect(f"{fake.gateway_url}?v=10&encoding=json") as ws:
                await ws.receive_json(timeout=5)  # HELLO
                identify = {"token": fake.token, "intents": 1, "properties": {}, "shard": shard}
                await ws.send_json({"op": 2, "d": identify})
                closing = await ws.receive(timeout=5)
                assert closing.type is aiohttp.WSMsgType.CLOSE, shard
                assert ws.close_code == 4010, shard
    assert fake.shards == []


async def test_gateway_bot_recommends_the_shard_count() -> None:
    async with FakeDiscord(recommended_shards=4) as fake:
        client = Coach()
        with pointed_at(fake):
            await client.login(fake.token)
            shards, _, _ = await client.http.get_bot_gateway()
            await client.close()
    assert shards == 4
