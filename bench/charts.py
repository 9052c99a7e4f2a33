"""What a progress picture costs, and what the event loop feels meanwhile.

    python -m bench.charts [--pictures 50]

Pictures go through the coach's ChartRenderer, as /progress draws them:

- the first picture of a new renderer, cold (its drawing process starts, imports and draws);
- the first one after `start()` warmed the renderer in the background, where it can; the
  loop's cost of `start()` itself and the CPU the warming took are shown after it;
- a later picture, the same picture asked for again (a cache hit where there is a cache),
  and `--pictures` distinct ones, one after another and all at once;
- a 500-member group's week.

Wall time is what the awaiting coroutine sees. CPU is this process's and its children's:
children still running are read from /proc/<pid>/stat (10 ms ticks, so only averages over
many pictures are given from it); a first picture's CPU runs from a new renderer to its
`close()`, with the ended children's exact figures (getrusage). RSS is each child's VmRSS, and VmHWM (its peak),
from /proc/<pid>/status. Then the drawing alone, in this process, and the loop's longest
pause while four charts draw in the renderer, in threads, and in the loop's own thread.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

from bench.commands import percentile
from core.progress.charts import (
    ChartRenderer,
    GroupWeekPicture,
    MemberWeek,
    ProgressPicture,
    WeekBar,
    group_week_png,
    progress_png,
)

TODAY = date(2026, 11, 22)
TICK = 1 / os.sysconf("SC_CLK_TCK")
TRIALS = 5  # new renderers for each of the first-picture figures


def learner_picture(seed: int) -> ProgressPicture:
    """A learner 14 weeks in; a different seed, a different picture."""
    done = random.Random(seed)
    return ProgressPicture(
        title="Python Backend Developer: week 14 of 24",
        weeks=tuple(WeekBar(n, 7, done.randrange(8)) for n in range(1, 25)),
        done_by_day={TODAY - timedelta(days=d): done.randrange(6) for d in range(90)},
        today=TODAY,
        current_week=14,
    )


def group_picture(seed: int) -> GroupWeekPicture:
    done = random.Random(seed)
    return GroupWeekPicture(
        "Study hall: week 6",
        7,
        tuple(MemberWeek(f"Learner {n}", done.randrange(8), n % 12) for n in range(500)),
    )


def children() -> list[int]:
    """This process's children, drawing processes and any helper multiprocessing started."""
    mine = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                mine.append(int(entry.name))
    return mine


def tree_cpu() -> float:
    """Seconds of CPU spent by this process, its running children, and its ended ones."""
    seconds = time.process_time() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    seconds += resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime
    for pid in children():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds += (int(fields[11]) + int(fields[12])) * TICK  # utime, stime
    return seconds


def memory() -> str:
    """Each child's RSS now and at its peak, in MB."""
    parts = []
    for pid in children():
        try:
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        kb = {line.split(":")[0]: int(line.split()[1]) for line in status if "kB" in line}
        name = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:60].decode()
        parts.append(f"{kb['VmRSS'] / 1024:.0f} MB (peak {kb['VmHWM'] / 1024:.0f}) {name}")
    return "; ".join(parts) or "no child process"


async def timed(call: Callable[[], Awaitable[object]], times: int = 1) -> tuple[float, float]:
    """Wall and CPU milliseconds per call, over `times` calls one after another."""
    wall, cpu = time.perf_counter(), tree_cpu()
    for _ in range(times):
        await call()
    return (
        (time.perf_counter() - wall) * 1000 / times,
        (tree_cpu() - cpu) * 1000 / times,
    )


async def first_picture(seed: int, *, warmed: bool) -> tuple[float, ...]:
    """A new renderer's first picture, cold or after `start()` warmed it: the picture's wall
    ms and CPU ms, and the ms `start()` took in the loop. Cold, the CPU runs up to `close()`
    (when the children have ended, so exact); warmed, it is the picture's alone, read while
    the warmed process runs (to the 10 ms tick of the kernel's process clock)."""
    picture = learner_picture(seed)
    cpu = tree_cpu()
    renderer = ChartRenderer()
    in_loop = 0.0
    if warmed:
        began = time.perf_counter()
        warming = renderer.start()
        in_loop = time.perf_counter() - began
        await asyncio.gather(*map(asyncio.wrap_future, warming))
        cpu = tree_cpu()
    began = time.perf_counter()
    await renderer.progress(picture)
    wall = time.perf_counter() - began
    if warmed:
        cpu_ms = (tree_cpu() - cpu) * 1000
    renderer.close()
    if not warmed:
        cpu_ms = (tree_cpu() - cpu) * 1000
    return wall * 1000, cpu_ms, in_loop * 1000


def median(figures: list[tuple[float, ...]], at: int) -> float:
    return statistics.median(f[at] for f in figures)


async def firsts() -> list[str]:
    cold = [await first_picture(seed, warmed=False) for seed in range(TRIALS)]
    lines = [row(f"first picture, cold (median of {TRIALS})", (median(cold, 0), median(cold, 1)))]
    if not hasattr(ChartRenderer, "start"):
        return [*lines, "  first picture after start(): no start(), the pool starts on first use"]
    first = [await first_picture(seed, warmed=True) for seed in range(TRIALS)]
    return [
        *lines,
        row(
            f"first picture after start() (median of {TRIALS})",
            (median(first, 0), median(first, 1)),
        ),
        f"  start(): {median(first, 2):.2f} ms in the loop",
    ]


