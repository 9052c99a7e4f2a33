"""import_markdown(): real Markdown roadmaps in, validated tracks (or clear refusals) out.

The seed roadmaps live in ``shared/seeds`` beside the repository (CI clones it there too);
the tests that read them skip when that folder is absent.
"""

from __future__ import annotations

import gc
import random
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ftfy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.importing import markdown
from core.importing.collector import collector_paused
from core.importing.markdown import (
    MAX_TITLE,
    MAX_WEEKS,
    ImportedTrack,
    ImportRefused,
    _repair,
    import_markdown,
    is_time_estimate,
    preview,
)
from core.importing.text import clean
from core.learning.tracks import Item, ItemKind, Track, Week

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"seed roadmaps not found: expected the folder {SEEDS}"
)
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MOJIBAKE = ("â€", "Ã", "ğŸ", "â†", "âœ", "Â")


# --- helpers -----------------------------------------------------------------


def seed_path(prefix: str) -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed roadmaps not found: expected the folder {SEEDS}")
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    assert len(matches) == 1, f"expected one seed {prefix}_*.txt in {SEEDS}, found {matches}"
    return matches[0]


_SEED_CACHE: dict[str, ImportedTrack] = {}


def seed(prefix: str) -> ImportedTrack:
    if prefix not in _SEED_CACHE:
        path = seed_path(prefix)
        result = import_markdown(path.read_bytes(), source=path.name)
        assert isinstance(result, ImportedTrack), result
        _SEED_CACHE[prefix] = result
    return _SEED_CACHE[prefix]


def imported(text: str | bytes, **kwargs: str) -> ImportedTrack:
    data = text.encode() if isinstance(text, str) else text
    result = import_markdown(data, **kwargs)
    assert isinstance(result, ImportedTrack), result
    return result


def refused(data: bytes | str) -> str:
    result = import_markdown(data)
    assert isinstance(result, ImportRefused), result
    assert result.reason.strip()
    return result.reason


def week(result: ImportedTrack, number: int) -> Week:
    found = result.track.weeks[number - 1]
    assert found.number == number
    return found


def titles(w: Week) -> list[str]:
    return [i.title for i in w.items]


def kinds(w: Week) -> list[str]:
    return [i.kind.value for i in w.items]


def item(w: Week, title: str) -> Item:
    found = [i for i in w.items if i.title == title]
    assert len(found) == 1, f"{title!r} not among {titles(w)}"
    return found[0]


def all_items(track: Track) -> list[Item]:
    return [i for w in track.weeks for i in w.items]


def assert_valid(track: Track) -> None:
    assert isinstance(track, Track)
    assert track.title.strip()
    assert len(track.id) <= 24
    assert ID_PATTERN.match(track.id)
    assert 1 <= len(track.weeks) <= 520
    assert [w.number for w in track.weeks] == list(range(1, len(track.weeks) + 1))
    ids = [track.id] + [w.id for w in track.weeks] + [i.id for i in all_items(track)]
    assert len(ids) == len(set(ids)), "ids must be unique"
    for w in track.weeks:
        assert 1 <= len(w.items) <= 40
        assert w.title.strip()
        assert len(w.id) <= 24
        assert ID_PATTERN.match(w.id)
        for i in w.items:
            assert i.title.strip()
            assert len(i.id) <= 24
            assert ID_PATTERN.match(i.id)
            assert 0.25 <= i.hours <= 8


def two_weeks(first: str, second: str = "## Week 2: Next\n- next topic\n") -> str:
    return f"{first}\n\n{second}"


# --- the seed roadmaps ---------------------------------------------------------

SEED_SHAPES = {
    # prefix: (weeks, mapping, track id)
    "000": (12, "by its week headings", "backend-python-7a5c5a"),
    "001": (36, "by its week headings", "complete-python-c2ab12"),  # cut between words
    "002": (24, "by its week headings", "6-month-python-3955c6"),
    "003": (24, "without week numbers: each ## section became a week", "python-roadmap-001d25"),
    "004": (11, "without week numbers: each ## section became a week", "python-backend-9eb18e"),
}
SEED_TITLES = {
    "000": "Backend Python Development Learning Path",
    "001": "Complete Python Backend Developer Roadmap (2025)",
    "002": "6-Month Python Backend Developer Roadmap (Final Consolidated Version)",
    "003": "Python Roadmap",
    "004": "Python Backend Engineer Roadmap",
}
SEED_WEEK_TITLES = {
    "000": {
        1: "Python Basics",
        3: "Databases (SQL)",
        7: "User Authentication and Authorization",
        12: "Performance Optimization and Scaling",
    },
    "001": {
        1: "Core Basics (1/2)",
        2: "Core Basics (2/2)",
        17: "Web Framework (1/4)",  # "(Choose One - See Comparison Below)" is the choice
        20: "Web Framework (4/4)",
        36: "Production Readiness (4/4)",
    },
    "002": {
        1: "Python Basics, Environment & Git Foundations",
        8: "Relationships, Migrations & Transactions",
        18: "Redis Caching + Caching Theory",
        24: "Capstone Execution",
    },
    "003": {
        1: "Introduction",
        3: "Python Fundamentals",
        8: "Modules and Packages",
        24: "Final Projects",
    },
    "004": {
        1: "Step 0: Prerequisites",
        4: "Step 3: Operating System",
        5: "Databases",
        11: "Security",
    },
}


@needs_seeds
@pytest.mark.parametrize("prefix", sorted(SEED_SHAPES))
def test_seed_imports_with_expected_shape(prefix: str) -> None:
    weeks, mapping, track_id = SEED_SHAPES[prefix]
    result = seed(prefix)
    assert_valid(result.track)
    assert len(result.track.weeks) == weeks
    assert result.mapping == mapping
    assert result.track.title == SEED_TITLES[prefix]
    assert result.track.id == track_id


@needs_seeds
@pytest.mark.parametrize(
    ("prefix", "number", "title"),
    [(p, n, t) for p, by_week in SEED_WEEK_TITLES.items() for n, t in by_week.items()],
)
def test_seed_week_titles(prefix: str, number: int, title: str) -> None:
    assert week(seed(prefix), number).title == title


@needs_seeds
def test_seed_000_items_goal_and_skipped_boxes() -> None:
    result = seed("000")
    first = week(result, 1)
    assert first.goal == "Master the fundamentals of Python programming."
    assert first.items[0].title.startswith("Syntax: Variables")
    assert first.items[0].title == "Syntax: Variables, data types (int, float, str, bool), comments"
    # Each week's "**Practice:**" block is its project: it names no other.
    assert kinds(first) == ["learn"] * 7 + ["build"]
    assert first.projects == (
        "Build small projects like a calculator, to-do list app, and simple file parser",
    )
    assert [len(w.items) for w in result.track.weeks] == [8, 5, 5, 5, 5, 5, 4, 5, 5, 5, 5, 5]
    assert all(w.projects for w in result.track.weeks)
    # A topic whose details end in "projects" is a topic, not the week's project.
    second = week(result, 2)
    assert second.topics[-1] == (
        "Collaboration workflows: Forking, contributing to open-source projects"
    )
    assert second.projects == (
        "Set up your own GitHub repository and track your Python projects",
        "Contribute to a small open-source project on GitHub",
    )
    assert titles(week(result, 3)) == [
        "SQL Basics: SELECT, INSERT, UPDATE, DELETE, WHERE, JOIN, GROUP BY, ORDER BY",
        "Database Design: Tables, normalization, primary/foreign keys",
        "PostgreSQL or MySQL: Install and interact with a relational database",
        "Build a small inventory management system with a database",
        "Create a blog application where posts are stored in the database",
    ]
    everything = all_items(result.track)
    # "- [ ] **Completed on:** `MM/DD/YYYY`" boxes are not study items.
    assert not [i.title for i in everything if "Completed" in i.title or "MM/DD" in i.title]
    # Nor are the table-of-contents links ("- [Week 1: Python Basics](#week-1-python-basics)").
    assert not [i.title for i in everything if i.title.startswith("Week ")]
    assert all(not r.url.startswith("#") for i in everything for r in i.resources)
    # "## License" follows week 12 and adds nothing to it.
    assert not [i.title for i in everything if "open-source. Feel free" in i.title]


