"""How much memory a `coach run` process tree holds, idle and drawing pictures.

Starts `python -m bot` on an embedded database against the fake Bot API and the fake
Discord (REST and gateway), both platforms at once, and reads every process of its tree
from /proc: RSS (what `ps` shows, shared pages counted in each process) and PSS (shared
pages split between the processes that share them, so the tree's PSS adds up).

* idle: both platforms connected, commands registered, polling, nothing asked yet;
* after one `/progress` (its picture drawn in the chart process);
* after 20 `/progress` of different learners at once, and the tree's peak (VmHWM).

    python -m bench.memory
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
from pathlib import Path

from bench.coach_support import TOKEN, Coach, coach_env, load, machine, wait_until
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram

FIRST_LEARNER = 7_000_001
CROWD = 20
SETTLE = 3.0  # seconds after start-up, so start-up's garbage is collected


def tree(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        for task in Path(f"/proc/{pid}/task").iterdir():
            todo.extend(int(child) for child in (task / "children").read_text().split())
    return pids


def kilobytes(path: Path, *fields: str) -> dict[str, int]:
    found = {}
    for line in path.read_text().splitlines():
        name, _, value = line.partition(":")
        if name in fields:
            found[name] = int(value.split()[0])
    return found


def measure(root: int) -> dict[str, float]:
    rss = pss = peak = 0
    for pid in tree(root):
        status = kilobytes(Path(f"/proc/{pid}/status"), "VmRSS", "VmHWM")
        rss += status["VmRSS"]
        peak += status["VmHWM"]
        pss += kilobytes(Path(f"/proc/{pid}/smaps_rollup"), "Pss")["Pss"]
    return {
        "processes": len(tree(root)),
        "RSS MB": rss / 1024,
        "PSS MB": pss / 1024,
        "peak RSS MB": peak / 1024,
    }


def row(name: str, figures: dict[str, float]) -> str:
    return (
        f"| {name} | {figures['processes']:.0f} | {figures['RSS MB']:.0f} | "
        f"{figures['PSS MB']:.0f} | {figures['peak RSS MB']:.0f} |"
    )


async def progress(tg: FakeTelegram, learner: int) -> None:
    before = len(tg.sent(learner))
    tg.send_text(learner, "/progress")
    await tg.wait_for(lambda t: len(t.sent(learner)) >= before + 2, timeout=60)


async def main() -> None:
    print(machine())
    print(load())
    learners = [FIRST_LEARNER + i for i in range(CROWD)]
    with tempfile.TemporaryDirectory() as folder:
        async with FakeTelegram(token=TOKEN) as tg, FakeDiscord() as dc:
            for learner in learners:
                tg.add_user(learner, f"Learner {learner}")
            env = coach_env(
                DATABASE_URL=f"sqlite+aiosqlite:///{folder}/coach.db",
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE=tg.base_url,
                DISCORD_BOT_TOKEN=dc.token,
                DISCORD_API_BASE=dc.api_base,
                COACH_OPS_LISTEN="off",
            )
            coach = await Coach.start(env, Path(folder))
            try:
                await wait_until(
                    lambda: (
                        bool(dc.commands)
                        and dc.shards == [(0, 1)]
                        and sum(r.method.lower() == "getupdates" for r in tg.log) > 1
                    ),
                    within=60,
                    what="both platforms connected",
                    coaches=[coach],
                )
                await asyncio.sleep(SETTLE)
                pid = coach.process.pid
                rows = [row("idle, both platforms connected", measure(pid))]
                for learner in learners:
                    tg.send_text(learner, "/start")
                await tg.wait_for(lambda t: all(t.sent(n) for n in learners), timeout=60)
                await progress(tg, learners[0])
                rows.append(row("after one `/progress`", measure(pid)))
                await asyncio.gather(*(progress(tg, learner) for learner in learners))
                rows.append(row(f"after {CROWD} `/progress` at once", measure(pid)))
            finally:
                await coach.stop()
    gc.collect()
    print("| `coach run`, Telegram and Discord | processes | RSS MB | PSS MB | peak RSS MB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    asyncio.run(main())
