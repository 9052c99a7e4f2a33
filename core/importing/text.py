"""Cleaning and recognising the text of a roadmap: titles, time estimates, labels."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from core.kernel.reply import shortened
from core.learning.tracks import ItemKind

MAX_TITLE = 200  # a title is kept whole up to the track model's limit

_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "So", "Sk"})
_ASCII_DROPPED = re.compile(r"[\x00-\x1f\x7f^`]")  # the ASCII in those categories


def clean(text: str) -> str:
    """The text without control, format, private-use and symbol characters (emoji),
    its spaces collapsed."""
    if text.isascii():
        spaced = "  " in text or text[:1] == " " or text[-1:] == " "
        if not spaced and not _ASCII_DROPPED.search(text):
            return text  # already clean, as most text is
        text = _ASCII_DROPPED.sub("", text)
    else:
        dropped = {
            ord(c): None for c in set(text) if unicodedata.category(c) in _DROPPED_CATEGORIES
        }
        text = text.translate(dropped)
    return " ".join(text.split())  # runs of whitespace as one space, none at the ends


# Bullets, arrows and dashes an author typed before a title; "*args" and quotes stay.
SYMBOLS = re.compile(r"^[\s•·▪▫◦‣►▶→⇒✓✔☐☑\-–—:|>~]+")
_ESTIMATE_TEXT = (
    r"~?\d+(?:[.,]\d+)?\s*(?:(?:[-–—]|to)\s*\d+(?:[.,]\d+)?\s*)?"
    r"(?:hours?|hrs?|h|days?|weeks?|months?|mins?|minutes?)(?:\s*(?:/|per)\s*(?:week|day|wk))?"
)
_ESTIMATE = re.compile(rf"\(?\s*{_ESTIMATE_TEXT}\s*\)?", re.IGNORECASE)
# Only a set-off estimate is cut from a title: "Basics (6-8 weeks)", "Setup - 2 days";
# "Backend in 9 months" keeps its words.
TRAILING_ESTIMATE = re.compile(
    rf"(?:\s*\(\s*{_ESTIMATE_TEXT}\s*\)|\s+[-–—|]\s*{_ESTIMATE_TEXT})\s*$", re.IGNORECASE
)
# The ASCII an estimate can end with: ")" or a unit's last letter, in either case.
ESTIMATE_ENDINGS = frozenset(")hrsykneHRSYKNE")


def clean_title(text: str, limit: int = MAX_TITLE) -> str:
    """Item or week title: leading bullets and emoji gone, trailing time estimates gone,
    shortened between words past `limit`."""
    text = SYMBOLS.sub("", clean(text)).strip()
    if not text[-1:].isascii() or text[-1:] in ESTIMATE_ENDINGS:  # most titles end otherwise
        text = TRAILING_ESTIMATE.sub("", text)
    text = text.strip(" -–—:|,")
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()  # a list item's full stop reads oddly before ": done."
    return shortened(text, limit)


def is_time_estimate(text: str) -> bool:
    """ "3-4 days", "10–15 hrs/week", "(6-8 weeks)": understood, not imported as items."""
    return is_estimate(clean(text))


def is_estimate(cleaned: str) -> bool:
    """is_time_estimate of text already cleaned, as all text read from the document and
    every title is."""
    cleaned = cleaned.strip("*_ ")
    return bool(cleaned) and _ESTIMATE.fullmatch(cleaned) is not None


_COMPLETED = re.compile(r"^\W*(completed|done|finished)(\s+(on|date)\b|\s*:|\W*$)", re.IGNORECASE)


def is_completed_box(text: str) -> bool:
    return bool(_COMPLETED.match(text)) and len(text) < 60


# --- labels ------------------------------------------------------------------------

_LABELS: dict[str, ItemKind | None] = {
    "topics": ItemKind.LEARN,
    "topics to cover": ItemKind.LEARN,
    "topic": ItemKind.LEARN,
    "goals": ItemKind.LEARN,
    "learn": ItemKind.LEARN,
    "concepts": ItemKind.LEARN,
    "what you'll learn": ItemKind.LEARN,
    "what to learn": ItemKind.LEARN,
    "key concepts": ItemKind.LEARN,
    "objectives": ItemKind.LEARN,
    "learning objectives": ItemKind.LEARN,
    "study": ItemKind.LEARN,
    "practice": ItemKind.PRACTICE,
    "exercises": ItemKind.PRACTICE,
    "exercise": ItemKind.PRACTICE,
    "practice exercises": ItemKind.PRACTICE,
    "drills": ItemKind.PRACTICE,
    "tasks": ItemKind.PRACTICE,
    "homework": ItemKind.PRACTICE,
    "assignment": ItemKind.PRACTICE,
    "assignments": ItemKind.PRACTICE,
    "challenge": ItemKind.PRACTICE,
    "challenges": ItemKind.PRACTICE,
    "hands-on": ItemKind.PRACTICE,
    "hands-on practice": ItemKind.PRACTICE,
    "project": ItemKind.BUILD,
    "projects": ItemKind.BUILD,
    "mini project": ItemKind.BUILD,
    "mini-project": ItemKind.BUILD,
    "mini projects": ItemKind.BUILD,
    "mini-projects": ItemKind.BUILD,
    "build": ItemKind.BUILD,
    "capstone": ItemKind.BUILD,
    "practice project": ItemKind.BUILD,
    "practice projects": ItemKind.BUILD,
    "review": ItemKind.REVIEW,
    "reflection": ItemKind.REVIEW,
    "notes": ItemKind.REVIEW,
    # Resource categories: what follows are links for the topic above, not items.
    "book": None,
    "books": None,
    "video": None,
    "videos": None,
    "course": None,
    "courses": None,
    "article": None,
    "articles": None,
    "website": None,
    "websites": None,
    "resources": None,
    "podcast": None,
    "podcasts": None,
    "documentation": None,
    "docs": None,
    "tutorial": None,
    "tutorials": None,
    "links": None,
    "reading": None,
    "further reading": None,
}
_GOAL_LABELS = {"goal", "objective", "aim", "focus", "outcome"}
# "Practice" is the week's hands-on work: its project when the week names no other.
_PRACTICE_LABELS = {"practice", "hands-on", "hands-on practice"}


@dataclass(frozen=True)
class Label:
    kind: ItemKind | None  # None: a resource category ("Book"), its links go to the topic
    is_goal: bool = False
    practice: bool = False  # "Practice": the week's project if it has none


def label_for(key: str) -> Label | None:
    if key in _GOAL_LABELS:
        return Label(None, is_goal=True)
    if key in _LABELS:
        return Label(_LABELS[key], practice=key in _PRACTICE_LABELS)
    if key.endswith((" project", " projects", "project ideas")) and key.count(" ") < 4:
        # "Capstone Projects", "Portfolio project"; a sentence that ends in "projects"
        # ("Forking, contributing to open-source projects") is no label.
        return Label(ItemKind.BUILD)
    return None


# What comes before a label's colon: "Practice", "Practice Projects for Phase 1".
_LABEL_HEAD = re.compile(r"([A-Za-z][A-Za-z' -]{1,30}?)\s*(?:for [\w ]+?)?\s*")


def label(text: str) -> tuple[Label | None, str]:
    """(Label(practice), rest) for "Practice: build X"; (None, text) when there is no label.
    The text is cleaned, one line."""
    head, colon, rest = text.partition(":")
    if colon and (found := _short_head_label(head) if len(head) <= 60 else _head_label(head)):
        return found, rest.strip()
    key = text.strip().rstrip(":").strip()
    # A whole text is a label only without a colon inside: "Collaboration workflows:
    # Forking, ... projects" is a topic and its details.
    if ":" not in key and (found := label_for(key.lower())):
        return found, ""
    return None, text


def _head_label(head: str) -> Label | None:
    match = _LABEL_HEAD.fullmatch(head)
    return label_for(match[1].strip().lower()) if match else None


# Remembered: the same few heads ("Practice", "Project") start item after item.
_short_head_label = functools.lru_cache(maxsize=1024)(_head_label)