@needs_seeds
def test_seed_001_topic_table_with_what_you_learn_and_time() -> None:
    result = seed("001")
    assert titles(week(result, 1)) == [
        "Variables & Data Types: int, float, str, bool, type conversion",
        "Operators: arithmetic, comparison, logical, assignment",
    ]
    assert titles(week(result, 2)) == [
        "Input/Output: print(), input(), string formatting (f-strings)",
        "Conditionals: if, elif, else, nested conditions",
        "Loops: for, while, break, continue, range()",
    ]
    # The Time column is read as hours at two hours a day ("3-4 days" -> 7 h), not as items.
    assert [i.hours for i in week(result, 1).items] == [7.0, 3.0]
    assert [i.hours for i in week(result, 2).items] == [2.0, 5.0, 7.0]
    # "**Practice Projects for Phase 1:**" after the Week 7-8 table closes the span: the
    # topics are shared out over weeks 7 and 8, the projects are week 8's.
    assert titles(week(result, 7)) == [
        "Exception Handling: try, except, finally, raise, custom exceptions",
        "Classes & Objects: class, __init__, self, attributes, methods",
    ]
    assert week(result, 8).topics == (
        "Inheritance: parent/child classes, super()",
        "Encapsulation: public, private, protected members",
    )
    assert week(result, 8).projects == (
        "Calculator application",
        "To-do list (console based)",
        "Simple quiz game",
        "File-based contact manager",
    )
    # Phase 3's projects follow Week 21-24: the last of those weeks, not a week of their own.
    assert week(result, 24).projects == (
        "RESTful API for a blog",
        "User authentication system",
        "E-commerce product API",
    )
    assert not [w.number for w in result.track.weeks[20:23] if w.projects]
    assert week(result, 36).projects == (
        "Full-featured REST API with authentication",
        "Real-time chat application (WebSockets)",
        "Microservice architecture project",
    )
    assert [len(w.items) for w in result.track.weeks] == [
        2, 3, 2, 3, 2, 3, 2, 6, 2, 3, 3, 3, 2, 4, 2, 3, 2, 2,
        1, 2, 2, 2, 1, 5, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 5,
    ]  # fmt: skip
    # Nothing after the last week heading ("Framework Comparison", "Job-Ready Checklist").
    everything = [i.title for i in all_items(result.track)]
    assert "Build 3-4 portfolio projects" not in everything
    assert not [t for t in everything if t.startswith(("Fastest Python framework", "IDE"))]


@needs_seeds
def test_seed_002_mojibake_repaired() -> None:
    result = seed("002")
    first = week(result, 1)
    assert "–" not in first.title  # the "Week 1 –" separator is gone, not garbled
    assert titles(first) == [
        "Set up Python environment (python3, venv, VSCode/PyCharm)",
        "Learn syntax: variables, loops, conditionals, functions",
        "Understand Pythonic idioms (list/dict comprehensions, unpacking)",
        "Git fundamentals: init, add, commit, push, .gitignore, GitHub setup",
        "Simple CLI Calculator using argparse + first Git commits and GitHub push",
    ]
    build = first.items[-1]
    assert build.kind is ItemKind.BUILD
    assert build.title.startswith("Simple CLI Calculator using argparse")
    catalog = "Book Catalog API (Part 3) — author–book relationship + Alembic migration workflow"
    assert item(week(result, 8), catalog).kind is ItemKind.BUILD
    assert "Dependency Injection (FastAPI's Depends)" in titles(week(result, 16))
    texts = [result.track.title]
    for w in result.track.weeks:
        texts += [w.title, w.goal] + [i.title for i in w.items]
        texts += [r.title for i in w.items for r in i.resources]
    garbled = [t for t in texts if any(bad in t for bad in MOJIBAKE)]
    assert garbled == []
    # Week 24 has goals but no project; the pacing tables after it are not weeks.
    assert kinds(week(result, 24)) == ["learn"] * 4


@needs_seeds
def test_seed_003_numbered_sections_become_weeks() -> None:
    result = seed("003")
    assert titles(week(result, 1)) == [
        "What is Python",
        "Python use cases (automation, backend, data, networking, cloud)",
        "Python philosophy and syntax overview",
        "Python versions and ecosystem",
    ]
    # "### Core Syntax", "### Control Flow", "### Basic I/O" fold into their section's week.
    assert len(week(result, 3).items) == 9
    assert titles(week(result, 3))[3:5] == ["if / elif / else", "for loops"]
    assert [w.title for w in result.track.weeks if re.match(r"^\d", w.title)] == []
    assert result.warnings == [
        "Left out sections that are not study topics: “Learning Milestones”, “Notes”."
    ]
    everything = [i.title for i in all_items(result.track)]
    assert "Focus on understanding, not memorization" not in everything
    assert "OOP Mastery" not in everything


@needs_seeds
def test_seed_004_link_lists_become_topics_with_resources() -> None:
    result = seed("004")
    first = week(result, 1)
    assert titles(first) == ["Algorithms & Data Structures", "System Design", "Git"]
    assert kinds(first) == ["learn"] * 3
    algorithms, design, git = first.items
    assert len(algorithms.resources) == 9  # 3 books and 6 platforms
    assert algorithms.resources[0].title == "Grokking Algorithms by Aditya Bhargava"
    assert [r.title for r in design.resources] == [
        "System Design Interview by Alex Xu",
        "System Design Interview: Volume 2 by Alex Xu & Sahn Lam",
        "Educative - Grokking the System Design Interview",
    ]
    assert [(r.title, r.url) for r in git.resources] == [
        ("Git Course by Jadi", "https://faradars.org/courses/fvgit9609-git-github-gitlab"),
        ("Pro Git", "https://git-scm.com/book/en/"),
    ]
    assert titles(week(result, 2)) == ["Beginner", "Intermediate", "Advanced"]
    # A section of reading lists only: the section's topic is the one item.
    (os_item,) = week(result, 4).items
    assert os_item.title == "Operating System"
    assert len(os_item.resources) == 4
    # The table-of-contents links inside <details> are not items.
    everything = [i.title for i in all_items(result.track)]
    assert "Step 0: Prerequisites" not in everything
    assert "Where to Go Next?" not in everything


