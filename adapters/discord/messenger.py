"""Messages the coach writes first on Discord: by DM to a learner, or in a study group's
channel, with Discord's refusals in the core's terms."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import discord

from adapters.discord.bot import PLATFORM, DiscordAdapter
from core.kernel.errors import PermanentFailure, RetryLater, TemporaryFailure, Unreachable
from core.kernel.refs import ChatRef, LearnerRef
from core.kernel.reply import Reply
from core.outreach.ports import SendGate

CANNOT_MESSAGE_USER = 50007  # DMs closed, no shared server, or the bot is blocked
UNKNOWN_USER = 10013
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
MISSING_ACCESS = 50001  # the bot was removed from the server, or cannot see the channel
# Refusals that mean the learner, or the group's channel, is out of the bot's reach for
# good; any other 403 (say 50013 Missing Permissions) is a failure of this one message.
DM_GONE = frozenset({CANNOT_MESSAGE_USER, UNKNOWN_USER, UNKNOWN_CHANNEL})
CHANNEL_GONE = frozenset({UNKNOWN_CHANNEL, MISSING_ACCESS})


@contextmanager
def refusals(gone: frozenset[int]) -> Iterator[None]:
    """Discord's errors as the sender understands them; `gone` codes mean Unreachable."""
    try:
        yield
    except discord.RateLimited as flood:
        # discord.py waits out short 429s itself; this one was longer than it will sleep.
        raise RetryLater(flood.retry_after, str(flood)) from flood
    except (discord.Forbidden, discord.NotFound) as refused:
        if refused.code in gone:
            raise Unreachable(refused.text or str(refused)) from refused
        raise PermanentFailure(refused.text or str(refused)) from refused
    except discord.DiscordServerError as failure:
        raise TemporaryFailure(str(failure)) from failure
    except discord.HTTPException as failure:
        if failure.status == 429:
            raise RetryLater(5.0, str(failure)) from failure
        raise PermanentFailure(failure.text or str(failure)) from failure
    except (aiohttp.ClientError, TimeoutError, OSError) as failure:
        raise TemporaryFailure(str(failure) or type(failure).__name__) from failure


class DiscordMessenger:
    platform = PLATFORM

    def __init__(self, adapter: DiscordAdapter, gate: SendGate | None = None) -> None:
        self._adapter = adapter
        self._gate = gate

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        with refusals(DM_GONE):
            user_id = int(to.external_id)
            channel = self._adapter.known_dm_channel(user_id)
            if channel is None:
                # Opening a DM is a request like any other.
                await self._wait(f"user:{user_id}")
                channel = await self._adapter.dm_channel(user_id)
            for message in await self._adapter.prepare(reply):
                await self._wait(str(channel.id))
                await self._adapter.send_to(channel, message)

    async def post(self, chat: ChatRef, reply: Reply) -> None:
        with refusals(CHANNEL_GONE):
            channel = self._adapter.channel(chat)
            if reply.closes is not None:
                await self._wait(str(channel.id))
                await self._close_quiz(channel, int(reply.closes.message_ref))
            for message in await self._adapter.prepare(reply):
                await self._wait(str(channel.id))
                await self._adapter.send_to(channel, message)

    async def _close_quiz(self, channel: discord.PartialMessageable, message_id: int) -> None:
        """Takes the buttons off a group quiz, so the tally that follows is final."""
        try:
            await channel.get_partial_message(message_id).edit(view=None)
        except discord.NotFound as gone:
            # Deleted by a moderator: the tally still goes. A gone channel is not ignored.
            if gone.code != UNKNOWN_MESSAGE:
                raise

    async def _wait(self, chat: str) -> None:
        if self._gate is not None:
            await self._gate.wait(chat)
