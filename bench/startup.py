"""How long `coach` takes to start: `coach --help`, and `coach import --dry-run` of a roadmap.

    python -m bench.startup [--runs 5] [--roadmap FILE.md]

Each command runs `--runs` times, each in a fresh process, beside `python -c pass` (the
interpreter's own start-up); the best wall time is reported, the run least disturbed by
whatever else the machine does. One more run of each under `python -X importtime` counts
the modules imported, adds up their import times and names the ten slowest imports by
cumulative time (importtime's own bookkeeping makes those runs slower than the timed ones).

The processes run in an empty folder, so no .env is read, and without the environment's
coach settings: the defaults. The dry run is timed again with DATABASE_URL set, as a
deployment has it, once for each supported database. Without --roadmap, a 24-week roadmap is generated.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import AliasChoices

from bot.config import Settings

DATABASE_URLS = (
    "sqlite+aiosqlite:///coach.db",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
)


@dataclass(frozen=True)
class Case:
    label: str
    args: tuple[str, ...]  # after the interpreter
    env: dict[str, str]


@dataclass(frozen=True)
class Import:
    module: str
    self_us: int
    cumulative_us: int


@dataclass(frozen=True)
class Measured:
    case: Case
    best_seconds: float
    imports: list[Import]


def roadmap(weeks: int = 24) -> str:
    """A roadmap in the shape learners paste: a title, then a heading and a list a week."""
    lines = ["# Backend Python in 24 weeks", ""]
    for week in range(1, weeks + 1):
        lines += [f"## Week {week}: Topic {week}", ""]
        lines += [f"- Read chapter {week}.{item} and take notes" for item in range(1, 6)]
        lines += [f"- Build exercise {week}: a small project", ""]
    return "\n".join(lines)


def coach_command() -> tuple[str, ...]:
    """`coach` as installed beside this interpreter, else its module."""
    script = Path(sys.executable).with_name("coach")
    return (str(script),) if script.is_file() else ("-m", "bot.cli")


def clean_environment() -> dict[str, str]:
    """This environment without any coach setting."""
    names: set[str] = set()
    for field in Settings.model_fields.values():
        if isinstance(field.validation_alias, AliasChoices):
            names |= {str(choice).upper() for choice in field.validation_alias.choices}
    return {name: value for name, value in os.environ.items() if name.upper() not in names}


def cases(file: Path) -> list[Case]:
    env = clean_environment()
    coach = coach_command()
    dry_run = (*coach, "import", "--dry-run", str(file))
    return [
        Case("python -c pass", ("-c", "pass"), env),
        Case("coach --help", (*coach, "--help"), env),
        Case(f"coach import --dry-run {file.name}", dry_run, env),
        *(
            Case(
                f"  the same, DATABASE_URL {url.split(':')[0]}",
                dry_run,
                env | {"DATABASE_URL": url},
            )
            for url in DATABASE_URLS
        ),
    ]


def run(
    case: Case, folder: Path, *, flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, *flags, *case.args],
        cwd=folder,
        env=case.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{case.label} failed ({done.returncode}):\n{done.stderr}")
    return done


def imports_of(stderr: str) -> list[Import]:
    """The `-X importtime` lines: `import time: self [us] | cumulative | name`."""
    found = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        if own.strip().isdigit():  # not the header
            found.append(Import(name.strip(), int(own), int(cumulative)))
    return found


def measure(case: Case, folder: Path, runs: int) -> Measured:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run(case, folder)
        times.append(time.perf_counter() - started)
    traced = run(case, folder, flags=("-X", "importtime"))
    return Measured(case, min(times), imports_of(traced.stderr))


def report(measured: list[Measured], runs: int) -> str:
    lines = [
        f"Start-up, best of {runs} wall seconds in fresh processes "
        f"(Python {platform.python_version()}, {os.cpu_count()} CPUs)",
        "",
        f"{'command':<44} {'best s':>7} {'imports ms':>11} {'modules':>8}",
    ]
    for m in measured:
        total_ms = sum(i.self_us for i in m.imports) / 1000
        lines.append(
            f"{m.case.label:<44} {m.best_seconds:>7.3f} {total_ms:>11.1f} {len(m.imports):>8}"
        )
    for m in measured[1:]:
        lines += ["", f"{m.case.label.strip()}: slowest imports, cumulative ms"]
        slowest = sorted(m.imports, key=lambda i: i.cumulative_us, reverse=True)[:10]
        lines += [f"  {i.cumulative_us / 1000:>8.1f}  {i.module}" for i in slowest]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    parser.add_argument("--roadmap", type=Path, help="a Markdown roadmap (default: generated)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        file = args.roadmap.resolve() if args.roadmap else here / "roadmap.md"
        if not args.roadmap:
            file.write_text(roadmap(), encoding="utf-8")
        print(report([measure(case, here, args.runs) for case in cases(file)], args.runs))


if __name__ == "__main__":
    main()