@needs_seeds
def test_seed_001_web_framework_is_a_choice_between_fastapi_and_django() -> None:
    track = seed("001").track
    block = track.weeks[16:20]
    assert [w.title for w in block] == [f"Web Framework ({n}/4)" for n in range(1, 5)]
    assert [w.choice for w in track.weeks if w.choice] == ["c1"] * 4
    for w in block:
        assert [(o.id, o.label) for o in w.options] == [("a", "FastAPI"), ("b", "Django")]
    # Each framework's seven topics are shared out over the four weeks, in order.
    assert [len(w.items) for w in block] == [2, 2, 1, 2]
    assert [i.title.split(":")[0] for w in block for i in w.items] == [
        "FastAPI Basics", "Pydantic Models", "Request Handling", "Response Models",
        "Dependency Injection", "Authentication", "Background Tasks",
    ]  # fmt: skip
    assert [i.title.split(":")[0] for w in block for i in w.alternatives] == [
        "Django Basics", "Models & ORM", "Views & URLs", "Templates",
        "Django REST Framework", "Authentication", "Admin Panel",
    ]  # fmt: skip
    assert {i.option for w in block for i in w.items} == {"a"}
    assert {i.option for w in block for i in w.alternatives} == {"b"}
    assert [i.id for i in (*block[0].items, *block[0].alternatives)] == [
        "w17-01", "w17-02", "w17-03", "w17-04",
    ]  # fmt: skip
    # The comparison of frameworks after the last week is not read as weeks or options.
    assert len(track.weeks) == 36


@needs_seeds
def test_seed_002_capstone_options_are_a_choice_of_projects() -> None:
    planning = week(seed("002"), 23)
    assert planning.choice == "c1"
    assert [o.label for o in planning.options] == [
        "Personal Finance Tracker API",
        "Project Management Backend",
        "E-commerce REST API",
    ]
    assert planning.topics == (
        "Choose capstone project",
        "Create system diagram & architecture plan",
        "Define models, endpoints, DB schema, background tasks",
    )
    assert planning.projects == ("Personal Finance Tracker API",)
    assert [(i.title, i.option) for i in planning.alternatives] == [
        ("Project Management Backend", "b"),
        ("E-commerce REST API", "c"),
    ]
    assert [w.number for w in seed("002").track.weeks if w.choice] == [23]


@needs_seeds
def test_seed_004_web_frameworks_are_a_choice() -> None:
    frameworks = week(seed("004"), 3)
    assert [o.label for o in frameworks.options] == ["Django", "FastAPI", "Flask"]
    assert [(i.title, i.option) for i in frameworks.items] == [
        ("List Of All Python Backend Web Frameworks", ""),
        ("Django", "a"),
    ]
    assert len(item(frameworks, "Django").resources) == 10
    assert [(i.title, i.option, len(i.resources)) for i in frameworks.alternatives] == [
        ("FastAPI", "b", 7),
        ("Flask", "c", 5),
    ]


@needs_seeds
def test_seed_warnings_name_skipped_sections() -> None:
    left_out, empty, options = seed("004").warnings
    assert left_out == (
        "Left out sections that are not study topics: “Podcasts”, “International Conferences”, "
        "“Where to Go Next?”, “Who to Follow Then?”, “Contribution”."
    )
    assert empty.startswith("Skipped empty sections: “Hands-on Experience”, “Caching”, “Testing”")
    assert "“Programming Paradigms”" in empty
    assert empty.endswith("“Reactive Systems”.")  # every one named, none hidden
    assert options == (
        "“Step 2: Python Web Frameworks”: left out the options with nothing under them: "
        "“Sanic”, “AIOHTTP”, “Bottle”, “Dash”."
    )
    assert "Notes" in seed("003").warnings[0]
    assert seed("000").warnings == []
    assert seed("001").warnings == []
    assert seed("002").warnings == []


@needs_seeds
@pytest.mark.parametrize("prefix", sorted(SEED_SHAPES))
def test_seed_items_are_never_time_estimates(prefix: str) -> None:
    track = seed(prefix).track
    estimates = [i.title for i in all_items(track) if is_time_estimate(i.title)]
    assert estimates == []
    assert [w.title for w in track.weeks if is_time_estimate(w.title)] == []


@needs_seeds
def test_seed_preview_000() -> None:
    text = preview(seed("000"))
    assert text.splitlines() == [
        "Backend Python Development Learning Path: 12 weeks, 62 items (read by its week headings).",
        "  Week 1: Python Basics (8 items)",
        "  Week 2: Git and Version Control (5 items)",
        "  Week 3: Databases (SQL) (5 items)",
        "  Week 4: Working with NoSQL Databases (5 items)",
        "  Week 5: Introduction to Web Frameworks (Flask) (5 items)",
        "  … and 7 more weeks",
    ]


@needs_seeds
def test_seed_preview_with_notes() -> None:
    text = preview(seed("004"), weeks_shown=2)
    lines = text.splitlines()
    assert lines[0] == (
        "Python Backend Engineer Roadmap: 11 weeks, 19 items "
        "(read without week numbers: each ## section became a week)."
    )
    assert lines[1:4] == [
        "  Week 1: Step 0: Prerequisites (3 items)",
        "  Week 2: Step 1: Python (3 items)",
        "  … and 9 more weeks",
    ]
    notes = [line for line in lines if line.startswith("Note: ")]
    assert len(notes) == 3
    assert "“Contribution”" in notes[0]
    assert "“Caching”" in notes[1]
    assert "Note: Left out sections that are not study topics: “Learning Milestones”, “Notes”." in (
        preview(seed("003"))
    )
    shown = preview(seed("001")).splitlines()
    assert shown[0].startswith("Complete Python Backend Developer Roadmap (2025): 36 weeks")
    assert any(line.startswith("Weeks 17–20: choose FastAPI or Django") for line in shown)
    assert any(line.startswith("Week 3: choose Django, FastAPI or Flask") for line in lines)


# --- syntax variants ---------------------------------------------------------------


@pytest.mark.parametrize(
    "heading",
    [
        "## Week 3: Databases",
        "### Week 3 – Databases",
        "# Week 3 - Databases",
        "## WEEK 3. Databases",
        "#### **Week 3 — Databases**",
        "## 🗄️ Week 3: Databases (5-6 hours)",
    ],
)
def test_week_heading_styles(heading: str) -> None:
    result = imported(f"{heading}\n- SQL\n- Joins\n\n## Week 4: APIs\n- REST\n")
    assert result.mapping == "by its week headings"
    assert [w.title for w in result.track.weeks] == ["Databases", "APIs"]
    assert [w.number for w in result.track.weeks] == [1, 2]
    assert titles(result.track.weeks[0]) == ["SQL", "Joins"]


def test_bold_heading_with_em_dash() -> None:
    result = imported(
        "#### **Week 1 — Setup**\n- Install Python\n\n#### **Week 2 — Basics**\n- Loops\n"
    )
    assert [(w.title, titles(w)) for w in result.track.weeks] == [
        ("Setup", ["Install Python"]),
        ("Basics", ["Loops"]),
    ]


def test_week_range_spans_its_weeks_with_items_in_order() -> None:
    result = imported("## Week 1-2: Core Basics\n- a\n- b\n- c\n- d\n- e\n\n## Week 3: More\n- f\n")
    assert [(w.number, w.title, titles(w)) for w in result.track.weeks] == [
        (1, "Core Basics (1/2)", ["a", "b"]),
        (2, "Core Basics (2/2)", ["c", "d", "e"]),
        (3, "More", ["f"]),
    ]


