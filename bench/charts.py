"""How long a progress picture takes to draw, and what the event loop feels meanwhile.

    python -m bench.charts [--renders 60]

A learner's picture and a 500-member group's week are both timed.

The first render pays for importing matplotlib and loading fonts; it is reported apart.
The loop's longest pause is measured with a 10 ms ticker while four charts render in
worker processes (the coach's way), in worker threads, and in the loop's own thread.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import date, timedelta

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


def learner_picture(seed: int) -> ProgressPicture:
    return ProgressPicture(
        title="Python Backend Developer: week 14 of 24",
        weeks=tuple(WeekBar(n, 7, (n * 5 + seed) % 8) for n in range(1, 25)),
        done_by_day={TODAY - timedelta(days=d): (d + seed) % 6 for d in range(90)},
        today=TODAY,
        current_week=14,
    )


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
    pictures = [learner_picture(n) for n in range(4)]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--renders", type=int, default=60)
    args = parser.parse_args()

    started = time.perf_counter()
    progress_png(learner_picture(0))
    first = time.perf_counter() - started
    times = []
    for n in range(args.renders):
        started = time.perf_counter()
        png = progress_png(learner_picture(n))
        times.append(time.perf_counter() - started)
    pauses = {
        where: asyncio.run(longest_pause(where)) for where in ("processes", "threads", "loop")
    }

    group = GroupWeekPicture(
        "Study hall: week 6",
        7,
        tuple(MemberWeek(f"Learner {n}", (n * 7) % 8, n % 12) for n in range(500)),
    )
    group_times = []
    for _ in range(max(10, args.renders // 3)):
        started = time.perf_counter()
        group_week_png(group)
        group_times.append((time.perf_counter() - started) * 1000)

    ms = [t * 1000 for t in times]
    print(f"learner progress chart, {args.renders} renders, {len(png):,} bytes each")
    print(f"  first render (imports, fonts): {first * 1000:7.1f} ms")
    print(f"  p50 {statistics.median(ms):7.1f} ms   p99 {percentile(ms, 0.99):7.1f} ms")
    print(f"500-member group week chart, {len(group_times)} renders")
    print(
        f"  p50 {statistics.median(group_times):7.1f} ms   "
        f"p99 {percentile(group_times, 0.99):7.1f} ms"
    )
    print("longest event-loop pause (10 ms ticker):")
    print(f"  4 charts in worker processes: {pauses['processes'] * 1000:6.1f} ms")
    print(f"  4 charts in worker threads:   {pauses['threads'] * 1000:6.1f} ms")
    print(f"  1 chart in the loop's thread: {pauses['loop'] * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