async def through_renderer(pictures: int) -> list[str]:
    lines = [f"  {'':42} {'wall ms':>9} {'CPU ms':>9}", *await firsts()]
    renderer = ChartRenderer()
    start = getattr(renderer, "start", None)
    if start is not None:
        await asyncio.gather(*map(asyncio.wrap_future, start()))
    else:
        await renderer.progress(learner_picture(0))  # the pool started and warm
    # Built beforehand: what is timed is the renderer, not making the pictures.
    learners = iter([learner_picture(seed) for seed in range(1, 12 + 2 * pictures)])
    same = learner_picture(0)
    later_one = await timed(lambda: renderer.progress(next(learners)), times=10)
    await renderer.progress(same)
    again = await timed(lambda: renderer.progress(same), times=20)
    if again[0] < 1:  # from a cache: enough calls to see past the clocks' resolution
        again = await timed(lambda: renderer.progress(same), times=2000)
    distinct = await timed(lambda: renderer.progress(next(learners)), pictures)
    at_once = [next(learners) for _ in range(pictures)]
    burst = await timed(lambda: asyncio.gather(*map(renderer.progress, at_once)))
    groups = iter([group_picture(seed) for seed in range(10)])
    group = await timed(lambda: renderer.group_week(next(groups)), times=10)
    busy_memory = memory()
    renderer.close()
    return [
        *lines,
        row("later picture (mean of 10)", later_one),
        row("same picture again (mean)", again),
        row(f"{pictures} distinct, one by one (each)", distinct),
        row(f"{pictures} distinct, all at once (each)", (burst[0] / pictures, burst[1] / pictures)),
        row("500-member group week (mean of 10)", group),
        f"  drawing processes after these: {busy_memory}",
    ]


def row(name: str, figures: tuple[float, float]) -> str:
    digits = 3 if max(figures) < 1 else 1
    return f"  {name:42} {figures[0]:9.{digits}f} {figures[1]:9.{digits}f}"


async def idle_memory() -> str:
    renderer = ChartRenderer()
    start = getattr(renderer, "start", None)
    if start is None:
        await renderer.progress(learner_picture(0))  # the only way to have the process up
    else:
        await asyncio.gather(*map(asyncio.wrap_future, start()))
    await asyncio.sleep(1)
    figures = memory()
    renderer.close()
    return figures


async def longest_pause(where: str) -> float:
    gaps: list[float] = []
    running = True

    async def ticker() -> None:
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last - 0.01)
            last = now

    renderer = ChartRenderer()
    if where == "processes":
        await renderer.progress(learner_picture(0))  # workers started and warm
    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    pictures = [learner_picture(n) for n in range(1, 5)]
    if where == "loop":
        progress_png(pictures[0])
    elif where == "threads":
        await asyncio.gather(*(asyncio.to_thread(progress_png, p) for p in pictures))
    else:
        await asyncio.gather(*(renderer.progress(p) for p in pictures))
    await asyncio.sleep(0.05)
    running = False
    await ticking
    renderer.close()
    return max(gaps)


def in_this_process(renders: int) -> list[str]:
    cpu = time.process_time()
    progress_png(learner_picture(0))
    first = time.process_time() - cpu
    learner = []
    for picture in [learner_picture(n) for n in range(renders)]:
        cpu = time.process_time()
        png = progress_png(picture)
        learner.append((time.process_time() - cpu) * 1000)
    group = []
    for group_of in [group_picture(n) for n in range(max(10, renders // 3))]:
        cpu = time.process_time()
        group_png = group_week_png(group_of)
        group.append((time.process_time() - cpu) * 1000)
    return [
        f"  first in this process (imports, fonts): {first * 1000:7.1f} ms CPU",
        f"  learner picture, {len(png):,} bytes: p50 {statistics.median(learner):6.1f} ms CPU"
        f"   p99 {percentile(learner, 0.99):6.1f}",
        f"  group week, {len(group_png):,} bytes:     p50 {statistics.median(group):6.1f} ms CPU"
        f"   p99 {percentile(group, 0.99):6.1f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pictures", type=int, default=50)
    args = parser.parse_args()

    print("through the renderer, as /progress draws:")
    for line in asyncio.run(through_renderer(args.pictures)):
        print(line)
    print(f"  drawing processes idle after start: {asyncio.run(idle_memory())}")
    print("drawing alone, in this process:")
    for line in in_this_process(args.pictures):
        print(line)
    pauses = {
        where: asyncio.run(longest_pause(where)) for where in ("processes", "threads", "loop")
    }
    print("longest event-loop pause (10 ms ticker):")
    print(f"  4 charts in the renderer:     {pauses['processes'] * 1000:6.1f} ms")
    print(f"  4 charts in worker threads:   {pauses['threads'] * 1000:6.1f} ms")
    print(f"  1 chart in the loop's thread: {pauses['loop'] * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