def test_week_range_longer_than_its_items_gets_consolidation_weeks() -> None:
    result = imported("## Week 1 to 3: Basics\n- only topic\n\n## Week 4: Next\n- x\n")
    assert [(w.title, titles(w), kinds(w)) for w in result.track.weeks] == [
        ("Basics (1/3)", ["Practise and consolidate: Basics"], ["practice"]),
        ("Basics (2/3)", ["only topic"], ["learn"]),
        ("Basics (3/3)", ["Practise and consolidate: Basics"], ["practice"]),
        ("Next", ["x"], ["learn"]),
    ]


def test_month_and_week_headings_are_renumbered_from_one() -> None:
    result = imported(
        "# Plan\n## Month 2 / Week 5: APIs\n- REST\n- HTTP\n\n## Month 2 / Week 6: Auth\n- JWT\n"
    )
    assert [(w.number, w.id, w.title) for w in result.track.weeks] == [
        (1, "w01", "APIs"),
        (2, "w02", "Auth"),
    ]
    assert titles(result.track.weeks[0]) == ["REST", "HTTP"]
    assert result.track.title == "Plan"


def test_task_lists_become_items_without_their_boxes() -> None:
    result = imported(
        two_weeks("## Week 1: Tasks\n- [ ] Install Python\n- [x] Learn loops\n- [X] Write tests")
    )
    assert titles(result.track.weeks[0]) == ["Install Python", "Learn loops", "Write tests"]


@pytest.mark.parametrize(
    ("column", "detail", "expected"),
    [
        ("Topic", "", ["Variables", "Loops"]),
        ("Topics", "", ["Variables", "Loops"]),
        ("Module", "", ["Variables", "Loops"]),
        ("Topic", "What You'll Learn", ["Variables: int, str", "Loops: for, while"]),
        ("Module", "Description", ["Variables: int, str", "Loops: for, while"]),
    ],
)
def test_topic_table_columns(column: str, detail: str, expected: list[str]) -> None:
    second = f" {detail} |" if detail else " Notes |"
    table = (
        f"## Week 1: Tables\n| {column} |{second} Time |\n|---|---|---|\n"
        "| Variables | int, str | 3-4 days |\n| Loops | for, while | 2 hours |\n"
    )
    result = imported(two_weeks(table))
    first = result.track.weeks[0]
    assert titles(first) == expected
    assert [i.hours for i in first.items] == [7.0, 2.0]


def test_table_without_a_topic_column_adds_nothing() -> None:
    result = imported(
        two_weeks("## Week 1: A\n- real topic\n\n| Pros | Cons |\n|---|---|\n| fast | new |")
    )
    assert titles(result.track.weeks[0]) == ["real topic"]


def test_labelled_blocks() -> None:
    result = imported(
        two_weeks(
            "## Week 1: Basics\nGoal: Learn the basics.\n\n"
            "**Topics to Cover:**\n- Variables\n  - ints and floats\n- Loops\n\n"
            "**Practice:**\n- Write a loop\n\n"
            "**Project:** build a calculator\n\n"
            "**Review:** what went wrong this week\n"
        )
    )
    first = result.track.weeks[0]
    assert first.goal == "Learn the basics."
    assert [(i.kind.value, i.title) for i in first.items] == [
        ("learn", "Variables"),
        ("learn", "Loops"),
        ("practice", "Write a loop"),
        ("build", "build a calculator"),
        ("review", "what went wrong this week"),
    ]


def test_text_under_a_project_label_is_that_project() -> None:
    result = imported(
        two_weeks("## Week 1: A\n- variables\n\n**Project:**\n🔹 Expense Tracker CLI.")
    )
    first = result.track.weeks[0]
    assert [(i.kind.value, i.title) for i in first.items] == [
        ("learn", "variables"),
        ("build", "Expense Tracker CLI"),
    ]


def test_items_are_ordered_learn_practice_build_review() -> None:
    result = imported(
        two_weeks("## Week 1: A\n- Project: the app\n- Practice: drills\n- Learn: basics")
    )
    assert kinds(result.track.weeks[0]) == ["learn", "practice", "build"]
    assert titles(result.track.weeks[0]) == ["basics", "drills", "the app"]


def test_links_under_a_topic_are_its_resources() -> None:
    result = imported(
        two_weeks(
            "## Week 1: Git\n- Git\n  - [Pro Git](https://git-scm.com/book/en/)\n"
            "  - Deeper\n    - [Docs](https://git-scm.com/doc)\n"
            "- [Real Python](https://realpython.com/)\n"
            "- [Anchor only](#week-1)\n"
        )
    )
    git, real_python, anchor = result.track.weeks[0].items
    assert git.title == "Git"
    assert [(r.title, r.url) for r in git.resources] == [
        ("Pro Git", "https://git-scm.com/book/en/"),
        ("Docs", "https://git-scm.com/doc"),
    ]
    assert real_python.title == "Real Python"
    assert [(r.title, r.url) for r in real_python.resources] == [
        ("Real Python", "https://realpython.com/")
    ]
    # A link to an anchor is not a resource (not http), but its text is still the item.
    assert anchor.title == "Anchor only"
    assert anchor.resources == ()


def test_resource_category_labels_attach_links_to_the_week() -> None:
    result = imported(
        two_weeks("## Week 1: A\n- SQL\n- **Books**\n  - [Learning SQL](https://example.com/sql)\n")
    )
    first = result.track.weeks[0]
    assert titles(first) == ["SQL"]
    assert [(r.title, r.url) for r in first.resources] == [
        ("Learning SQL", "https://example.com/sql")
    ]


def test_completed_boxes_and_time_estimates_are_not_items() -> None:
    result = imported(
        two_weeks(
            "## Week 1: A\n- Loops\n- 3-4 days\n- (6-8 weeks)\n- 10–15 hrs/week\n\n"
            "- [ ] **Completed on:** `MM/DD/YYYY`\n- [ ] Done: ____\n\n3-4 days\n"
        )
    )
    assert titles(result.track.weeks[0]) == ["Loops"]


def test_trailing_estimates_are_cut_from_titles_but_words_stay() -> None:
    result = imported(
        "## Week 1: Basics (6-8 weeks)\n- Setup - 2 days\n- Backend in 9 months\n\n"
        "## Week 2: More\n- x\n"
    )
    first = result.track.weeks[0]
    assert first.title == "Basics"
    assert titles(first) == ["Setup", "Backend in 9 months"]


def test_week_with_no_items_is_skipped_with_a_warning_and_the_rest_renumbered() -> None:
    result = imported(
        "## Week 1: A\n- x\n\n## Week 2: Caching\n(In Progress)\n\n## Week 3: C\n- y\n"
    )
    assert [(w.number, w.id, w.title) for w in result.track.weeks] == [
        (1, "w01", "A"),
        (2, "w02", "C"),
    ]
    assert result.warnings == ["Week 2 (“Caching”) has no items; skipped."]
    assert "Note: Week 2 (“Caching”) has no items; skipped." in preview(result)


def test_in_progress_sections_are_skipped_with_a_warning() -> None:
    result = imported(
        "# Roadmap\n## Databases\n- SQL\n\n## Caching\n\n(In Progress)\n\n## Testing\n- pytest\n"
    )
    assert [w.title for w in result.track.weeks] == ["Databases", "Testing"]
    assert result.warnings == ["Skipped empty sections: “Caching”."]


