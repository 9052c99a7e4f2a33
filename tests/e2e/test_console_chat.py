"""`coach chat` as a learner meets it: a subprocess fed a week of commands, day by day."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from core.learning.tracks import builtin_track
from core.storage import models as m
from core.storage.engine import make_engine
from tests.conftest import PostgresServer, coach_env, free_port
from tests.fakes import pseudo_locale

WEEK1 = builtin_track().weeks[0]
COACH = [sys.executable, "-m", "bot.cli"]


def _neutral_cwd() -> str:
    """Run where no developer's .env can leak tokens or a database into the test."""
    return str(Path(__file__).parent)


def coach(
    args: list[str],
    database_url: str,
    stdin: str = "",
    when: str | None = None,
    *,
    settings: dict[str, str] | None = None,
    program: list[str] = COACH,
) -> subprocess.CompletedProcess[str]:
    env = coach_env()
    env["DATABASE_URL"] = database_url
    if when:
        env["COACH_FROZEN_TIME"] = when
    env.update(settings or {})
    # A roadmap the process reads is content: its words may be printed as they are.
    for path in [*args[1:2], *re.findall(r"^/import (.+)$", stdin, re.MULTILINE)]:
        if args[:1] == ["import"] or path in stdin:
            pseudo_locale.allow_roadmap_file(Path(path))
    done = subprocess.run(
        [*program, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=_neutral_cwd(),
    )
    # What the learner reads in the chat is checked; the operator's commands and the log
    # speak English to operators.
    learners = args[:1] in (["chat"], ["run"], [])
    done.stdout = (pseudo_locale.seen if learners else _unmarked)("console", done.stdout)
    done.stderr = pseudo_locale.unmarked(done.stderr)
    return done


def _unmarked(where: str, text: str) -> str:
    return pseudo_locale.unmarked(text)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.new_database()
    migrated = coach(["migrate"], url)
    assert migrated.returncode == 0, migrated.stderr
    assert "up to date" in migrated.stdout
    return url


def test_a_scripted_week_in_the_console(database_url: str) -> None:
    days = {
        "2026-11-16": "/start\n/today\n/done\n/done\n/week\n",
        "2026-11-17": "/today\n1\n",  # a numbered choice presses the first ✓ button
        "2026-11-18": "/today\n/done\n",
        "2026-11-19": "/done\n/log 1h30m\n",
        "2026-11-20": "/today\n/done\n/note dataclasses beat dicts for records\n",
        "2026-11-21": "/today\n/done\n/progress\n",
        "2026-11-22": "/today\n/progress\n",
    }
    out: dict[str, str] = {}
    for day, script in days.items():
        result = coach(["chat"], database_url, script, when=f"{day}T17:00:00+00:00")
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        out[day] = result.stdout

    assert "Welcome to Roadmap Coach: Python Backend Developer" in out["2026-11-16"]
    assert f"[x] 1. {WEEK1.items[0].title}" in out["2026-11-16"]  # /week after two ticks
    assert f"[x] 2. {WEEK1.items[1].title}" in out["2026-11-16"]
    assert f"✓ 3. {WEEK1.items[2].title}: done." in out["2026-11-17"]
    assert "Streak: 4 days" in out["2026-11-19"]
    assert "Logged 1.5 h" in out["2026-11-19"]
    assert "Week 1 complete!" in out["2026-11-21"]
    assert "completed on 2026-11-21" in out["2026-11-21"]
    assert "Week 2 opens" in out["2026-11-21"]
    assert "Streak: 6 days" in out["2026-11-21"]
    assert "Rest day" in out["2026-11-22"]
    assert "Weeks completed: 1 of 24" in out["2026-11-22"]

    done, enrollment, notes = asyncio.run(_read_back(database_url))
    assert [row[0] for row in done] == [item.id for item in WEEK1.items]
    assert done[-1][1:] == (date(2026, 11, 21), True)
    assert not any(row[2] for row in done[:-1])
    assert tuple(enrollment) == ("w02", date(2026, 11, 21))
    assert list(notes) == ["dataclasses beat dicts for records"]


async def _read_back(url: str) -> tuple[list[tuple[object, ...]], tuple[object, ...], list[str]]:
    engine = make_engine(url)
    async with engine.connect() as connection:
        done = (
            await connection.execute(
                select(
                    m.Completion.item_id, m.Completion.done_on, m.Completion.completes_week
                ).order_by(m.Completion.id)
            )
        ).all()
        enrollment = (
            await connection.execute(
                select(m.Enrollment.current_week_id, m.Enrollment.week_opened_on)
            )
        ).one()
        notes = list((await connection.scalars(select(m.Note.text))).all())
    await engine.dispose()
    return [tuple(r) for r in done], tuple(enrollment), notes


def test_bad_input_never_crashes_the_console(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}"
    script = "\n".join(
        [
            "/start",
            "/done 99",
            "/log abc",
            "/log -3",
            "/log 100",
            "/settings tz Mars/Olympus",
            "/settings time 25:99",
            "/" + "x" * 10_000,
            "\x00\x07\x1b[2J",
            "",
            "7",
            "/wat",
            "/today",
        ]
    )
    result = coach(["chat"], url, script + "\n", when="2026-11-16T09:00:00+00:00")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for expected in (
        "There is no item 99",
        "like /log 1.5",
        "from 0.01 h to 12 h",
        "not a time zone I know",
        "not a time of day",
        "longer than 2,000 characters",
        "I do not know /wat",
        "Mon 16 Nov",
    ):
        assert expected in result.stdout


def test_run_without_tokens_explains_and_chats(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}"
    result = coach(["run"], url, "/start\n/today\n")
    assert result.returncode == 0, result.stderr
    assert "No TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN is set" in result.stderr
    assert "Welcome to Roadmap Coach" in result.stdout


def test_malformed_settings_fail_in_one_line(tmp_path: Path) -> None:
    for url, env_name, value, expected in (
        ("mysql://root@localhost/coach", None, None, "unknown database driver 'mysql'"),
        (
            f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
            "COACH_DEFAULT_TIMEZONE",
            "Mars/Olympus",
            "not a time zone",
        ),
        (
            f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
            "COACH_DEFAULT_NUDGE_TIME",
            "25:99",
            "not a time of day",
        ),
    ):
        result = coach(["chat"], url, settings={env_name: value} if env_name and value else None)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("configuration error:")
        assert expected in lines[0]


def test_python_dash_m_bot_is_coach_run(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}"
    result = coach([], url, "/help\n", program=[sys.executable, "-m", "bot"])
    assert result.returncode == 0, result.stderr
    assert "No TELEGRAM_BOT_TOKEN" in result.stderr
    assert "What I understand" in result.stdout


def test_an_unusable_database_is_one_line(tmp_path: Path) -> None:
    for url, expected in (
        # nothing listens on port 1
        ("postgresql+asyncpg://postgres:secret@127.0.0.1:1/coach", "cannot use the database at "),
        (
            f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'coach.db'}",
            "folder for the SQLite",
        ),
    ):
        result = coach(["chat"], url, "/today\n")
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("coach: ")
        assert expected in lines[0]
        assert "secret" not in lines[0]


SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
ROADMAP = """# Docker in two weeks

### Week 1 – Images
- [ ] Write a Dockerfile for a small Flask app
- [ ] Multi-stage builds ([docs](https://docs.docker.com/build/building/multi-stage/))
- **Practice:** shrink the image below 100 MB

### Week 2 – Compose
- [ ] A compose file with the app and PostgreSQL
- **Project:** deploy the pair on a VPS
"""


def test_a_roadmap_imported_in_the_console_can_be_studied(
    database_url: str, tmp_path: Path
) -> None:
    roadmap = tmp_path / "docker roadmap.md"
    roadmap.write_text(ROADMAP, encoding="utf-8")
    script = f"/import {roadmap}\n1\n/today\n/done\n/week\n"
    result = coach(["chat"], database_url, script, when="2026-11-16T09:00:00+00:00")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Docker in two weeks: 2 weeks, 5 items (read by its week headings)" in out
    assert "Welcome to Roadmap Coach: Docker in two weeks" in out
    assert "1. Write a Dockerfile for a small Flask app: done." in out
    assert "[x] 1. Write a Dockerfile for a small Flask app" in out
    assert "https://docs.docker.com/build/building/multi-stage/" in out
    # The next day, a new process: the track comes back from the database.
    again = coach(["chat"], database_url, "/today\n", when="2026-11-17T09:00:00+00:00")
    assert "Week 1 of 2: Images (1/3 done)" in again.stdout


