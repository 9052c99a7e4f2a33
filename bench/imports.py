"""Importing a Markdown roadmap, storing it and keeping it cached, from 100 KB up to the
largest document accepted.

    python -m bench.imports [--quick]

Generates roadmaps shaped like the ones learners send (week headings, a goal, labelled
lists of topics with links and nested details, a table of topics with their time every
third week, a practice list, a project, a completed box; one link in four goes to one of a
dozen references every roadmap cites again), then for each:

* the import: `import_markdown`, best and median of five runs (one with --quick), by the
  clock, and this thread's CPU time (steadier on a shared machine); a flat "s per MB" column
  is a linear import. Its peak memory two ways: the most Python allocated at once
  (tracemalloc, over what was allocated before), and the peak RSS growth of a fresh
  process importing it (VmHWM reset through /proc/self/clear_refs, after a first small
  import has loaded the Markdown reader).
* storing and caching it: the JSON with every field, as tracks were stored before, and as
  `SqlTracks.save` stores one now (the fields at their defaults left out); loading it as
  `SqlTracks.load` did (pydantic alone, every field: "before") and does (`track_from_json`
  of the stored form, then `parts_of` as the library caches it: "after"), this thread's
  CPU time, best of five; the memory one loaded track holds, before and after: with
  tracemalloc on, the bytes allocated and not freed with the track loaded, less those
  still allocated once it is let go and collected (pydantic's string cache outlives the
  track). "cache MB" is what the track cache holds full of such tracks: 256
  before; after, as many as IMPORTED_TRACKS_CACHED and IMPORTED_PARTS_CACHED allow.
* where a loaded track's memory goes: sys.getsizeof of every object the track reaches,
  each counted once, by kind (a cross-check of tracemalloc's figure, strings in pydantic's
  cache included).

The sizes: 100 KB and 1 MB of such weeks, and the largest document the importer accepts:
1,000,000 bytes holding the most items an import may have (MAX_WEEKS weeks of 40 items).
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pydantic
from pydantic import BaseModel

from core.importing.markdown import (
    MAX_BYTES,
    MAX_ITEMS_PER_WEEK,
    MAX_WEEKS,
    ImportedTrack,
    import_markdown,
)
from core.learning import library
from core.learning.library import parts_of
from core.learning.tracks import Track
from core.storage.tracks import track_from_json

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
# References a long roadmap cites again and again.
REFERENCES = tuple(
    (f"{noun.title()} reference", f"https://{SITES[n % len(SITES)]}/reference/{n}")
    for n, noun in enumerate(NOUNS)
)
RUNS = 5


@dataclass(frozen=True)
class Case:
    label: str
    make: Callable[[], str]


def _link(rng: random.Random, n: int) -> str:
    if rng.randrange(4) == 0:
        title, url = rng.choice(REFERENCES)
        return f"[{title}]({url})"
    site = rng.choice(SITES)
    return f"[{rng.choice(NOUNS).title()} guide](https://{site}/topics/{n}/{rng.randrange(10**6)})"


def _topic(rng: random.Random, subject: str, n: int, *, table: bool, link_id: int) -> str:
    noun = rng.choice(NOUNS)
    if table:
        low = rng.randint(1, 3)
        return (
            f"| {noun.title()} {n + 1} | {rng.choice(VERBS).lower()} {noun} in "
            f"{subject.lower()} | {low}-{low + rng.randint(1, 2)} days |"
        )
    topic = [f"  - {rng.choice(VERBS)} {noun}: {subject} part {n + 1}"]
    if n % 3 == 0:
        topic.append(f"    - {_link(rng, link_id)}")
    if n % 4 == 1:
        topic.append(f"    - Note how {rng.choice(NOUNS)} changes the design")
    return "\n".join(topic)


def realistic_week(rng: random.Random, number: int, budget: int) -> str:
    """One week in the seeds' shape, grown topic by topic to about `budget` bytes."""
    subject = rng.choice(SUBJECTS)
    table = number % 3 == 0
    head = [
        f"## Week {number}: {subject} ({rng.randint(6, 12)} hours)",
        "",
        f"**Goal:** Be able to use {subject.lower()} in a small service of your own.",
        "",
    ]
    if table:
        head += [
            "**Topics to Cover:**",
            "",
            "| Topic | What You'll Learn | Time |",
            "|-------|-------------------|------|",
        ]
    else:
        head.append("- **Topics to Cover:**")
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
        topic = _topic(rng, subject, n, table=table, link_id=number * 100 + n)
        if topics and size + len(topic) + 1 > budget:
            break
        topics.append(topic)
        size += len(topic) + 1
    # A week with all the topics it may hold and room to spare gets what roadmaps write
    # around their lists: a paragraph on why the week matters, read and left out.
    prose: list[str] = []
    while size + 120 < budget:
        sentence = (
            f"{rng.choice(VERBS)} {rng.choice(NOUNS)} before {rng.choice(NOUNS)}: "
            f"it shapes how {subject.lower()} behaves under load."
        )
        prose.append(sentence)
        size += len(sentence) + 1
    intro = [" ".join(prose), ""] if prose else []
    return "\n".join([*head[:4], *intro, *head[4:], *topics, *tail])


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
    """1,000,000 bytes with the most an import may hold: MAX_WEEKS weeks of 40 items each."""
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