def test_repeated_week_numbers_warn() -> None:
    result = imported("## Week 1: A\n- x\n\n## Week 1: A again\n- y\n\n## Week 2: B\n- z\n")
    assert [(w.title, titles(w)) for w in result.track.weeks] == [("A", ["x"]), ("B", ["z"])]
    assert result.warnings == ["“Week 1: A again” repeats week 1; skipped."]


def test_sections_without_week_numbers_become_weeks_with_the_number_stripped() -> None:
    result = imported(
        "# Course\n## 07. Modules\n- import\n- packages\n\n## 08) Testing\n- pytest\n\n"
        "## Step 1: Tools\n- git\n\n## License\nMIT\n"
    )
    assert result.mapping == "without week numbers: each ## section became a week"
    assert [w.title for w in result.track.weeks] == ["Modules", "Testing", "Step 1: Tools"]
    assert titles(result.track.weeks[0]) == ["import", "packages"]
    assert result.warnings == ["Left out sections that are not study topics: “License”."]


def test_bullet_list_only_is_one_week() -> None:
    result = imported("- one\n- two\n- three\n", source="my-list.md")
    assert result.mapping == "as one list"
    (only,) = result.track.weeks
    assert only.title == "Roadmap"
    assert titles(only) == ["one", "two", "three"]
    assert result.track.title == "my list"


def test_a_single_week_heading_is_not_a_week_mapping() -> None:
    result = imported("# Plan\n## Week 1: Basics\n- a\n- b\n")
    assert result.mapping == "without week numbers: each ## section became a week"
    assert [w.title for w in result.track.weeks] == ["Week 1: Basics"]


def test_a_long_section_is_split_into_parts() -> None:
    many = "".join(f"- topic {n}\n" for n in range(1, 20))
    result = imported(f"# R\n## Big\n{many}\n## Small\n- x\n")
    assert [(w.title, len(w.items)) for w in result.track.weeks] == [
        ("Big (1/2)", 10),
        ("Big (2/2)", 9),
        ("Small", 1),
    ]
    assert titles(result.track.weeks[1])[0] == "topic 11"


def test_a_section_of_eighteen_items_stays_one_week() -> None:
    many = "".join(f"- topic {n}\n" for n in range(1, 19))
    result = imported(f"# R\n## Big\n{many}\n## Small\n- x\n")
    assert [(w.title, len(w.items)) for w in result.track.weeks] == [("Big", 18), ("Small", 1)]


def test_more_than_forty_items_in_a_week_are_capped_with_a_warning() -> None:
    many = "".join(f"- topic {n}\n" for n in range(1, 46))
    result = imported(two_weeks(f"## Week 1: A\n{many}"))
    first = result.track.weeks[0]
    assert len(first.items) == 40
    assert titles(first)[-1] == "topic 40"
    assert first.items[-1].id == "w01-40"
    assert result.warnings == ["Week 1 lists 45 items; kept the first 40."]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_decodes(codec: str) -> None:
    text = "## Week 1: Café – basics\n- naïve\n\n## Week 2: Next\n- x\n"
    data = text.encode(codec)
    if codec != "utf-16":
        data = "\ufeff".encode(codec) + data
    result = imported(data)
    assert [w.title for w in result.track.weeks] == ["Café – basics", "Next"]
    assert titles(result.track.weeks[0]) == ["naïve"]


def test_cp1252_bytes_decode() -> None:
    data = "## Week 1: Café – basics\n- naïve “quotes”\n\n## Week 2: Next\n- x\n".encode("cp1252")
    result = imported(data)
    assert [w.title for w in result.track.weeks] == ["Café – basics", "Next"]
    assert titles(result.track.weeks[0]) == ['naïve "quotes"']


def test_utf8_read_as_cp1252_is_repaired() -> None:
    garbled = "## Week 1 – Basics\n- Loops — and more\n\n## Week 2: Next\n- x\n"
    data = garbled.encode("utf-8").decode("cp1252").encode("utf-8")
    assert "â€" in data.decode("utf-8")
    result = imported(data)
    assert result.track.weeks[0].title == "Basics"
    assert titles(result.track.weeks[0]) == ["Loops — and more"]


def test_str_input_and_utf8_bom() -> None:
    text = "## Week 1: A\n- x\n\n## Week 2: B\n- y\n"
    from_str = import_markdown(text)
    from_bom = import_markdown(b"\xef\xbb\xbf" + text.encode())
    assert isinstance(from_str, ImportedTrack)
    assert isinstance(from_bom, ImportedTrack)
    assert from_str.track == from_bom.track


def test_title_comes_from_name_then_heading_then_source() -> None:
    text = "# Heading Title\n## Week 1: A\n- x\n\n## Week 2: B\n- y\n"
    assert imported(text, name="X").track.title == "X"
    assert imported(text, name="X").track.id.startswith("x-")
    assert imported(text, source="file.md").track.title == "Heading Title"
    no_heading = "## Week 1: A\n- x\n\n## Week 2: B\n- y\n"
    assert imported(no_heading, source="dir/backend_plan-2025.md").track.title == (
        "backend plan 2025"
    )
    assert imported(no_heading).track.title == "Imported roadmap"


def test_track_ids_are_deterministic_and_valid() -> None:
    text = "# Python Backend Developer Roadmap\n## Week 1: A\n- x\n\n## Week 2: B\n- y\n"
    first, again = imported(text), imported(text)
    assert first.track.id == again.track.id
    assert first.track == again.track
    changed = imported(text.replace("- y", "- z"))
    assert changed.track.id != first.track.id
    renamed = imported(text, name="Other")
    assert renamed.track.id != first.track.id
    for track in (first.track, changed.track, renamed.track):
        assert len(track.id) <= 24
        assert ID_PATTERN.match(track.id)
    assert first.track.id.startswith("python-backend-")
    assert len(first.track.id) == len("python-backend-") + 6
    assert imported("- x\n", name="入門").track.id.startswith("roadmap-")


# --- bad input -------------------------------------------------------------------


EXPECTS_MARKDOWN = "Markdown"


@pytest.mark.parametrize("data", [b"", b"   \n\t \r\n ", "", "\n\n\n"])
def test_empty_input_is_refused(data: bytes | str) -> None:
    reason = refused(data)
    assert reason.startswith("That file is empty.")
    assert "## Week 1" in reason
    assert EXPECTS_MARKDOWN in reason


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\x00\x01\x02\x03 stream endobj" * 20,
        b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
        bytes(range(1, 32)) * 40,
    ],
)
def test_binary_is_refused(data: bytes) -> None:
    reason = refused(data)
    assert "binary" in reason
    assert ".md" in reason


def test_random_bytes_with_nuls_are_refused() -> None:
    rng = random.Random(20261122)
    data = rng.randbytes(4096) + b"\x00" * 8 + rng.randbytes(512)
    reason = refused(data)
    assert "binary" in reason


def test_more_than_a_megabyte_is_refused() -> None:
    data = b"## Week 1: A\n- x\n\n## Week 2: B\n- y\n" + b"a" * 1_000_000
    reason = refused(data)
    assert "1 MB" in reason
    assert reason.startswith("That file is larger than 1 MB (1,000,035 bytes)")
    assert "(2,500,000 bytes)" in refused(b"- x\n" * 625_000)


