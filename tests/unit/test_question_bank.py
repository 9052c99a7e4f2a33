"""The quiz question bank of the built-in track, checked straight from core/data/questions.toml.

These tests read the TOML file itself (not through a loader), so a broken bank fails here with
the id of the offending question. Every `code` snippet is run with the current interpreter and
its output must be the option marked as the answer.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2] / "core" / "data"
BANK_PATH = DATA / "questions.toml"
TRACK_PATH = DATA / "python_backend.toml"

MIN_QUESTIONS = 192
MIN_PER_WEEK = 8
MAX_ID = 16
MAX_TOPIC = 40
MAX_QUESTION = 300  # Telegram's limit for a poll question
MAX_OPTION = 55  # Discord's limit for a poll answer (Telegram allows 100)
MAX_EXPLANATION = 200  # Telegram's limit for a quiz explanation
MAX_EXPLANATION_LINE_FEEDS = 2
SNIPPET_TIMEOUT = 10

REQUIRED_KEYS = {"id", "week", "topic", "question", "options", "answer", "explanation"}
ALLOWED_KEYS = REQUIRED_KEYS | {"code"}
ID_PATTERN = re.compile(r"^(w\d{2})-q(\d{2})$")

# Snippets must stay offline and leave the disk alone.
FORBIDDEN_MODULES = {
    "ftplib",
    "http.client",
    "http.server",
    "imaplib",
    "poplib",
    "shutil",
    "smtplib",
    "socket",
    "socketserver",
    "ssl",
    "subprocess",
    "tempfile",
    "urllib.request",
    "webbrowser",
}
FORBIDDEN_CALLS = {"open", "input", "exec", "eval", "__import__", "breakpoint"}


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


BANK = _load(BANK_PATH)
QUESTIONS: list[dict[str, Any]] = BANK.get("questions", [])
WEEK_IDS: list[str] = [week["id"] for week in _load(TRACK_PATH)["weeks"]]
CODE_QUESTIONS = [q for q in QUESTIONS if "code" in q]


def _params(questions: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(q, id=str(q.get("id", f"#{i}"))) for i, q in enumerate(questions)]


def _normalized(text: str) -> str:
    """The text with each line stripped and leading/trailing blank lines dropped."""
    return "\n".join(line.strip() for line in text.strip().splitlines())


def _imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


# --- the bank as a whole -----------------------------------------------------------------------


def test_bank_loads_with_only_a_questions_list() -> None:
    assert set(BANK) == {"questions"}
    assert isinstance(QUESTIONS, list)
    assert all(isinstance(q, dict) for q in QUESTIONS)


def test_bank_has_enough_questions() -> None:
    assert len(QUESTIONS) >= MIN_QUESTIONS


def test_track_has_the_24_weeks_the_bank_covers() -> None:
    assert [f"w{n:02d}" for n in range(1, 25)] == WEEK_IDS


@pytest.mark.parametrize("week_id", WEEK_IDS)
def test_every_week_has_enough_questions(week_id: str) -> None:
    count = sum(1 for q in QUESTIONS if q.get("week") == week_id)
    assert count >= MIN_PER_WEEK, f"{week_id} has only {count} questions"


def test_ids_are_unique() -> None:
    repeated = [qid for qid, n in Counter(q.get("id") for q in QUESTIONS).items() if n > 1]
    assert not repeated


def test_question_texts_are_unique() -> None:
    texts = Counter(q.get("question", "").strip().casefold() for q in QUESTIONS)
    repeated = [text for text, n in texts.items() if n > 1]
    assert not repeated


def test_questions_are_grouped_by_week_in_track_order() -> None:
    order = {week_id: index for index, week_id in enumerate(WEEK_IDS)}
    positions = [order.get(q.get("week", ""), -1) for q in QUESTIONS]
    assert positions == sorted(positions)


# --- each question -----------------------------------------------------------------------------


@pytest.mark.parametrize("q", _params(QUESTIONS))
def test_keys_and_types(q: dict[str, Any]) -> None:
    assert not REQUIRED_KEYS - set(q), f"missing {sorted(REQUIRED_KEYS - set(q))}"
    assert set(q) <= ALLOWED_KEYS, f"unknown {sorted(set(q) - ALLOWED_KEYS)}"
    for key in ("id", "week", "topic", "question", "explanation"):
        assert isinstance(q[key], str), key
    assert isinstance(q["options"], list)
    assert all(isinstance(option, str) for option in q["options"])
    assert type(q["answer"]) is int
    if "code" in q:
        assert isinstance(q["code"], str)


@pytest.mark.parametrize("q", _params(QUESTIONS))
def test_id_is_well_formed_and_names_its_week(q: dict[str, Any]) -> None:
    qid = q["id"]
    assert len(qid) <= MAX_ID
    assert re.fullmatch(r"[a-z0-9-]+", qid)
    match = ID_PATTERN.fullmatch(qid)
    assert match, f"{qid} is not <week id>-q<NN>"
    assert match.group(1) == q["week"]
    assert int(match.group(2)) >= 1


@pytest.mark.parametrize("q", _params(QUESTIONS))
def test_week_exists_in_the_track(q: dict[str, Any]) -> None:
    assert q["week"] in WEEK_IDS


@pytest.mark.parametrize("q", _params(QUESTIONS))
def test_topic_question_and_explanation_fit_the_limits(q: dict[str, Any]) -> None:
    assert 1 <= len(q["topic"].strip()) == len(q["topic"]) <= MAX_TOPIC
    assert "\n" not in q["topic"]
    assert 1 <= len(q["question"].strip()) <= len(q["question"]) <= MAX_QUESTION
    assert 1 <= len(q["explanation"].strip()) <= len(q["explanation"]) <= MAX_EXPLANATION
    assert q["explanation"].count("\n") <= MAX_EXPLANATION_LINE_FEEDS


@pytest.mark.parametrize("q", _params(QUESTIONS))
def test_options_and_answer(q: dict[str, Any]) -> None:
    options = q["options"]
    assert 3 <= len(options) <= 4
    for option in options:
        assert 1 <= len(option) <= MAX_OPTION, option
        assert option.strip() == option, f"{option!r} has outer whitespace"
        assert "\n" not in option
    assert len({option.casefold() for option in options}) == len(options), "options repeat"
    assert 0 <= q["answer"] < len(options)


# --- code snippets -----------------------------------------------------------------------------


def test_there_are_code_questions() -> None:
    assert CODE_QUESTIONS


@pytest.mark.parametrize("q", _params(CODE_QUESTIONS))
def test_code_is_shown_in_the_question(q: dict[str, Any]) -> None:
    code = _normalized(q["code"])
    assert code, "empty code"
    assert code in _normalized(q["question"])


@pytest.mark.parametrize("q", _params(CODE_QUESTIONS))
def test_code_stays_offline_and_off_disk(q: dict[str, Any]) -> None:
    tree = ast.parse(q["code"])
    modules = _imported_modules(tree)
    not_stdlib = {m for m in modules if m.split(".")[0] not in sys.stdlib_module_names}
    assert not not_stdlib, f"not in the standard library: {sorted(not_stdlib)}"
    forbidden = {
        m for m in modules if m in FORBIDDEN_MODULES or m.split(".")[0] in FORBIDDEN_MODULES
    }
    assert not forbidden, f"forbidden modules: {sorted(forbidden)}"
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not calls & FORBIDDEN_CALLS, f"forbidden calls: {sorted(calls & FORBIDDEN_CALLS)}"


@pytest.mark.parametrize("q", _params(CODE_QUESTIONS))
def test_code_prints_the_answer(q: dict[str, Any], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-I", "-c", q["code"]],
        capture_output=True,
        text=True,
        timeout=SNIPPET_TIMEOUT,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == q["options"][q["answer"]]
