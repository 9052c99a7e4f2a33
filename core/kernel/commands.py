"""Turning what a learner typed, or the button they pressed, into a command."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_MESSAGE_CHARS = 2000
MAX_ACTION_BYTES = 62  # Telegram allows 64 bytes of callback_data; adapters add a 2-byte prefix

COMMAND_NAMES = (
    "start",
    "today",
    "done",
    "undo",
    "week",
    "progress",
    "log",
    "note",
    "settings",
    "pause",
    "resume",
    "export",
    "forget",
    "help",
    "import",
    "quiz",
    "link",
    "group",
    "join",
    "leave",
    "leaderboard",
    "submit",
    "review",
    "share",
)
# What each command does, for the platforms' command menus.
DESCRIPTIONS = {
    "start": "Begin, or see where you are",
    "today": "Today's items, anything overdue, or a rest day",
    "done": "Tick the next item (or /done 3, /done yesterday)",
    "undo": "Take back the last tick",
    "week": "The whole week: checklist, goal, project",
    "progress": "Streak, weeks done, hours against your pace",
    "log": "Log study hours, e.g. /log 1.5",
    "note": "A reflection note for this week",
    "settings": "Time zone, nudge time, study days, pace, track",
    "pause": "Take a break without losing your streak",
    "resume": "Pick up after a break",
    "import": "Follow your own Markdown roadmap",
    "quiz": "A question on what you studied",
    "link": "Share one progress across Telegram, Discord and the console",
    "export": "All your data as JSON",
    "forget": "Delete everything about you",
    "help": "What I understand",
    "group": "Study group: set up (admins) or see its schedule",
    "join": "Join this chat's study group",
    "leave": "Leave this chat's study group",
    "leaderboard": "This week's standings in the group",
    "submit": "Share your practice project with the group",
    "review": "Review a member's project: /review 3 comment",
    "share": "Choose what the group sees of your progress",
}
ALIASES = {
    "t": "today",
    "d": "done",
    "w": "week",
    "p": "progress",
    "h": "help",
    "stats": "progress",
    "lb": "leaderboard",
    "standings": "leaderboard",
}


@dataclass(frozen=True)
class Command:
    name: str
    args: str = ""

    def as_action(self) -> str:
        """The payload of a button that runs this command."""
        action = f"{self.name}:{self.args}" if self.args else self.name
        if len(action.encode()) > MAX_ACTION_BYTES:
            raise ValueError(f"action {action!r} is longer than {MAX_ACTION_BYTES} bytes")
        return action

    @classmethod
    def from_action(cls, action: str) -> Command:
        name, _, args = action.partition(":")
        return cls(name.strip().lower(), args.strip())


@dataclass(frozen=True)
class Unparsed:
    """Input that is not a command; `reason` says why, for a friendly reply."""

    reason: str  # "empty" | "too_long" | "not_a_command" | "unknown_command"
    word: str = ""


# Terminal escape sequences (colours, cursor moves) pasted along with a command.
_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def clean_text(text: str, *, keep_newlines: bool = False) -> str:
    """Drop escape sequences, control and format characters a terminal or client may smuggle in."""
    text = _ANSI_ESCAPE.sub("", text)
    kept = []
    for char in text:
        if char == "\n" and keep_newlines:
            kept.append(char)
        elif char in "\t\r\n":
            kept.append(" ")
        elif unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co"}:
            kept.append(char)
    return "".join(kept).strip()


def parse(text: str) -> Command | Unparsed:
    if len(text) > MAX_MESSAGE_CHARS:
        return Unparsed("too_long")
    text = clean_text(text, keep_newlines=True)
    if not text:
        return Unparsed("empty")
    if not text.startswith("/"):
        return Unparsed("not_a_command")
    head, *rest = text[1:].split(maxsplit=1) or [""]
    args = rest[0] if rest else ""
    # "/done@coach_bot 3" in groups: which bot is addressed is the adapter's concern.
    word = head.split("@", 1)[0].strip().lower()
    word = ALIASES.get(word, word)
    if word not in COMMAND_NAMES:
        return Unparsed("unknown_command", word=head)
    return Command(word, clean_text(args, keep_newlines=word == "note"))