def test_text_without_headings_or_lists_is_refused() -> None:
    reason = refused(b"Just some prose.\nAnother line of it.\n\nAnd a paragraph.\n")
    assert reason.startswith("I found no headings with lists of topics under them.")
    assert "Topic table" in reason


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html>\n<html><head><title>Roadmap</title></head>"
        b"<body><h1>Week 1</h1><ul><li>x</li></ul></body></html>",
        b"  <html lang='en'>\n<body>## Week 1: A\n- x\n</body></html>",
    ],
)
def test_html_page_is_refused(data: bytes) -> None:
    reason = refused(data)
    assert reason.startswith("That is an HTML page, not Markdown.")
    assert "(.md)" in reason


def test_html_markup_only_is_refused() -> None:
    reason = refused(b"<div>\n<p>Week 1</p>\n<ul><li>Python</li></ul>\n</div>\n")
    assert reason == "That file is HTML markup, not Markdown. Send the roadmap as Markdown (.md)."


def test_ten_thousand_week_headings_are_refused() -> None:
    data = "".join(f"## Week {n}: T{n}\n- item {n}\n\n" for n in range(1, 10_001)).encode()
    reason = refused(data)
    assert "10,000 weeks" in reason
    assert f"up to {MAX_WEEKS}" in reason


def test_the_most_weeks_are_accepted_and_one_more_is_not() -> None:
    text = "".join(f"## Week {n}: T{n}\n- item {n}\n\n" for n in range(1, MAX_WEEKS + 1))
    result = imported(text)
    assert len(result.track.weeks) == MAX_WEEKS
    assert result.track.weeks[-1].id == f"w{MAX_WEEKS}"
    assert f"{MAX_WEEKS + 1} weeks" in refused(text + f"## Week {MAX_WEEKS + 1}: T\n- x\n")
    assert "601 weeks" in refused(b"## Week 1-600: A\n- x\n\n## Week 601: B\n- y\n")


@pytest.mark.parametrize(
    "text",
    [
        "> " * 2000 + "- deep\n",
        "- " * 2000 + "deep\n",
        "## Week 1: A\n- x\n\n## Week 2: B\n" + "> " * 2000 + "- deep\n",
        "## Week 1: A\n- x\n\n## Week 2: B\n" + "- " * 2000 + "deep\n",
        "# R\n## S\n" + "".join("  " * n + "- item\n" for n in range(600)),
        "[" * 5000 + "x" + "](https://e.com)" * 5000,
        "*" * 20000 + "x" + "_" * 20000,
    ],
)
def test_deep_nesting_never_raises(text: str) -> None:
    result = import_markdown(text.encode())
    assert isinstance(result, ImportedTrack | ImportRefused)
    if isinstance(result, ImportedTrack):
        assert_valid(result.track)


# --- is_time_estimate --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3-4 days", True),
        ("10–15 hrs/week", True),
        ("(6-8 weeks)", True),
        ("**2 hours**", True),
        ("~3 weeks", True),
        ("1.5 h per day", True),
        ("2 to 3 months", True),
        ("Basics", False),
        ("3 apples", False),
        ("Week 3", False),
        ("Backend in 9 months", False),
        ("", False),
    ],
)
def test_is_time_estimate(text: str, expected: bool) -> None:
    assert is_time_estimate(text) is expected


# --- bugs found while writing these tests, fixed since ------------------------------------


@needs_seeds
def test_seed_001_keeps_the_star_of_args() -> None:
    assert "*args & **kwargs: variable arguments" in titles(week(seed("001"), 5))


@pytest.mark.parametrize(
    ("line", "expected"),
    [("*args and **kwargs", "*args and **kwargs"), ('"Quoted" talk', '"Quoted" talk')],
)
def test_leading_punctuation_that_is_text_is_kept(line: str, expected: str) -> None:
    result = imported(two_weeks(f"## Week 1: A\n- {line}"))
    assert titles(result.track.weeks[0]) == [expected]


@pytest.mark.parametrize(
    "line", ["- Practice: --", "**Project:** —", "- [" + "-" * 300 + "](https://example.com)"]
)
def test_one_odd_item_does_not_refuse_the_roadmap(line: str) -> None:
    result = import_markdown(two_weeks(f"## Week 1: A\n- real topic\n\n{line}\n"))
    assert isinstance(result, ImportedTrack), result
    assert "real topic" in titles(result.track.weeks[0])


@pytest.mark.parametrize("line", ["**Practice:** 3-4 days", "- Practice: 3-4 days"])
def test_labelled_time_estimate_is_not_an_item(line: str) -> None:
    result = imported(two_weeks(f"## Week 1: A\n- real topic\n\n{line}\n"))
    assert titles(result.track.weeks[0]) == ["real topic"]


def test_a_bare_label_word_bullet_is_an_item() -> None:
    result = imported(two_weeks("## Week 1: A\n- Loops\n- Practice\n- Project\n- Review"))
    assert kinds(result.track.weeks[0]) == ["learn", "practice", "build", "review"]


def test_items_starting_with_done_words_are_kept() -> None:
    result = imported(
        two_weeks(
            "## Week 1: A\n- Done criteria for user stories\n"
            "- Completed-tasks view for the to-do app\n- Finished goods inventory model\n"
        )
    )
    assert len(result.track.weeks[0].items) == 3


@needs_seeds
def test_seed_001_capstone_projects_are_build_items() -> None:
    result = seed("001")
    projects = ["Full-featured REST API with authentication", "Microservice architecture project"]
    capstones = [i for w in result.track.weeks[-2:] for i in w.items if i.title in projects]
    assert [i.kind for i in capstones] == [ItemKind.BUILD, ItemKind.BUILD]


@pytest.mark.parametrize(
    "text",
    [
        "**Week 1: Basics**\n- a\n- b\n\n**Week 2: More**\n- c\n",
        "Week 1-2: Core Basics\n\n- a\n- b\n\nWeek 3: More\n\n- c\n",
    ],
)
def test_paragraph_week_labels_are_weeks(text: str) -> None:
    result = imported(text)
    assert len(result.track.weeks) >= 2


# --- large roadmaps: each step reads the document once ------------------------------


def longest_roadmap() -> bytes:
    """The most an import may hold, MAX_WEEKS weeks of 40 items, with long titles and links,
    padded to the 1,000,000-byte limit."""
    lines = ["# The longest roadmap", ""]
    for number in range(1, MAX_WEEKS + 1):
        lines += [f"## Week {number}: Topic {number}", ""]
        for index in range(1, 41):
            lines.append(f"- Study part {index} of topic {number}, with its worked examples")
            if index % 10 == 0:
                lines.append(f"  - [Notes {index}](https://example.com/{number}/{index})")
        lines.append("")
    text = "\n".join(lines) + "\n## Notes\n\n"
    assert len(text) < 1_000_000
    return (text + "Keep a log. " * 100_000).encode()[:1_000_000]