CASES = (
    Case("100 KB", partial(realistic, 100_000)),
    Case("1 MB", partial(realistic, MAX_BYTES)),
    Case("largest accepted", largest),
)


def timings(runs: int, work: Callable[[], object]) -> tuple[float, float, float]:
    """The shortest and the median wall-clock time of `runs` runs, and the shortest CPU
    time (this thread's): on a shared machine the steadier figure."""
    walls, cpu = [], float("inf")
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        work()
        walls.append(time.perf_counter() - started)
        cpu = min(cpu, time.thread_time() - started_cpu)
    return min(walls), statistics.median(walls), cpu


def peak_allocated(work: Callable[[], object]) -> int:
    """The most bytes Python held at once while `work` ran, over what it held before."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - before


def held(load: Callable[[], Track]) -> int:
    """The bytes a loaded track holds: allocated and not freed with it loaded, less what
    stays allocated once it is let go."""
    gc.collect()
    tracemalloc.start()
    track = load()
    gc.collect()
    with_track = tracemalloc.get_traced_memory()[0]
    del track
    gc.collect()
    without = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return with_track - without


def _status_kb(field: str) -> int:
    found = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    assert found, field
    return int(found[1])


def rss_growth(index: int) -> int:
    """Run in a fresh process: how far RSS peaks over where it was, importing case `index`."""
    data = CASES[index].make().encode()
    import_markdown(b"# Warm-up\n\n## Week 1: Start\n- one [link](https://a.example/b)\n")
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    before = _status_kb("VmRSS")
    import_markdown(data, source="generated.md")
    return (_status_kb("VmHWM") - before) * 1024


def rss_growth_in_child(index: int) -> int | None:
    if not Path("/proc/self/clear_refs").exists():
        return None
    done = subprocess.run(
        [sys.executable, "-m", "bench.imports", "--rss-of", str(index)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def imported(data: bytes, label: str) -> Track:
    result = import_markdown(data, source="generated.md")
    if not isinstance(result, ImportedTrack):
        raise SystemExit(f"{label} was refused: {result.reason}")
    return result.track


def load_to_cache(stored: str) -> int:
    """What a miss of the track cache now costs beyond the query."""
    return parts_of(track_from_json(stored))


KINDS = ("models", "dicts", "fields sets", "strings", "floats", "tuples")


def where_it_goes(track: Track) -> dict[str, int]:
    """The bytes (sys.getsizeof) of each kind of object the track reaches, each object
    once: models, their dicts of values and sets of fields given, and the values."""
    seen: set[int] = set()
    sizes = dict.fromkeys(KINDS, 0)

    def add(kind: str, value: object) -> bool:
        if id(value) in seen:
            return False
        seen.add(id(value))
        sizes[kind] += sys.getsizeof(value)
        return True

    pending: list[BaseModel] = [track]
    while pending:
        model = pending.pop()
        if not add("models", model):
            continue
        add("dicts", model.__dict__)
        add("fields sets", model.__pydantic_fields_set__)
        for value in model.__dict__.values():
            if isinstance(value, BaseModel):
                pending.append(value)
            elif type(value) is tuple and value and add("tuples", value):
                pending += [v for v in value if isinstance(v, BaseModel)]
            elif type(value) is str and value:
                add("strings", value)
            elif type(value) is float:
                add("floats", value)
    return sizes


def links(track: Track) -> int:
    return sum(len(w.resources) + sum(len(i.resources) for i in w.items) for w in track.weeks)


def mb(size: float) -> str:
    return f"{size / 1e6:.2f}"


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    text = cpuinfo.read_text() if cpuinfo.exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    cpu = model[1] if model else platform.processor() or platform.machine()
    return (
        f"{cpu}, {len(re.findall(r'^processor', text, re.M)) or '?'} cores; "
        f"Python {platform.python_version()}; pydantic {pydantic.VERSION}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one run of each, not five")
    parser.add_argument("--rss-of", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_of is not None:
        print(rss_growth(args.rss_of))
        return
    runs = 1 if args.quick else RUNS
    print(machine())
    documents = [(case.label, case.make().encode()) for case in CASES]
    tracks = [imported(data, label) for label, data in documents]

    print(f"\nimport_markdown: best and median of {runs}; cpu: this thread's, best")
    print(
        f"{'document':<18}{'bytes':>11}{'weeks':>7}{'items':>8}{'links':>7}{'best s':>8}"
        f"{'median s':>10}{'s per MB':>10}{'cpu s':>7}{'peak MB':>9}{'peak RSS MB':>13}"
    )
    for index, ((label, data), track) in enumerate(zip(documents, tracks, strict=True)):
        assert len(data) <= MAX_BYTES, f"{label} is over the limit: {len(data):,} bytes"
        best, median, cpu = timings(runs, partial(imported, data, label))
        peak = peak_allocated(partial(imported, data, label))
        rss = rss_growth_in_child(index)
        items = sum(len(week.items) for week in track.weeks)
        print(
            f"{label:<18}{len(data):>11,}{len(track.weeks):>7,}{items:>8,}{links(track):>7,}"
            f"{best:>8.3f}{median:>10.3f}{best / (len(data) / 1e6):>10.3f}{cpu:>7.3f}"
            f"{mb(peak):>9}{mb(rss) if rss is not None else '-':>13}"
        )

    print(
        f"\nstored and cached: load, this thread's CPU seconds, best of {runs}; held: what "
        "one loaded track keeps allocated (tracemalloc); cache: full of such tracks"
    )
    print(
        f"{'document':<18}{'parts':>8}{'JSON bytes':>12}{'→':>2}{'stored':>10}"
        f"{'load cpu s':>11}{'→':>2}{'after':>7}{'held MB':>9}{'→':>2}{'after':>7}"
        f"{'B/part':>8}{'cache MB':>10}{'→':>2}{'after':>7}"
    )
    for (label, _), track in zip(documents, tracks, strict=True):
        every_field = track.model_dump_json()  # as tracks were stored before
        stored = track.model_dump_json(exclude_defaults=True)  # as SqlTracks.save stores one
        assert Track.model_validate_json(every_field) == track == track_from_json(stored)
        _, _, before_s = timings(runs, partial(Track.model_validate_json, every_field))
        _, _, after_s = timings(runs, partial(load_to_cache, stored))
        before = held(partial(Track.model_validate_json, every_field))
        after = held(partial(track_from_json, stored))
        parts = parts_of(track)
        kept = min(library.IMPORTED_TRACKS_CACHED, library.IMPORTED_PARTS_CACHED // parts)
        print(
            f"{label:<18}{parts:>8,}{len(every_field.encode()):>12,}{'→':>2}"
            f"{len(stored.encode()):>10,}"
            f"{before_s:>11.3f}{'→':>2}{after_s:>7.3f}{mb(before):>9}{'→':>2}{mb(after):>7}"
            f"{after / parts:>8.0f}{before * library.IMPORTED_TRACKS_CACHED / 1e6:>10,.0f}"
            f"{'→':>2}{after * kept / 1e6:>7,.0f}"
        )

    print(
        "\nwhere a loaded track's memory goes, MB (sys.getsizeof of each object it reaches, once)"
    )
    print(f"{'document':<18}{'load':<8}{''.join(f'{k:>13}' for k in KINDS)}{'total':>9}")
    for (label, _), track in zip(documents, tracks, strict=True):
        stored = track.model_dump_json()
        for load, loaded in (
            ("before", Track.model_validate_json(stored)),
            ("after", track_from_json(stored)),
        ):
            sizes = where_it_goes(loaded)
            print(
                f"{label:<18}{load:<8}{''.join(f'{mb(sizes[k]):>13}' for k in KINDS)}"
                f"{mb(sum(sizes.values())):>9}"
            )


if __name__ == "__main__":
    main()