def test_coach_import_previews_and_saves_a_seed(database_url: str) -> None:
    seed = SEEDS / "002_9a30cc465ebe71d5.txt"
    if not seed.exists():
        pytest.skip(f"the seed roadmaps are not beside this checkout ({SEEDS})")
    dry = coach(["import", str(seed), "--dry-run"], database_url)
    assert dry.returncode == 0, dry.stderr
    assert "24 weeks" in dry.stdout
    assert "Week 1: Python Basics, Environment & Git Foundations" in dry.stdout  # mojibake repaired
    assert "Dry run: nothing was saved." in dry.stdout
    saved = coach(["import", str(seed), "--name", "Six months of backend"], database_url)
    assert saved.returncode == 0, saved.stderr
    track_id = saved.stdout.split("Saved as track ", 1)[1].split(".", 1)[0]
    chat = coach(
        ["chat"], database_url, f"/start {track_id}\n/today\n", when="2026-11-16T09:00:00+00:00"
    )
    assert "Welcome to Roadmap Coach: Six months of backend" in chat.stdout
    assert "Set up Python environment" in chat.stdout


def test_coach_import_refuses_bad_files_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}"
    page = tmp_path / "page.md"
    page.write_text("<!DOCTYPE html><html><body>hi</body></html>")
    for path, expected in ((page, "HTML"), (tmp_path / "missing.md", "cannot read")):
        result = coach(["import", str(path)], url)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert expected in lines[0]


def test_a_quiz_in_the_console(database_url: str) -> None:
    result = coach(
        ["chat"],
        database_url,
        "/start\n/quiz\n1\n/quiz\n9\n/today\n",
        when="2026-11-16T09:00:00+00:00",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("(type the number of your answer)") == 2
    assert ("Correct!" in out) != ("Not quite" in out)  # exactly one verdict for the answered one
    assert "[1] Another question" in out
    # "9" is not an option: the question stays open and the valid range is said.
    assert "offers choices 1 to" in out and "9 is not one of them" in out


async def test_coach_chat_serves_the_web_view_and_web_links_there(
    database_url: str, tmp_path: Path
) -> None:
    """Out of the box: the console's /web gives a link to the coach's own local web view,
    which signs the learner in and shows their week."""
    port = free_port()
    env = coach_env(DATABASE_URL=database_url, COACH_WEB_LISTEN=f"127.0.0.1:{port}")
    env.pop("COACH_WEB_ADDRESS", None)
    process = await asyncio.create_subprocess_exec(
        *COACH,
        "chat",
        env=env,
        cwd=_neutral_cwd(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(b"/start\n/web\n")
        await process.stdin.drain()
        printed = ""
        while (found := re.search(rf"http://127\.0\.0\.1:{port}/signin/\S+", printed)) is None:
            line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
            assert line, f"the chat ended without a link: {printed}"
            printed += pseudo_locale.unmarked(line.decode())
        # As a browser does, and aiohttp only when told: keep cookies of an IP address.
        jar = aiohttp.CookieJar(unsafe=True)
        async with (
            aiohttp.ClientSession(cookie_jar=jar) as browser,
            browser.get(found.group(0)) as page,
        ):
            assert page.status == 200 and str(page.url).endswith(f":{port}/")
            html = pseudo_locale.unmarked(await page.text())
        assert all(item.title in html for item in WEEK1.items)
    finally:
        process.stdin.close()
        await asyncio.wait_for(process.wait(), timeout=60)
    assert process.returncode == 0