def test_the_largest_accepted_roadmap_imports_every_item() -> None:
    data = longest_roadmap()
    assert len(data) == 1_000_000
    result = imported(data)
    assert_valid(result.track)
    assert len(result.track.weeks) == MAX_WEEKS
    items = all_items(result.track)
    assert len(items) == MAX_WEEKS * 40
    assert items[-1].id == f"w{MAX_WEEKS}-40"
    assert items[-1].title == f"Study part 40 of topic {MAX_WEEKS}, with its worked examples"
    assert [(r.title, r.url) for r in items[-1].resources] == [
        ("Notes 40", f"https://example.com/{MAX_WEEKS}/40")
    ]
    assert result.warnings == []
    assert preview(result).startswith(
        f"The longest roadmap: {MAX_WEEKS} weeks, {MAX_WEEKS * 40} items"
    )


def test_links_nested_eight_lists_deep_belong_to_their_topic() -> None:
    lines = ["## Week 1: Deep", "- Git"]
    lines += ["  " * depth + f"- [L{depth}](https://example.com/{depth})" for depth in range(1, 9)]
    lines.append("- After")
    result = imported(two_weeks("\n".join(lines)))
    git, after = result.track.weeks[0].items
    assert (git.title, after.title) == ("Git", "After")
    assert [r.title for r in git.resources] == [f"L{depth}" for depth in range(1, 9)]


REPAIRED = st.lists(
    st.one_of(
        st.text(max_size=8),
        st.sampled_from(
            [
                "&amp;", "&lt;b&gt;", "&#x2019;", "<b>", "\r\n", "\r", "\n", "\t", "\x0c",
                "\x1b[31m", "\x07", "\x7f", "café", "CafÃ©", "â€“", "ðŸš€", "\u2028", "\x85",
                "ﬁ", "ＡＢ", "“quoted”", "e\u0301", "plain ascii words",
            ]
        ),
    ),
    max_size=30,
).map("".join)  # fmt: skip


@settings(max_examples=800, deadline=None)
@given(REPAIRED)
def test_text_is_repaired_exactly_as_ftfy_repairs_it(text: str) -> None:
    assert _repair(text) == ftfy.fix_text(text, normalization="NFC")


@needs_seeds
@pytest.mark.parametrize("prefix", sorted(SEED_SHAPES))
def test_seeds_are_repaired_exactly_as_ftfy_repairs_them(prefix: str) -> None:
    text = seed_path(prefix).read_bytes().decode("utf-8-sig")
    assert _repair(text) == ftfy.fix_text(text, normalization="NFC")


def clean_one_character_at_a_time(text: str) -> str:
    kept = "".join(
        c
        for c in text
        if unicodedata.category(c) not in {"Cc", "Cf", "Co", "Cs", "So", "Sk"} or c == " "
    )
    return re.sub(r"\s+", " ", kept).strip()


@settings(max_examples=800, deadline=None)
@given(st.one_of(st.text(), st.text(st.characters(max_codepoint=127))))
def test_cleaning_keeps_the_same_characters(text: str) -> None:
    assert clean(text) == clean_one_character_at_a_time(text)


def test_the_collector_is_paused_while_a_roadmap_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    reading = markdown._import_text

    def observed(text: str, *, name: str | None, source: str) -> ImportedTrack | ImportRefused:
        seen.append(gc.isenabled())
        return reading(text, name=name, source=source)

    monkeypatch.setattr(markdown, "_import_text", observed)
    assert gc.isenabled()
    imported(two_weeks("## Week 1: A\n- x\n"))
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_runs_again_after_a_refusal_or_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refused(b"")
    assert gc.isenabled()

    def too_deep(text: str, *, name: str | None, source: str) -> ImportedTrack:
        raise RecursionError

    monkeypatch.setattr(markdown, "_import_text", too_deep)
    assert "too deeply" in refused("- x\n")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        imported(two_weeks("## Week 1: A\n- x\n"))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_nested_and_concurrent_pauses_resume_the_collector_once_all_end() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    data = longest_roadmap()[:100_000]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: import_markdown(data), range(4)))
    assert all(isinstance(result, ImportedTrack) for result in results)
    assert gc.isenabled()


# --- properties: import_markdown never raises ----------------------------------------


def check_result(result: object) -> None:
    assert isinstance(result, ImportedTrack | ImportRefused)
    if isinstance(result, ImportRefused):
        assert isinstance(result.reason, str)
        assert result.reason.strip()
        return
    assert_valid(result.track)
    assert isinstance(result.mapping, str)
    assert result.mapping
    assert all(isinstance(w, str) and w for w in result.warnings)
    assert isinstance(preview(result), str)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_never_raises(text: str) -> None:
    check_result(import_markdown(text))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_any_bytes_never_raise(data: bytes) -> None:
    check_result(import_markdown(data))


WORDS = st.sampled_from(
    [
        "Python", "SQL", "Git", "APIs", "async", "Docker", "tests", "basics", "Café", "naïve",
        "🚀", "✅", "—", "–", "&", "(1/2)", "`code`", "__init__", "*args", "\\", "|", ":",
        "Completed on:", "Done", "3-4 days", "(6-8 weeks)", "10–15 hrs/week", "Week", "",
    ]
)  # fmt: skip
RANDOM_TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
    st.text(max_size=4),  # now and then control characters too
)
PHRASE = st.lists(st.one_of(WORDS, RANDOM_TEXT), min_size=0, max_size=6).map(" ".join)
WEEK_NO = st.one_of(st.integers(1, 12), st.integers(0, 60), st.integers(0, 100_000))
URL = st.sampled_from(
    ["https://example.com/a", "http://x.org/b?c=d", "#anchor", "mailto:a@b.c", "https://", ""]
)
LINK = st.builds(lambda text, url: f"[{text}]({url})", PHRASE, URL)
LABEL = st.sampled_from(
    [
        "**Topics to Cover:**", "**Practice:**", "**Project:**", "Goal:", "**Goals:**",
        "Practice Projects for Phase 1:", "**Book**", "Resources:", "Review:", "Capstone:",
        "**Completed on:** `MM/DD/YYYY`", "(In Progress)", "Notes:", "Objective:",
        "Capstone Options:", "Choose one:", "**Option 1:**", "Option B -", "Path A:",
        "Week 3:", "**Day 4:**", "Month 2", "Exercise:", "Project ideas (pick one):",
    ]
)  # fmt: skip
INLINE = st.one_of(
    PHRASE,
    LINK,
    st.builds(lambda label, rest: f"{label} {rest}", LABEL, PHRASE),
    st.builds(lambda p: f"**{p}**", PHRASE),
    st.builds(lambda p: f"_{p}_", PHRASE),
    st.builds(lambda p, link: f"{p} {link} (English) (Free)", PHRASE, LINK),
    st.builds(lambda p: f"<span>{p}</span>", PHRASE),
    st.builds(lambda p: f"`{p}`", PHRASE),
    WORDS,
)
HEADING_TITLE = st.one_of(
    st.builds(lambda n, t: f"Week {n}: {t}", WEEK_NO, PHRASE),
    st.builds(lambda n, t: f"Week {n} – {t}", st.integers(1, 12), PHRASE),
    st.builds(lambda n, m, t: f"Week {n}-{m} – {t}", WEEK_NO, WEEK_NO, PHRASE),
    st.builds(lambda n, t: f"**Week {n} — {t}**", WEEK_NO, PHRASE),
    st.builds(lambda k, n, t: f"Month {k} / Week {n}: {t}", st.integers(0, 12), WEEK_NO, PHRASE),
    st.builds(lambda n, t: f"{n:02d}. {t}", st.integers(0, 120), PHRASE),
    st.builds(lambda n, t: f"Step {n}: {t}", st.integers(0, 9), PHRASE),
    st.builds(lambda n, t: f"Day {n}: {t}", WEEK_NO, PHRASE),
    st.builds(lambda n, m: f"Days {n}-{m}", WEEK_NO, WEEK_NO),
    st.builds(lambda n, t: f"Month {n}: {t}", st.integers(0, 14), PHRASE),
    st.builds(lambda n, t: f"Phase {n}", st.integers(0, 5), PHRASE),
    st.builds(lambda c, t: f"Option {c}: {t}", st.sampled_from("ABC12"), PHRASE),
    st.builds(lambda c, t: f"Path {c} - {t}", st.sampled_from("AB"), PHRASE),
    st.builds(lambda t: f"{t} (Choose One - See Comparison Below)", PHRASE),
    st.sampled_from(
        ["Table of Contents", "Notes", "Contribution", "License", "Podcasts", "Choose your path",
         "Project", "Practice Projects for Phase 3", "Final Project", "Resources"]
    ),
    PHRASE,
)  # fmt: skip
HEADING = st.builds(
    lambda level, title: "#" * level + " " + title, st.integers(1, 6), HEADING_TITLE
)
LIST_ITEM = st.builds(
    lambda depth, marker, text: "  " * depth + marker + text,
    st.integers(0, 6),
    st.sampled_from(["- ", "* ", "+ ", "- [ ] ", "- [x] ", "1. ", "2) ", "- ### ", "> - "]),
    INLINE,
)
LIST = st.lists(LIST_ITEM, min_size=1, max_size=12).map("\n".join)
COLUMN = st.one_of(
    st.sampled_from(
        [
            "Topic",
            "Topics",
            "Module",
            "What You'll Learn",
            "Time",
            "Description",
            "Pros",
            "Day",
            "Week",
            "Weeks",
            "Sprint",
            "Phase",
            "Focus",
            "Project",
            "Resources",
            "Duration",
        ]
    ),
    RANDOM_TEXT.map(lambda t: t.replace("|", "").replace("\n", " ")),
)


