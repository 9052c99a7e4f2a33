"""Study groups on Discord as a server meets them: real discord.py over HTTP and the gateway
against the fake, the core on SQLite and PostgreSQL, the outbox posting to the channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord import bot as discord_bot
from adapters.discord.bot import DiscordAdapter, use_api_base
from adapters.discord.messenger import DiscordMessenger
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.commands import Command, Group, Review, Submit, Unparsed
from core.kernel.errors import Unreachable
from core.kernel.refs import ChatContext, ChatRef, LearnerRef
from core.kernel.reply import Outcome, Reply
from core.storage import models as m
from tests.e2e.discord_support import (
    ADA_DC,
    BOB_DC,
    CHANNEL,
    CY_DC,
    DI_DC,
    EPHEMERAL,
    GUILD,
    DmOutbox,
    JsonDict,
    RecordingCoach,
    Running,
    custom_ids,
    posts,
    run,
    said_in,
    shown,
    text,
)
from tests.fakes.discord import DEFAULT_PERMISSIONS, FakeDiscord, FakeInteraction
from tests.fakes.pseudo_locale import as_said

MOD_DC = 2_000_000_000_000_000_005  # may manage channels, not the server
CHANNEL2 = 3_000_000_000_000_000_003
GONE_CHANNEL = 3_000_000_000_000_000_099  # never known to Discord (deleted while offline)
MANAGE_CHANNELS = 1 << 4
NINE = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # Monday: the default digest, a quiz day
SENDS = "POST /channels/{channel_id}/messages"


@pytest.fixture(autouse=True)
def _restore_discord_endpoints() -> Any:
    gateway = DiscordWebSocket.DEFAULT_GATEWAY
    yield
    use_api_base(None)
    DiscordWebSocket.DEFAULT_GATEWAY = gateway


def more_of_the_server(dc: FakeDiscord) -> None:
    """The server has more people and a second channel before the bot connects, so they
    arrive in its GUILD_CREATE as they would on Discord."""
    for user, name in ((CY_DC, "Cy"), (DI_DC, "Di"), (MOD_DC, "Mo")):
        dc.add_user(user, name.lower(), name)
    dc.add_member(GUILD, CY_DC)
    dc.add_member(GUILD, DI_DC)
    dc.add_member(GUILD, MOD_DC, permissions=DEFAULT_PERMISSIONS | MANAGE_CHANNELS)
    dc.add_channel(GUILD, CHANNEL2, "rust")


@pytest.fixture
async def adapter(dc: FakeDiscord, coach: Coach) -> AsyncIterator[DiscordAdapter]:
    more_of_the_server(dc)
    async with Running(dc, coach) as running:
        yield running
    assert dc.internal_errors == []


@pytest.fixture
def outbox(
    adapter: DiscordAdapter, coach: Coach, engine: AsyncEngine, clock: FrozenClock
) -> DmOutbox:
    return DmOutbox(adapter, coach, engine, clock)  # DMs and channel posts alike


def public(interaction: FakeInteraction) -> bool:
    return not interaction.ephemeral and not any(
        message["flags"] & EPHEMERAL for message in interaction.messages
    )


def sends_to(dc: FakeDiscord, channel: int) -> list[Any]:
    return [r for r in dc.requests_to(SENDS) if f"/channels/{channel}/" in r.path]


async def set_up(dc: FakeDiscord, user: int = BOB_DC, channel: int = CHANNEL) -> None:
    answer = await said_in(dc, user, "group setup", channel)
    assert "now a study group" in shown(answer), shown(answer)


async def group_row(engine: AsyncEngine, channel: int) -> Any:
    async with engine.connect() as connection:
        return (
            await connection.execute(
                select(m.StudyGroup).where(m.StudyGroup.external_id == str(channel))
            )
        ).one()


async def pending_for(engine: AsyncEngine, channel: int) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(m.OutboxMessage.kind)
            .join(m.StudyGroup, m.StudyGroup.id == m.OutboxMessage.group_id)
            .where(m.StudyGroup.external_id == str(channel), m.OutboxMessage.status == "pending")
        )
        return sorted(kind for (kind,) in rows)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Gateway events reach the core on their own time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        assert loop.time() < deadline, "the condition never held"
        await asyncio.sleep(0.02)


# -- setting up, joining -----------------------------------------------------------------


async def test_setup_is_for_those_who_manage_the_server_or_the_channel(
    dc: FakeDiscord, adapter: DiscordAdapter, engine: AsyncEngine
) -> None:
    assert {"group", "join", "leave", "leaderboard", "submit", "review", "share"} <= set(
        dc.commands
    )
    # /group is hidden from members; a server that shows it to one anyway (its own
    # override) still has the coach refuse them.
    with pytest.raises(ValueError, match="not offered to this member"):
        await said_in(dc, ADA_DC, "group setup")
    dc.allow_command(GUILD, "group", ADA_DC)
    refused = await said_in(dc, ADA_DC, "group setup")
    assert refused.ephemeral and "Only the group's admins" in shown(refused)

    # The owner's setup is news for the whole channel.
    done = await said_in(dc, BOB_DC, "group setup")
    assert public(done) and "This chat is now a study group" in shown(done)
    assert [msg["id"] for msg in posts(dc)] == [done.messages[0]["id"]]
    group = await group_row(engine, CHANNEL)
    assert (group.platform, group.parent, group.title) == ("discord", str(GUILD), "python")

    # Manage Channels alone is enough.
    mod = await said_in(dc, MOD_DC, "group setup", CHANNEL2, track="python-backend")
    assert public(mod) and "now a study group" in shown(mod)

    change = await said_in(dc, ADA_DC, "group time", time="07:00")
    assert change.ephemeral and "change the group's schedule" in shown(change)
    # A member sees the group's week with /schedule, /group being hidden from them.
    with pytest.raises(ValueError, match="not offered to this member"):
        await said_in(dc, CY_DC, "group show")
    status = await said_in(dc, ADA_DC, "schedule")
    assert status.ephemeral and "not a member yet" in shown(status)

    # /group is a server command: Discord does not offer it in a DM at all.
    with pytest.raises(ValueError, match="not offered in DMs"):
        await run(dc, ADA_DC, "group setup", None)


async def test_join_and_leave(dc: FakeDiscord, adapter: DiscordAdapter) -> None:
    nothing = await said_in(dc, ADA_DC, "join")
    assert nothing.ephemeral and "not a study group" in shown(nothing)
    await set_up(dc)
    joined = await said_in(dc, ADA_DC, "join")
    assert public(joined) and "Welcome, Ada" in shown(joined)
    again = await said_in(dc, ADA_DC, "join")
    assert again.ephemeral and "already in" in shown(again)
    # Her own commands in the channel stay hers.
    today = await said_in(dc, ADA_DC, "today")
    assert today.ephemeral and "Week 1" in shown(today)
    left = await said_in(dc, ADA_DC, "leave")
    assert public(left) and "Ada left the group" in shown(left)
    gone = await said_in(dc, ADA_DC, "leave")
    assert gone.ephemeral and "not in this group" in shown(gone)


async def test_a_members_buttons_in_a_channel_are_theirs_alone(
    dc: FakeDiscord, adapter: DiscordAdapter, engine: AsyncEngine
) -> None:
    await set_up(dc)
    await said_in(dc, ADA_DC, "join")
    today = await said_in(dc, ADA_DC, "today")
    [message] = [m for m in today.messages if custom_ids(m)]
    tick = custom_ids(message)[0]
    # Her answer is for her eyes: Discord offers its buttons to nobody else.
    with pytest.raises(ValueError, match="ephemeral"):
        await dc.press(BOB_DC, message, tick)
    pressed = await dc.press(ADA_DC, message, tick)
    assert await pressed.wait_answered(timeout=10) == 7  # her message, updated in place
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(m.Completion)) == 1


async def test_the_leaderboard_ranks_done_then_quiz_then_streak_and_ties_share_a_place(
    dc: FakeDiscord, adapter: DiscordAdapter
) -> None:
    await set_up(dc)  # Bob joins as he sets it up
    for user in (ADA_DC, CY_DC, DI_DC):
        await said_in(dc, user, "join")
    await said_in(dc, ADA_DC, "done")
    await run(dc, ADA_DC, "done")  # in a DM: the same progress
    await said_in(dc, CY_DC, "done")
    await said_in(dc, DI_DC, "done")

    board = await said_in(dc, DI_DC, "leaderboard")
    assert public(board)
    lines = [line for line in shown(board).splitlines() if line[:1].isdigit()]
    assert lines[0].startswith("1. Ada: 2 done")
    # Cy and Di tie on every figure: one place, Cy first because Cy joined first.
    assert lines[1].startswith("2. Cy: 1 done") and lines[2].startswith("2. Di: 1 done")
    assert lines[3].startswith("4. Bob: 0 done")

    hidden = await said_in(dc, ADA_DC, "share", what="done", state="off")
    assert hidden.ephemeral and "Items done: private" in shown(hidden)
    board = await said_in(dc, CY_DC, "leaderboard")
    ada = next(line for line in shown(board).splitlines() if "Ada" in line)
    assert ": –," in ada and "2 done" not in ada
    assert ada.startswith("4. ")  # a hidden figure ranks below any shared one


async def test_sharing_buttons_act_in_the_channel_they_were_pressed_in(
    dc: FakeDiscord, adapter: DiscordAdapter
) -> None:
    await set_up(dc)
    await said_in(dc, ADA_DC, "join")
    sharing = (await said_in(dc, ADA_DC, "share")).messages[0]
    assert "share:mentions on" in " ".join(custom_ids(sharing))
    pressed = await dc.press(ADA_DC, sharing, "a:share:mentions on")
    assert await pressed.wait_answered(timeout=10) == 7
    assert "Named in the digest when you fall behind: yes" in text(
        dc.message(int(sharing["id"])) or {}
    )


async def test_submit_and_review(dc: FakeDiscord, adapter: DiscordAdapter) -> None:
    await set_up(dc)
    early = await said_in(dc, ADA_DC, "submit", text="https://github.com/ada/inventory")
    assert early.ephemeral and "Join the group first" in shown(early)
    await said_in(dc, ADA_DC, "join")
    posted = await said_in(dc, ADA_DC, "submit", text="https://github.com/ada/inventory")
    assert public(posted) and "#1: Ada shared" in shown(posted)
    assert "https://github.com/ada/inventory" in shown(posted)
    own = await said_in(dc, ADA_DC, "review", number=1, comment="nice")
    assert own.ephemeral and "yours" in shown(own)
    missing = await said_in(dc, BOB_DC, "review", number=9, comment="nice")
    assert missing.ephemeral and "no project #9" in shown(missing)
    review = await said_in(dc, BOB_DC, "review", number=1, comment="Clear README, add *tests*")
    assert public(review) and "Bob reviewed #1 by Ada" in shown(review)
    assert "Clear README, add *tests*" in shown(review)  # shown as written, not as markdown


async def test_a_review_picked_by_its_number_option_reviews_that_project(
    dc: FakeDiscord, coach: Coach, engine: AsyncEngine
) -> None:
    more_of_the_server(dc)
    recording = RecordingCoach(coach)
    async with Running(dc, recording):  # type: ignore[arg-type]
        await set_up(dc)
        for user in (ADA_DC, CY_DC, DI_DC):
            await said_in(dc, user, "join")
            await said_in(dc, user, "submit", text=f"https://github.com/{user}/project")
        assert recording.commands[-1] == Submit(f"https://github.com/{DI_DC}/project")
        review = await said_in(dc, BOB_DC, "review", number=3, comment="Tidy, add tests")
        assert recording.commands[-1] == Review(3, "Tidy, add tests")
        assert public(review) and "#3 by Di" in shown(review)
    async with engine.connect() as connection:
        reviewed = (
            await connection.execute(
                select(m.Submission.number, m.Submission.text, m.SubmissionReview.comment).join(
                    m.SubmissionReview, m.SubmissionReview.submission_id == m.Submission.id
                )
            )
        ).all()
    assert [tuple(row) for row in reviewed] == [
        (3, f"https://github.com/{DI_DC}/project", "Tidy, add tests")
    ]
    assert dc.internal_errors == []


# -- answers that take a while ------------------------------------------------------------


class SlowCoach:
    def __init__(self, coach: Coach) -> None:
        self._coach = coach

    def __getattr__(self, name: str) -> Any:
        return getattr(self._coach, name)

    async def run(self, who: LearnerRef, command: Command | Unparsed, **kwargs: Any) -> Outcome:
        await asyncio.sleep(0.5)
        return await self._coach.run(who, command, **kwargs)


async def test_a_slow_group_answer_is_deferred_where_it_will_be_seen(
    dc: FakeDiscord, coach: Coach, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord_bot, "DEFER_AFTER", 0.1)
    async with Running(dc, SlowCoach(coach)):  # type: ignore[arg-type]
        setup = await dc.slash(BOB_DC, "group setup", None, channel_id=CHANNEL)
        [news] = await setup.wait_for_messages(1, timeout=10)
        assert setup.response_type == 5 and public(setup)
        assert "now a study group" in text(news)

        # A refusal deferred in the open: the "thinking…" message goes, the answer is private
        # (to a member the server shows /group to).
        dc.allow_command(GUILD, "group", ADA_DC)
        refused = await dc.slash(ADA_DC, "group off", None, channel_id=CHANNEL)
        [answer] = await refused.wait_for_messages(1, timeout=10)
        assert refused.response_type == 5 and refused.deleted_original
        assert answer["flags"] & EPHEMERAL and "Only the group's admins" in text(answer)
        assert [text(msg) for msg in posts(dc)] == [text(news)]
    assert not refused.failed and dc.internal_errors == []


# -- the outbox: digests, mentions, quizzes ---------------------------------------------------


async def test_the_digest_comes_at_the_groups_local_time(
    dc: FakeDiscord, adapter: DiscordAdapter, outbox: DmOutbox
) -> None:
    await set_up(dc)  # Monday 08:00 UTC
    zone = await said_in(dc, BOB_DC, "group timezone", zone="Europe/Berlin")
    assert public(zone) and "time zone is now Europe/Berlin" in shown(zone)
    at = await said_in(dc, BOB_DC, "group time", time="08:00")
    assert public(at) and "digest now comes at 08:00" in shown(at)
    before = len(posts(dc))

    # 08:00 in Berlin on Monday had passed already; Tuesday's is at 07:00 UTC.
    await outbox.deliver_at(datetime(2026, 11, 17, 6, 59, tzinfo=UTC))
    assert len(posts(dc)) == before
    await outbox.deliver_at(datetime(2026, 11, 17, 7, 0, tzinfo=UTC))
    [digest] = posts(dc)[before:]
    assert "Group digest, Tue 17 Nov: week 1" in text(digest)


async def test_a_member_who_asked_is_pinged_when_behind_and_nobody_else(
    dc: FakeDiscord,
    adapter: DiscordAdapter,
    outbox: DmOutbox,
    clock: FrozenClock,
) -> None:
    clock.set(datetime(2026, 11, 15, 20, 0, tzinfo=UTC))  # Sunday: the group's week 1
    await set_up(dc)
    clock.set(NINE - timedelta(hours=1))  # Monday: the group is on week 2
    for user in (ADA_DC, CY_DC):
        await said_in(dc, user, "join")  # both start on week 1, so both are behind
    ping = await said_in(dc, ADA_DC, "share", what="mentions", state="on")
    assert "Named in the digest when you fall behind: yes" in shown(ping)

    await outbox.deliver_at(NINE)
    [digest] = [msg for msg in posts(dc) if "Group digest" in (msg.get("content") or "")]
    content = digest["content"]
    assert f"<@{ADA_DC}>" in content and "<@" not in content.replace(f"<@{ADA_DC}>", "")
    assert digest["embeds"] == []  # a mention in an embed would notify no one
    [request] = [r for r in sends_to(dc, CHANNEL) if "Group digest" in r.body.get("content", "")]
    mentions = request.body["allowed_mentions"]
    assert mentions["parse"] == [] and [int(user) for user in mentions["users"]] == [ADA_DC]
    # Every other post pings no one.
    for other in sends_to(dc, CHANNEL):
        if other is not request:
            assert other.body.get("allowed_mentions", {"parse": []}) == {"parse": []}


async def quiz_post(dc: FakeDiscord) -> JsonDict:
    [quiz] = [msg for msg in posts(dc) if any(c.startswith("q:g") for c in custom_ids(msg))]
    return quiz


async def test_a_group_quiz_is_answered_by_button_and_closed_with_a_tally(
    dc: FakeDiscord, adapter: DiscordAdapter, outbox: DmOutbox, engine: AsyncEngine
) -> None:
    await set_up(dc)  # Monday 08:00 UTC: digest at 09:00 UTC, and a quiz on Mondays
    for user in (ADA_DC, CY_DC, DI_DC):
        await said_in(dc, user, "join")
    await outbox.deliver_at(NINE)
    quiz = await quiz_post(dc)
    assert quiz["embeds"][0]["title"] == "Group quiz"
    assert "Group quiz on week 1" in quiz["content"]  # its introduction, on the same post
    async with engine.connect() as connection:
        record = (await connection.execute(select(m.GroupQuiz))).one()
    assert (record.poll_ref, record.message_ref) == (f"g{record.id}", quiz["id"])
    options = custom_ids(quiz)
    assert options == [f"q:g{record.id}:{n}" for n in range(len(options))]
    right = options[record.correct_option]
    wrong = options[(record.correct_option + 1) % len(options)]

    for user, choice, said_back in (
        (ADA_DC, right, "Right!"),
        (CY_DC, wrong, "Not quite"),
        (DI_DC, right, "Right!"),
    ):
        pressed = await dc.press(user, quiz, choice)
        [feedback] = await pressed.wait_for_messages(1, timeout=10)
        assert pressed.ephemeral and said_back in text(feedback)
    again = await dc.press(ADA_DC, quiz, wrong)
    [feedback] = await again.wait_for_messages(1, timeout=10)
    assert again.ephemeral and "answered this one already" in text(feedback)

    # The close row comes 8 hours after the digest: the buttons go, the tally is posted.
    await outbox.deliver_at(NINE + timedelta(hours=8))
    assert (dc.message(int(quiz["id"])) or {})["components"] == []
    [summary] = [msg for msg in posts(dc) if "The group quiz is closed" in text(msg)]
    assert "3 answered, 2 got it right" in text(summary)
    with pytest.raises(ValueError, match="no component"):
        await dc.press(BOB_DC, quiz, right)


async def test_a_deleted_quiz_message_does_not_stop_the_tally(
    dc: FakeDiscord, adapter: DiscordAdapter, outbox: DmOutbox
) -> None:
    await set_up(dc)
    await outbox.deliver_at(NINE)
    quiz = await quiz_post(dc)
    await adapter.bot.get_partial_messageable(CHANNEL).get_partial_message(int(quiz["id"])).delete()
    await outbox.deliver_at(NINE + timedelta(hours=8))
    assert [
        r.code for r in dc.requests_to("PATCH /channels/{channel_id}/messages/{message_id}")
    ] == [10008]
    assert any("Nobody answered this time" in text(msg) for msg in posts(dc))


async def test_the_weekly_report_comes_on_the_last_study_day_at_six(
    dc: FakeDiscord, adapter: DiscordAdapter, outbox: DmOutbox
) -> None:
    await set_up(dc)
    await said_in(dc, ADA_DC, "join")
    await said_in(dc, ADA_DC, "done")
    saturday = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
    await outbox.deliver_at(saturday - timedelta(minutes=1))
    assert not [msg for msg in posts(dc) if "in review" in text(msg)]
    await outbox.deliver_at(saturday)
    [report] = [msg for msg in posts(dc) if "in review" in text(msg)]
    assert "1 of 2 members ticked something off" in text(report)
    assert "Furthest this week: Ada (1)" in text(report)


# -- refusals and the bot leaving ---------------------------------------------------------------


async def test_missing_permissions_fail_the_post_but_keep_the_group(
    dc: FakeDiscord, adapter: DiscordAdapter, outbox: DmOutbox, engine: AsyncEngine
) -> None:
    await set_up(dc)
    await said_in(dc, BOB_DC, "group quiz", days="off")
    dc.fail_next(
        "POST",
        rf"/channels/{CHANNEL}/messages",
        403,
        {"message": "Missing Permissions", "code": 50013},
    )
    await outbox.deliver_at(NINE)
    assert [r.code for r in sends_to(dc, CHANNEL)] == [50013]
    async with engine.connect() as connection:
        [row] = (
            await connection.execute(
                select(m.OutboxMessage).where(m.OutboxMessage.group_id.is_not(None))
            )
        ).all()
    assert (row.kind, row.status) == ("group_digest", "failed")
    assert (await group_row(engine, CHANNEL)).active


async def test_a_deleted_channel_ends_its_group(
    dc: FakeDiscord, adapter: DiscordAdapter, outbox: DmOutbox, engine: AsyncEngine
) -> None:
    await set_up(dc)
    await outbox.deliver_at(NINE)
    assert await pending_for(engine, CHANNEL) == ["group_close"]

    await dc.delete_channel(CHANNEL)

    async def ended() -> bool:
        return not (await group_row(engine, CHANNEL)).active

    await eventually(ended)
    assert await pending_for(engine, CHANNEL) == []
    sent = len(sends_to(dc, CHANNEL))
    await outbox.deliver_at(NINE + timedelta(hours=8))
    await outbox.deliver_at(NINE + timedelta(days=1))
    assert len(sends_to(dc, CHANNEL)) == sent
    assert dc.requests_to("PATCH /channels/{channel_id}/messages/{message_id}") == []


async def test_removing_the_bot_from_the_server_ends_every_group_there(
    dc: FakeDiscord, adapter: DiscordAdapter, outbox: DmOutbox, engine: AsyncEngine
) -> None:
    await set_up(dc)
    await set_up(dc, MOD_DC, CHANNEL2)
    await outbox.deliver_at(NINE)
    assert await pending_for(engine, CHANNEL2) == ["group_close"]

    await dc.remove_guild(GUILD)

    async def ended() -> bool:
        groups = [await group_row(engine, c) for c in (CHANNEL, CHANNEL2)]
        return not any(group.active for group in groups)

    await eventually(ended)
    assert await pending_for(engine, CHANNEL) == await pending_for(engine, CHANNEL2) == []
    sent = len(dc.requests)
    await outbox.deliver_at(NINE + timedelta(hours=8))
    assert not [r for r in dc.requests[sent:] if str(CHANNEL) in r.path or str(CHANNEL2) in r.path]
    # Had the event been missed, the next post would find the channel out of reach.
    with pytest.raises(Unreachable, match="Missing Access"):
        await DiscordMessenger(adapter).post(
            ChatRef("discord", str(CHANNEL)), Reply.text(as_said("hi"))
        )


async def test_a_channel_gone_while_the_bot_was_away_ends_its_group_at_the_next_post(
    dc: FakeDiscord, adapter: DiscordAdapter, coach: Coach, outbox: DmOutbox, engine: AsyncEngine
) -> None:
    async def admin() -> bool:
        return True

    chat = ChatRef("discord", str(GONE_CHANNEL), "old-channel", parent=str(GUILD))
    bob = LearnerRef("discord", str(BOB_DC), "Bob")
    setup = await coach.run(
        bob, Group("setup"), chat=ChatContext(chat, admin, answers_privately=True)
    )
    assert isinstance(setup, Reply) and "now a study group" in setup.plain_text()

    await outbox.deliver_at(NINE)
    refused = sends_to(dc, GONE_CHANNEL)
    assert refused and {r.code for r in refused} == {10003}
    assert not (await group_row(engine, GONE_CHANNEL)).active
    assert await pending_for(engine, GONE_CHANNEL) == []
    await outbox.deliver_at(NINE + timedelta(days=1))
    assert len(sends_to(dc, GONE_CHANNEL)) == len(refused)


async def test_a_russian_speaking_servers_group_gets_its_digest_in_russian(
    dc: FakeDiscord, adapter: DiscordAdapter, outbox: DmOutbox
) -> None:
    # Set up by an admin whose Discord is in Russian: the group speaks Russian.
    setup = await dc.slash(BOB_DC, "group setup", None, channel_id=CHANNEL, locale="ru")
    await setup.wait_for_messages(1, timeout=10)
    assert public(setup) and _cyrillic(shown(setup))
    before = len(posts(dc))
    await outbox.deliver_at(NINE)  # Monday's digest, and a group quiz
    digest, *_ = posts(dc)[before:]
    assert _cyrillic(text(digest)) and "Group digest" not in text(digest)
    # An admin may switch it back; the next post is in English.
    english = await said_in(dc, BOB_DC, "group language", language="en")
    assert public(english) and not _cyrillic(shown(english))


def _cyrillic(words: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in words)
