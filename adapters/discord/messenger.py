"""Messages the coach writes first on Discord, by DM, with Discord's refusals in the core's terms."""

from __future__ import annotations

import aiohttp
import discord

from adapters.discord.bot import PLATFORM, DiscordAdapter
from core.errors import PermanentFailure, RetryLater, TemporaryFailure, Unreachable
from core.ports import LearnerRef, SendGate
from core.reply import Reply

CANNOT_MESSAGE_USER = 50007  # DMs closed, no shared server, or the bot is blocked
UNKNOWN_USER = 10013
UNKNOWN_CHANNEL = 10003


class DiscordMessenger:
    platform = PLATFORM

    def __init__(self, adapter: DiscordAdapter, gate: SendGate | None = None) -> None:
        self._adapter = adapter
        self._gate = gate

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        try:
            user_id = int(to.external_id)
            channel = self._adapter.known_dm_channel(user_id)
            if channel is None:
                if self._gate is not None:  # opening a DM is a request like any other
                    await self._gate.wait(f"user:{user_id}")
                channel = await self._adapter.dm_channel(user_id)
            for message in await self._adapter.prepare(reply):
                if self._gate is not None:
                    await self._gate.wait(str(channel.id))
                await self._adapter.send_to(channel, message)
        except discord.RateLimited as flood:
            # discord.py waits out short 429s itself; this one was longer than it will sleep.
            raise RetryLater(flood.retry_after, str(flood)) from flood
        except (discord.Forbidden, discord.NotFound) as refused:
            if refused.code in {CANNOT_MESSAGE_USER, UNKNOWN_USER, UNKNOWN_CHANNEL}:
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