@st.composite
def tables(draw: st.DrawFn) -> str:
    header = draw(st.lists(COLUMN, min_size=1, max_size=4))
    rows = draw(
        st.lists(
            st.lists(
                st.one_of(INLINE, WORDS, WEEK_NO.map(str), st.just("1-2"), st.just("")),
                min_size=0,
                max_size=len(header) + 1,
            ),
            max_size=8,
        )
    )

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("\n", " ") for c in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header)] + [line(row) for row in rows])


FRAGMENT = st.one_of(
    HEADING,
    HEADING,
    LIST,
    LIST,
    tables(),
    INLINE,
    st.builds(lambda label: label, LABEL),
    st.builds(lambda p: f"```python\n{p}\n```", PHRASE),
    st.builds(lambda p: f"<div>\n{p}\n</div>", PHRASE),
    st.just("<details><summary>Table of Contents</summary>"),
    st.builds(
        lambda title, gap, body: f"<details><summary>{title}</summary>{gap}{body}{gap}</details>",
        HEADING_TITLE,
        st.sampled_from(["\n", "\n\n"]),
        LIST,
    ),
    st.sampled_from(["</details>", "<details>", "<summary>Week 2</summary>", "<br>"]),
    st.builds(lambda p: f"> {p}", INLINE),
    st.sampled_from(["---", "- [ ] **Completed on:** `MM/DD/YYYY`", "3-4 days", "(In Progress)"]),
)
GAP = st.sampled_from(["\n", "\n\n", "\n\n\n"])
SOUP = st.lists(st.tuples(FRAGMENT, GAP), max_size=40).map(
    lambda parts: "".join(fragment + gap for fragment, gap in parts)
)
BODY = st.one_of(LIST, LIST, tables(), INLINE, LABEL, st.just("(In Progress)"))
SECTION = st.builds(
    lambda heading, bodies: heading + "\n" + "".join(body + gap for body, gap in bodies),
    HEADING,
    st.lists(st.tuples(BODY, GAP), max_size=4),
)
STRUCTURED = st.builds(
    lambda title, sections: title + "".join(sections),
    st.sampled_from(["", "# Roadmap\n\n", "# 🚀 Python Backend (2025)\n\nIntro text.\n\n"]),
    st.lists(SECTION, min_size=1, max_size=15),
)
DOCUMENT = st.one_of(STRUCTURED, SOUP)


# Each run explores new documents outside CI, so a few hundred a run covers a lot over time.
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT, st.sampled_from(["str", "utf-8", "utf-16", "cp1252"]))
def test_markdownish_documents_never_raise(document: str, encoding: str) -> None:
    if encoding == "str":
        data: bytes | str = document
    elif encoding == "cp1252":
        data = document.encode("cp1252", errors="replace")
    else:
        data = document.encode(encoding, errors="surrogatepass")
    check_result(import_markdown(data, source="fuzz.md"))


def test_dunder_names_keep_their_underscores() -> None:
    """Markdown reads "__str__" as "str" in bold; in a roadmap it is the method."""
    result = imported(
        "# Python\n\n"
        "## Week 1: __main__ and modules\n\n"
        "- Classes: __init__, `__slots__`, self\n"
        "- Write __str__ and __repr__ for a __Bold claim__\n"
        "- Run [__init__.py files](https://example.org/init) as packages\n\n"
        "## Week 2: Iterators\n\n"
        "| Topic | What You'll Learn |\n| --- | --- |\n| Protocols | __iter__, __next__ |\n"
    )
    first, second = result.track.weeks
    assert first.title == "__main__ and modules"
    titles = [item.title for item in first.items]
    assert titles[0] == "Classes: __init__, __slots__, self"
    assert titles[1] == "Write __str__ and __repr__ for a Bold claim"  # a phrase stays bold
    assert "__init__.py files" in titles[2]
    assert "__iter__, __next__" in second.items[0].title


def test_seed_001s_dunder_methods_read_as_written() -> None:
    titles = [item.title for week in seed("001").track.weeks for item in week.items]
    assert "Magic/Dunder Methods: __str__, __repr__, __len__, __eq__" in titles
    assert "Iterators: __iter__, __next__, custom iterators" in titles
    assert any("__init__" in title for title in titles)


def test_titles_are_kept_whole_and_shortened_only_past_the_models_limit_between_words() -> None:
    long_title = "Build a blog application with users, posts and comments " * 2  # 112 chars
    longer = "Write tests " + "and more tests " * 20  # over 200
    result = imported(f"# Blogs\n\n## Week 1: Build\n\n- {long_title}\n- {longer}\n")
    kept, cut = (item.title for item in week(result, 1).items)
    assert kept == long_title.strip()
    assert len(cut) <= MAX_TITLE and cut.endswith("…")
    assert longer.startswith(cut[:-1]) and longer[len(cut) - 1] == " "  # between words


def test_the_preview_counts_one_item_in_the_singular() -> None:
    result = imported(
        "# Solo\n\n## Week 1: One\n\n- Only this\n\n## Week 2: Two\n\n- This\n- That\n"
    )
    shown = preview(result)
    assert "(1 item)" in shown and "(2 items)" in shown
