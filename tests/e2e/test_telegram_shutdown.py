"""`coach run` on SIGTERM, as an operator stops it: it says it is not ready, takes no new
updates, finishes the one in hand, leaves the rest recorded for the next process, and
exits cleanly; the next process answers them, in order."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from aiohttp import ClientError, ClientSession

from tests.conftest import coach_env, coach_process, free_port
from tests.e2e.telegram_support import ADA, TOKEN
from tests.fakes.telegram import FakeTelegram

STALL = 3.0  # Telegram slow for Ada: her answer in hand takes this long
STARTUP = 30.0


async def readiness(port: int) -> int | None:
    try:
        async with (
            ClientSession() as client,
            client.get(f"http://127.0.0.1:{port}/readyz") as response,
        ):
            return response.status
    except ClientError:
        return None


def test_sigterm_finishes_the_update_in_hand_and_leaves_the_rest_to_the_next_process(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with FakeTelegram(token=TOKEN) as tg:
            tg.add_user(ADA, "Ada")
            ops_port = free_port()
            env = coach_env(
                DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}",
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE=tg.base_url,
                COACH_FROZEN_TIME="2026-11-16T09:00:00+00:00",
                COACH_SCHEDULER="off",
                COACH_OPS_LISTEN=f"127.0.0.1:{ops_port}",
            )
            first = await coach_process(env, tmp_path)
            try:
                await tg.wait_for(lambda t: bool(t.calls_of("getUpdates")), timeout=STARTUP)
                tg.send_text(ADA, "/start")
                await tg.wait_for(lambda t: bool(t.sent(ADA)), timeout=15)
                tg.stall_chat(ADA, STALL)
                for command in ("/today", "/week", "/progress"):
                    tg.send_text(ADA, command)
                # Recorded and confirmed to Telegram: the next getUpdates moved past them.
                await tg.wait_for(lambda t: not t.pending_updates(), timeout=15)
                first.send_signal(signal.SIGTERM)
                # Unready at once, while the answer in hand is still on its way.
                async with asyncio.timeout(STALL):
                    while await readiness(ops_port) != 503:  # noqa: ASYNC110 - asked over HTTP
                        await asyncio.sleep(0.05)
                assert len(tg.sent(ADA)) == 1
                _, stderr = await asyncio.wait_for(first.communicate(), timeout=STALL + 20)
            finally:
                if first.returncode is None:
                    first.kill()
            log = stderr.decode()
            assert first.returncode == 0, log
            assert "Traceback" not in log
            assert len(tg.sent(ADA)) == 2  # /start, and /today which was in hand

            tg.stall_chat(ADA, 0)
            second = await coach_process(env | {"COACH_OPS_LISTEN": "off"}, tmp_path)
            try:
                # /week's answer, then /progress's (a picture may come with it).
                await tg.wait_for(lambda t: len(t.sent(ADA)) >= 4, timeout=STARTUP)
            finally:
                second.terminate()
                _, stderr = await asyncio.wait_for(second.communicate(), timeout=30)
            assert second.returncode == 0, stderr.decode()
            answers = [str(m.get("text") or m.get("caption") or "") for m in tg.sent(ADA)]
            assert "Week 1 of 24" in answers[2]  # /week, then /progress: in their order
            assert "Items done" in answers[3] or tg.sent(ADA)[3].get("photo")

    asyncio.run(scenario())
