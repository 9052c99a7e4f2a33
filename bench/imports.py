"""How long importing a Markdown roadmap takes, from 100 KB up to the largest accepted.

    python -m bench.imports [--quick]

Generates roadmaps shaped like the ones learners send (week headings, a goal, labelled
lists of topics with links and nested details, a practice list, a project, a completed
box), times `import_markdown` on each (best of three; one run with --quick) and prints
seconds per MB, by the clock and in this thread's CPU time (steadier on a shared machine):
a flat column is a linear import. "+keep s" is what Coach.import_roadmap adds once the
roadmap is read: the preview and the track's JSON for storage.

The sizes: 100 KB and 1 MB of such weeks, and the largest document the importer accepts:
1,000,000 bytes holding the most items a track may have (520 weeks of 40 items).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from core.importing.markdown import (
    MAX_BYTES,
    MAX_ITEMS_PER_WEEK,
    MAX_WEEKS,
    ImportedTrack,
    import_markdown,
    preview,
)

SUBJECTS = (
    "HTTP and REST",
    "Relational data",
    "Query planning",
    "Async I/O",
    "Packaging",
    "Type hints",
    "Caching layers",
    "Message queues",
    "Observability",
    "Container images",
    "Access control",
    "Schema migrations",
    "Load testing",
    "Search indexes",
    "Background jobs",
    "API versioning",
)
VERBS = ("Read about", "Work through", "Compare", "Sketch", "Explain", "Try out", "Review")
NOUNS = (
    "connection pooling",
    "idempotent handlers",
    "pagination cursors",
    "retry budgets",
    "structured logs",
    "window functions",
    "content negotiation",
    "rate limiting",
    "optimistic locking",
    "fixture factories",
    "dependency injection",
    "graceful shutdown",
)
SITES = ("docs.example.org", "learn.example.com", "wiki.example.net", "notes.example.io")


@dataclass(frozen=True)
class Case:
    label: str
    text: str


def _link(rng: random.Random, n: int) -> str:
    site = rng.choice(SITES)
    return f"[{rng.choice(NOUNS).title()} guide](https://{site}/topics/{n}/{rng.randrange(10**6)})"


def realistic_week(rng: random.Random, number: int, budget: int) -> str:
    """One week in the seeds' shape, grown topic by topic to about `budget` bytes."""
    subject = rng.choice(SUBJECTS)
    head = [
        f"## Week {number}: {subject} ({rng.randint(6, 12)} hours)",
        "",
        f"**Goal:** Be able to use {subject.lower()} in a small service of your own.",
        "",
        "- **Topics to Cover:**",
    ]
    tail = [
        "",
        "- **Practice:**",
        f"  - {rng.choice(VERBS)} {rng.choice(NOUNS)} in last week's project.",
        f"  - Write tests for {rng.choice(NOUNS)}.",
        "",
        "**Project:**",
        f"Build a small {subject.lower()} demo with {rng.choice(NOUNS)} - 2 days",
        "",
        "- [ ] **Completed on:** `MM/DD/YYYY`",
        "",
        "---",
        "",
    ]
    size = len("\n".join(head + tail)) + 1
    topics: list[str] = []
    while len(topics) < MAX_ITEMS_PER_WEEK - 4:  # the practice and project items fit too
        n = len(topics)
        topic = [f"  - {rng.choice(VERBS)} {rng.choice(NOUNS)}: {subject} part {n + 1}"]
        if n % 3 == 0:
            topic.append(f"    - {_link(rng, number * 100 + n)}")
        if n % 4 == 1:
            topic.append(f"    - Note how {rng.choice(NOUNS)} changes the design")
        grown = len("\n".join(topic)) + 1
        if topics and size + grown > budget:
            break
        topics.append("\n".join(topic))
        size += grown
    return "\n".join([*head, *topics, *tail])


def realistic(size: int, *, seed: int = 7) -> str:
    """About `size` bytes (never more) of weekly roadmap, about 2 KB a week."""
    rng = random.Random(seed)
    weeks = max(2, min(MAX_WEEKS, size // 2000))
    title = "# Backend Engineering Roadmap\n\nA generated roadmap, one section a week.\n\n"
    parts = [title]
    used = len(title)
    for number in range(1, weeks + 1):
        budget = (size - used) // (weeks - number + 1)
        parts.append(realistic_week(rng, number, budget))
        used += len(parts[-1]) + 1
    return "\n".join(parts)


def largest(*, seed: int = 11) -> str:
    """1,000,000 bytes with the most a track may hold: 520 weeks of 40 items each."""
    rng = random.Random(seed)
    lines = ["# The Longest Roadmap", ""]
    for week in range(1, MAX_WEEKS + 1):
        lines += [f"## Week {week}: {rng.choice(SUBJECTS)}", ""]
        for item in range(1, MAX_ITEMS_PER_WEEK + 1):
            lines.append(f"- {rng.choice(VERBS)} {rng.choice(NOUNS)} {item}")
        lines.append("")
    text = "\n".join(lines)
    # The rest of the allowance is a notes section, which the importer leaves out.
    padding = MAX_BYTES - len(text.encode()) - len("\n## Notes\n\n")
    filler = ("Keep a log of what you learned each day. " * (padding // 41 + 1))[:padding]
    return f"{text}\n## Notes\n\n{filler}"


def cases() -> list[Case]:
    return [
        Case("100 KB", realistic(100_000)),
        Case("1 MB", realistic(MAX_BYTES)),
        Case("largest accepted", largest()),
    ]


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """The shortest wall-clock time and the shortest CPU time (this thread's) of `runs`
    runs. On a shared machine the CPU time is the steadier figure."""
    wall = cpu = float("inf")
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        work()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.thread_time() - started_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one run of each size, not three")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    print(f"import_markdown, best of {runs} (cpu: this thread's CPU time, steadier when shared)")
    print(
        f"{'document':<18}{'bytes':>11}{'weeks':>7}{'items':>8}"
        f"{'seconds':>10}{'s per MB':>10}{'cpu s':>8}{'cpu s/MB':>10}{'+keep s':>9}"
    )
    for case in cases():
        data = case.text.encode()
        assert len(data) <= MAX_BYTES, f"{case.label} is over the limit: {len(data):,} bytes"
        result = import_markdown(data, source="generated.md")
        if not isinstance(result, ImportedTrack):
            raise SystemExit(f"{case.label} was refused: {result.reason}")
        items = sum(len(week.items) for week in result.track.weeks)
        seconds, cpu = best_of(runs, partial(import_markdown, data, source="generated.md"))
        # What keeping it adds in Coach.import_roadmap: the preview and the stored JSON.
        keep, _ = best_of(runs, partial(keep_work, result))
        megabytes = len(data) / 1e6
        print(
            f"{case.label:<18}{len(data):>11,}{len(result.track.weeks):>7,}{items:>8,}"
            f"{seconds:>10.3f}{seconds / megabytes:>10.3f}{cpu:>8.3f}{cpu / megabytes:>10.3f}"
            f"{keep:>9.3f}"
        )


def keep_work(result: ImportedTrack) -> None:
    preview(result)
    result.track.model_dump_json()


if __name__ == "__main__":
    main()
